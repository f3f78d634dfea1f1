"""nestlab.influence.plots: each plot_* draws on the axes it is given (or a new figure) and returns them."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from nestlab.influence import plots as iplots
from nestlab.plots import PALETTE, figure

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_single_axes_plots_use_the_given_axes():
    _, ax = figure()
    assert iplots.plot_null_histogram(np.arange(10.0), 3.0, ax=ax) is ax
    assert ax.lines[0].get_xdata()[0] == 3.0
    _, ax = figure()
    gains = np.array([0.01, 0.03, 0.02])
    assert iplots.plot_allocation_gains(gains, ["a", "b", "c"], 2, ax=ax) is ax
    # bars sorted by gain, largest first; the chosen one (c) in the second colour
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [3.0, 2.0, 1.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "c", "a"]
    assert [p.get_facecolor() for p in ax.patches] == [to_rgba(PALETTE[i]) for i in (0, 1, 0)]
    ax = iplots.plot_label_check(np.array([0.5, 0.1]), ["SMLO", "MSLO"], 0)
    # smallest mismatch first; the stored labelling (SMLO) in the second colour
    assert [t.get_text() for t in ax.get_xticklabels()] == ["MSLO", "SMLO"]
    assert [p.get_facecolor() for p in ax.patches] == [to_rgba(PALETTE[i]) for i in (0, 1)]
    ax = iplots.plot_block_returns(np.ones((2, 3, 4)), ["0", "2", "4"], title="t")
    assert ax.get_title() == "t" and [t.get_text() for t in ax.get_xticklabels()] == ["0", "2", "4"]
    with pytest.raises(TypeError, match="ax"):
        iplots.plot_null_histogram(np.arange(3.0), 1.0, ax="no")


def test_panel_plots_return_one_axes_per_panel():
    tabs = {"paper": np.ones((2, 4)), "knn": np.zeros((2, 4))}
    axes = iplots.plot_loi_bars(tabs, ["Chicken", "Stag hunt"], list("SMLO"))
    assert axes.shape == (2,) and axes[1].get_title() == "Stag hunt" and len(axes[0].patches) == 8
    _, given = figure(1, 3)
    out = iplots.plot_study_curves([1.0, 0.1], {"paper": np.ones((2, 2)), "knn": np.ones((2, 2))},
                                   np.zeros((2, 2)), ["g1", "g2"], axes=given)
    assert all(a is b for a, b in zip(out, given, strict=True))
    assert given[-1].get_title() == "PP5 - SP return"
    with pytest.raises(ValueError, match="valid: 3"):
        iplots.plot_study_curves([1.0, 0.1], {"paper": np.ones((2, 2)), "knn": np.ones((2, 2))},
                                 np.zeros((2, 2)), ["g1", "g2"], axes=given[:2])
