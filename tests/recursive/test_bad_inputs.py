"""Bad inputs to nestlab.recursive are refused with the checks dialect (issue 10).

Every case asserts the exception type and that the message names the bad argument (and the value
where it has one). Property tests: GR2Config accepts exactly the valid configurations; the
summaries of distance curves are finite or refused naming the argument.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nestlab.recursive import dynamics as dyn
from nestlab.recursive import experiments as ex
from nestlab.recursive import train as tr
from nestlab.recursive.baselines import DDPGConfig, DDPGLearner
from nestlab.recursive.games import BeautyContest, GameBatch, MatrixGame, matrix_game, rotational
from nestlab.recursive.gr2 import GR2Config, GR2Learner, poisson_weights
from tests.refusals import assert_refused

NAN, INF = float("nan"), float("inf")
BATCH = GameBatch([BeautyContest(3, 0.7)], 1)


_raises = assert_refused


GR2_CASES = {
    # the issue: NaN temperature / aux_weight accepted; tau, hidden, lr, marginal_samples unchecked
    "temperature-nan": ({"temperature": NAN}, ValueError, ["temperature", "nan"]),
    "temperature-inf": ({"temperature": INF}, ValueError, ["temperature", "inf"]),
    "temperature-zero": ({"temperature": 0.0}, ValueError, ["temperature", "0"]),
    "aux-weight-nan": ({"aux_weight": NAN}, ValueError, ["aux_weight", "nan"]),
    "aux-weight-negative": ({"aux_weight": -1.0}, ValueError, ["aux_weight", "-1"]),
    "tau-zero": ({"tau": 0.0}, ValueError, ["tau", "0", "0 < tau <= 1"]),
    "tau-big": ({"tau": 1.5}, ValueError, ["tau", "1.5"]),
    "tau-nan": ({"tau": NAN}, ValueError, ["tau", "nan"]),
    "hidden-zero": ({"hidden": 0}, ValueError, ["hidden", "0"]),
    "hidden-float": ({"hidden": 32.0}, TypeError, ["hidden", "float"]),
    "hidden-str": ({"hidden": "32"}, TypeError, ["hidden", "str"]),
    "lr-zero": ({"lr": 0.0}, ValueError, ["lr", "0"]),
    "lr-nan": ({"lr": NAN}, ValueError, ["lr", "nan"]),
    "lr-negative": ({"lr": -1e-3}, ValueError, ["lr", "-0.001"]),
    "marginal-samples-zero": ({"marginal_samples": 0}, ValueError, ["marginal_samples", "0"]),
    "marginal-samples-float": ({"marginal_samples": 2.5}, TypeError, ["marginal_samples", "float"]),
    "level-zero": ({"level": 0}, ValueError, ["level", "0"]),
    "level-bool": ({"level": True}, TypeError, ["level", "bool"]),
    "mode": ({"mode": "X"}, ValueError, ["mode", "'X'", "L, M"]),
    "lam-nan": ({"lam": NAN}, ValueError, ["lam", "nan"]),
    "gamma-one": ({"gamma": 1.0}, ValueError, ["gamma", "1"]),
    "gamma-negative": ({"gamma": -0.1}, ValueError, ["gamma", "-0.1"]),
    "opponent-model": ({"opponent_model": "theirs"}, ValueError, ["opponent_model", "'theirs'"]),
}


@pytest.mark.parametrize("case", sorted(GR2_CASES))
def test_gr2_config_bad_inputs(case):
    kwargs, exc, words = GR2_CASES[case]
    _raises(exc, lambda: GR2Config(**kwargs), "GR2Config", *words)


CASES = {
    # --- baselines / learners
    "ddpg-noise-nan": (ValueError, lambda: DDPGConfig(noise_std=NAN), ["DDPGConfig", "noise_std", "nan"]),
    "ddpg-lr": (ValueError, lambda: DDPGConfig(lr=0.0), ["DDPGConfig", "lr", "0"]),
    "ddpg-hidden": (TypeError, lambda: DDPGConfig(hidden=1.5), ["hidden", "float"]),
    "ddpg-centralised": (TypeError, lambda: DDPGConfig(centralised="yes"), ["centralised", "str"]),
    "ddpg-learner-runs": (ValueError, lambda: DDPGLearner(0, 2), ["DDPGLearner", "n_runs", "0"]),
    "gr2-learner-config": (TypeError, lambda: GR2Learner(1, 2, {"level": 1}), ["GR2Learner", "config", "dict"]),
    "gr2-learner-seed": (ValueError, lambda: GR2Learner(1, 2, seed=-1), ["seed", "-1"]),
    "poisson-lam": (ValueError, lambda: poisson_weights(0.0, 3), ["lam", "0"]),
    "poisson-levels": (ValueError, lambda: poisson_weights(1.5, 0), ["n_levels", "0"]),
    # --- games
    "beauty-n": (ValueError, lambda: BeautyContest(n=1), ["BeautyContest", "n", "1"]),
    "beauty-p-nan": (ValueError, lambda: BeautyContest(p=NAN), ["p", "nan"]),
    "beauty-p-str": (TypeError, lambda: BeautyContest(p="0.7"), ["p", "str"]),
    "beauty-reward": (ValueError, lambda: BeautyContest(reward="huber"), ["reward", "'huber'", "abs, square"]),
    "beauty-level0": (ValueError, lambda: BeautyContest().level_k_numbers(3, level0=150.0), ["level0", "150"]),
    "beauty-k-max": (ValueError, lambda: BeautyContest().level_k_numbers(-1), ["k_max", "-1"]),
    "beauty-others-mean": (ValueError, lambda: BeautyContest().best_response_number(NAN), ["others_mean", "nan"]),
    "matrix-shape": (ValueError, lambda: MatrixGame(((1, 2, 3), (4, 5, 6)), ((1, 2), (3, 4))), ["row", "(2, 3)"]),
    "matrix-nan": (ValueError, lambda: MatrixGame(((1, NAN), (0, 1)), ((1, 0), (0, 1))), ["row", "nan"]),
    "matrix-str": (TypeError, lambda: MatrixGame((("a", "b"), ("c", "d")), ((1, 0), (0, 1))), ["row"]),
    "matrix-name": (ValueError, lambda: matrix_game("chicken"), ["name", "'chicken'", "stag_hunt"]),
    "best-response-player": (ValueError, lambda: rotational().best_response(2, 0), ["player", "2"]),
    "best-response-action": (ValueError, lambda: rotational().best_response(0, 3), ["other_action", "3"]),
    "batch-empty": (ValueError, lambda: GameBatch([], 1), ["games", "0 elements"]),
    "batch-not-game": (TypeError, lambda: GameBatch(["beauty"], 1), ["games[0]", "str"]),
    "batch-runs": (ValueError, lambda: GameBatch([BeautyContest()], 0), ["runs_per_game", "0"]),
    "batch-players": (ValueError, lambda: GameBatch([BeautyContest(3), rotational()], 1), ["games", "[2, 3]"]),
    # --- dynamics
    "level-negative": (ValueError, lambda: dyn.level_k_system(rotational(), -1), ["level", "-1"]),
    "zeta-nan": (ValueError, lambda: dyn.velocity(rotational(), [0.5, 0.5], zeta=NAN), ["zeta", "nan"]),
    "velocity-z-shape": (ValueError, lambda: dyn.velocity(rotational(), [0.5, 0.5, 0.5]), ["z", "(3,)"]),
    "velocity-z-nan": (ValueError, lambda: dyn.velocity(rotational(), [NAN, 0.5]), ["z", "nan"]),
    "velocity-game": (TypeError, lambda: dyn.velocity("rotational", [0.5, 0.5]), ["game", "str"]),
    "integrate-dt": (ValueError, lambda: dyn.integrate(rotational(), [0.5, 0.5], dt=0.0), ["dt", "0"]),
    "integrate-dt-inf": (ValueError, lambda: dyn.integrate(rotational(), [0.5, 0.5], dt=INF), ["dt", "inf"]),
    "integrate-steps": (TypeError, lambda: dyn.integrate(rotational(), [0.5, 0.5], n_steps=10.0), ["n_steps", "float"]),
    "integrate-z0": (ValueError, lambda: dyn.integrate(rotational(), [0.5]), ["z0", "(1,)"]),
    "integrate-z0-outside": (ValueError, lambda: dyn.integrate(rotational(), (1.5, 0.5)), ["z0", "1.5", "probabilities"]),
    "centre-degenerate": (ValueError, lambda: dyn.centre(MatrixGame(((1, 1), (1, 1)), ((1, 1), (1, 1)))),
                          ["game", "u_r = 0"]),
    "lyapunov-str": (TypeError, lambda: dyn.lyapunov(rotational(), ["a", "b"]), ["z", "<U1"]),
    "chain-k-max": (ValueError, lambda: dyn.pure_level_k_chain(rotational(), -2), ["k_max", "-2"]),
    "chain-level0": (ValueError, lambda: dyn.pure_level_k_chain(rotational(), 2, level0=(0, 5)), ["level0[1]", "5"]),
    # --- training
    "method-unknown": (ValueError, lambda: tr.parse_method("GR3-L1"), ["method", "'GR3-L1'"]),
    "method-type": (TypeError, lambda: tr.parse_method(3), ["name", "int"]),
    "method-override": (ValueError, lambda: tr.parse_method("GR2-L1", temperature=NAN), ["temperature", "nan"]),
    "train-games": (TypeError, lambda: tr.train([BeautyContest()], "GR2-L1"), ["games", "list"]),
    "train-iters": (ValueError, lambda: tr.train(BATCH, "GR2-L1", n_iters=0), ["n_iters", "0"]),
    "train-batch": (ValueError, lambda: tr.train(BATCH, "GR2-L1", batch_size=-4), ["batch_size", "-4"]),
    "train-warmup": (ValueError, lambda: tr.train(BATCH, "GR2-L1", warmup=-1), ["warmup", "-1"]),
    "train-seed": (TypeError, lambda: tr.train(BATCH, "GR2-L1", seed=0.5), ["seed", "float"]),
    "run-cached-method": (ValueError, lambda: tr.run_cached(BATCH, "GR2-X", game_key="k"), ["method", "'GR2-X'"]),
    "run-cached-flag": (TypeError, lambda: tr.run_cached(BATCH, "GR2-L1", game_key="k", cache="no"), ["cache", "str"]),
    "buffer-capacity": (ValueError, lambda: tr.ReplayBuffer(0, 1, 2), ["capacity", "0"]),
    "buffer-batch": (ValueError, lambda: tr.ReplayBuffer(4, 1, 2).sample(0, torch.Generator()), ["batch", "0"]),
    "split-runs": (ValueError, lambda: tr.split_runs(np.zeros((5, 6, 2)), 4), ["n_games", "4", "6 runs"]),
    "split-runs-ndim": (ValueError, lambda: tr.split_runs(np.zeros((5, 6)), 2), ["history", "2-d"]),
    "final-window-frac": (ValueError, lambda: tr.final_window(np.zeros(10), frac=0.0), ["frac", "0"]),
    "final-window-empty": (ValueError, lambda: tr.final_window(np.zeros(0)), ["x", "(0,)"]),
    "reach-threshold": (ValueError, lambda: tr.iterations_to_reach(np.zeros(5), NAN), ["threshold", "nan"]),
    "summarise-curves": (ValueError, lambda: tr.summarise(np.zeros(5), threshold=1.0), ["curves", "1-d"]),
    # --- experiments (refused before any training)
    "dyn-games": (ValueError, lambda: ex.dynamics_experiment(["chicken"]), ["games[0]", "'chicken'"]),
    "dyn-levels": (ValueError, lambda: ex.dynamics_experiment(levels=[0, -1]), ["levels[1]", "-1"]),
    "dyn-start": (ValueError, lambda: ex.dynamics_experiment(start=(1.5, 0.5)), ["start", "1.5"]),
    "beauty-methods": (ValueError, lambda: ex.beauty_contest_experiment(["GR2-L1", "PPO"]), ["method", "'PPO'"]),
    "beauty-methods-empty": (ValueError, lambda: ex.beauty_contest_experiment([]), ["methods", "0 elements"]),
    "beauty-ps": (ValueError, lambda: ex.beauty_contest_experiment(["DDPG"], ps=[0.7, -1.0]), ["ps[1]", "-1"]),
    "beauty-rewards": (ValueError, lambda: ex.beauty_contest_experiment(["DDPG"], rewards=["abs", "l1"]),
                       ["rewards[1]", "'l1'"]),
    "beauty-runs": (ValueError, lambda: ex.beauty_contest_experiment(["DDPG"], n_runs=0), ["n_runs", "0"]),
    "games-names": (ValueError, lambda: ex.games_experiment(["DDPG"], games=["go"]), ["games[0]", "'go'"]),
    "games-hidden": (ValueError, lambda: ex.games_experiment(["DDPG"], hidden=0), ["hidden", "0"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_recursive_bad_inputs(case):
    exc, fn, words = CASES[case]
    _raises(exc, fn, *words)


def test_unprojected_summaries_accept_diverged_points():
    """lyapunov / distance_to_centre evaluate diverged trajectories (inf) instead of refusing."""
    assert np.isinf(dyn.distance_to_centre(rotational(), np.array([INF, 0.5])))


# --- property-based -------------------------------------------------------------------------------

reals = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3))


@settings(max_examples=200, deadline=None)
@given(temperature=reals, aux_weight=reals, tau=reals, lr=reals, hidden=st.one_of(st.integers(-2, 64), reals),
       marginal_samples=st.integers(-2, 16), gamma=reals)
def test_gr2_config_accepts_exactly_the_valid_ones(temperature, aux_weight, tau, lr, hidden,
                                                   marginal_samples, gamma):
    kw = dict(temperature=temperature, aux_weight=aux_weight, tau=tau, lr=lr, hidden=hidden,
              marginal_samples=marginal_samples, gamma=gamma)
    valid = (all(isinstance(v, int | float) and math.isfinite(v) for v in (temperature, aux_weight, tau, lr, gamma))
             and temperature > 0 and aux_weight >= 0 and 0 < tau <= 1 and lr > 0 and 0 <= gamma < 1
             and isinstance(hidden, int) and hidden >= 1 and marginal_samples >= 1)
    try:
        GR2Config(**kw)
    except (ValueError, TypeError) as exc:
        assert not valid, (kw, exc)
        assert str(exc).startswith("GR2Config: ") and any(k in str(exc) for k in kw)
        return
    assert valid, kw


@settings(max_examples=100, deadline=None)
@given(curves=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
                         elements=st.floats(-10, 10)),
       threshold=reals, frac=st.floats(-0.5, 1.5))
def test_summarise_is_finite_or_refused(curves, threshold, frac):
    try:
        out = tr.summarise(curves, threshold=threshold, frac=frac)
    except (ValueError, TypeError) as exc:
        assert any(k in str(exc) for k in ("curves", "threshold", "frac")), str(exc)
        return
    for k in ("final_mean", "final_std", "fluctuation", "success"):
        assert np.isfinite(out[k])
    assert 0 <= out["success"] <= 1
    # settle_iters is NaN by contract when no run settles below the threshold
    assert np.isnan(out["settle_iters"]) or out["settle_iters"] >= 0
