"""nestlab.recursive.plots: every plot draws on the axes it is given and returns them."""

import matplotlib
import numpy as np
import pytest

from nestlab.plots import figure
from nestlab.recursive import experiments as ex
from nestlab.recursive import plots

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_plot_dynamics_one_row_per_game_on_given_axes():
    res = ex.dynamics_experiment(["rotational", "matching_pennies"], [0, 1], n_steps=20, n_check=4)
    axes = plots.plot_dynamics(res)
    assert axes.shape == (2, 2) and axes[1, 1].get_title() == "matching_pennies: F(t)"
    _, given = figure(2, 2)
    out = plots.plot_dynamics(res, axes=given)
    assert all(a is b for a, b in zip(out.ravel(), given.ravel(), strict=True))
    assert len(given[0, 0].lines) == 2 * 2 + 1  # per level a path and its start, the centre
    with pytest.raises(ValueError, match="valid: 4"):
        plots.plot_dynamics(res, axes=given[0])
    with pytest.raises(TypeError, match="res"):
        plots.plot_dynamics({"rotational": {}})


def test_dynamics_explorer_draws_iga_and_the_chosen_level():
    show = plots.dynamics_explorer(start=(0.9, 0.5), dt=0.01, n_steps=20)
    axes = show(game="rotational", level=2, zeta=0.1)
    assert [t.get_text() for t in axes[0, 1].get_legend().get_texts()] == ["IGA", "level 2"]


def _beauty_result():
    numbers = {m: {"p=0.7/abs": np.full((2, 5), 10.0), "p=0.7/square": np.full((2, 5), 2.0)}
               for m in ("GR2-L1", "GR2-L2", "GR2-M3(1.5)", "DDPG")}
    return ex.BeautyResult(numbers, ["p=0.7/abs", "p=0.7/square"],
                           {"p=0.7/abs": 0.0, "p=0.7/square": 0.0}, {m: 0.0 for m in numbers})


def test_beauty_plots_and_explorer():
    res = _beauty_result()
    names = ex.beauty_methods([1, 2], lams=[1.5], baselines=["DDPG"])
    axes = plots.plot_beauty_curves(res, names)
    assert axes.shape == (2, 2) and axes[0, 0].get_title() == "p=0.7/abs: GR2-L1..L2"
    assert len(axes[1, 1].lines) == 2 + 1  # GR2-M, DDPG, the equilibrium line
    axes = plots.plot_reward_shapes(res, ["GR2-L1"], ps=[0.7], rewards=["abs", "square"], threshold=5.0)
    abs_line, square_line = axes[0, 0].lines[:2]
    np.testing.assert_allclose(abs_line.get_ydata(), 10.0)
    np.testing.assert_allclose(square_line.get_ydata(), 2.0)
    ax = plots.beauty_explorer(res)(method="DDPG", setting="p=0.7/square")
    assert ax.get_title() == "DDPG, p=0.7/square" and len(ax.lines) == 3


def test_games_plots_and_explorer():
    T = 6
    acts = {"stag_hunt": np.ones((2, T, 2)), "rotational": np.zeros((2, T, 2)),
            "max_of_two_quadratics": np.full((2, T, 2), 0.5)}
    res = ex.GamesResult({"DDPG": acts}, list(acts), {"DDPG": 0.0}, {}, {"n_runs": 2, "hidden": 8})
    summary = ex.games_summary(res)
    axes = plots.plot_games_success(summary, res.games)
    assert [a.get_title() for a in axes[0]][0] == "stag hunt: rate of (stag, stag)"
    assert axes[0, 0].patches[0].get_height() == 1.0
    axes = plots.plot_games_curves(res)
    assert [a.get_ylabel() for a in axes[0]] == [ex.CURVE_LABELS[g] for g in res.games]
    ax = plots.plot_quadratics(res)
    np.testing.assert_allclose(ax.lines[0].get_xydata(), [[5.0, 5.0], [5.0, 5.0]])
    assert plots.plot_quadratics(res._replace(games=["stag_hunt"])) is None
    ax = plots.games_explorer(res)(method="DDPG", game="max_of_two_quadratics")
    assert ax.get_xlim() == (-10, 10)
