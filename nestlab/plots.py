"""Shared figure helpers: one style for every notebook.

Mechanism-specific plots live in ``nestlab.<mechanism>.plots`` and start from
:func:`figure`, so every figure in the suite has the same look. (ArviZ plots live in
:mod:`nestlab.diagnostics`.)
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt

#: colour cycle used across the suite (colour-blind friendly, Okabe–Ito)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

STYLE: dict[str, Any] = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.figsize": (6.4, 4.0),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
    "legend.frameon": False,
    "font.size": 10,
}


def apply_style() -> None:
    """Apply the suite's matplotlib style globally (idempotent)."""
    mpl.rcParams.update(STYLE)


def figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None,
           height: float | None = None, **kwargs: Any):
    """``plt.subplots`` with the suite's style and a size that grows with the grid.

    Returns:
        ``(fig, axes)`` exactly as :func:`matplotlib.pyplot.subplots`.
    """
    apply_style()
    w = width if width is not None else 3.4 * ncols + 0.6
    h = height if height is not None else 2.9 * nrows + 0.4
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)
