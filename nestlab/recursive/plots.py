"""Figures for the GR2 notebooks, in the suite's style (:func:`nestlab.plots.figure`).

Every function draws on the axes it is given (or makes a figure) and returns the axes, so it
can be tested without rendering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nestlab import checks
from nestlab.plots import PALETTE, check_ax, figure
from nestlab.recursive import dynamics as dyn
from nestlab.recursive.games import MatrixGame, MaxOfTwoQuadratics

__all__ = ["plot_learning_curves", "plot_lyapunov", "plot_phase", "plot_quadratics",
           "plot_success_bars"]


def _trajectories(trajectories) -> dict:
    out = checks.mapping("trajectories", trajectories)
    for k, tr in out.items():
        checks.integer("level (key of trajectories)", k, min=0)
        checks.instance(f"trajectories[{k!r}]", tr, dyn.Trajectory)
    return out


def _ax(ax):
    if check_ax(ax) is None:
        _, ax = figure()
    return ax


def plot_phase(game: MatrixGame, trajectories: Mapping[int, dyn.Trajectory], *, ax=None,
               title: str | None = None):
    """Trajectories ``{level: Trajectory}`` in the (alpha, beta) square, centre marked."""
    checks.instance("game", game, MatrixGame)
    _trajectories(trajectories)
    ax = _ax(ax)
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
    ax = _ax(ax)
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
    ax = _ax(ax)
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
    ax = _ax(ax)
    vals = [summary[m][game][key] for m in methods]
    ax.bar(range(len(methods)), vals, color=[PALETTE[i % len(PALETTE)] for i in range(len(methods))])
    ax.set_xticks(range(len(methods)), methods, rotation=45, ha="right", fontsize=8)
    ax.set(ylabel=key.replace("_", " "), title=title or game)
    return ax


def plot_quadratics(final_positions: Mapping[str, np.ndarray], *, ax=None):
    """Contours of max-of-two-quadratics with each method's final positions ``[runs, 2]``."""
    for m, pos in checks.mapping("final_positions", final_positions).items():
        checks.array(f"final_positions[{m!r}]", pos, shape=(None, 2), finite=False)
    ax = _ax(ax)
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
