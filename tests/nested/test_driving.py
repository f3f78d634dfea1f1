"""Driving: geometry, visibility and occlusion, collision rules, the 72-hypothesis space, exact
inference, importance sampling (exact at K = 72, ESS in 1..K) and refusals."""

import numpy as np
import pytest

from nestlab.nested import driving_experiments as dx
from nestlab.nested.domains.driving import (
    EXIT,
    FORWARD,
    SIGNAL,
    STOP,
    TURN_LEFT,
    TURN_RIGHT,
    Driving,
    DrivingConfig,
    DrivingState,
)
from nestlab.nested.driving import (
    N_HYP,
    DrivingModel,
    DrivingParams,
    decode,
    encode,
    existence_belief,
    existence_log_prior,
    inattentive,
    simulate_driving,
)
from nestlab.nested.exact import ExactInference

DOM = Driving()  # 10 x 10, roads at rows/cols 4 and 5
SETUP = dx.DrivingSetup()


def state(cells, headings, *, entry=None, active=None, moved=None):
    n = len(cells)
    return DrivingState(tuple(cells), tuple(headings), tuple(entry or headings),
                        tuple(active or (True,) * n), (FORWARD,) * n, (False,) * n,
                        tuple(moved or (True,) * n), False, 0)


def random_nets(seed=0):
    import torch

    from nestlab.nested.recognition import OnlineGRU, RecognitionNet

    torch.manual_seed(seed)
    return {"goals": OnlineGRU(RecognitionNet(DOM.n_features, 9, hidden=8).state_dict()),
            "existence": OnlineGRU(RecognitionNet(DOM.n_features, 8, hidden=8).state_dict())}


# ------------------------------------------------------------------ geometry and visibility
def test_layout_roads_and_buildings():
    c = DOM.cell
    assert DOM.road[c(9, 5)] and DOM.road[c(4, 0)] and DOM.intersection[c(4, 4)]
    assert DOM.building[c(0, 0)] and DOM.building[c(6, 6)] and not DOM.building[c(5, 2)]
    # lanes: northbound col 5, southbound col 4, eastbound row 5, westbound row 4
    assert DOM.lane_dir[c(8, 5)] == 0 and DOM.lane_dir[c(1, 4)] == 2
    assert DOM.lane_dir[c(5, 1)] == 1 and DOM.lane_dir[c(4, 8)] == 3


def test_exit_distances_typed_by_hand():
    # from the bottom of the northbound lane: straight 9 moves + exit; right turns at (5, 5)
    c = DOM.cell(9, 5)
    assert DOM.exit_distance(c, 0, 0, 0) == 10   # straight
    assert DOM.exit_distance(c, 0, 0, 2) == 9    # right: 4 up, turn to (5, 6), 3 east, exit
    assert DOM.exit_distance(c, 0, 0, 1) == 11   # left: 5 up, turn to (4, 4), 4 west, exit


def test_building_blocks_line_of_sight():
    c = DOM.cell
    far, line = c(9, 5), c(6, 5)
    west = c(5, 1)                                # on the eastbound approach from the west
    assert not DOM.line_of_sight(far, west)       # the south-west building is in the way
    assert DOM.line_of_sight(c(5, 5), west)       # along the open road
    assert not DOM.line_of_sight(line, c(4, 8))   # the south-east building hides the right lane
    # line of sight is symmetric
    assert np.array_equal(DOM.los, DOM.los.T)


def test_view_cone_and_occlusion_together():
    c = DOM.cell
    # car 0 far down its lane, car 1 on the west approach, car 2 straight ahead
    s = state([c(9, 5), c(5, 1), c(2, 4)], [0, 1, 2])
    assert DOM.visible(s, 0, 90.0).tolist() == [False, False, True]     # west car occluded
    s = state([c(5, 5), c(5, 1), c(2, 4)], [0, 1, 2])
    assert DOM.visible(s, 0, 90.0).tolist() == [False, True, True]      # in the open: both
    assert DOM.visible(s, 0, 30.0).tolist() == [False, False, True]     # narrow cone: ahead only
    # a car behind is never in the cone
    s = state([c(5, 5), c(8, 5)], [0, 0])
    assert not DOM.visible(s, 0, 90.0)[1]
    assert DOM.visible(s, 1, 90.0)[0]


def test_in_cone_matches_the_angle():
    c = DOM.cell
    src = c(9, 5)
    assert DOM.in_cone(src, 0, c(5, 5), 10.0)          # dead ahead
    assert not DOM.in_cone(src, 0, c(9, 4), 89.0)      # exactly to the side (90 degrees)
    assert DOM.in_cone(src, 0, c(9, 4), 90.0)
    assert not DOM.in_cone(src, 0, src, 180.0)         # not itself


# ------------------------------------------------------------------ moves and collisions
def test_turns_only_where_legal():
    c = DOM.cell
    # in the intersection a right turn enters the eastbound lane
    nc, nh = DOM.move(c(5, 5), 0, TURN_RIGHT)
    assert (nc, nh) == (c(5, 6), 1)
    # on the approach lane a turn would leave the road or enter the oncoming lane: stay
    for a in (TURN_LEFT, TURN_RIGHT):
        nc, nh = DOM.move(c(8, 5), 0, a)
        assert (nc, nh) == (c(8, 5), 0)
    assert DOM.move(c(0, 5), 0, FORWARD)[0] == EXIT
    assert DOM.move(c(8, 5), 0, STOP)[0] == c(8, 5)


def test_same_cell_collision_ends_the_episode():
    c = DOM.cell
    s = state([c(6, 5), c(5, 3)], [0, 1])          # car 0 one move from (5, 5), car 1 two
    s = DOM.step(s, [FORWARD, FORWARD])            # (5, 5) and (5, 4): no collision
    assert not s.crashed
    s = DOM.step(s, [STOP, FORWARD])               # car 1 drives into the stopped car 0
    assert s.crashed and DOM.done(s)
    again = DOM.step(s, [FORWARD, FORWARD])
    assert again.cell == s.cell and again.crashed   # nothing moves after a collision


def test_swap_collides_and_following_does_not():
    c = DOM.cell
    # head-on swap inside the intersection
    s = state([c(5, 5), c(4, 5)], [0, 2], entry=[0, 2])
    s = s._replace(heading=(0, 2))
    nxt = DOM.step(s, [FORWARD, FORWARD])           # (5, 5) <-> (4, 5)
    assert nxt.crashed
    # a car following another into the cell it vacates is fine
    s = state([c(8, 5), c(7, 5)], [0, 0], entry=[0, 2])
    nxt = DOM.step(s, [FORWARD, FORWARD])
    assert not nxt.crashed and nxt.cell == (c(7, 5), c(6, 5))


def test_exit_makes_a_car_inactive_and_satisfies_its_goal():
    c = DOM.cell
    s = state([c(0, 5), c(9, 4)], [0, 2], entry=[0, 2])
    nxt = DOM.step(s, [FORWARD, STOP])
    assert nxt.active == (False, True) and DOM.done(nxt)
    assert DOM.goal_satisfied(nxt, 0) and not DOM.goal_satisfied(nxt, 2)


def test_step_refuses_bad_actions():
    s = DOM.reset(0)
    with pytest.raises(ValueError, match="invalid actions"):
        DOM.step(s, [0, 1])
    with pytest.raises(ValueError, match="invalid actions"):
        DOM.step(s, [0, 9, 0])


# ------------------------------------------------------------------ the 72 hypotheses
def test_seventy_two_hypotheses_factorise():
    assert N_HYP == 72 == 3 * 3 * 8
    h = np.arange(N_HYP)
    g, c, e = decode(h)
    assert set(g) == {0, 1, 2} and set(c) == {0, 1, 2} and set(e) == set(range(8))
    np.testing.assert_array_equal(encode(g, c, e), h)
    ep = simulate_driving(DOM, 3)
    model = DrivingModel(DOM, ep)
    assert model.n_hyp == 72 and 0 <= ep.label < 72
    assert np.exp(model.log_prior).sum() == pytest.approx(1.0)


def test_existence_prior_peaks_at_the_true_occupancy():
    p = DrivingParams()
    occ = np.array([True, False, True])
    lp = existence_log_prior(occ, p).reshape(9, 8)
    assert np.allclose(lp, lp[0])                           # uniform over (goal, cue)
    assert lp[0].argmax() == 0b101                          # bits: west, north, east
    acc = p.existence_cue_accuracy
    assert np.exp(lp[0, 0b101]) * 9 == pytest.approx(acc ** 3)


def test_existence_belief_decays_while_nothing_comes_out():
    b = existence_belief(0.65, np.array([0, 1, 2, 5]), 0.6)
    assert b[0] == 0 and b[1] == pytest.approx(0.65)
    assert b[1] > b[2] > b[3] > 0


def test_model_likelihood_is_the_policy_the_cars_acted_on():
    for seed in (0, 1, 5):
        ep = simulate_driving(DOM, seed)
        model = DrivingModel(DOM, ep)
        for t in range(ep.n_steps):
            np.testing.assert_allclose(np.exp(model.logpolicy(t, [ep.label])[0]),
                                       ep.target_policy[t], atol=1e-12)


def test_exact_inference_matches_brute_force_enumeration():
    ep = simulate_driving(DOM, 4)
    model = DrivingModel(DOM, ep)
    ei = ExactInference(model, model.log_prior)
    fresh = DrivingModel(DOM, ep)
    cum = model.log_prior.copy()
    for t in range(ep.n_steps):
        post = ei.step(t).weights
        # one hypothesis at a time, from a fresh model (no shared vectorised batch)
        cum = cum + np.array([fresh.step_loglik(t, np.array([h]))[0] for h in range(N_HYP)])
        want = np.exp(cum - cum.max())
        np.testing.assert_allclose(post, want / want.sum(), rtol=1e-9, atol=1e-14)


def test_inattentive_driver_never_chooses_to_signal():
    p = inattentive()
    assert p.target_horizon == 1 and p.target_half_angle == 30 and not p.target_signals
    for seed in range(3):
        ep = simulate_driving(DOM, seed, params=p)
        assert np.allclose(ep.target_policy[:, SIGNAL], p.epsilon / 5)


def test_features_have_one_length_for_three_and_four_cars():
    four = Driving(DrivingConfig(n_cars=4))
    for d in (DOM, four):
        ep = simulate_driving(d, 2)
        assert ep.features.shape == (ep.n_steps, DOM.n_features)
        assert np.isfinite(ep.features).all()
    assert len(simulate_driving(four, 2).states[0].cell) == 4


# ------------------------------------------------------------------ importance sampling
@pytest.mark.parametrize("scheme", ["is", "topk", "uniform_is"])
def test_full_space_importance_sampling_equals_exact(scheme):
    nets = random_nets()
    for ep in dx.episodes(SETUP, 2, seed=0, test=True):
        ei = dx.exact_trace(SETUP, ep)
        tr = dx.amortized_trace(SETUP, ep, k=N_HYP, scheme=scheme, nets=nets, seed=3)
        np.testing.assert_allclose(tr.post, ei.post, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(tr.pred, ei.pred, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 6, 9, 30])
def test_ess_between_one_and_k(k):
    nets = random_nets(1)
    ep = dx.episodes(SETUP, 1, seed=1, test=True)[0]
    tr = dx.amortized_trace(SETUP, ep, k=k, scheme="is", nets=nets, seed=0)
    assert np.all(tr.ess >= 1 - 1e-9) and np.all(tr.ess <= k + 1e-9)
    np.testing.assert_allclose(tr.post.sum(1), 1.0)
    assert ((tr.post > 0).sum(1) <= k).all()
    np.testing.assert_allclose(tr.pred[:-1].sum(1), 1.0)


def test_fewer_particles_form_fewer_likelihoods():
    nets = random_nets(2)
    ep = dx.episodes(SETUP, 1, seed=2, test=True)[0]
    ei = dx.exact_trace(SETUP, ep)
    tr = dx.amortized_trace(SETUP, ep, k=6, scheme="is", nets=nets, seed=0)
    assert tr.evaluations.sum() < ei.evaluations.sum()
    assert ei.rollouts.sum() == 3 * ep.n_steps       # one look-ahead per step and goal


def test_evaluate_scores_and_headline():
    nets = random_nets(3)
    nets.update({"tomnet_" + k: v for k, v in random_nets(4).items()})
    eps = dx.episodes(SETUP, 2, seed=0, test=True)
    df = dx.run_methods(SETUP, eps, nets, ks=[2, 72], seed=0)
    for col in ("acc", "signal_acc", "goal_acc"):
        assert df[col].between(0, 1).all()
    tab = dx.accuracy_table(df).set_index(["method", "k"])
    assert tab.loc[("is", 72), "acc"] == pytest.approx(tab.loc[("ei", 72), "acc"])
    assert tab.loc[("is", 72), "kl"] < 1e-8
    head = dx.headline(df)
    assert head["is_k"] in (2, 72) and head["speedup_per_step"] > 0


def test_subspaces_nest_around_the_truth():
    for size in (3, 9, 24, 72):
        keep = dx.subspace(17, size)
        assert keep.size == size and 17 in keep


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize("kwargs, match", [
    ({"size": 7}, "even"), ({"size": 4}, "size"), ({"size": 18}, "size"),
    ({"n_cars": 1}, "n_cars"), ({"n_cars": 5}, "n_cars"), ({"max_steps": 0}, "max_steps"),
    ({"sidewalk": 4}, "sidewalk")])
def test_config_refuses_invalid_worlds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DrivingConfig(**kwargs)


def test_config_refuses_wrong_types():
    with pytest.raises(TypeError, match="n_cars"):
        DrivingConfig(n_cars=3.0)
    with pytest.raises(TypeError, match="config"):
        Driving(config={"size": 10})


@pytest.mark.parametrize("kwargs", [{"epsilon": 0.0}, {"beta0": -1.0}, {"horizon": 0},
                                    {"target_half_angle": 200.0}, {"existence_prior": 1.0}])
def test_params_refuse_invalid_values(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        DrivingParams(**kwargs)


def test_inference_refuses_bad_requests():
    ep = dx.episodes(SETUP, 1, seed=0, test=True)[0]
    nets = random_nets()
    for k in (0, 73):
        with pytest.raises(ValueError, match="k"):
            dx.amortized_trace(SETUP, ep, k=k, scheme="is", nets=nets)
    with pytest.raises(ValueError, match="unknown scheme 'bogus'"):
        dx.amortized_trace(SETUP, ep, k=3, scheme="bogus", nets=nets)
    with pytest.raises(ValueError, match="invalid nets: .*'goals' and 'existence'"):
        dx.amortized_trace(SETUP, ep, k=3, scheme="is", nets=None)
    with pytest.raises(ValueError, match="unknown methods"):
        dx.run_methods(SETUP, [ep], nets, ks=[3], methods=("ei", "magic"))
    with pytest.raises(ValueError, match="unknown size"):
        dx.subspace(0, 10)
