"""Bad inputs to nestlab.nested are refused with the checks dialect (issue 10).

Every case asserts the exception type and that the message names the bad argument (and the value
where it has one). Property tests: ``ess`` and ``normalise_log`` of any array are finite and valid
or refused naming the argument.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nestlab.nested import experiments as ex
from nestlab.nested.domains.construction import Construction, ConstructionConfig
from nestlab.nested.episodes import (
    ImportanceBeliefs,
    Level1Model,
    StepCache,
    cue_log_prior,
    simulate_episode,
)
from nestlab.nested.exact import ExactInference, LikelihoodCache, ess, normalise_log
from nestlab.nested.importance import gumbel_top_k, gumbel_top_k_rows, importance_step
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import (
    OnlineGRU,
    RecognitionNet,
    TrainingSet,
    fit_recognition,
    pad,
)
from tests.refusals import assert_refused

TINY = ConstructionConfig(width=5, height=5, n_blocks=4, max_steps=3)
DOM = Construction(TINY)
EP = simulate_episode(DOM, 0)
PARAMS = AgentParams()
SETUP = ex.Setup(TINY, PARAMS)
RNG = np.random.default_rng(0)
N_GOALS = len(DOM.goals)


_raises = assert_refused


def _model():
    return Level1Model(DOM, EP, params=PARAMS)


def _net(n_hyp=N_GOALS):
    import torch

    torch.manual_seed(0)
    return OnlineGRU(RecognitionNet(DOM.n_features, n_hyp, hidden=4).state_dict())


def _tset(**over):
    d = dict(x=np.zeros((2, 3, 4), np.float32), mask=np.ones((2, 3), bool),
             soft=np.full((2, 3, 5), 0.2, np.float32), labels=np.array([0, 4]))
    d.update(over)
    return TrainingSet(**d)


def _df(k=2):
    return pd.DataFrame({"method": ["is"] * 3, "k": [k] * 3, "acc": [1.0, 0.0, 1.0],
                         "ess": [1.0, 2.0, 1.5], "p_true": [0.5] * 3})


CASES = {
    # --- ess (the issue: all-zero weights gave inf)
    "ess-all-zero": (ValueError, lambda: ess(np.zeros(5)), ["weights", "all 5 weights are 0"]),
    "ess-empty": (ValueError, lambda: ess([]), ["weights", "0 elements"]),
    "ess-negative": (ValueError, lambda: ess([0.5, 0.7, -0.2]), ["weights", "-0.2"]),
    "ess-nan": (ValueError, lambda: ess([0.5, np.nan]), ["weights", "nan"]),
    "ess-inf": (ValueError, lambda: ess([1.0, np.inf]), ["weights", "inf"]),
    "ess-2d": (ValueError, lambda: ess(np.full((2, 2), 0.25)), ["weights", "2-d"]),
    "ess-str": (TypeError, lambda: ess(["a", "b"]), ["weights", "<U1"]),
    "ess-none": (TypeError, lambda: ess(None), ["weights", "NoneType"]),
    # --- normalise_log / exact inference
    "normalise-all-minus-inf": (ValueError, lambda: normalise_log(np.full(3, -np.inf)), ["logw", "-inf"]),
    "normalise-plus-inf": (ValueError, lambda: normalise_log([0.0, np.inf]), ["logw", "inf"]),
    "normalise-nan": (ValueError, lambda: normalise_log([0.0, np.nan]), ["logw", "nan"]),
    "cache-n-hyp": (ValueError, lambda: LikelihoodCache(0), ["LikelihoodCache", "n_hyp", "0"]),
    "cache-n-hyp-float": (TypeError, lambda: LikelihoodCache(3.0), ["n_hyp", "float"]),
    "ei-prior-shape": (ValueError, lambda: ExactInference(_model(), np.zeros(2)), ["log_prior", "shape"]),
    "ei-prior-nan": (ValueError, lambda: ExactInference(_model(), np.full(N_GOALS, np.nan)), ["log_prior", "nan"]),
    "ei-prior-all-minus-inf": (ValueError, lambda: ExactInference(_model(), np.full(N_GOALS, -np.inf)),
                               ["log_prior", "-inf"]),
    "ei-step-t": (ValueError, lambda: ExactInference(_model()).step(EP.n_steps), ["t", str(EP.n_steps)]),
    "ei-step-negative": (ValueError, lambda: ExactInference(_model()).step(-1), ["t", "-1"]),
    # --- importance sampling
    "gumbel-k-zero": (ValueError, lambda: gumbel_top_k(np.zeros(4), 0, RNG), ["k", "0", "1 <= k <= 4"]),
    "gumbel-k-big": (ValueError, lambda: gumbel_top_k(np.zeros(4), 5, RNG), ["k", "5"]),
    "gumbel-k-float": (TypeError, lambda: gumbel_top_k(np.zeros(4), 2.0, RNG), ["k", "float"]),
    "gumbel-nan": (ValueError, lambda: gumbel_top_k(np.array([0.0, np.nan]), 1, RNG), ["log_q", "nan"]),
    "gumbel-dead": (ValueError, lambda: gumbel_top_k(np.full(3, -np.inf), 1, RNG), ["log_q", "-inf"]),
    "gumbel-rng": (TypeError, lambda: gumbel_top_k(np.zeros(4), 1, 0), ["rng", "int", "Generator"]),
    "gumbel-rows-1d": (ValueError, lambda: gumbel_top_k_rows(np.zeros(4), 1, RNG), ["log_q", "1-d"]),
    "step-scheme": (ValueError, lambda: importance_step(_model(), LikelihoodCache(N_GOALS), np.zeros(N_GOALS),
                                                        np.zeros(N_GOALS), 0, k=2, rng=RNG, scheme="smc"),
                    ["scheme", "'smc'", "is, topk"]),
    "step-log-q-shape": (ValueError, lambda: importance_step(_model(), LikelihoodCache(N_GOALS), np.zeros(N_GOALS),
                                                             np.zeros(2), 0, k=1, rng=RNG), ["log_q", "shape (2,)"]),
    "step-prior-shape": (ValueError, lambda: importance_step(_model(), LikelihoodCache(N_GOALS), np.zeros(2),
                                                             np.zeros(N_GOALS), 0, k=1, rng=RNG), ["log_prior"]),
    "step-t": (ValueError, lambda: importance_step(_model(), LikelihoodCache(N_GOALS), np.zeros(N_GOALS),
                                                   np.zeros(N_GOALS), 99, k=1, rng=RNG), ["t", "99"]),
    "step-topk-k": (ValueError, lambda: importance_step(_model(), LikelihoodCache(N_GOALS), np.zeros(N_GOALS),
                                                        np.zeros(N_GOALS), 0, k=N_GOALS + 1, rng=RNG,
                                                        scheme="topk"), ["k", str(N_GOALS + 1)]),
    # --- Construction config (the issue: walls that split the grid were accepted)
    "walls-split-grid": (ValueError, lambda: ConstructionConfig(width=5, height=5, n_blocks=3,
                                                                walls=tuple((r, 2) for r in range(5))),
                         ["ConstructionConfig", "walls", "split", "regions"]),
    "walls-enclose-corner": (ValueError, lambda: ConstructionConfig(width=5, height=5, n_blocks=3,
                                                                    walls=((0, 1), (1, 0))),
                             ["walls", "split", "(0, 0)"]),
    "walls-outside": (ValueError, lambda: ConstructionConfig(walls=((9, 0),)), ["walls[0]", "(9, 0)", "outside"]),
    "walls-negative": (ValueError, lambda: ConstructionConfig(walls=((-1, 0),)), ["walls[0]", "outside"]),
    "walls-not-pair": (ValueError, lambda: ConstructionConfig(walls=((1, 2, 3),)), ["walls[0]", "3 elements"]),
    "walls-float": (TypeError, lambda: ConstructionConfig(walls=((1.5, 2),)), ["walls[0][0]", "float"]),
    "walls-str": (TypeError, lambda: ConstructionConfig(walls="(1, 2)"), ["walls", "str"]),
    "width-small": (ValueError, lambda: ConstructionConfig(width=2), ["width", "2", "4 <= width <= 20"]),
    "height-float": (TypeError, lambda: ConstructionConfig(height=8.0), ["height", "float"]),
    "blocks-many": (ValueError, lambda: ConstructionConfig(n_blocks=11), ["n_blocks", "11"]),
    "max-steps-zero": (ValueError, lambda: ConstructionConfig(max_steps=0), ["max_steps", "0"]),
    "max-steps-bool": (TypeError, lambda: ConstructionConfig(max_steps=True), ["max_steps", "bool"]),
    # --- agent parameters
    "beta0-nan": (ValueError, lambda: AgentParams(beta0=float("nan")), ["AgentParams", "beta0", "nan"]),
    "beta1-inf": (ValueError, lambda: AgentParams(beta1=float("inf")), ["beta1", "inf"]),
    "beta0-zero": (ValueError, lambda: AgentParams(beta0=0.0), ["beta0", "0"]),
    "epsilon-one": (ValueError, lambda: AgentParams(epsilon=1.0), ["epsilon", "1"]),
    "hinder-negative": (ValueError, lambda: AgentParams(hinder_radius=-2.0), ["hinder_radius", "-2"]),
    "cue-accuracy-str": (TypeError, lambda: AgentParams(cue_accuracy="0.5"), ["cue_accuracy", "str"]),
    # --- episodes
    "cue-prior-goals": (ValueError, lambda: cue_log_prior(1, 0.5), ["n_goals", "1"]),
    "cue-prior-accuracy": (ValueError, lambda: cue_log_prior(4, 1.5), ["accuracy", "1.5"]),
    "cue-prior-cues": (ValueError, lambda: cue_log_prior(4, 0.5, [0, 7]), ["cues", "7"]),
    "simulate-seed": (ValueError, lambda: simulate_episode(DOM, -1), ["seed", "-1"]),
    "simulate-goal": (ValueError, lambda: simulate_episode(DOM, 0, goal=N_GOALS), ["goal", str(N_GOALS)]),
    "simulate-social": (ValueError, lambda: simulate_episode(DOM, 0, social=2), ["social", "2"]),
    "simulate-cue-float": (TypeError, lambda: simulate_episode(DOM, 0, cue=1.5), ["cue", "float"]),
    "simulate-params": (TypeError, lambda: simulate_episode(DOM, 0, params={"beta0": 1}), ["params", "dict"]),
    "beliefs-k": (ValueError, lambda: ImportanceBeliefs(StepCache(DOM, EP, PARAMS), 0.5, k=0, rng=RNG),
                  ["k", "0"]),
    "beliefs-scheme": (ValueError, lambda: ImportanceBeliefs(StepCache(DOM, EP, PARAMS), 0.5, k=1, rng=RNG,
                                                             scheme="x"), ["scheme", "'x'"]),
    # --- recognition networks
    "net-hidden": (ValueError, lambda: RecognitionNet(4, 5, hidden=0), ["hidden", "0"]),
    "train-loss": (ValueError, lambda: fit_recognition(_tset(), loss="mse"), ["loss", "'mse'", "kl, nll"]),
    "train-epochs": (ValueError, lambda: fit_recognition(_tset(), epochs=0), ["epochs", "0"]),
    "train-lr": (ValueError, lambda: fit_recognition(_tset(), lr=float("nan")), ["lr", "nan"]),
    "train-data-type": (TypeError, lambda: fit_recognition({"x": 1}), ["data", "dict", "TrainingSet"]),
    "train-labels": (ValueError, lambda: fit_recognition(_tset(labels=np.array([0, 9]))), ["data.labels", "9"]),
    "train-soft-nan": (ValueError, lambda: fit_recognition(_tset(soft=np.full((2, 3, 5), np.nan))),
                       ["data.soft", "nan"]),
    "train-no-steps": (ValueError, lambda: fit_recognition(_tset(mask=np.zeros((2, 3), bool))),
                       ["data.mask", "no valid step"]),
    "pad-empty": (ValueError, lambda: pad([], [], []), ["features", "0 elements"]),
    "pad-lengths": (ValueError, lambda: pad([np.zeros((2, 3))], [np.zeros((3, 4))], [0]), ["soft[0]", "shape"]),
    "gru-keys": (ValueError, lambda: OnlineGRU({"head.weight": None}), ["state_dict", "gru.weight_ih_l0"]),
    "gru-step-shape": (ValueError, lambda: _net().step(np.zeros(3)), ["x", "shape (3,)"]),
    # --- experiments
    "setup-config": (TypeError, lambda: ex.Setup({"width": 5}, PARAMS), ["Setup", "config", "dict"]),
    "episodes-n": (ValueError, lambda: ex.episodes(SETUP, -1, seed=0), ["n", "-1"]),
    "episodes-seed": (TypeError, lambda: ex.episodes(SETUP, 1, seed="0"), ["seed", "str"]),
    "trace-scheme": (ValueError, lambda: ex.amortized_trace(SETUP, EP, k=2, scheme="smc", net1=None, net2=None),
                     ["scheme", "'smc'", "is, topk, uniform_is"]),
    "trace-k": (ValueError, lambda: ex.amortized_trace(SETUP, EP, k=0, scheme="uniform_is", net1=None, net2=None),
                ["k", "0"]),
    "trace-k1": (ValueError, lambda: ex.amortized_trace(SETUP, EP, k=2, k1=99, scheme="uniform_is", net1=None,
                                                        net2=None), ["k1", "99"]),
    "training-level": (ValueError, lambda: ex.training_set(SETUP, [EP], level=3), ["level", "3", "1, 2"]),
    "evaluate-methods": (ValueError, lambda: ex.run_methods(SETUP, [EP], {}, ks=[1], methods=("ei", "smc")),
                         ["methods[1]", "'smc'"]),
    "evaluate-ks": (ValueError, lambda: ex.run_methods(SETUP, [EP], {}, ks=[0], methods=("ei",)), ["ks[0]", "0"]),
    "evaluate-nets": (ValueError, lambda: ex.run_methods(SETUP, [EP], {}, ks=[1], methods=("is",)),
                      ["nets", "level1"]),
    "headline-frac": (ValueError, lambda: ex.headline(_df(), max_frac=0.0), ["max_frac", "0"]),
    "ess-uncertainty-method": (ValueError, lambda: ex.ess_uncertainty(_df(), k=2, method="ei"),
                               ["method", "'ei'"]),
    "ess-uncertainty-k": (ValueError, lambda: ex.ess_uncertainty(_df(), k=7), ["k", "7"]),
    "time-scaling-blocks": (ValueError, lambda: ex.time_scaling([5, 40], k=2), ["blocks[1]", "40"]),
    "time-scaling-empty": (ValueError, lambda: ex.time_scaling([], k=2), ["blocks", "0 elements"]),
    "level1-particles-k": (ValueError, lambda: ex.level1_particles(0, 15), ["k", "0"]),
    "accuracy-truth": (ValueError, lambda: ex.accuracy(np.array([[0.5, 0.5]]), 5), ["truth", "5"]),
    "accuracy-shape": (ValueError, lambda: ex.accuracy(np.ones((2, 3)), 0), ["p_social", "(2, 3)"]),
    "social-marginal-odd": (ValueError, lambda: ex.social_marginal(np.ones((2, 5))), ["post2", "(2, 5)"]),
    "kl-social-shapes": (ValueError, lambda: ex.kl_social(np.ones((2, 2)), np.ones((3, 2))), ["p", "(3, 2)"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_nested_bad_inputs(case):
    exc, fn, words = CASES[case]
    _raises(exc, fn, *words)


def test_walls_that_keep_the_grid_connected_are_fine():
    cfg = ConstructionConfig(width=5, height=5, n_blocks=3, walls=tuple((r, 2) for r in range(4)))
    dom = Construction(cfg)
    assert dom.diameter < 1000  # every free cell reachable (BIG marks unreachable)


def test_ess_of_normalised_weights_is_unchanged_and_raw_weights_are_normalised():
    w = np.array([0.5, 0.25, 0.25])
    assert ess(w) == 1.0 / np.sum(w * w)
    assert ess(4 * w) == pytest.approx(ess(w))
    assert ess(np.array([0.0, 1.0, 0.0])) == 1.0


# --- property-based -------------------------------------------------------------------------------

floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, 1e-300, 1e300, -0.0]))


@settings(max_examples=300, deadline=None)
@given(w=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=8),
                    elements=floats))
def test_ess_is_in_1_to_n_or_refused_naming_weights(w):
    try:
        out = ess(w)
    except (ValueError, TypeError) as exc:
        assert "weights" in str(exc)
        return
    assert np.isfinite(out) and 1 - 1e-9 <= out <= w.size + 1e-9


@settings(max_examples=300, deadline=None)
@given(logw=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=8),
                       elements=floats))
def test_normalise_log_gives_a_distribution_or_refuses(logw):
    try:
        w = normalise_log(logw)
    except (ValueError, TypeError) as exc:
        assert "logw" in str(exc)
        return
    assert np.all(np.isfinite(w)) and np.all(w >= 0) and abs(w.sum() - 1) < 1e-9
    assert 1 - 1e-9 <= ess(w) <= w.size + 1e-9


@settings(max_examples=60, deadline=None)
@given(log_q=hnp.arrays(np.float64, st.integers(1, 8), elements=floats), k=st.integers(-1, 9),
       seed=st.integers(0, 2 ** 32))
def test_gumbel_top_k_draws_distinct_or_refuses(log_q, k, seed):
    try:
        idx, log_incl = gumbel_top_k(log_q, k, np.random.default_rng(seed))
    except (ValueError, TypeError) as exc:
        assert "log_q" in str(exc) or "invalid k" in str(exc)
        return
    assert len(set(idx.tolist())) == k == idx.size
    assert np.all(log_incl <= 1e-12)


@settings(max_examples=40, deadline=None)
@given(walls=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=12))
def test_accepted_walls_leave_every_free_cell_reachable(walls):
    try:
        cfg = ConstructionConfig(width=5, height=5, n_blocks=3, walls=tuple(walls))
    except ValueError as exc:
        assert "walls" in str(exc) or "blocks do not fit" in str(exc)
        return
    dom = Construction(cfg)
    free = dom.free_cells
    assert np.all(dom.dist[np.ix_(free, free)] < 1000)
