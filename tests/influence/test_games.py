"""Repeated 2x2 games with interaction strength and their policy gradient."""

import numpy as np
import pytest

from nestlab.influence import games


def _play(theta_e, theta_b, spec, n_eps=64, seed=0):
    u = np.random.default_rng(seed).random((n_eps, spec.n_rounds, 3))
    return games.rollout(np.asarray(theta_e, float), np.asarray(theta_b, float), spec.payoff,
                         spec.meet_prob, spec.solo_reward, u)


def test_payoffs_when_always_meeting():
    spec = games.make_spec("prisoners_dilemma", 1.0, n_rounds=10)
    coop, defect = np.full(5, -50.0), np.full(5, 50.0)
    assert np.all(_play(coop, coop, spec).returns == 30.0)
    assert np.all(_play(defect, coop, spec).returns == 50.0)
    assert np.all(_play(coop, defect, spec).returns == 0.0)
    chicken = games.make_spec("chicken", 1.0, n_rounds=10)
    assert np.all(_play(coop, defect, chicken).returns == 20.0)  # swerve vs straight: 2


def test_never_meeting_gives_solo_reward_only():
    spec = games.make_spec("stag_hunt", 0.0, n_rounds=10, solo_fraction=0.25)
    ro = _play(np.zeros(5), np.zeros(5), spec)
    assert np.all(ro.rewards == 1.0) and np.all(ro.states == 0)


def test_states_follow_last_joint_action():
    spec = games.make_spec("pure_coordination", 1.0, n_rounds=5)
    ro = _play(np.full(5, 50.0), np.full(5, -50.0), spec, n_eps=2)  # ego 1, bob 0
    assert np.all(ro.states[:, 0] == 0) and np.all(ro.states[:, 1:] == 1 + 2 * 1 + 0)


def test_policy_gradient_points_uphill():
    spec = games.make_spec("prisoners_dilemma", 1.0, n_rounds=10)
    theta = np.zeros(5)
    g = games.policy_gradient(_play(theta, theta, spec, n_eps=4000))
    # defecting (action 1) pays more against a random partner in every state
    assert np.all(g > 0)


def test_bad_spec_rejected():
    with pytest.raises(ValueError, match="unknown game"):
        games.make_spec("hawk_dove", 1.0)
    with pytest.raises(ValueError, match="meet_prob"):
        games.make_spec("chicken", 1.5)
