"""Hierarchical fit: population recovery, shapes and groups, refusals, shrinkage table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nestlab.actors import hierarchical as H
from nestlab.actors.models import ActorParams, simulate

#: subjects around a population median mu0 = 1.2 (prior width and motor noise shared)
MU0 = {"a": 1.1, "b": 1.2, "c": 1.3, "d": 1.25}
SIGMA = 0.15


def _trials(n=40, seed=0, mu0=None):
    rng = np.random.default_rng(seed)
    rows = []
    for j, (name, m) in enumerate((mu0 or MU0).items()):
        s = rng.uniform(0.6, 1.8, n)
        sim = simulate(s, ActorParams(SIGMA, 0.15, m, 0.08), seed=seed * 100 + j)
        rows.append(pd.DataFrame({"subject": name, "condition": 0, "s": s,
                                  "r": sim["responses"]}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def trials():
    return _trials()


@pytest.fixture(scope="module")
def hfit(trials):
    return H.fit_hierarchical(trials, cost="quadratic", fixed={"sigma": SIGMA}, chains=2,
                              warmup=300, draws=300, n_nodes=8, seed=1)


def test_recovers_population_median(hfit):
    pop = hfit.posterior["pop_mu0"].values.ravel()
    lo, hi = np.quantile(pop, [0.05, 0.95])
    assert lo <= 1.2 <= hi
    assert abs(np.median(pop) - 1.2) < 0.15
    # each subject's value is pulled from the data, not collapsed onto the population
    subj = hfit.posterior["mu0"].mean(("chain", "draw")).values
    assert subj[0] < subj[2]  # a (1.1) below c (1.3)


def test_groups_shapes_and_attributes(hfit, trials):
    post = hfit.posterior
    assert post["mu0"].dims == ("chain", "draw", "subject")
    assert post["mu0"].shape == (2, 300, 4)
    assert list(post["subject"].values) == list(MU0)
    for k in ("sigma0", "mu0", "sigma_r"):
        assert post[f"pop_{k}"].shape == (2, 300) and post[f"tau_{k}"].shape == (2, 300)
        assert (post[f"tau_{k}"].values > 0).all()
    assert "sigma" not in post  # fixed
    assert hfit.log_likelihood["r"].shape == (2, 300, len(trials))
    assert hfit.posterior_predictive["r"].shape == (2, 300, len(trials))
    assert np.isfinite(hfit.log_likelihood["r"].values).all()
    np.testing.assert_allclose(hfit.observed_data["r"].values, trials["r"].to_numpy())
    assert set(hfit.constant_data["subject_index"].values.tolist()) == {0, 1, 2, 3}
    assert isinstance(H.converged(hfit), bool)
    assert hfit.posterior.attrs["cost"] == "quadratic"
    assert set(H.hierarchical_var_names(hfit)) == {
        f"{p}{k}" for k in ("sigma0", "mu0", "sigma_r") for p in ("", "pop_", "tau_")}


def test_pointwise_loglik_matches_single_subject_likelihood(hfit, trials):
    """Trial i's stored value is the single-fit likelihood at its subject's parameters."""
    import jax.numpy as jnp

    from nestlab.actors.costs import get_cost
    from nestlab.actors.likelihood import (
        FitSpec,
        action_fn,
        per_trial,
        pointwise_log_likelihood,
    )
    from nestlab.actors.policy import make_box

    fam = get_cost("quadratic")
    spec = FitSpec(fam, "analytic", "marginal", ("sigma0", "mu0", "sigma_r"),
                   {"sigma": np.float32(SIGMA)}, 1, make_box("quadratic"), 8)
    sub = trials[trials.subject == "c"]
    th = {k: jnp.asarray(hfit.posterior[k].values[0, 5, 2]) for k in ("sigma0", "mu0",
                                                                        "sigma_r")}
    th["sigma"] = jnp.asarray(SIGMA)
    s = jnp.asarray(sub["s"].to_numpy(), jnp.float32)
    ll = pointwise_log_likelihood(spec, action_fn(spec, None),
                                  per_trial(spec, th, jnp.zeros(len(sub), jnp.int32)), s,
                                  jnp.asarray(sub["r"].to_numpy(), jnp.float32))
    stored = hfit.log_likelihood["r"].values[0, 5][sub.index.to_numpy()]
    np.testing.assert_allclose(np.asarray(ll), stored, rtol=1e-4, atol=1e-4)


def test_loo_and_netcdf_roundtrip(hfit, tmp_path):
    import arviz as az

    from nestlab import diagnostics as D

    res = D.loo(hfit)
    assert np.isfinite(res.elpd) and res.n_obs == 160
    p = tmp_path / "h.nc"
    hfit.to_netcdf(str(p))
    back = az.from_netcdf(str(p))
    assert H.converged(back) == H.converged(hfit)
    assert list(back.posterior["subject"].values) == list(MU0)


def test_shrinkage_table(hfit, trials):
    """Separate fits stand in as draws around each subject's truth: the table's bookkeeping."""
    from nestlab import diagnostics as D

    rng = np.random.default_rng(0)
    sep = {k: D.to_inference_data(posterior={"mu0": rng.normal(v, 0.05, (2, 200))})
           for k, v in MU0.items()}
    tab = H.shrinkage_table(sep, hfit, "mu0", truth=MU0)
    assert list(tab.index) == list(MU0)
    assert (tab["separate_lo"] < tab["separate_mean"]).all()
    assert (tab["pooled_lo"] <= tab["pooled_mean"]).all()
    assert (tab["pooled_mean"] <= tab["pooled_hi"]).all()
    np.testing.assert_allclose(tab["truth"], list(MU0.values()))
    np.testing.assert_allclose(tab["population"], hfit.posterior["pop_mu0"].values.mean())
    with pytest.raises(ValueError, match="per_subject"):
        H.shrinkage_table({"zz": sep["a"]}, hfit, "mu0")
    with pytest.raises(ValueError, match="name"):
        H.shrinkage_table(sep, hfit, "beta")


def test_plot_shrinkage(hfit):
    from nestlab import diagnostics as D
    from nestlab.actors.plots import plot_shrinkage

    rng = np.random.default_rng(0)
    sep = {k: D.to_inference_data(posterior={"mu0": rng.normal(v, 0.05, (2, 200))})
           for k, v in MU0.items()}
    ax = plot_shrinkage(H.shrinkage_table(sep, hfit, "mu0", truth=MU0), name="mu0")
    assert len(ax.get_xticklabels()) == 4
    assert ax.get_ylabel().startswith("mu0")


@pytest.mark.parametrize("kwargs, exc, bits", [
    ({"cost": "nope"}, ValueError, ["cost", "nope"]),
    ({"cost": "quadratic", "chains": 0}, ValueError, ["chains"]),
    ({"cost": "quadratic", "tau_scale": -1.0}, ValueError, ["tau_scale"]),
    ({"cost": "quadratic", "fixed": {"beta": 0.9}}, ValueError, ["beta"]),
    ({"cost": "quadratic", "fixed": {"sigma": 2.0}}, ValueError, ["sigma"]),
    ({"cost": "quadratic", "known": {"sigma": "nope"}}, ValueError, ["known", "nope"]),
    ({"cost": "quadratic", "known": {"sigma": "s"}, "fixed": {"sigma": 0.1}}, ValueError,
     ["known", "fixed"]),
    ({"cost": "quadratic", "seed": "3"}, TypeError, ["seed"]),
    ({"cost": "linex"}, ValueError, ["analytic", "linex"]),
])
def test_refusals(trials, kwargs, exc, bits):
    with pytest.raises(exc) as e:
        H.fit_hierarchical(trials, **kwargs)
    for b in bits:
        assert b in str(e.value), (b, str(e.value))


def test_refuses_bad_trials(trials):
    with pytest.raises(ValueError, match="missing column"):
        H.fit_hierarchical(trials.drop(columns="r"), cost="quadratic")
    with pytest.raises(ValueError, match="at least two subjects"):
        H.fit_hierarchical(trials[trials.subject == "a"], cost="quadratic")
    one = pd.concat([trials, trials.iloc[[0]].assign(subject="lonely")], ignore_index=True)
    with pytest.raises(ValueError, match="'lonely' has 1 trial"):
        H.fit_hierarchical(one, cost="quadratic")
    bad = trials.copy()
    bad.loc[3, "r"] = -1.0
    with pytest.raises(ValueError, match="responses"):
        H.fit_hierarchical(bad, cost="quadratic")
    with pytest.raises(TypeError, match="trials"):
        H.fit_hierarchical(trials.to_numpy(), cost="quadratic")
