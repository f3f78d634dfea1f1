"""nestlab.nested.plots: every figure is plot_X(data, *, ax= / axes=) drawing on what it is
given (or a new figure) and returning it; the explorers draw one step and print the ESS."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from nestlab.nested import driving_experiments as dx
from nestlab.nested import experiments as ex
from nestlab.nested import plots as nplots
from nestlab.nested.domains.construction import ConstructionConfig
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import OnlineGRU, RecognitionNet
from nestlab.plots import figure

matplotlib.use("Agg")

SETUP = ex.Setup(ConstructionConfig(width=5, height=5, n_blocks=3, max_steps=6), AgentParams())


def _net(n_in, n_out, seed):
    torch.manual_seed(seed)
    return OnlineGRU(RecognitionNet(n_in, n_out, hidden=8).state_dict())


@pytest.fixture(scope="module")
def construction():
    dom = SETUP.domain
    ng = len(dom.goals)
    nets = {"level1": _net(dom.n_features, ng, 0), "level2": _net(dom.n_features, 2 * ng, 1),
            "tomnet": _net(dom.n_features, 2 * ng, 2)}
    eps = ex.episodes(SETUP, 4, seed=0, test=True)
    df = ex.run_methods(SETUP, eps, nets, ks=[1, 2, 2 * ng], seed=0)
    return nets, eps, df


def test_construction_figures_draw_on_the_axes_given(construction):
    nets, eps, df = construction
    summ = ex.summary(df)
    _, axes = figure(1, 2)
    assert list(nplots.plot_accuracy_kl(summ, axes=axes)) == list(axes)
    assert axes[0].lines and axes[0].get_xlabel().startswith("% of hypothesis space")
    dec = ex.by_decile(df, k=2)
    _, ax = figure()
    assert nplots.plot_accuracy_by_decile(dec, k=2, ax=ax) is ax
    assert len(ax.lines) == len(dec.index)
    unc = ex.ess_uncertainty(df, k=2, bins=2)
    assert nplots.plot_ess(summ, unc, k=2).shape == (2,)
    scaling = ex.time_scaling([3], k=2, n_episodes=1, width=5, height=5, max_steps=4, hidden=8)
    assert nplots.plot_time_per_step(summ, scaling).shape == (3,)
    ep = eps[0]
    assert nplots.plot_episode_frames(SETUP.domain, ep).shape == (3,)
    ax = nplots.plot_grid(SETUP.domain, ep.states[0], goal=ep.goal)
    assert len(ax.patches) == SETUP.domain.n_blocks
    plt.close("all")


def test_explorer_draws_a_step_and_prints_the_ess(construction, capsys):
    nets, eps, _ = construction
    traces = ex.example_traces(SETUP, eps[0], nets, k=2)
    show = nplots.episode_explorer(SETUP.domain, eps[0], traces, k=2)
    show(0)
    assert "ESS of the IS particles" in capsys.readouterr().out
    assert plt.gcf().axes
    with pytest.raises(ValueError, match="invalid traces"):
        nplots.episode_explorer(SETUP.domain, eps[0], {"ei": traces["ei"]}, k=2)
    plt.close("all")


def test_driving_figures_draw_on_the_axes_given():
    setup = dx.DrivingSetup()
    ep = next(e for e in dx.episodes(setup, 6, seed=0, test=True) if e.n_steps >= 3)
    half = setup.params.target_half_angle
    _, ax = figure()
    assert nplots.plot_intersection(setup.domain, ep.states[0], half_angle=half, ax=ax) is ax
    assert ax.patches  # car 0's view cone (and the arrows)
    assert nplots.plot_driving_frames(setup.domain, ep, half_angle=half).shape == (3,)
    traces = {"ei": dx.exact_trace(setup, ep),
              "is": dx.amortized_trace(setup, ep, k=3, scheme="uniform_is", nets=None)}
    assert nplots.plot_driving_step(setup.domain, ep, 0, traces, half_angle=half).shape == (4,)
    nplots.driving_explorer(setup.domain, ep, traces, k=3, half_angle=half)(1)
    plt.close("all")


def test_plots_refuse_wrong_axes_and_data():
    with pytest.raises(TypeError, match="ax"):
        nplots.plot_grid(SETUP.domain, SETUP.domain.reset(0), ax="not axes")
    with pytest.raises(ValueError, match="axes"):
        nplots.plot_accuracy_kl(ex.summary(_tiny_frame()), axes=figure(1, 3)[1])
    with pytest.raises(ValueError, match="missing column"):
        nplots.plot_driving_accuracy(ex.summary(_tiny_frame()))
    plt.close("all")


def _tiny_frame():
    return pd.DataFrame({"method": ["ei", "is"], "k": [2, 1], "frac": [1.0, 0.5], "episode": 0,
                         "t": 0, "T": 1, "decile": 0, "acc": [1.0, 0.5], "kl": [0.0, 0.1],
                         "p_true": [1.0, 0.5], "ess": [np.nan, 1.0], "seconds": 1e-3,
                         "evaluations": 1})
