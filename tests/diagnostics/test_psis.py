"""nestlab.diagnostics.psis: PSIS-LOO and model comparison (spec Sec. 5.5)."""

import numpy as np
import pytest
from scipy import stats

from nestlab import diagnostics as D


def _normal_loglik(y, mu_draws, sd):
    """Pointwise log-likelihoods (1 chain, draws, obs) of y ~ Normal(mu, sd)."""
    return stats.norm.logpdf(y[None, :], loc=mu_draws[:, None], scale=sd)[None]


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    y = rng.normal(0.0, 1.0, 80)
    mu = rng.normal(y.mean(), 1 / np.sqrt(y.size), 1000)  # posterior of the mean, sd known
    return y, mu


def test_loo_of_a_parameter_free_model_is_the_log_likelihood(data):
    y, _ = data
    ll = _normal_loglik(y, np.zeros(400), 1.0)  # every draw identical: LOO = in-sample
    res = D.loo(ll)
    assert res.elpd == pytest.approx(stats.norm.logpdf(y).sum(), rel=1e-9)
    assert res.p_loo == pytest.approx(0.0, abs=1e-8)
    assert res.n_obs == y.size and res.n_samples == 400
    np.testing.assert_allclose(res.elpd_pointwise, stats.norm.logpdf(y), rtol=1e-9)


def test_loo_penalises_a_fitted_parameter(data):
    y, mu = data
    res = D.loo(_normal_loglik(y, mu, 1.0))
    in_sample = np.log(np.exp(_normal_loglik(y, mu, 1.0)[0]).mean(axis=0)).sum()
    assert res.elpd < in_sample
    assert 0.5 < res.p_loo < 2.0  # one parameter
    assert res.pareto_k.shape == (y.size,) and res.max_k < res.good_k and not res.warning


def test_loo_accepts_inference_data_and_array_alike(data):
    y, mu = data
    ll = _normal_loglik(y, mu, 1.0)
    idata = D.to_inference_data(posterior={"mu": mu[None]}, log_likelihood={"r": ll},
                                observed_data={"r": y})
    assert D.loo(idata).elpd == pytest.approx(D.loo(ll).elpd, rel=1e-12)


def test_compare_ranks_the_true_model_first_and_is_tidy(data):
    y, mu = data
    fits = {"right": _normal_loglik(y, mu, 1.0), "too_wide": _normal_loglik(y, mu, 3.0),
            "shifted": _normal_loglik(y, mu + 1.0, 1.0)}
    df = D.loo_compare(fits)
    assert list(df.columns) == ["rank", "elpd", "se", "p_loo", "elpd_diff", "dse", "weight",
                                "warning", "n_bad_k", "max_k"]
    assert df.index[0] == "right" and set(df.index) == set(fits)
    assert list(df["rank"]) == [0, 1, 2]
    assert df["elpd_diff"].iloc[0] == 0 and (df["elpd_diff"].iloc[1:] > 0).all()
    assert df["dse"].iloc[0] == 0 and (df["dse"].iloc[1:] > 0).all()
    assert df["weight"].sum() == pytest.approx(1.0) and df.loc["right", "weight"] > 0.9
    assert (df["elpd"].diff().iloc[1:] <= 0).all()  # best first
    # elpd_diff is the difference of the elpd column
    np.testing.assert_allclose(df["elpd_diff"], df["elpd"].iloc[0] - df["elpd"])


def test_compare_accepts_loo_objects(data):
    y, mu = data
    a, b = D.loo(_normal_loglik(y, mu, 1.0)), D.loo(_normal_loglik(y, mu, 2.0))
    df = D.loo_compare({"a": a, "b": b})
    assert df.loc["a", "elpd"] == pytest.approx(a.elpd) and df.index[0] == "a"


def test_high_pareto_k_is_reported_not_raised():
    rng = np.random.default_rng(0)
    y = np.append(rng.normal(0.0, 1.0, 30), 12.0)  # one very influential observation
    mu = rng.normal(0.4, 0.3, 1000)
    sd = np.exp(rng.normal(0.0, 0.5, 1000))  # heavy-tailed likelihood ratios for the outlier
    ll = stats.norm.logpdf(y[None, :], loc=mu[:, None], scale=sd[:, None])[None]
    res = D.loo(ll)  # filterwarnings=error: ArviZ's warning must not escape
    assert res.warning and res.n_bad_k >= 1 and res.pareto_k[-1] == res.max_k
    table = D.pareto_k_table({"m": res})
    row = table.loc["m"]
    assert row[["good", "ok", "bad", "very bad"]].sum() == y.size
    assert row["good"] < y.size


def test_refusals(data):
    y, mu = data
    ll = _normal_loglik(y, mu, 1.0)
    with pytest.raises(ValueError, match="at least two"):
        D.loo_compare({"only": ll})
    with pytest.raises(ValueError, match="stacking"):
        D.loo_compare({"a": ll, "b": ll}, method="aic")
    bad = ll.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="invalid data: 1 of .* not finite"):
        D.loo(bad)
    with pytest.raises(ValueError, match="invalid data: 1-d array"):
        D.loo(np.zeros(5))
    idata = D.to_inference_data(posterior={"mu": mu[None]})
    with pytest.raises(ValueError, match="log_likelihood"):
        D.loo(idata)


def test_the_observed_variable_is_a_keyword(data):
    y, mu = data
    ll = _normal_loglik(y, mu, 1.0)
    idata = D.to_inference_data(posterior={"mu": mu[None]}, log_likelihood={"y": ll})
    assert D.loo(idata, var_name="y").elpd == pytest.approx(D.loo(ll).elpd, rel=1e-12)
    with pytest.raises(ValueError, match="unknown var_name 'r'; valid choices: y"):
        D.loo(idata)
    assert D.loo_compare({"a": idata, "b": idata}, var_name="y")["weight"].sum() == pytest.approx(1.0)
