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


def _ridge_spec(free=("sigma", "sigma0", "mu0", "sigma_r", "beta"), n_conditions=1,
                per_condition=("sigma",)):
    from nestlab.actors.likelihood import check_reparam

    fam = get_cost("quadratic_effort")
    spec = FitSpec(fam, "analytic", "marginal", free, {}, n_conditions, make_box(fam.name), 16,
                   per_condition)
    return check_reparam("ridge", spec)


@pytest.mark.parametrize("w", [0.15, 0.5, 0.85])
def test_ridge_coordinates_keep_the_prior_of_mu0_and_beta(w):
    """Oracle: U(0.1, 5) x U(0.5, 1), independent (spec Sec. 4), by importance weights.

    (u, v) drawn uniformly and weighted by the density the model's factor adds must give back
    the usual prior: the weights average to one (the density integrates to one over the unit
    square) and the weighted laws of mu0 and beta are the uniform ones, with no correlation.
    """
    import jax.numpy as jnp

    from nestlab.actors.likelihood import ridge_transform

    spec = _ridge_spec()
    rng = np.random.default_rng(3)
    u, v = rng.uniform(size=(2, 400_000))
    mu0, beta, logd = (np.asarray(x, float) for x in ridge_transform(
        spec, jnp.asarray(u, jnp.float32), jnp.asarray(v, jnp.float32), jnp.float32(w)))
    wt = np.exp(logd)
    assert wt.mean() == pytest.approx(1.0, abs=0.01)
    assert mu0.min() >= 0.1 * (1 - 1e-5) and mu0.max() <= 5.0 * (1 + 1e-5)
    assert beta.min() >= 0.5 * (1 - 1e-5) and beta.max() <= 1.0 + 1e-5
    wt = wt / wt.sum()
    for x, lo, hi in ((mu0, 0.1, 5.0), (beta, 0.5, 1.0)):
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):  # weighted CDF against the uniform one
            assert wt[x <= lo + q * (hi - lo)].sum() == pytest.approx(q, abs=0.01)
    mean_m, mean_b = wt @ mu0, wt @ beta
    cov = wt @ ((mu0 - mean_m) * (beta - mean_b))
    corr = cov / np.sqrt((wt @ (mu0 - mean_m) ** 2) * (wt @ (beta - mean_b) ** 2))
    assert abs(corr) < 0.02


def test_ridge_inverse_undoes_the_transform():
    import jax.numpy as jnp

    from nestlab.actors.likelihood import ridge_inverse, ridge_transform

    spec = _ridge_spec()
    u, v = np.random.default_rng(0).uniform(0.02, 0.98, size=(2, 50))
    for w in (0.2, 0.7):
        mu0, beta, _ = ridge_transform(spec, jnp.asarray(u), jnp.asarray(v), w)
        u2, v2 = ridge_inverse(spec, mu0, beta, w)
        np.testing.assert_allclose(np.asarray(u2), u, atol=1e-4)
        np.testing.assert_allclose(np.asarray(v2), v, atol=1e-3)


def test_ridge_slope_reads_the_central_tendency():
    """Closed-form actor: log r = c + wm log s + noise, so w = 1 - wm (spec Sec. 2)."""
    import jax.numpy as jnp

    from nestlab.actors.likelihood import ridge_slope

    s = np.geomspace(0.5, 3.0, 200)
    r = np.exp(0.1 + 0.3 * np.log(s))
    assert float(ridge_slope(jnp.asarray(s), jnp.asarray(r))) == pytest.approx(0.7, abs=1e-4)
    assert float(ridge_slope(jnp.ones(5), jnp.ones(5))) == pytest.approx(0.5)  # no spread
    assert float(ridge_slope(jnp.asarray(s), jnp.asarray(s ** 2))) == pytest.approx(0.05)  # clipped


def test_ridge_model_samples_the_ridge_sites_and_reports_mu0_and_beta():
    import jax
    from numpyro import handlers

    from nestlab.actors.likelihood import make_model

    spec = _ridge_spec(n_conditions=2)
    s = np.array([0.8, 1.0, 1.2, 1.6], np.float32)
    cond = np.array([0, 1, 0, 1], np.int32)
    tr = handlers.trace(handlers.seed(make_model(spec), 0)).get_trace(s, cond, s * 0.9)
    sampled = {k for k, v in tr.items() if v["type"] == "sample" and not v.get("is_observed")}
    assert sampled == {"sigma", "sigma0", "sigma_r", "ridge_u", "ridge_v"}
    assert tr["mu0"]["type"] == "deterministic" and tr["beta"]["type"] == "deterministic"
    assert 0.1 <= float(tr["mu0"]["value"]) <= 5.0 and 0.5 <= float(tr["beta"]["value"]) <= 1.0
    start = start_values(spec, jax.numpy.asarray(s * 0.9), s)
    assert set(start) == {"sigma", "sigma0", "sigma_r", "ridge_u", "ridge_v"}


def test_ridge_reparam_is_refused_without_a_shared_pair():
    from nestlab.actors.likelihood import check_reparam

    fam = get_cost("quadratic_effort")
    base = FitSpec(fam, "analytic", "marginal", ("sigma", "sigma0", "mu0", "sigma_r"), {}, 1,
                   make_box(fam.name), 16)
    with pytest.raises(ValueError, match="invalid reparam 'ridge'.*valid: mu0 and one of"):
        check_reparam("ridge", base)
    with pytest.raises(ValueError, match="per-condition"):
        _ridge_spec(n_conditions=2, per_condition=("sigma", "beta"))
    with pytest.raises(ValueError, match="unknown reparam 'whiten'|invalid reparam 'whiten'"):
        check_reparam("whiten", base)
    assert check_reparam("none", base).reparam == "none"


def test_check_sampler_names_the_argument():
    from nestlab.actors.likelihood import check_sampler

    ok = dict(chains=4, warmup=10, draws=10, seed=0, n_nodes=8, target_accept=0.9)
    assert tuple(check_sampler(**ok)) == (4, 10, 10, 0, 8, 0.9)
    for key, bad, err in (("chains", 0, ValueError), ("chains", 2.0, TypeError),
                          ("n_nodes", 1, ValueError), ("target_accept", 1.0, ValueError),
                          ("seed", -1, ValueError)):
        with pytest.raises(err, match=key):
            check_sampler(**(ok | {key: bad}))


def test_theta_from_sites_maps_the_ridge_sites_with_the_data():
    import jax.numpy as jnp

    from nestlab.actors.likelihood import ridge_slope, ridge_transform, theta_from_sites

    spec = _ridge_spec()
    s = jnp.asarray([0.8, 1.0, 1.2, 1.6])
    r = 0.9 * s ** 0.4
    values = {"sigma": 0.2, "sigma0": 0.2, "sigma_r": 0.1, "ridge_u": jnp.asarray(0.4),
              "ridge_v": jnp.asarray(0.7)}
    th = theta_from_sites(spec, values, s, r)
    m, b, _ = ridge_transform(spec, 0.4, 0.7, ridge_slope(s, r))
    assert float(th["mu0"]) == pytest.approx(float(m)) and float(th["beta"]) == pytest.approx(
        float(b))
    with pytest.raises(ValueError, match="ridge coordinates need the data"):
        theta_from_sites(spec, values)


def test_trials_of_weight_zero_change_nothing():
    """Padding (weight 0, fit_datasets of unequal lengths): the same density, slope and start."""
    import jax.numpy as jnp
    from numpyro.infer.util import log_density

    from nestlab.actors.likelihood import make_model, ridge_slope

    spec = _ridge_spec(n_conditions=2)
    rng = np.random.default_rng(3)
    s = rng.uniform(0.6, 1.8, 9).astype(np.float32)
    r = (s * rng.lognormal(0.0, 0.2, 9)).astype(np.float32)
    cond = np.array([0, 1] * 4 + [0], np.int32)
    pad = 5  # copies of the first trial, of weight 0 (and a last trial of weight 0 is no padding)
    sp, rp = np.r_[s, np.full(pad, s[0])], np.r_[r, np.full(pad, r[0])]
    cp, w = np.r_[cond, np.full(pad, cond[0])], np.r_[np.ones(9), np.zeros(pad)].astype(np.float32)
    params = {"sigma": jnp.array([0.1, 0.2]), "sigma0": 0.25, "sigma_r": 0.12,
              "ridge_u": 0.4, "ridge_v": 0.6}
    model = make_model(spec)
    plain, _ = log_density(model, (s, cond, r), {}, params)
    padded, _ = log_density(model, (sp, cp, rp, None, w), {}, params)
    assert float(padded) == pytest.approx(float(plain), rel=1e-5)
    # without the weights the padding would count
    assert abs(float(log_density(model, (sp, cp, rp), {}, params)[0]) - float(plain)) > 1e-2
    assert float(ridge_slope(sp, rp, w)) == pytest.approx(float(ridge_slope(s, r)), abs=1e-5)
    a, b = start_values(spec, r, s), start_values(spec, rp, sp, w)
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_allclose(np.asarray(b[k]), np.asarray(a[k]), rtol=1e-5)
