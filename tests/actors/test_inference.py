import numpy as np
import pytest

from nestlab import diagnostics as D
from nestlab.actors import ActorParams, simulate
from nestlab.actors.inference import fit

TRUTH = ActorParams(0.2, 0.15, 1.5, 0.1)


@pytest.fixture(scope="module")
def data():
    s = np.random.default_rng(0).uniform(0.1, 5, 60)
    return s, simulate(s, TRUTH, seed=2)["responses"]


@pytest.fixture(scope="module")
def idata(data):
    s, r = data
    return fit(s, r, cost="quadratic", fixed={"sigma": 0.2}, chains=2, warmup=300, draws=400,
               seed=1)


def test_fit_recovers_known_parameters(idata):
    cover = D.interval_covers(idata, {"mu0": 1.5, "sigma0": 0.15, "sigma_r": 0.1}, prob=0.9)
    assert all(cover.values()), cover
    summ = D.posterior_summary(idata)
    assert summ.loc["mu0", "sd"] < 0.1  # informative, not the U(0.1, 5) prior
    conv = D.convergence(idata, ess_min=100)
    assert conv.ok, conv.problems


def test_fit_returns_all_groups(idata, data):
    for g in ("posterior", "sample_stats", "log_likelihood", "prior", "posterior_predictive",
              "log_prior", "observed_data"):
        assert hasattr(idata, g), g
    assert "sigma" not in idata.posterior  # fixed
    assert idata.log_likelihood["r"].shape == (2, 400, 60)
    assert np.all(idata.posterior_predictive["r"].values > 0)
    np.testing.assert_allclose(idata.observed_data["r"].values, data[1])


def test_latent_likelihood_agrees_with_marginal(idata, data):
    s, r = data
    lat = fit(s, r, cost="quadratic", likelihood="latent", fixed={"sigma": 0.2}, chains=2,
              warmup=300, draws=400, seed=1)
    a, b = D.posterior_summary(idata), D.posterior_summary(lat)
    for k in ("mu0", "sigma0", "sigma_r"):
        assert abs(a.loc[k, "mean"] - b.loc[k, "mean"]) < 0.5 * a.loc[k, "sd"] + 1e-3


def test_fit_refusals(data):
    s, r = data
    with pytest.raises(ValueError, match="no closed form"):
        fit(s, r, cost="linex")
    with pytest.raises(ValueError, match="likelihood"):
        fit(s, r, cost="quadratic", likelihood="exact")
    with pytest.raises(ValueError, match="policy"):
        fit(s, r, cost="quadratic", policy="lookup")
    with pytest.raises(ValueError, match=r"unknown key of fixed 'beta'; valid choices"):
        fit(s, r, cost="quadratic", fixed={"beta": 0.9})
    with pytest.raises(ValueError, match=r"invalid fixed\['sigma'\].*valid range"):
        fit(s, r, cost="quadratic", fixed={"sigma": 2.0})
    with pytest.raises(ValueError, match="invalid responses: 59 values for 60 stimuli"):
        fit(s, r[:-1], cost="quadratic")
    with pytest.raises(ValueError, match=r"invalid responses: .*valid range: values > 0"):
        fit(s, -r, cost="quadratic")
    with pytest.raises(TypeError, match="invalid type for conditions"):
        fit(s, r, cost="quadratic", conditions=np.full(60, 0.5))
    with pytest.raises(ValueError, match="chains"):
        fit(s, r, cost="quadratic", chains=0)


def test_per_condition_sigma():
    """Two noise conditions share prior and motor noise; each gets its own sigma."""
    s = np.tile(np.random.default_rng(1).uniform(0.3, 5, 60), 2)
    cond = np.repeat([0, 1], 60)
    d = simulate(s, ActorParams([0.05, 0.4], 0.3, 1.5, 0.05), conditions=cond, seed=3)
    idata = fit(s, d["responses"], cost="quadratic", conditions=cond, chains=1, warmup=250,
                draws=250, seed=0)
    sig = idata.posterior["sigma"].values
    assert sig.shape == (1, 250, 2)
    assert np.median(sig[..., 1]) > 2 * np.median(sig[..., 0])
    with pytest.raises(ValueError, match="one value per condition"):
        fit(s, d["responses"], cost="quadratic", conditions=cond, fixed={"sigma": [0.1, 0.2, 0.3]})


@pytest.fixture(scope="module")
def metamer_data():
    """Two conditions as in Sohn & Jazayeri: a prior shift plus a cost offset in condition 1."""
    rng = np.random.default_rng(4)
    s = np.r_[rng.uniform(0.5, 1.1, 200), rng.uniform(0.8, 1.6, 200)]
    cond = np.repeat([0, 1], 200)
    r = np.empty_like(s)
    for c, (mu0, sigma0, delta) in enumerate(((0.75, 0.2, 0.0), (1.1, 0.15, 0.2))):
        k = cond == c
        r[k] = simulate(s[k], ActorParams(0.1, sigma0, mu0, 0.08), cost="offset_quadratic",
                        cost_params={"delta": delta}, seed=5 + c)["responses"]
    return s, r, cond


def test_per_condition_prior_with_known_cost_offset(metamer_data):
    """Cost known (delta fixed per condition): each condition's prior median is recovered."""
    s, r, cond = metamer_data
    idata = fit(s, r, cost="offset_quadratic", conditions=cond,
                per_condition=("mu0", "sigma0", "delta"),
                fixed={"sigma": 0.1, "delta": [0.0, 0.2]}, chains=1, warmup=250, draws=250)
    mu0 = idata.posterior["mu0"].values
    assert mu0.shape == (1, 250, 2) and idata.posterior["sigma_r"].values.shape == (1, 250)
    assert D.interval_covers(idata, {"mu0": [0.75, 1.1], "sigma_r": 0.08}, prob=0.95)
    assert abs(np.median(mu0[..., 1]) / np.median(mu0[..., 0]) - 1.1 / 0.75) < 0.15
    assert idata.posterior["mu0"].dims[-1] == "condition"


def test_per_condition_offset_with_known_prior(metamer_data):
    """Prior known (fixed per condition): the cost offsets 0 and 0.2 are recovered."""
    s, r, cond = metamer_data
    idata = fit(s, r, cost="offset_quadratic", conditions=cond,
                per_condition=("mu0", "sigma0", "delta"),
                fixed={"sigma": 0.1, "mu0": [0.75, 1.1], "sigma0": [0.2, 0.15]}, chains=1,
                warmup=250, draws=250)
    delta = idata.posterior["delta"].values.reshape(-1, 2)
    assert abs(delta[:, 0].mean()) < 0.03 and abs(delta[:, 1].mean() - 0.2) < 0.03
    assert np.all(idata.posterior_predictive["r"].values > 0)


def test_per_condition_refusals(metamer_data):
    s, r, cond = metamer_data
    with pytest.raises(ValueError, match=r"unknown per_condition\[0\] 'delta'"):
        fit(s, r, cost="quadratic", conditions=cond, per_condition=("delta",))
    with pytest.raises(ValueError, match=r"invalid fixed\['mu0'\]: shape \(2,\); valid: a scalar"):
        fit(s, r, cost="quadratic", conditions=cond, fixed={"mu0": [1.0, 1.2]})
    with pytest.raises(ValueError, match=r"invalid fixed\['delta'\]: 3 values; valid: a scalar or one value per condition"):
        fit(s, r, cost="offset_quadratic", conditions=cond, per_condition=("delta",),
            fixed={"delta": [0.0, 0.1, 0.2]})


def test_second_fit_of_the_same_shape_reuses_the_compiled_program(idata, data):
    """Same model and shape, other data and seed: no compilation, its own posterior."""
    s, r = data
    again = fit(s, r[::-1].copy(), cost="quadratic", fixed={"sigma": 0.2}, chains=2, warmup=300,
                draws=400, seed=5)
    attrs = again.posterior.attrs
    assert attrs["program_cached"] and attrs["compile_seconds"] == 0.0
    assert attrs["run_seconds"] <= attrs["sampling_seconds"]
    np.testing.assert_allclose(again.observed_data["r"].values, r[::-1])
    assert not np.allclose(again.posterior["mu0"].values, idata.posterior["mu0"].values)
    # the extra groups have the fit's shapes (prior predictive split over the chains, trimmed)
    assert again.prior_predictive["r"].shape == (1, 500, 60)
    assert again.posterior_predictive["r"].shape == (2, 400, 60)
    assert again.sample_stats["diverging"].shape == (2, 400)


def test_program_key_separates_fixed_values():
    from nestlab.actors.costs import get_cost
    from nestlab.actors.inference import _program_key
    from nestlab.actors.likelihood import FitSpec, check_fixed, resolve_policy

    fam = get_cost("quadratic")
    _, box = resolve_policy("analytic", fam, None)

    def key(sigma, n=60):
        spec = FitSpec(fam, "analytic", "marginal", ("sigma0", "mu0", "sigma_r"),
                       check_fixed({"sigma": sigma}, fam, box, 1), 1, box, 24)
        return _program_key(spec, None, n, 4, 10, 10, 0.85, 500)

    assert key(0.2) == key(0.2)
    assert key(0.2) != key(0.3) and key(0.2) != key(0.2, n=61)


@pytest.fixture(scope="module")
def effort_data():
    """Two noise levels, quadratic_effort, from the closed-form response law (spec Sec. 2)."""
    from nestlab.actors.models import response_law

    rng = np.random.default_rng(4)
    s = np.tile(np.array([0.8, 1.0, 1.2, 1.4, 1.6]), 12)
    cond = np.repeat(np.array([0, 1], np.int32), 30)
    r = np.empty_like(s)
    for k, sig in enumerate((0.25, 0.1)):
        mean, sd = response_law(s[cond == k], ActorParams(sig, 0.2, 1.3, 0.1), beta=0.85)
        r[cond == k] = np.exp(mean + sd * rng.standard_normal(mean.shape))
    return s, r, cond


def test_ridge_fit_agrees_with_the_plain_fit(effort_data):
    """reparam="ridge" changes the sampler's coordinates, not the posterior (same prior)."""
    s, r, cond = effort_data
    kw = dict(cost="quadratic_effort", conditions=cond, fixed={"sigma": [0.25, 0.1]}, chains=2,
              warmup=300, draws=500, n_nodes=8, prior_draws=20, target_accept=0.9, seed=3)
    plain, ridge = fit(s, r, **kw), fit(s, r, reparam="ridge", **kw)
    assert plain.posterior.attrs["reparam"] == "none"
    assert ridge.posterior.attrs["reparam"] == "ridge"
    assert set(ridge.posterior.data_vars) == set(plain.posterior.data_vars) == {
        "sigma0", "mu0", "sigma_r", "beta"}
    # the same seed: equal draws would mean the ridge coordinates were not used at all
    assert not np.allclose(plain.posterior["mu0"].values, ridge.posterior["mu0"].values)
    a, b = D.posterior_summary(plain), D.posterior_summary(ridge)
    # ~500 effective draws each: Monte-Carlo error of a mean ~ sd / 20 per fit
    for name in a.index:
        assert abs(a.loc[name, "mean"] - b.loc[name, "mean"]) < 0.3 * a.loc[name, "sd"], name


def test_reparam_refusals(data):
    s, r = data
    with pytest.raises(ValueError, match="unknown reparam 'bogus'; valid choices: none, ridge"):
        fit(s, r, cost="quadratic_effort", reparam="bogus")
    with pytest.raises(TypeError, match="invalid type for reparam: NoneType.*one of none, ridge"):
        fit(s, r, cost="quadratic_effort", reparam=None)
    with pytest.raises(ValueError, match=r"invalid reparam 'ridge' for cost 'quadratic'"):
        fit(s, r, cost="quadratic", reparam="ridge")
    with pytest.raises(ValueError, match=r"invalid reparam 'ridge'.*valid: mu0 and one of"):
        fit(s, r, cost="quadratic_effort", fixed={"mu0": 1.5}, reparam="ridge")
