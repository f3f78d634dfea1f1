"""Figures of the nested-inference notebook (one style: :func:`nestlab.plots.figure`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from nestlab import checks
from nestlab.nested.domains.construction import Construction, ConstructionState
from nestlab.plots import PALETTE, figure

__all__ = ["BLOCK_COLORS", "COLORS", "LABELS", "accuracy_by_decile", "accuracy_kl_vs_fraction",
           "draw_grid", "episode_step", "ess_plots", "time_per_step"]

LABELS = {"ei": "exact (EI)", "is": "NN + IS", "topk": "NN top-K", "uniform_is": "uniform IS",
          "nn": "NN alone", "tomnet": "ToMnet (NLL)", "uniform": "uniform"}
COLORS = {"ei": PALETTE[7], "is": PALETTE[0], "topk": PALETTE[2], "uniform_is": PALETTE[1],
          "nn": PALETTE[5], "tomnet": PALETTE[3], "uniform": PALETTE[4]}
BLOCK_COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
                "#bfef45", "#9a6324", "#469990")


def _frame(name: str, df, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` if it is a DataFrame with ``columns`` (what the experiments module returns)."""
    return checks.frame(name, df, columns)


def _flat(ax, value, method, style="--"):
    ax.axhline(value, color=COLORS[method], ls=style, lw=1.2, label=LABELS[method])


def accuracy_kl_vs_fraction(summary: pd.DataFrame):
    """Accuracy and KL(EI || method) against the % of the level-2 space evaluated (Fig. 1)."""
    _frame("summary", summary, ("method", "frac", "acc", "kl"))
    fig, (a1, a2) = figure(1, 2, width=10)
    for m in ("is", "topk", "uniform_is"):
        s = summary[summary.method == m].sort_values("frac")
        a1.plot(100 * s.frac, s.acc, "o-", color=COLORS[m], label=LABELS[m])
        a2.plot(100 * s.frac, s.kl.clip(lower=1e-6), "o-", color=COLORS[m], label=LABELS[m])
    for m in ("ei", "nn", "tomnet", "uniform"):
        row = summary[summary.method == m]
        if len(row):
            _flat(a1, float(row.acc.iloc[0]), m, "-" if m == "ei" else "--")
            if m != "ei":
                _flat(a2, max(float(row.kl.iloc[0]), 1e-6), m)
    a1.axvline(20, color="grey", lw=0.8, ls=":")
    a1.set(xlabel="% of hypothesis space evaluated", ylabel="accuracy (help vs hinder)")
    a2.set(xlabel="% of hypothesis space evaluated", ylabel="KL(EI || method)", yscale="log")
    a1.legend(fontsize=8)
    return fig


def accuracy_by_decile(table: pd.DataFrame, *, k: int):
    """Accuracy over episode progress (Fig. 2)."""
    checks.instance("table", table, pd.DataFrame)
    checks.integer("k", k, min=1)
    checks.choices("table.index", list(table.index), LABELS)
    fig, ax = figure()
    x = 10 * (np.asarray(table.columns, dtype=float) + 0.5)
    for m in table.index:
        lab = LABELS[m] + (f" (K={k})" if m in ("is", "topk", "uniform_is") else "")
        ax.plot(x, table.loc[m].to_numpy(), "o-", color=COLORS[m], label=lab)
    ax.set(xlabel="episode progress (%)", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    return fig


def time_per_step(summary: pd.DataFrame, scaling: pd.DataFrame):
    """Wall time per online step against K and against |G| as blocks grow (Fig. 3), and the
    likelihood terms per step against |G| (what nesting multiplies)."""
    _frame("summary", summary, ("method", "k", "ms_per_step"))
    _frame("scaling", scaling, ("method", "k", "n_goals", "ms_per_step", "evals_per_step"))
    if not (summary.method == "ei").any():
        raise ValueError("invalid summary: no 'ei' row; valid: a summary() of an evaluate() run "
                         "with 'ei' among its methods")
    fig, (a1, a2, a3) = figure(1, 3, width=13)
    for m in ("is", "topk", "uniform_is"):
        s = summary[summary.method == m].sort_values("k")
        a1.plot(s.k, s.ms_per_step, "o-", color=COLORS[m], label=LABELS[m])
    ei = summary[summary.method == "ei"]
    _flat(a1, float(ei.ms_per_step.iloc[0]), "ei", "-")
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
    return fig


def ess_plots(summary: pd.DataFrame, uncertainty: dict, *, k: int):
    """ESS against K, and error rate against ESS at ``k`` particles (Fig. 4)."""
    _frame("summary", summary, ("method", "k", "ess"))
    checks.mapping("uncertainty", uncertainty, required=("table", "spearman"))
    _frame("uncertainty['table']", uncertainty["table"], ("error", "ess"))
    checks.integer("k", k, min=1)
    fig, (a1, a2) = figure(1, 2, width=10)
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
    return fig


def draw_grid(ax, domain: Construction, state: ConstructionState, *, goal: int | None = None) -> None:
    """Grid with walls, blocks (colour = index; carried blocks ringed), Alice (A) and Bob (B)."""
    from nestlab.plots import check_ax

    if check_ax(ax) is None:
        raise TypeError("invalid type for ax: NoneType; valid types: matplotlib Axes")
    checks.instance("domain", domain, Construction)
    checks.instance("state", state, ConstructionState)
    if goal is not None:
        checks.integer("goal", goal, min=0, max=len(domain.goals) - 1)
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
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def episode_step(domain: Construction, episode, t: int, traces: dict):
    """Grid at step ``t`` + the level-1 posterior over Alice's goal + level-2 belief over Bob's goal.

    Args:
        traces: ``{method: Trace}`` (e.g. EI and IS), posteriors after step ``t``.
    """
    checks.instance("domain", domain, Construction)
    checks.integer("t", t, min=0, max=episode.n_steps - 1)
    for m in checks.mapping("traces", traces):
        checks.choice("method (key of traces)", m, LABELS)
    fig, (a0, a1, a2) = figure(1, 3, width=12, height=3.6)
    draw_grid(a0, domain, episode.states[t + 1], goal=episode.goal)
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
    return fig
