import numpy as np
import pytest

from nestlab.actors import ActorParams, posterior, response_law, simulate


def test_validate_names_the_field():
    with pytest.raises(ValueError, match="sigma0"):
        ActorParams(0.2, -0.1, 1.5, 0.1).validate()
    with pytest.raises(ValueError, match="mu0"):
        ActorParams(0.2, 0.1, float("nan"), 0.1).validate()
    with pytest.raises(ValueError, match="sigma_r"):
        ActorParams(0.2, 0.1, 1.0, 0.0).validate()


def test_posterior_matches_conjugate_update():
    p = ActorParams(0.2, 0.15, 1.5, 0.1)
    post = posterior(2.0, p)
    prec = 1 / 0.15 ** 2 + 1 / 0.2 ** 2
    assert post.sd == pytest.approx(prec ** -0.5)
    assert post.mu == pytest.approx((np.log(1.5) / 0.15 ** 2 + np.log(2.0) / 0.2 ** 2) / prec)
    assert post.w0 + post.wm == pytest.approx(1.0)


@pytest.mark.parametrize("params, m, match", [
    (ActorParams(0.2, -0.1, 1.5, 0.1), 1.0, r"params\.sigma0.*-0\.1.*values > 0"),
    (ActorParams(0.2, 0.1, np.nan, 0.1), 1.0, r"params\.mu0"),
    (ActorParams(0.2, 0.1, 1.5, 0.1), np.array([1.0, 0.0]), r"invalid m"),
])
def test_posterior_refuses_concrete_values_out_of_range(params, m, match):
    with pytest.raises(ValueError, match=match):
        posterior(m, params)


def test_posterior_leaves_traced_values_unchecked():
    torch = pytest.importorskip("torch")
    # torch (and JAX) values may be traced inside a program: not checked, computed as given
    post = posterior(torch.tensor([1.0]), ActorParams(torch.tensor(0.2), 0.1, 1.5, 0.1))
    assert torch.isfinite(post.mu).all()


def test_simulate_is_seeded_and_validates():
    s = np.linspace(0.2, 5, 40)
    p = ActorParams(0.2, 0.15, 1.5, 0.1)
    a = simulate(s, p, seed=3)["responses"]
    b = simulate(s, p, seed=3)["responses"]
    c = simulate(s, p, seed=4)["responses"]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    with pytest.raises(ValueError, match="stimuli"):
        simulate(-s, p)
    with pytest.raises(ValueError, match="unknown cost"):
        simulate(s, p, cost="cubic")
    with pytest.raises(ValueError, match="beta"):
        simulate(s, p, cost="quadratic_effort")


def test_simulate_two_conditions_uses_each_sigma():
    s = np.full(4000, 2.0)
    cond = np.repeat([0, 1], 2000)
    d = simulate(s, ActorParams([0.05, 0.4], 0.3, 2.0, 0.01), conditions=cond, seed=0)
    sd = [np.log(d["measurements"][cond == k] / 2.0).std() for k in (0, 1)]
    assert sd[0] == pytest.approx(0.05, rel=0.1) and sd[1] == pytest.approx(0.4, rel=0.1)


@pytest.mark.parametrize("cost,beta", [("quadratic", 1.0), ("quadratic_effort", 0.7)])
def test_exact_lognormal_response_law(cost, beta):
    """Simulated log-responses follow Normal(c + wm log s, wm^2 sigma^2 + sigma_r^2) exactly."""
    p = ActorParams(0.25, 0.2, 1.5, 0.15)
    s = np.full(200_000, 2.5)
    cp = {"beta": beta} if cost == "quadratic_effort" else {}
    r = simulate(s, p, cost=cost, cost_params=cp, seed=1)["responses"]
    mean, sd = response_law(2.5, p, beta=beta)
    se = sd / np.sqrt(s.size)
    assert abs(np.log(r).mean() - mean) < 5 * se
    assert np.log(r).std() == pytest.approx(sd, rel=0.01)
    # and it differs from a wrong law (e.g. forgetting the motor-noise hedge)
    assert abs(np.log(r).mean() - (mean + 1.5 * 0.15 ** 2)) > 10 * se
