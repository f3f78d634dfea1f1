"""Figures of the Level-of-Influence notebooks 40 and 41 (suite style from :mod:`nestlab.plots`).

Every ``plot_*`` function draws on the axes it is given (``ax=``, or ``axes=`` for a row of
panels) or makes a figure, and returns what it drew on, so it can be tested without rendering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nestlab import checks
from nestlab.plots import PALETTE, ensure_ax, ensure_axes

__all__ = ["plot_allocation_gains", "plot_block_returns", "plot_label_check", "plot_loi_bars",
           "plot_null_histogram", "plot_study_curves"]


def _labelled(name: str, values, labels, labels_name: str = "labels") -> np.ndarray:
    values = checks.array(name, values, ndim=1)
    labels = checks.sequence(labels_name, labels)
    if len(labels) != values.size:
        raise ValueError(f"invalid {labels_name}: {len(labels)} labels for {values.size} {name}; "
                         f"valid: one label per value")
    return values


def _ranked_bars(heights, labels, order, highlight: int, *, ylabel: str, title: str, ax):
    """Bars ``heights[order]`` labelled ``labels[order]``, bar ``highlight`` in the accent colour."""
    ax = ensure_ax(ax, width=7.0)
    ax.bar(np.arange(len(order)), np.asarray(heights)[order],
           color=[PALETTE[1] if i == highlight else PALETTE[0] for i in order])
    ax.set_xticks(np.arange(len(order)), [labels[i] for i in order], rotation=90, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_loi_bars(tables: Mapping[str, np.ndarray], rows: Sequence[str], cols: Sequence[str], *,
                  null_level: float | None = None, ylabel: str = "LoI (nats)", axes=None):
    """One panel per row (game): grouped bars of several LoI tables ``(row, col)``.

    Returns:
        The ``(len(rows),)`` array of axes drawn on.
    """
    rows, cols = checks.sequence("rows", rows, min_len=1), checks.sequence("cols", cols, min_len=1)
    for name, tab in checks.mapping("tables", tables).items():
        checks.array(f"tables[{name!r}]", tab, shape=(len(rows), len(cols)), finite=False)
    checks.finite_or_none("null_level", null_level)
    axes = ensure_axes(axes, 1, len(rows), sharey=True)[0]
    width = 0.8 / max(len(tables), 1)
    x = np.arange(len(cols))
    for i, (ax, row) in enumerate(zip(axes, rows, strict=True)):
        for j, (name, tab) in enumerate(tables.items()):
            ax.bar(x + (j - (len(tables) - 1) / 2) * width, np.asarray(tab)[i], width,
                   color=PALETTE[j % len(PALETTE)], label=name)
        if null_level is not None:
            ax.axhline(null_level, color="k", lw=0.8, ls="--")
        ax.set_xticks(x, [str(c) for c in cols])
        ax.set_title(str(row))
        ax.axhline(0.0, color="k", lw=0.5)
    axes[0].set_ylabel(ylabel)
    axes[-1].legend(fontsize=8)
    return axes


def plot_null_histogram(null_scenario: np.ndarray, observed: float, *, title: str = "", ax=None):
    """Permutation null of a scenario's plug-in LoI with the observed value."""
    checks.array("null_scenario", null_scenario, ndim=1)
    checks.real("observed", observed)
    ax = ensure_ax(ax)
    ax.hist(null_scenario, bins=30, color=PALETTE[0], alpha=0.8, label="label-shuffled")
    ax.axvline(observed, color=PALETTE[1], lw=2, label="observed")
    ax.set_xlabel("plug-in LoI (nats)")
    ax.set_ylabel("permutations")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_allocation_gains(gains: np.ndarray, labels: Sequence[str], chosen: int, *, title: str = "",
                          ax=None):
    """Gain over uniform PP3 of every budget-equal allocation, the LoI-guided one highlighted."""
    gains = _labelled("gains", gains, labels)
    checks.integer("chosen", chosen, min=0, max=gains.size - 1)
    return _ranked_bars(100 * np.asarray(gains), labels, np.argsort(gains)[::-1], chosen,
                        ylabel="gain over uniform PP3 (% of SP mean)", title=title, ax=ax)


def plot_label_check(rms: np.ndarray, labels: Sequence[str], stored: int = 0, *, title: str = "",
                     ax=None):
    """RMS mismatch of every relabelling of the maps, the stored labelling highlighted."""
    rms = _labelled("rms", rms, labels)
    checks.integer("stored", stored, min=0, max=rms.size - 1)
    return _ranked_bars(rms, labels, np.argsort(rms), stored,
                        ylabel="RMS mismatch (return units)", title=title, ax=ax)


def plot_study_curves(meet_probs: Sequence[float], loi: Mapping[str, np.ndarray], gain: np.ndarray,
                      games: Sequence[str], *, axes=None):
    """LoI (every estimator) and PP5 - SP gain against interaction strength, one line per game.

    Returns:
        The ``(len(loi) + 1,)`` array of axes drawn on.
    """
    shape = (len(checks.sequence("games", games, min_len=1)),
             len(checks.sequence("meet_probs", meet_probs, min_len=1)))
    for name, tab in checks.mapping("loi", loi).items():
        checks.array(f"loi[{name!r}]", tab, shape=shape, finite=False)
    checks.array("gain", gain, shape=shape, finite=False)
    axes = ensure_axes(axes, 1, len(loi) + 1)[0]
    for ax, (name, tab) in zip(axes[:-1], loi.items(), strict=True):
        for i, g in enumerate(games):
            ax.plot(meet_probs, np.asarray(tab)[i], "o-", color=PALETTE[i], label=g)
        ax.set_title(f"LoI: {name}")
        ax.set_xlabel("meeting probability")
    for i, g in enumerate(games):
        axes[-1].plot(meet_probs, np.asarray(gain)[i], "o-", color=PALETTE[i], label=g)
    axes[-1].axhline(0, color="k", lw=0.5)
    axes[-1].set_title("PP5 - SP return")
    axes[-1].set_xlabel("meeting probability")
    axes[-1].legend(fontsize=7)
    return axes


def plot_block_returns(blocks: np.ndarray, bob_labels: Sequence[str], *, title: str = "", ax=None):
    """Ego returns against each Bob checkpoint, pooled over the leading block axes (box plot)."""
    arr = checks.array("blocks", blocks, ndim=tuple(range(2, 8)))
    if len(checks.sequence("bob_labels", bob_labels)) != arr.shape[-2]:
        raise ValueError(f"invalid bob_labels: {len(bob_labels)} labels for {arr.shape[-2]} Bobs "
                         "(axis -2 of blocks); valid: one label per Bob")
    per_bob = np.moveaxis(arr, -2, 0).reshape(arr.shape[-2], -1)
    ax = ensure_ax(ax, width=6.4)
    ax.boxplot(list(per_bob), tick_labels=[str(b) for b in bob_labels])
    ax.set_xlabel("Bob checkpoint (generation)")
    ax.set_ylabel("ego return")
    ax.set_title(title)
    return ax
