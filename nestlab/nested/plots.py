"""Figures of the nested-inference notebooks 20 (Construction) and 21 (Driving) (spec
``nested-reasoning.md`` Sec. 4).

Every function is ``plot_X(data, *, ax=None / axes=None, ...)``: it draws on the axes given, else
on a new figure from :func:`nestlab.plots.figure`, never calls ``plt.show()``, and returns what it
drew on (an Axes, or a 1-d array of Axes for a multi-panel figure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle, Wedge

from nestlab import checks
from nestlab.nested.domains.construction import Construction, ConstructionState
from nestlab.nested.domains.driving import ACTION_NAMES, GOAL_NAMES, STEP, Driving, DrivingState
from nestlab.nested.driving import N_EXIST, N_GOALS, N_HYP, DrivingEpisode
from nestlab.nested.episodes import Episode
from nestlab.plots import PALETTE, ensure_ax, ensure_axes

__all__ = ["BLOCK_COLORS", "CAR_COLORS", "COLORS", "LABELS", "driving_explorer",
           "episode_explorer", "plot_accuracy_by_decile", "plot_accuracy_kl",
           "plot_driving_accuracy", "plot_driving_frames", "plot_driving_step",
           "plot_driving_time", "plot_episode_frames", "plot_episode_step", "plot_ess",
           "plot_grid", "plot_intersection", "plot_time_per_step"]

LABELS = {"ei": "exact (EI)", "is": "NN + IS", "topk": "NN top-K", "uniform_is": "uniform IS",
          "nn": "NN alone", "tomnet": "ToMnet (NLL)", "uniform": "uniform"}
COLORS = {"ei": PALETTE[7], "is": PALETTE[0], "topk": PALETTE[2], "uniform_is": PALETTE[1],
          "nn": PALETTE[5], "tomnet": PALETTE[3], "uniform": PALETTE[4]}
BLOCK_COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
                "#bfef45", "#9a6324", "#469990")
CAR_COLORS = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3])
_PARTICLES = ("is", "topk", "uniform_is")
_FLAT = ("ei", "nn", "tomnet", "uniform")


def _row(axes, n: int, **figure_kwargs) -> np.ndarray:
    """``n`` axes in a row (given, or a new 1 x ``n`` figure) as a 1-d array."""
    return ensure_axes(axes, 1, n, **figure_kwargs).ravel()


def _flat(ax, value, method, style="--"):
    ax.axhline(value, color=COLORS[method], ls=style, lw=1.2, label=LABELS[method])


def _map_axes(ax):
    """A map's axes (a grid or the intersection): no ticks, no grid; returns ``ax``."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return ax


def _ms_against_k(ax, table: pd.DataFrame) -> float:
    """Each particle method's ms per step against K on ``ax``; returns EI's (its first row)."""
    for m in _PARTICLES:
        s = table[table.method == m].sort_values("k")
        ax.plot(s.k, s.ms_per_step, "o-", color=COLORS[m], label=LABELS[m])
    return float(table[table.method == "ei"].ms_per_step.iloc[0])


def _traces(traces: Mapping) -> Mapping:
    for m in checks.mapping("traces", traces):
        checks.choice("method (key of traces)", m, LABELS)
    return traces


# --------------------------------------------------------------------------- Construction
def plot_accuracy_kl(summary: pd.DataFrame, *, axes=None) -> np.ndarray:
    """Accuracy and KL(EI || method) against the % of the level-2 space evaluated (Fig. 1)."""
    checks.frame("summary", summary, ("method", "frac", "acc", "kl"))
    a1, a2 = _row(axes, 2, width=10)
    for m in _PARTICLES:
        s = summary[summary.method == m].sort_values("frac")
        a1.plot(100 * s.frac, s.acc, "o-", color=COLORS[m], label=LABELS[m])
        a2.plot(100 * s.frac, s.kl.clip(lower=1e-6), "o-", color=COLORS[m], label=LABELS[m])
    for m in _FLAT:
        row = summary[summary.method == m]
        if len(row):
            _flat(a1, float(row.acc.iloc[0]), m, "-" if m == "ei" else "--")
            if m != "ei":
                _flat(a2, max(float(row.kl.iloc[0]), 1e-6), m)
    a1.axvline(20, color="grey", lw=0.8, ls=":")
    a1.set(xlabel="% of hypothesis space evaluated", ylabel="accuracy (help vs hinder)")
    a2.set(xlabel="% of hypothesis space evaluated", ylabel="KL(EI || method)", yscale="log")
    a1.legend(fontsize=8)
    return np.array([a1, a2])


def plot_accuracy_by_decile(table: pd.DataFrame, *, k: int, ax=None):
    """Accuracy over episode progress (Fig. 2): ``table`` from
    :func:`~nestlab.nested.experiments.by_decile`, ``k`` the particles it was taken at."""
    checks.instance("table", table, pd.DataFrame)
    checks.integer("k", k, min=1)
    checks.choices("table.index", list(table.index), LABELS)
    ax = ensure_ax(ax)
    x = 10 * (np.asarray(table.columns, dtype=float) + 0.5)
    for m in table.index:
        lab = LABELS[m] + (f" (K={k})" if m in _PARTICLES else "")
        ax.plot(x, table.loc[m].to_numpy(), "o-", color=COLORS[m], label=lab)
    ax.set(xlabel="episode progress (%)", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    return ax


def plot_time_per_step(summary: pd.DataFrame, scaling: pd.DataFrame, *, axes=None) -> np.ndarray:
    """Wall time per online step against K and against |G| as blocks grow (Fig. 3), and the
    likelihood terms per step against |G| (what nesting multiplies)."""
    checks.frame("summary", summary, ("method", "k", "ms_per_step"))
    checks.frame("scaling", scaling, ("method", "k", "n_goals", "ms_per_step", "evals_per_step"))
    if not (summary.method == "ei").any():
        raise ValueError("invalid summary: no 'ei' row; valid: a summary() of a run_methods() "
                         "run with 'ei' among its methods")
    a1, a2, a3 = _row(axes, 3, width=13)
    _flat(a1, _ms_against_k(a1, summary), "ei", "-")
    a1.set(xlabel="particles K (level 2)", ylabel="ms per step")
    a1.legend(fontsize=8)
    for m in ("ei", "is"):
        s = scaling[scaling.method == m]
        lab = LABELS[m] + ("" if m == "ei" else f" (K={int(s.k.iloc[0])})")
        a2.plot(s.n_goals, s.ms_per_step, "o-", color=COLORS[m], label=lab)
        a3.plot(s.n_goals, s.evals_per_step, "o-", color=COLORS[m], label=lab)
    g = np.sort(scaling.n_goals.unique()).astype(float)
    a3.plot(g, g * (g + 3), ":", color="grey", label="|G|² + 3|G|")
    a2.set(xlabel="|G| (blocks 5..10)", ylabel="ms per step")
    a2.legend(fontsize=8)
    a3.set(xlabel="|G| (blocks 5..10)", ylabel="likelihood terms per step", yscale="log")
    a3.legend(fontsize=8)
    return np.array([a1, a2, a3])


def plot_ess(summary: pd.DataFrame, uncertainty: Mapping, *, k: int, axes=None) -> np.ndarray:
    """ESS against K, and error rate against ESS at ``k`` particles (Fig. 4)."""
    checks.frame("summary", summary, ("method", "k", "ess"))
    checks.mapping("uncertainty", uncertainty, required=("table", "spearman"))
    checks.frame("uncertainty['table']", uncertainty["table"], ("error", "ess"))
    checks.integer("k", k, min=1)
    a1, a2 = _row(axes, 2, width=10)
    for m in ("is", "uniform_is"):
        s = summary[summary.method == m].sort_values("k")
        a1.plot(s.k, s.ess, "o-", color=COLORS[m], label=LABELS[m])
    ks = summary[summary.method == "is"].k
    a1.plot(ks, ks, ":", color="grey", label="ESS = K")
    a1.set(xlabel="particles K", ylabel="mean ESS")
    a1.legend(fontsize=8)
    t = uncertainty["table"]
    a2.bar(np.arange(len(t)), t.error, color=COLORS["is"])
    a2.set_xticks(np.arange(len(t)), [f"{e:.1f}" for e in t.ess])
    a2.set(xlabel=f"mean ESS of the bin (K={k})", ylabel="error rate",
           title=f"Spearman(ESS, error) = {uncertainty['spearman']:.2f}")
    return np.array([a1, a2])


def plot_grid(domain: Construction, state: ConstructionState, *, goal: int | None = None,
              ax=None):
    """Grid with walls, blocks (colour = index; carried blocks faded, ``goal``'s pair edged),
    Alice (A) and Bob (B)."""
    checks.instance("domain", domain, Construction)
    checks.instance("state", state, ConstructionState)
    if goal is not None:
        checks.integer("goal", goal, min=0, max=len(domain.goals) - 1)
    ax = ensure_ax(ax)
    img = domain.wall.reshape(domain.H, domain.W).astype(float)
    ax.imshow(img, cmap="Greys", vmin=0, vmax=1.5)
    held = set(state.holding)
    goal_blocks = set(domain.goals[goal]) if goal is not None else set()
    for b, c in enumerate(state.block_pos):
        r, col = divmod(c, domain.W)
        ax.add_patch(Rectangle(
            (col - 0.35, r - 0.35), 0.7, 0.7, color=BLOCK_COLORS[b % 10],
            ec="black" if b in goal_blocks else "none", lw=2, alpha=0.5 if b in held else 1.0))
        ax.text(col, r, str(b), ha="center", va="center", fontsize=7, color="white")
    for name, c in zip("AB", state.agent_pos, strict=True):
        r, col = divmod(c, domain.W)
        ax.plot(col, r, "o", ms=14, mfc="none", mec="black", mew=2)
        ax.text(col + 0.3, r - 0.3, name, fontsize=9, weight="bold")
    return _map_axes(ax)


def _frame_steps(episode) -> list[int]:
    return [0, episode.n_steps // 2, episode.n_steps]


def plot_episode_frames(domain: Construction, episode: Episode, *, axes=None) -> np.ndarray:
    """The grid at the start, the middle and the end of a Construction episode."""
    checks.instance("episode", episode, Episode)
    axes = _row(axes, 3, width=10, height=3.4)
    for ax, t in zip(axes, _frame_steps(episode), strict=True):
        plot_grid(domain, episode.states[t], goal=episode.goal, ax=ax)
        ax.set_title(f"t = {t}")
    return axes


def plot_episode_step(domain: Construction, episode: Episode, t: int, traces: Mapping, *,
                      axes=None) -> np.ndarray:
    """Grid at step ``t`` + the level-1 posterior over Alice's goal + level-2 belief over Bob's goal.

    Args:
        traces: ``{method: Trace}`` (e.g. EI and IS), posteriors after step ``t``.
    """
    checks.instance("domain", domain, Construction)
    checks.integer("t", t, min=0, max=episode.n_steps - 1)
    _traces(traces)
    a0, a1, a2 = _row(axes, 3, width=12, height=3.6)
    plot_grid(domain, episode.states[t + 1], goal=episode.goal, ax=a0)
    names = {0: "help", 1: "hinder"}
    a0.set_title(f"step {t + 1}/{episode.n_steps}: Alice wants {domain.goals[episode.goal]};\n"
                 f"Bob {names[episode.social]}s, cued with {domain.goals[episode.cue]}", fontsize=9)
    ng = len(domain.goals)
    width = 0.8 / max(1, len(traces))
    for i, (m, tr) in enumerate(traces.items()):
        a1.bar(np.arange(ng) + i * width, tr.post1[t], width, color=COLORS[m], label=LABELS[m])
        ps = tr.post2[t].reshape(2, -1).sum(1)
        a2.bar(np.arange(2) + i * width, ps, width, color=COLORS[m], label=LABELS[m])
    a1.axvline(episode.goal + 0.4, color="black", ls=":", lw=1)
    a1.set(xlabel="Alice's goal (level-1 posterior from her actions)", ylabel="probability",
           ylim=(0, 1))
    a1.set_xticks(np.arange(ng), [f"{i}{j}" for i, j in domain.goals], fontsize=6)
    a2.set_xticks(np.arange(2) + 0.4, ["help", "hinder"])
    a2.set(ylabel="probability", ylim=(0, 1), title="level 2: Bob's social goal")
    a2.legend(fontsize=7)
    return np.array([a0, a1, a2])


def episode_explorer(domain: Construction, episode: Episode, traces: Mapping, *,
                     k: int) -> Callable[..., None]:
    """``show(t)`` for :func:`nestlab.plots.interactive`: :func:`plot_episode_step` at step ``t``
    and the ESS of the IS particles (``traces["is"]``, ``k`` particles) there."""
    return _explorer(plot_episode_step, domain, episode, traces, k=k, t=episode.n_steps - 1)


def _explorer(plot, domain, episode, traces: Mapping, *, k: int, t: int,
              **style) -> Callable[..., None]:
    """``show(t)``: ``plot(domain, episode, t, traces, **style)``, shown, then the ESS of the IS
    particles at step ``t``; ``t`` is the default step."""
    checks.integer("k", k, min=1)
    _traces(traces)
    if "is" not in traces:
        raise ValueError(f"invalid traces: keys {sorted(traces)}; valid: an 'is' trace among "
                         "them (its ESS is printed)")

    def show(t: int = t) -> None:
        plot(domain, episode, t, traces, **style)
        plt.show()
        print(f"ESS of the IS particles: {traces['is'].ess[t]:.2f} of K = {k}")

    return show


# --------------------------------------------------------------------------- Driving
def plot_intersection(domain: Driving, state: DrivingState, *, half_angle: float = 90.0,
                      cone_range: float = 4.0, visible: np.ndarray | None = None, ax=None):
    """The grid (buildings dark), each car as an arrow in its heading with its number, car 0's view
    cone, and a ring around the cars car 0 sees (``visible``)."""
    checks.instance("domain", domain, Driving)
    checks.instance("state", state, DrivingState)
    ax = ensure_ax(ax)
    S = domain.size
    ax.imshow(domain.building.reshape(S, S).astype(float), cmap="Greys", vmin=0, vmax=1.4)
    ax.imshow(np.where(domain.intersection, 0.25, np.nan).reshape(S, S), cmap="Greys",
              vmin=0, vmax=1, alpha=0.5)
    for i, (c, h, on) in enumerate(zip(state.cell, state.heading, state.active, strict=True)):
        if not on:
            continue
        r, col = domain.coords(c)
        dy, dx = STEP[h]
        ax.arrow(col - 0.3 * dx, r - 0.3 * dy, 0.5 * dx, 0.5 * dy, width=0.18,
                 color=CAR_COLORS[i % 4], length_includes_head=True)
        ax.text(col + 0.28, r - 0.28, str(i), fontsize=8, weight="bold")
        if visible is not None and i > 0 and visible[i]:
            ax.plot(col, r, "o", ms=16, mfc="none", mec="black", mew=1.5)
        if i == 0:
            ang = np.degrees(np.arctan2(dy, dx))  # data coordinates (y grows downwards)
            ax.add_patch(Wedge((col, r), cone_range, ang - half_angle, ang + half_angle,
                               color=CAR_COLORS[0], alpha=0.12))
    if state.crashed:
        ax.text(0.02, 0.98, "collision", transform=ax.transAxes, color="red", va="top",
                weight="bold")
    return _map_axes(ax)


def plot_driving_frames(domain: Driving, episode: DrivingEpisode, *, half_angle: float,
                        axes=None) -> np.ndarray:
    """The intersection at the start, the middle and the end of a Driving episode, car 0's view
    cone (``half_angle`` degrees) shaded and the cars it sees ringed."""
    checks.instance("episode", episode, DrivingEpisode)
    axes = _row(axes, 3, width=11, height=3.8)
    for ax, t in zip(axes, _frame_steps(episode), strict=True):
        s = episode.states[t]
        plot_intersection(domain, s, half_angle=half_angle,
                          visible=domain.visible(s, 0, half_angle), ax=ax)
        ax.set_title(f"t = {t}")
    return axes


def plot_driving_accuracy(table: pd.DataFrame, *, n_hyp: int = N_HYP, axes=None) -> np.ndarray:
    """Next-action accuracy, signal accuracy and KL(EI || method) against the % of the 72
    hypotheses evaluated (Fig. 1); flat lines for EI and the network-only methods."""
    checks.frame("table", table, ("method", "k", "acc", "signal_acc", "kl"))
    checks.integer("n_hyp", n_hyp, min=1)
    axes = _row(axes, 3, width=14)
    cols = (("acc", "next-action accuracy"), ("signal_acc", "signal accuracy"),
            ("kl", "KL(EI || method), next action"))
    for ax, (col, lab) in zip(axes, cols, strict=True):
        for m in _PARTICLES:
            s = table[table.method == m].sort_values("k")
            y = s[col].clip(lower=1e-6) if col == "kl" else s[col]
            ax.plot(100 * s.k / n_hyp, y, "o-", color=COLORS[m], label=LABELS[m])
        for m in _FLAT:
            row = table[table.method == m]
            if len(row) and not (col == "kl" and m == "ei"):
                v = float(row[col].iloc[0])
                ax.axhline(max(v, 1e-6) if col == "kl" else v, color=COLORS[m],
                           ls="-" if m == "ei" else "--", lw=1.2, label=LABELS[m])
        ax.set(xlabel="% of the 72 hypotheses evaluated", ylabel=lab, xscale="log")
        if col == "kl":
            ax.set_yscale("log")
    axes[0].axvline(100 * 9 / n_hyp, color="grey", lw=0.8, ls=":")
    axes[0].legend(fontsize=7)
    return axes


def plot_driving_time(table: pd.DataFrame, scaling: pd.DataFrame, *, axes=None) -> np.ndarray:
    """Wall time per online step against K (this run), and EI's and IS's time against the size of
    the enumerated space (Fig. 3), with the look-aheads formed per step."""
    checks.frame("table", table, ("method", "k", "ms_per_step"))
    checks.frame("scaling", scaling, ("method", "n_hyp", "ms_per_step", "evals_per_step",
                                      "rollouts_per_step"))
    a1, a2, a3 = _row(axes, 3, width=14)
    a1.axhline(_ms_against_k(a1, table), color=COLORS["ei"], label=LABELS["ei"])
    a1.set(xlabel="particles K", ylabel="ms per step", xscale="log")
    a1.legend(fontsize=7)
    for m in ("ei", "is"):
        s = scaling[scaling.method == m]
        lab = LABELS[m] + ("" if m == "ei" else " (uniform, K fixed)")
        a2.plot(s.n_hyp, s.ms_per_step, "o-", color=COLORS[m], label=lab)
        a3.plot(s.n_hyp, s.evals_per_step, "o-", color=COLORS[m], label=lab + ": likelihoods")
        a3.plot(s.n_hyp, s.rollouts_per_step, "s--", color=COLORS[m], label=lab + ": look-aheads")
    a2.set(xlabel="hypotheses enumerated", ylabel="ms per step", xscale="log")
    a2.legend(fontsize=7)
    a3.set(xlabel="hypotheses enumerated", ylabel="per step", xscale="log", yscale="log")
    a3.legend(fontsize=7)
    return np.array([a1, a2, a3])


def plot_driving_step(domain: Driving, episode: DrivingEpisode, t: int, traces: Mapping, *,
                      half_angle: float = 90.0, axes=None) -> np.ndarray:
    """The intersection after step ``t`` with car 0's view cone, then for each method in
    ``traces`` (``{method: DrivingTrace}``) the posterior over car 0's goal, over its existence
    cues' marginal per lane, and the predicted next action."""
    checks.instance("domain", domain, Driving)
    checks.integer("t", t, min=0, max=episode.n_steps - 1)
    _traces(traces)
    axes = _row(axes, 4, width=15, height=3.6)
    s = episode.states[t + 1]
    vis = domain.visible(s, 0, half_angle)
    plot_intersection(domain, s, half_angle=half_angle, visible=vis, ax=axes[0])
    axes[0].set_title(f"step {t + 1}/{episode.n_steps}: car 0 wants "
                      f"{GOAL_NAMES[episode.goals[0]]}", fontsize=9)
    width = 0.8 / max(1, len(traces))
    bits = (np.arange(N_EXIST)[:, None] >> np.arange(3)[None, :]) & 1
    for i, (m, tr) in enumerate(traces.items()):
        post = tr.post[t].reshape(N_GOALS, N_GOALS, N_EXIST)
        axes[1].bar(np.arange(3) + i * width, post.sum((1, 2)), width, color=COLORS[m],
                    label=LABELS[m])
        lane = post.sum((0, 1)) @ bits                      # P(bit = 1) per lane
        axes[2].bar(np.arange(3) + i * width, lane, width, color=COLORS[m], label=LABELS[m])
        if t + 1 < episode.n_steps:
            axes[3].bar(np.arange(5) + i * width, tr.pred[t], width, color=COLORS[m],
                        label=LABELS[m])
    axes[1].set_xticks(np.arange(3) + 0.4, GOAL_NAMES)
    axes[1].set(ylim=(0, 1), title="car 0's goal", ylabel="probability")
    axes[2].set_xticks(np.arange(3) + 0.4, ["west", "north", "east"])
    axes[2].set(ylim=(0, 1), title="car 0 was cued: a car is coming")
    axes[3].set_xticks(np.arange(5) + 0.4, [a.replace("turn-", "") for a in ACTION_NAMES],
                       fontsize=7)
    nxt = episode.actions[t + 1, 0] if t + 1 < episode.n_steps else None
    axes[3].set(ylim=(0, 1), title="next action" + (f" (taken: {ACTION_NAMES[nxt]})"
                                                    if nxt is not None else ""))
    axes[3].legend(fontsize=7)
    return axes


def driving_explorer(domain: Driving, episode: DrivingEpisode, traces: Mapping, *, k: int,
                     half_angle: float) -> Callable[..., None]:
    """``show(t)`` for :func:`nestlab.plots.interactive`: :func:`plot_driving_step` at step ``t``
    and the ESS of the IS particles (``traces["is"]``, ``k`` particles) there."""
    return _explorer(plot_driving_step, domain, episode, traces, k=k, t=episode.n_steps // 2,
                     half_angle=half_angle)
