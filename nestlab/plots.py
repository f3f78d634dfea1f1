"""Shared figure helpers: one style, one plot API and the interactive sections of every notebook.

Mechanism-specific plots live in ``nestlab.<mechanism>.plots`` and follow one API
(conventions.md, "Plots"): ``plot_X(data, *, ax=None, **style) -> Axes`` draws on ``ax`` when
given, else on a new figure from :func:`figure` (:func:`ensure_ax`; :func:`ensure_axes` for a
grid, :func:`plot_panels` for one panel per item), and never calls ``plt.show()``. (ArviZ plots
live in :mod:`nestlab.diagnostics.plots`.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from nestlab import checks

__all__ = ["HEADLESS_ENV_VAR", "PALETTE", "STYLE", "apply_style", "check_ax", "ensure_ax",
           "ensure_axes", "figure", "interactive", "is_headless", "plot_panels", "plot_runtimes"]

#: set (to anything but ``""`` / ``"0"``) by ``nestlab run``: no person is there to turn a knob
HEADLESS_ENV_VAR = "NESTLAB_HEADLESS"

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

    Raises:
        TypeError, ValueError: ``nrows``/``ncols`` not integers in 1..50, ``width``/``height``
            not finite numbers > 0.
    """
    checks.integer("nrows", nrows, min=1, max=50)
    checks.integer("ncols", ncols, min=1, max=50)
    for name, v in (("width", width), ("height", height)):
        checks.finite_or_none(name, v, min=0, max=200, inclusive=(False, True))
    apply_style()
    w = width if width is not None else 3.4 * ncols + 0.6
    h = height if height is not None else 2.9 * nrows + 0.4
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(w, h), **kwargs)


def check_ax(ax: Any, name: str = "ax") -> Any:
    """``ax`` if it is ``None`` or a matplotlib :class:`~matplotlib.axes.Axes`, else ``TypeError``."""
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"invalid type for {name}: {type(ax).__name__} ({checks.describe(ax)}); "
                        "valid types: matplotlib Axes or None")
    return ax


def ensure_ax(ax: Any = None, **figure_kwargs: Any) -> Any:
    """The axes a ``plot_X(..., ax=None)`` draws on: ``ax`` itself, or a new one from :func:`figure`.

    Raises:
        TypeError: ``ax`` is neither ``None`` nor a matplotlib Axes.
    """
    if check_ax(ax) is None:
        _, ax = figure(1, 1, **figure_kwargs)
    return ax


def ensure_axes(axes: Any, nrows: int, ncols: int, *, name: str = "axes", **figure_kwargs: Any):
    """The ``nrows x ncols`` grid a multi-panel ``plot_X(..., axes=None)`` draws on, as a 2-d array.

    ``axes`` is an array-like of ``nrows * ncols`` matplotlib Axes (any shape), or ``None`` for a
    new grid from :func:`figure`.

    Raises:
        TypeError: an element that is not a matplotlib Axes.
        ValueError: the wrong number of axes.
    """
    if axes is None:
        _, axes = figure(nrows, ncols, **figure_kwargs)
    arr = np.asarray(axes, dtype=object)
    if arr.size != nrows * ncols:
        raise ValueError(f"invalid {name}: {arr.size} axes; valid: {nrows * ncols} "
                         f"({nrows} x {ncols}) matplotlib Axes or None")
    for i, a in enumerate(arr.ravel()):
        if a is None:
            raise TypeError(f"invalid type for {name}[{i}]: NoneType (None); valid types: "
                            "matplotlib Axes")
        check_ax(a, f"{name}[{i}]")
    return arr.reshape(nrows, ncols)


def plot_panels(items: Iterable[Any], draw: Callable[..., Any], *, nrows: int, ncols: int,
                axes: Any = None, **figure_kwargs: Any) -> np.ndarray:
    """One panel per item on an ``nrows x ncols`` grid: ``draw(item, ax=panel)``; the rest hidden.

    Args:
        items: what to draw, in reading order (a mapping: its keys).
        draw: a ``plot_X(item, *, ax)`` function (``functools.partial`` fixes its other options).
        nrows, ncols: the grid.
        axes: the grid to draw on (see :func:`ensure_axes`); ``None``: a new figure.
        **figure_kwargs: passed to :func:`figure` (``width``, ``height``).

    Returns:
        The ``(nrows, ncols)`` array of axes.

    Raises:
        TypeError: ``draw`` not callable, ``axes`` not matplotlib Axes.
        ValueError: more items than panels.
    """
    items = list(items)
    checks.function("draw", draw, valid="a callable draw(item, ax=...)")
    nrows = checks.integer("nrows", nrows, min=1, max=50)
    ncols = checks.integer("ncols", ncols, min=1, max=50)
    if len(items) > nrows * ncols:
        raise ValueError(f"invalid items: {len(items)} items; valid: at most nrows * ncols = "
                         f"{nrows * ncols}")
    grid = ensure_axes(axes, nrows, ncols, **figure_kwargs)
    for ax, item in zip(grid.flat, items, strict=False):
        draw(item, ax=ax)
    for ax in grid.flat[len(items):]:
        ax.axis("off")
    return grid


def plot_runtimes(runtimes: Mapping[str, tuple[str, float]], *, ax: Any = None,
                  title: str | None = None) -> Axes:
    """Wall time of each notebook of a reports folder, failed runs in the second colour.

    Args:
        runtimes: ``{notebook: (status, seconds)}``, as :func:`nestlab.about.last_runtimes` reads
            them; drawn top to bottom in order.
        ax: the axes to draw on; ``None``: a new figure sized to the number of notebooks.
        title: the axes title.

    Raises:
        TypeError: ``runtimes`` not a mapping of ``(status, seconds)`` pairs.
        ValueError: it is empty, or a time is negative or not finite.
    """
    runtimes = checks.mapping("runtimes", runtimes)
    if not runtimes:
        raise ValueError("invalid runtimes {}: it is empty; valid values: {notebook: (status, "
                         "seconds)} with at least one notebook")
    seconds = []
    for name, value in runtimes.items():
        status, secs = checks.sequence(f"runtimes[{name!r}]", value, min_len=2, max_len=2)
        checks.instance(f"runtimes[{name!r}][0]", status, str)
        seconds.append(checks.real(f"runtimes[{name!r}][1]", secs, min=0))
    if title is not None:
        checks.instance("title", title, str)
    ax = ensure_ax(ax, width=7, height=0.35 * len(runtimes) + 1.2)
    names = list(runtimes)
    colors = [PALETTE[0] if runtimes[n][0] == "ok" else PALETTE[1] for n in names]
    ax.barh(names, seconds, color=colors)
    ax.invert_yaxis()
    ax.set_xlabel("wall time (s) — orange: failed")
    if title is not None:
        ax.set_title(title)
    return ax


def is_headless() -> bool:
    """True inside a ``nestlab run`` (papermill) execution, where nobody can turn a knob."""
    return os.environ.get(HEADLESS_ENV_VAR, "") not in ("", "0")


def interactive(fn: Callable[..., Any], /, **controls: Any) -> Any:
    """Show ``fn`` with ipywidgets controls, or render it once with the defaults when headless.

    In JupyterLab this is :func:`ipywidgets.interact`. Under ``nestlab run`` (papermill) the
    widgets' own output would live only in widget state, invisible in the offline HTML report, so
    instead ``fn`` is called once with each control's default value and its plots and prints
    become ordinary cell output, preceded by a line naming the controls.

    Args:
        fn: the function to call; its keyword arguments are the controls.
        **controls: anything :func:`ipywidgets.interact` accepts (widgets, ``(min, max, step)``
            tuples, lists of options, fixed values).
    """
    import ipywidgets as widgets  # local: ipywidgets (comm, traitlets) only for notebooks

    checks.function("fn", fn, valid="a callable whose keyword arguments are the controls")
    if not is_headless():
        return widgets.interact(fn, **controls)
    @functools.wraps(fn)  # same signature, so the widgets resolve, but no call here
    def _probe(*args: Any, **kwargs: Any) -> None:
        return None

    w = widgets.interactive(_probe, **controls)
    defaults = dict(w.kwargs)  # filled by the probe call: each control's name and default value
    shown = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
    print(f"Interactive in JupyterLab (controls: {', '.join(defaults)}); shown here with {shown}.")
    w.close()
    return fn(**defaults)
