"""nestlab.plots: the suite style and headless rendering of interactive sections."""

import ipywidgets as widgets
import matplotlib
import numpy as np
import pandas as pd
import pytest

from nestlab import plots
from nestlab.influence import plots as iplots
from nestlab.nested import plots as nplots
from nestlab.recursive import plots as rplots
from nestlab.recursive.games import rotational

matplotlib.use("Agg")


def test_figure_applies_style_and_grid_size():
    fig, axes = plots.figure(2, 3)
    assert axes.shape == (2, 3)
    assert matplotlib.rcParams["axes.spines.top"] is False
    w, h = fig.get_size_inches()
    assert w > h > 0
    matplotlib.pyplot.close(fig)


def test_interactive_headless_calls_once_with_defaults(monkeypatch, capsys):
    monkeypatch.setenv(plots.HEADLESS_ENV_VAR, "1")
    calls = []
    out = plots.interactive(lambda a, b, c: calls.append((a, b, c)) or "done",
                            a=widgets.IntSlider(value=4, min=0, max=9), b=["x", "y"], c=(0.0, 2.0, 0.5))
    assert out == "done"
    assert calls == [(4, "x", 1.0)]
    assert "controls: a, b, c" in capsys.readouterr().out


def test_interactive_live_returns_widget(monkeypatch):
    monkeypatch.delenv(plots.HEADLESS_ENV_VAR, raising=False)
    assert not plots.is_headless()
    res = plots.interactive(lambda a: a, a=(0, 10))
    assert hasattr(res, "widget") or isinstance(res, widgets.Widget) or callable(res)


def test_interactive_headless_reads_defaults_of_fixed_and_described_widgets(monkeypatch, capsys):
    monkeypatch.setenv(plots.HEADLESS_ENV_VAR, "1")
    out = plots.interactive(lambda cost, n: (cost, n), cost=widgets.Dropdown(
        options=["a", "b"], value="b", description="the cost"), n=widgets.fixed(3))
    assert out == ("b", 3)
    assert "shown here with cost='b', n=3" in capsys.readouterr().out


def test_plot_panels_draws_one_panel_per_item_and_hides_the_rest():
    drawn = []

    def draw(item, *, ax):
        drawn.append((item, ax))
        ax.plot([0, 1], [item, item])

    grid = plots.plot_panels({3: "x", 5: "y", 7: "z"}, draw, nrows=2, ncols=2, width=4, height=3)
    assert grid.shape == (2, 2) and [i for i, _ in drawn] == [3, 5, 7]
    assert [a for _, a in drawn] == list(grid.flat[:3])
    assert grid.flat[0].lines[0].get_ydata()[0] == 3
    assert [a.axison for a in grid.flat] == [True, True, True, False]
    assert tuple(grid.flat[0].figure.get_size_inches()) == (4, 3)
    matplotlib.pyplot.close("all")


def test_plot_runtimes_draws_seconds_and_marks_failures():
    ax = plots.plot_runtimes({"00_tour": ("ok", 2.5), "10_actor_policy": ("failed", 40.0)},
                             title="last run")
    bars = ax.patches
    assert [b.get_width() for b in bars] == [2.5, 40.0]
    assert matplotlib.colors.to_hex(bars[0].get_facecolor()) == plots.PALETTE[0].lower()
    assert matplotlib.colors.to_hex(bars[1].get_facecolor()) == plots.PALETTE[1].lower()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["00_tour", "10_actor_policy"]
    assert ax.get_title() == "last run" and ax.yaxis_inverted()
    _, given = plots.figure()
    assert plots.plot_runtimes({"a": ("ok", 1.0)}, ax=given) is given
    matplotlib.pyplot.close("all")


# --- bad inputs (issue 10) ------------------------------------------------------------------------

PLOT_CASES = {
    "figure-nrows": (ValueError, lambda: plots.figure(0, 1), ["nrows", "0"]),
    "figure-ncols-float": (TypeError, lambda: plots.figure(1, 2.0), ["ncols", "float"]),
    "figure-width": (ValueError, lambda: plots.figure(width=-3), ["width", "-3"]),
    "figure-height-nan": (ValueError, lambda: plots.figure(height=float("nan")), ["height", "nan"]),
    "interactive-fn": (TypeError, lambda: plots.interactive("show", a=(0, 1)), ["fn", "str"]),
    "check-ax": (TypeError, lambda: plots.check_ax("axes"), ["ax", "str", "Axes"]),
    "panels-draw": (TypeError, lambda: plots.plot_panels([1], "f", nrows=1, ncols=1), ["draw", "str"]),
    "panels-too-many": (ValueError, lambda: plots.plot_panels([1, 2, 3], print, nrows=1, ncols=2),
                        ["items", "3 items", "2"]),
    "panels-axes": (ValueError, lambda: plots.plot_panels([1], print, nrows=1, ncols=2,
                                                          axes=plots.figure()[1]), ["axes", "1 axes"]),
    "runtimes-empty": (ValueError, lambda: plots.plot_runtimes({}), ["runtimes", "empty"]),
    "runtimes-seconds": (ValueError, lambda: plots.plot_runtimes({"a": ("ok", -1.0)}),
                         ["runtimes['a'][1]", "-1"]),
    "runtimes-pair": (TypeError, lambda: plots.plot_runtimes({"a": 3.0}), ["runtimes['a']", "float"]),
    "phase-game": (TypeError, lambda: rplots.plot_phase("rotational", {}), ["game", "str"]),
    "phase-trajectories": (TypeError, lambda: rplots.plot_phase(rotational(), {0: [1, 2]}),
                           ["trajectories[0]", "list"]),
    "phase-ax": (TypeError, lambda: rplots.plot_phase(rotational(), {}, ax=3), ["ax", "int"]),
    "curves-method": (ValueError, lambda: rplots.plot_learning_curves({"a": np.zeros((2, 3))}, methods=["b"]),
                      ["method", "'b'"]),
    "curves-shape": (ValueError, lambda: rplots.plot_learning_curves({"a": np.zeros(3)}), ["numbers['a']", "1-d"]),
    "success-game": (ValueError, lambda: rplots.plot_success_bars({"m": {"g": {"success": 1.0}}}, "h"),
                     ["game", "'h'", "g"]),
    "success-key": (ValueError, lambda: rplots.plot_success_bars({"m": {"g": {"x": 1.0}}}, "g"),
                    ["summary['m']['g']", "'success'"]),
    "quadratics-shape": (ValueError, lambda: rplots.plot_quadratics({"m": np.zeros((4, 3))}),
                         ["final_positions['m']", "(4, 3)"]),
    "loi-bars-shape": (ValueError, lambda: iplots.plot_loi_bars({"a": np.zeros((2, 2))}, ["g"], ["S", "M"]),
                       ["tables['a']", "(2, 2)"]),
    "null-hist-observed": (ValueError, lambda: iplots.plot_null_histogram(np.ones(5), float("nan")), ["observed", "nan"]),
    "gains-labels": (ValueError, lambda: iplots.plot_allocation_gains(np.ones(3), ["a"], 0), ["labels", "1 labels"]),
    "gains-chosen": (ValueError, lambda: iplots.plot_allocation_gains(np.ones(3), ["a", "b", "c"], 3), ["chosen", "3"]),
    "label-check-stored": (ValueError, lambda: iplots.plot_label_check(np.ones(2), ["a", "b"], -1), ["stored", "-1"]),
    "block-returns-labels": (ValueError, lambda: iplots.plot_block_returns(np.ones((2, 9, 6)), ["0"]),
                             ["bob_labels", "9 Bobs"]),
    "nested-summary-type": (TypeError, lambda: nplots.plot_accuracy_kl({"method": []}), ["summary", "dict"]),
    "nested-summary-columns": (ValueError, lambda: nplots.plot_ess(pd.DataFrame({"k": [1]}),
                                                                    {}, k=1), ["summary", "missing column"]),
    "nested-decile-k": (ValueError, lambda: nplots.plot_accuracy_by_decile(pd.DataFrame(), k=0),
                        ["k", "0"]),
    "grid-domain": (TypeError, lambda: nplots.plot_grid(None, None), ["domain", "NoneType"]),
}


@pytest.mark.parametrize("case", sorted(PLOT_CASES))
def test_plot_bad_inputs(case):
    exc, fn, words = PLOT_CASES[case]
    with pytest.raises(exc) as info:
        fn()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    matplotlib.pyplot.close("all")
