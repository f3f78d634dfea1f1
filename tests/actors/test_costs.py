import numpy as np
import pytest

from nestlab.actors import COSTS, ActorParams, cost_value, optimal_action
from nestlab.actors.costs import closed_form_action, expected_cost_mc, expected_cost_quadrature

STABLE = ["quadratic", "quadratic_effort", "absolute", "absolute_effort",
          "asymmetric_quadratic", "linex", "inverted_gaussian"]
CLOSED = {"quadratic": {}, "quadratic_effort": {"beta": 0.8}, "absolute": {}}


def _grid(n=60, seed=0):
    rng = np.random.default_rng(seed)
    p = ActorParams(rng.uniform(0.01, 0.5, n), rng.uniform(0.01, 0.5, n), rng.uniform(0.1, 7, n),
                    rng.uniform(0.01, 0.5, n))
    m = rng.uniform(0.1, 7, n) * np.exp(p.sigma * rng.standard_normal(n))
    return m, p


def test_registry_has_the_stable_names():
    assert list(COSTS) == STABLE
    with pytest.raises(ValueError, match="valid choices: quadratic, quadratic_effort"):
        optimal_action("squared", 1.0, ActorParams(0.2, 0.2, 1, 0.1))


def test_costs_take_their_values():
    r, s = np.array([1.0, 3.0]), np.array([2.0, 2.0])
    np.testing.assert_allclose(cost_value("quadratic", r, s), [1, 1])
    np.testing.assert_allclose(cost_value("asymmetric_quadratic", r, s, {"alpha": 0.8}),
                               [2 * 0.8, 2 * 0.2])  # undershoot costs more when alpha > .5
    np.testing.assert_allclose(cost_value("linex", r, s, {"c": 1e-3}), [1, 1], rtol=1e-2)
    assert cost_value("inverted_gaussian", np.array([50.0]), np.array([1.0]), {"gamma": 1})[0] == (
        pytest.approx(1.0))


@pytest.mark.parametrize("cost", list(CLOSED))
def test_closed_forms_minimise_monte_carlo_expected_cost(cost):
    """The closed form is the argmin of a common-random-number MC expected cost (within MC error)."""
    m, p = _grid(40)
    a_cf = optimal_action(cost, m, p, CLOSED[cost], method="analytic")
    a_mc = optimal_action(cost, m, p, CLOSED[cost], method="mc", n_samples=40_000, seed=1)
    assert np.max(np.abs(a_mc / a_cf - 1)) < 0.015
    # the closed form beats nearby actions on an independent MC estimate
    from nestlab.actors.models import posterior
    post = posterior(m, p)
    e = [expected_cost_mc(cost, np.log(a_cf) + d, post.mu, post.sd, p.sigma_r, CLOSED[cost],
                          n_samples=40_000, seed=7) for d in (-0.05, 0.0, 0.05)]
    assert np.all(e[1] < e[0]) and np.all(e[1] < e[2])


@pytest.mark.parametrize("cost", list(CLOSED))
def test_numerical_solver_agrees_with_closed_forms(cost):
    m, p = _grid(400, seed=2)
    a_cf = optimal_action(cost, m, p, CLOSED[cost], method="analytic")
    a_num = optimal_action(cost, m, p, CLOSED[cost], method="numerical")
    assert np.max(np.abs(a_num / a_cf - 1)) < 1e-3


def test_absolute_closed_form_is_not_the_posterior_median():
    """a* = exp(mu_post - sigma_r^2): the motor-noise hedge is real (it would fail without it)."""
    p = ActorParams(0.3, 0.3, 2.0, 0.4)
    a = optimal_action("absolute", 2.0, p, method="numerical")
    mu = optimal_action("absolute", 2.0, p) * np.exp(0.4 ** 2)
    assert abs(a / mu - 1) > 0.1
    assert a == pytest.approx(optimal_action("absolute", 2.0, p), rel=1e-4)


@pytest.mark.parametrize("cost,cp", [("absolute_effort", {"beta": 0.7}),
                                     ("asymmetric_quadratic", {"alpha": 0.8}),
                                     ("linex", {"c": 0.5}), ("inverted_gaussian", {"gamma": 2.0})])
def test_numerical_solver_for_other_families_agrees_with_mc(cost, cp):
    m, p = _grid(20, seed=3)
    a_num = optimal_action(cost, m, p, cp)
    a_mc = optimal_action(cost, m, p, cp, method="mc", n_samples=40_000)
    assert np.median(np.abs(a_mc / a_num - 1)) < 0.02


def test_asymmetric_cost_shifts_action_with_alpha():
    p = ActorParams(0.2, 0.2, 2.0, 0.1)
    lo = optimal_action("asymmetric_quadratic", 2.0, p, {"alpha": 0.2})
    hi = optimal_action("asymmetric_quadratic", 2.0, p, {"alpha": 0.8})
    assert hi > lo * 1.05


def test_quadrature_expected_cost_matches_mc():
    mu, sd, sr = np.array([0.3]), np.array([0.3]), np.array([0.2])
    q = expected_cost_quadrature("absolute", np.array([0.2]), mu, sd, sr)
    mc = expected_cost_mc("absolute", np.array([0.2]), mu, sd, sr, n_samples=400_000)
    assert q[0] == pytest.approx(mc[0], rel=5e-3)


def test_refusals():
    p = ActorParams(0.2, 0.2, 1.0, 0.1)
    with pytest.raises(ValueError, match="no closed-form"):
        closed_form_action("linex", 0.0, 0.1, 0.1, {"c": 0.5})
    with pytest.raises(ValueError, match=r"invalid cost_params\['beta'\] 1.5; valid range"):
        optimal_action("quadratic_effort", 1.0, p, {"beta": 1.5})
    with pytest.raises(ValueError, match="unknown"):
        optimal_action("quadratic", 1.0, p, {"beta": 0.7})
    with pytest.raises(ValueError, match="method"):
        optimal_action("quadratic", 1.0, p, method="exact")
    with pytest.raises(ValueError, match=r"invalid m: .*valid range: values > 0"):
        optimal_action("quadratic", -1.0, p)


# ---------------------------------------------- offset quadratic (spec Sec. 5.6, metamer cost)


def _offset_grid(n, seed):
    """Random actors with offsets well inside (-E[s|m], E[s|m]) and the +-0.5 box."""
    from nestlab.actors.models import posterior

    m, p = _grid(n, seed=seed)
    post = posterior(m, p)
    mean_s = np.exp(post.mu + post.sd ** 2 / 2)
    delta = np.clip(np.random.default_rng(seed + 10).uniform(-0.8, 0.8, n) * mean_s, -0.5, 0.5)
    return m, p, delta, mean_s


def test_offset_family_is_outside_the_network_registry():
    from nestlab.actors.costs import EXTRA_COSTS, all_costs, get_cost

    assert "offset_quadratic" not in COSTS and "offset_quadratic" in EXTRA_COSTS
    assert list(all_costs()) == STABLE + ["offset_quadratic"]
    assert get_cost("offset_quadratic").params == ("delta",)
    r, s = np.array([0.8, 1.0]), np.array([1.0, 1.0])
    np.testing.assert_allclose(cost_value("offset_quadratic", r, s, {"delta": 0.2}), [0, 0.04])


def test_offset_closed_form_agrees_with_numerical_solver():
    m, p, delta, _ = _offset_grid(300, seed=4)
    a_cf = optimal_action("offset_quadratic", m, p, {"delta": delta}, method="analytic")
    a_num = optimal_action("offset_quadratic", m, p, {"delta": delta}, method="numerical")
    assert np.max(np.abs(a_num / a_cf - 1)) < 1e-3


def test_offset_closed_form_minimises_monte_carlo_expected_cost():
    m, p, delta, _ = _offset_grid(40, seed=5)
    a_cf = optimal_action("offset_quadratic", m, p, {"delta": delta}, method="analytic")
    a_mc = optimal_action("offset_quadratic", m, p, {"delta": delta}, method="mc",
                          n_samples=40_000, seed=1)
    assert np.median(np.abs(a_mc / a_cf - 1)) < 0.01


def test_offset_shifts_the_action_by_delta_and_reduces_to_quadratic():
    p = ActorParams(0.15, 0.2, 1.0, 0.1)
    m = np.array([0.6, 1.0, 1.5])
    a0 = optimal_action("quadratic", m, p)
    np.testing.assert_allclose(optimal_action("offset_quadratic", m, p, {"delta": 0.0}), a0)
    a = optimal_action("offset_quadratic", m, p, {"delta": 0.2})
    # a* = (E[s|m] - delta) exp(-3 sigma_r^2 / 2): the shift is exactly delta times the hedge
    np.testing.assert_allclose(a0 - a, 0.2 * np.exp(-1.5 * 0.1 ** 2), rtol=1e-12)


def test_offset_closed_form_floors_when_the_target_is_not_positive():
    from nestlab.actors.costs import ACTION_FLOOR, closed_form_action

    a = closed_form_action("offset_quadratic", np.log(0.3), 0.05, 0.1, {"delta": 0.45})
    assert a == pytest.approx(ACTION_FLOOR * np.exp(-1.5 * 0.01))
    with pytest.raises(ValueError, match=r"valid range: finite number -0.5 <= cost_params\['delta'\] <= 0.5"):
        optimal_action("offset_quadratic", 1.0, ActorParams(0.2, 0.2, 1, 0.1), {"delta": 0.7})
