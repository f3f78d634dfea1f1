"""Figures of the Driving notebook (spec ``nested-reasoning.md`` Sec. 4; one style:
:func:`nestlab.plots.figure`, method colours shared with :mod:`nestlab.nested.plots`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Wedge

from nestlab.nested.domains.driving import ACTION_NAMES, GOAL_NAMES, STEP, Driving, DrivingState
from nestlab.nested.plots import COLORS, LABELS
from nestlab.plots import PALETTE, figure

__all__ = ["accuracy_vs_k", "draw_intersection", "episode_step", "time_per_step"]

CAR_COLORS = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3])


def draw_intersection(ax, domain: Driving, state: DrivingState, *, half_angle: float = 90.0,
                      cone_range: float = 4.0, visible: np.ndarray | None = None):
    """The grid (buildings dark), each car as an arrow in its heading with its number, car 0's view
    cone, and a ring around the cars car 0 sees (``visible``). Returns ``ax``."""
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
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return ax


def accuracy_vs_k(table: pd.DataFrame, *, n_hyp: int = 72):
    """Next-action accuracy, signal accuracy and KL(EI || method) against the % of the 72
    hypotheses evaluated (Fig. 1); flat lines for EI and the network-only methods."""
    fig, axes = figure(1, 3, width=14)
    cols = (("acc", "next-action accuracy"), ("signal_acc", "signal accuracy"),
            ("kl", "KL(EI || method), next action"))
    for ax, (col, lab) in zip(axes, cols, strict=True):
        for m in ("is", "topk", "uniform_is"):
            s = table[table.method == m].sort_values("k")
            y = s[col].clip(lower=1e-6) if col == "kl" else s[col]
            ax.plot(100 * s.k / n_hyp, y, "o-", color=COLORS[m], label=LABELS[m])
        for m in ("ei", "nn", "tomnet", "uniform"):
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


def time_per_step(table: pd.DataFrame, scaling: pd.DataFrame):
    """Wall time per online step against K (this run), and EI's and IS's time against the size of
    the enumerated space (Fig. 3), with the look-aheads formed per step."""
    fig, (a1, a2, a3) = figure(1, 3, width=14)
    for m in ("is", "topk", "uniform_is"):
        s = table[table.method == m].sort_values("k")
        a1.plot(s.k, s.ms_per_step, "o-", color=COLORS[m], label=LABELS[m])
    ei = table[table.method == "ei"]
    a1.axhline(float(ei.ms_per_step.iloc[0]), color=COLORS["ei"], label=LABELS["ei"])
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


def episode_step(domain: Driving, episode, t: int, traces: dict, *, half_angle: float = 90.0):
    """The intersection after step ``t`` with car 0's view cone, then for each method in
    ``traces`` (``{method: DrivingTrace}``) the posterior over car 0's goal, over its existence
    cues' marginal per lane, and the predicted next action."""
    from nestlab.nested.driving import N_EXIST, N_GOALS

    fig, axes = figure(1, 4, width=15, height=3.6)
    s = episode.states[t + 1]
    vis = domain.visible(s, 0, half_angle)
    draw_intersection(axes[0], domain, s, half_angle=half_angle, visible=vis)
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
