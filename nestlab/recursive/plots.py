"""Figures for the GR2 notebooks, in the suite's style (:func:`nestlab.plots.figure`).

Every ``plot_*`` function draws on the axes it is given (or makes a figure) and returns the
axes, so it can be tested without rendering. The ``*_explorer`` functions return the callback a
notebook hands to :func:`nestlab.plots.interactive`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nestlab import checks
from nestlab.plots import PALETTE, ensure_ax, ensure_axes
from nestlab.recursive import dynamics as dyn
from nestlab.recursive import experiments as ex
from nestlab.recursive.experiments import (
    CURVE_LABELS,
    BeautyMethods,
    BeautyResult,
    DynamicsResult,
    GamesResult,
    games_curves,
    setting_label,
)
from nestlab.recursive.games import MatrixGame, MaxOfTwoQuadratics, matrix_game

__all__ = ["GAME_PANELS", "beauty_explorer", "dynamics_explorer", "games_explorer",
           "plot_beauty_curves", "plot_dynamics", "plot_games_curves", "plot_games_success",
           "plot_learning_curves", "plot_lyapunov", "plot_phase", "plot_quadratics",
           "plot_reward_shapes", "plot_success_bars"]


def _trajectories(trajectories) -> dict:
    out = checks.mapping("trajectories", trajectories)
    for k, tr in out.items():
        checks.integer("level (key of trajectories)", k, min=0)
        checks.instance(f"trajectories[{k!r}]", tr, dyn.Trajectory)
    return out


def plot_phase(game: MatrixGame, trajectories: Mapping[int, dyn.Trajectory], *, ax=None,
               title: str | None = None):
    """Trajectories ``{level: Trajectory}`` in the (alpha, beta) square, centre marked."""
    checks.instance("game", game, MatrixGame)
    _trajectories(trajectories)
    ax = ensure_ax(ax)
    for i, (k, tr) in enumerate(sorted(trajectories.items())):
        p = tr.points.reshape(len(tr.t), -1, 2)[:, 0]
        label = "IGA (level 0)" if k == 0 else f"level {k}"
        ax.plot(p[:, 0], p[:, 1], color=PALETTE[i % len(PALETTE)], lw=1.2, label=label)
        ax.plot(p[0, 0], p[0, 1], "o", color=PALETTE[i % len(PALETTE)], ms=4)
    a0, b0 = dyn.centre(game)
    ax.plot(a0, b0, "k*", ms=10, label="mixed NE")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=r"$\alpha$ (row: P(first action))",
           ylabel=r"$\beta$ (column: P(first action))", title=title or game.name, aspect="equal")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_lyapunov(trajectories: Mapping[int, dyn.Trajectory], *, ax=None, title: str = "F(t)"):
    """``F(t)`` per level on a log axis (IGA is flat; higher levels decay)."""
    _trajectories(trajectories)
    ax = ensure_ax(ax)
    for i, (k, tr) in enumerate(sorted(trajectories.items())):
        F = np.asarray(tr.F).reshape(len(tr.t), -1)[:, 0]
        ax.semilogy(tr.t, np.maximum(F, 1e-16), color=PALETTE[i % len(PALETTE)],
                    label="IGA" if k == 0 else f"level {k}")
    ax.set(xlabel="t", ylabel="F (Lyapunov)", title=title)
    ax.legend(fontsize=8)
    return ax


def plot_learning_curves(numbers: Mapping[str, np.ndarray], *, equilibrium: float | None = None,
                         ax=None, title: str = "", ylabel: str = "mean chosen number",
                         methods: Sequence[str] | None = None):
    """Mean over runs (line) and min-max over runs (band) of ``numbers[method] [runs, T]``."""
    numbers = checks.mapping("numbers", numbers)
    for m in methods or list(numbers):
        checks.choice("method", m, list(numbers))
        checks.array(f"numbers[{m!r}]", numbers[m], ndim=2, finite=False)
    checks.finite_or_none("equilibrium", equilibrium)
    ax = ensure_ax(ax)
    for i, m in enumerate(methods or list(numbers)):
        c = np.asarray(numbers[m])
        t = np.arange(c.shape[1])
        col = PALETTE[i % len(PALETTE)]
        ax.plot(t, c.mean(0), color=col, lw=1.3, label=m)
        ax.fill_between(t, c.min(0), c.max(0), color=col, alpha=0.15, lw=0)
    if equilibrium is not None:
        ax.axhline(equilibrium, color="k", ls="--", lw=0.8, label="equilibrium")
    ax.set(xlabel="iteration", ylabel=ylabel, title=title)
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_success_bars(summary: Mapping[str, Mapping[str, Mapping[str, float]]], game: str, *,
                      key: str = "success", ax=None, title: str | None = None):
    """Bar chart of ``summary[method][game][key]`` across methods."""
    summary = checks.mapping("summary", summary)
    methods = [m for m in summary if game in summary[m]]
    if not methods:
        raise ValueError(f"unknown game {game!r}: no method of summary has it; valid choices: "
                         + ", ".join(sorted({g for v in summary.values() for g in v})))
    for m in methods:
        checks.mapping(f"summary[{m!r}][{game!r}]", summary[m][game], required=(key,))
    ax = ensure_ax(ax)
    vals = [summary[m][game][key] for m in methods]
    ax.bar(range(len(methods)), vals, color=[PALETTE[i % len(PALETTE)] for i in range(len(methods))])
    ax.set_xticks(range(len(methods)), methods, rotation=45, ha="right", fontsize=8)
    ax.set(ylabel=key.replace("_", " "), title=title or game)
    return ax


def plot_quadratics(final_positions: Mapping[str, np.ndarray] | GamesResult, *, ax=None):
    """Contours of max-of-two-quadratics with each method's final positions ``[runs, 2]``.

    Args:
        final_positions: ``{method: [runs, 2]}``, or a :class:`GamesResult`, whose
            :func:`~nestlab.recursive.experiments.final_positions` are drawn (``None`` is
            returned, nothing drawn, when it did not play the game).
    """
    if isinstance(final_positions, GamesResult):
        final_positions = ex.final_positions(final_positions)
        if not final_positions:
            return None
    for m, pos in checks.mapping("final_positions", final_positions).items():
        checks.array(f"final_positions[{m!r}]", pos, shape=(None, 2), finite=False)
    ax = ensure_ax(ax)
    g = np.linspace(-10, 10, 201)
    X, Y = np.meshgrid(g, g)
    Z = MaxOfTwoQuadratics.surface(X, Y)
    ax.contourf(X, Y, Z, levels=30, cmap="Greys", alpha=0.6)
    for i, (m, pos) in enumerate(final_positions.items()):
        pos = np.asarray(pos)
        ax.plot(pos[:, 0], pos[:, 1], "o", ms=4, color=PALETTE[i % len(PALETTE)], label=m,
                alpha=0.8)
    ax.plot(5, 5, "k*", ms=10)
    ax.plot(-5, -5, "kx", ms=8)
    ax.set(xlim=(-10, 10), ylim=(-10, 10), xlabel="$a_1$", ylabel="$a_2$", aspect="equal",
           title="max of two quadratics: final actions")
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_dynamics(res: DynamicsResult, *, axes=None):
    """One row per game of ``res``: its phase portrait and ``F(t)`` (notebook 30).

    Returns:
        The ``(games, 2)`` array of axes drawn on (``axes`` if given).
    """
    checks.instance("res", res, DynamicsResult)
    games = list(res.traj)
    axes = ensure_axes(axes, len(games), 2, width=9, height=4.2 * len(games))
    for i, g in enumerate(games):
        plot_phase(matrix_game(g), res.traj[g], ax=axes[i, 0])
        plot_lyapunov(res.traj[g], ax=axes[i, 1], title=f"{g}: F(t)")
    return axes


def dynamics_explorer(*, start: Sequence[float], dt: float, n_steps: int):
    """``show(game, level, zeta)``: IGA and one level's path from ``start`` (notebook 30's knobs)."""
    start = checks.array("start", start, shape=(2,), min=0, max=1)

    def show(game: str = "rotational", level: int = 1, zeta: float = 0.1):
        g = matrix_game(game)
        tr = {0: dyn.integrate(g, start, level=0, zeta=zeta, dt=dt, n_steps=n_steps),
              level: dyn.integrate(g, start, level=level, zeta=zeta, dt=dt, n_steps=n_steps)}
        axes = ensure_axes(None, 1, 2, width=9, height=4)
        plot_phase(g, tr, ax=axes[0, 0])
        plot_lyapunov(tr, ax=axes[0, 1])
        return axes

    return show


def plot_beauty_curves(res: BeautyResult, methods: BeautyMethods, *, axes=None):
    """One row per setting: the GR2-Lk learning curves, then GR2-M and the baselines (nb 31).

    Returns:
        The ``(settings, 2)`` array of axes drawn on.
    """
    checks.instance("res", res, BeautyResult)
    checks.instance("methods", methods, BeautyMethods)
    n = len(res.settings)
    axes = ensure_axes(axes, n, 2, width=11, height=3.2 * n)
    top = max(int(m.rsplit("L", 1)[-1]) for m in methods.levels) if methods.levels else 0
    others = list(methods.mixtures.values()) + list(methods.baselines)
    for i, s in enumerate(res.settings):
        plot_learning_curves({m: res.numbers[m][s] for m in methods.levels},
                             equilibrium=res.equilibrium[s], ax=axes[i, 0],
                             title=f"{s}: GR2-L1..L{top}")
        plot_learning_curves({m: res.numbers[m][s] for m in others},
                             equilibrium=res.equilibrium[s], ax=axes[i, 1],
                             title=f"{s}: GR2-M and baselines")
    return axes


def plot_reward_shapes(res: BeautyResult, methods: Sequence[str], *, ps: Sequence[float],
                       rewards: Sequence[str], threshold: float, axes=None):
    """Per p: mean distance to the equilibrium of ``methods``, one line style per reward (log y).

    Returns:
        The ``(1, len(ps))`` array of axes drawn on.
    """
    checks.instance("res", res, BeautyResult)
    ps = checks.sequence("ps", ps, min_len=1)
    axes = ensure_axes(axes, 1, len(ps), width=5 * len(ps), height=3.4)
    for ax, p in zip(axes[0], ps, strict=True):
        for r, ls in zip(rewards, ["-", "--"], strict=False):
            s = setting_label(p, r)
            for j, m in enumerate(methods):
                c = np.abs(res.numbers[m][s] - res.equilibrium[s])
                ax.plot(c.mean(0), ls=ls, color=f"C{j}", label=f"{m} {r}")
        ax.axhline(threshold, color="k", lw=0.6, ls=":")
        ax.set(yscale="log", xlabel="iteration", ylabel="|mean number - equilibrium|", title=f"p={p:g}")
        ax.legend(fontsize=7, ncol=2)
    return axes


def beauty_explorer(res: BeautyResult):
    """``show(method, setting)``: every run's mean chosen number of one method in one setting."""
    checks.instance("res", res, BeautyResult)

    def show(method: str = next(iter(res.numbers)), setting: str = res.settings[0]):
        c = res.numbers[method][setting]
        ax = ensure_ax(width=6, height=3.4)
        for r in range(c.shape[0]):
            ax.plot(c[r], lw=1, label=f"run {r}")
        ax.axhline(res.equilibrium[setting], color="k", ls="--", lw=0.8)
        ax.set(xlabel="iteration", ylabel="mean chosen number", title=f"{method}, {setting}",
               ylim=(-2, 102))
        ax.legend(fontsize=7)
        return ax

    return show


#: notebook 32's success panel per game: ``{game: (summary key, title)}``
GAME_PANELS = {"stag_hunt": ("success", "stag hunt: rate of (stag, stag)"),
               "rotational": ("final_distance", "rotational: distance to (0.5, 0.5)"),
               "max_of_two_quadratics": ("success", "quadratics: rate of finding (5, 5)")}


def plot_games_success(summary: Mapping, games: Sequence[str], *, axes=None):
    """One bar panel per game: each method's success rate or final distance (:data:`GAME_PANELS`).

    Returns:
        The ``(1, len(games))`` array of axes drawn on.
    """
    games = checks.choices("games", games, GAME_PANELS)
    axes = ensure_axes(axes, 1, len(games), width=4.2 * len(games), height=3.4)
    for ax, g in zip(axes[0], games, strict=True):
        key, title = GAME_PANELS[g]
        plot_success_bars(summary, g, key=key, ax=ax, title=title)
    return axes


def plot_games_curves(res: GamesResult, *, axes=None):
    """One panel per game of ``res``: every method's curve of :func:`games_curves`.

    Returns:
        The ``(1, len(res.games))`` array of axes drawn on.
    """
    checks.instance("res", res, GamesResult)
    curves = games_curves(res)
    axes = ensure_axes(axes, 1, len(res.games), width=4.2 * len(res.games), height=3.4)
    for ax, g in zip(axes[0], res.games, strict=True):
        plot_learning_curves(curves[g], ax=ax, title=g, ylabel=CURVE_LABELS[g])
    return axes


def games_explorer(res: GamesResult):
    """``show(method, game)``: every run's path of one method in one game (final point marked)."""
    checks.instance("res", res, GamesResult)

    def show(method: str = next(iter(res.actions)), game: str = res.games[0]):
        a = res.actions[method][game]
        ax = ensure_ax(width=5, height=4)
        scale = 10.0 if game == "max_of_two_quadratics" else None
        for r in range(a.shape[0]):
            xy = scale * a[r] if scale else (a[r] + 1) / 2
            ax.plot(xy[:, 0], xy[:, 1], lw=0.8)
            ax.plot(xy[-1, 0], xy[-1, 1], "ko", ms=3)
        lim = (-10, 10) if scale else (0, 1)
        ax.set(xlim=lim, ylim=lim, title=f"{method} on {game}", aspect="equal",
               xlabel="player 1" + ("" if scale else " P(first action)"), ylabel="player 2")
        return ax

    return show
