"""The one model of nestlab.actors.likelihood against independent oracles (spec Sec. 1, 4)."""

import math

import numpy as np
import pytest

from nestlab.actors.costs import get_cost
from nestlab.actors.likelihood import (
    FitSpec,
    action_fn,
    log_prior,
    per_trial,
    pointwise_log_likelihood,
    prior_sites,
    priors,
    start_values,
)
from nestlab.actors.models import ActorParams, response_law
from nestlab.actors.policy import make_box


def _spec(cost, free, n_nodes=32, likelihood="marginal"):
    fam = get_cost(cost)
    return FitSpec(fam, "analytic" if fam.closed_form else "network", likelihood, free, {}, 1,
                   make_box(cost), n_nodes)


def test_marginal_likelihood_equals_the_closed_form_response_law():
    """Quadratic actor: log r | s is exactly normal (spec Sec. 2), an oracle for the quadrature."""
    import jax.numpy as jnp

    spec = _spec("quadratic", ("sigma", "sigma0", "mu0", "sigma_r"))
    p = ActorParams(0.2, 0.15, 1.5, 0.1)
    s = np.array([0.3, 1.0, 2.5, 4.0])
    r = np.array([0.5, 1.1, 2.0, 3.9])
    theta = {k: jnp.asarray(v, jnp.float32) for k, v in p._asdict().items()}
    tt = per_trial(spec, theta, jnp.zeros(4, jnp.int32))
    ll = np.asarray(pointwise_log_likelihood(spec, action_fn(spec, None), tt,
                                             jnp.asarray(s, jnp.float32),
                                             jnp.asarray(r, jnp.float32)))
    mean, sd = response_law(s, p)
    exact = -0.5 * ((np.log(r) - mean) / sd) ** 2 - np.log(sd) - np.log(r) - 0.5 * math.log(
        2 * math.pi)
    np.testing.assert_allclose(ll, exact, atol=2e-4)


def test_lognormal_cost_priors_are_sampled_on_the_log_scale_inside_the_box():
    """linex's c and inverted_gaussian's gamma: a truncated normal on log scale, no density wall."""
    import jax
    from numpyro.distributions import constraints

    for cost, name in (("linex", "c"), ("inverted_gaussian", "gamma")):
        lo, hi = get_cost(cost).priors[name].box
        spec = _spec(cost, ("mu0", name))
        site = prior_sites(spec)[name]
        assert site == f"log_{name}"
        prior = priors(spec)[site]
        assert isinstance(prior.support, constraints.interval)
        np.testing.assert_allclose([float(prior.support.lower_bound),
                                    float(prior.support.upper_bound)],
                                   [math.log(lo), math.log(hi)], rtol=1e-6)
        draws = np.exp(np.asarray(prior.sample(jax.random.PRNGKey(0), (5000,))))
        assert lo <= draws.min() and draws.max() <= hi


def test_log_prior_is_on_the_parameter_scale():
    """The density of c = exp(log_c) integrates to one over c (Jacobian applied)."""
    import jax.numpy as jnp

    spec = _spec("linex", ("c",))
    lo, hi = spec.box["c"]
    grid = np.geomspace(lo, hi, 120)
    dens = np.exp([float(log_prior(spec, {"c": jnp.asarray(g, jnp.float32)})["c"])
                   for g in grid])
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=0.01)


def test_start_values_are_keyed_by_site_and_inside_the_support():
    import jax.numpy as jnp

    spec = _spec("linex", ("sigma0", "mu0", "sigma_r", "c"))
    start = start_values(spec, jnp.asarray([1.0, 2.0, 3.0]))
    assert set(start) == {"sigma0", "mu0", "sigma_r", "log_c"}
    assert 0.3 <= float(start["mu0"]) <= 4.5
