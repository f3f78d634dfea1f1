"""nestlab.diagnostics.posterior: summaries, coverage and the identifiability report."""

import numpy as np
import pytest

from nestlab import diagnostics as D


def test_identifiability_finds_the_ridge(idata_factory):
    rep = D.identifiability(idata_factory(corr=0.95))
    assert rep.strongest_pair[2] == pytest.approx(0.95, abs=0.02)
    assert rep.ridges and {rep.ridges[0][0], rep.ridges[0][1]} == {"log a", "log b"}
    assert (rep.contraction > 0.95).all()  # posterior sd 0.1 vs prior sd 1
    assert {"prior", "likelihood"} <= set(rep.sensitivity.columns)
    assert not D.identifiability(idata_factory(corr=0.0)).ridges


def test_pair_correlation_and_intervals(idata_factory):
    idata = idata_factory(corr=-0.8)
    assert D.pair_correlation(idata, "a", "b") == pytest.approx(-0.8, abs=0.03)
    cov = D.interval_covers(idata, {"a": 1.0, "b": 5.0})
    assert cov == {"a": True, "b": False}


def test_interval_covers_a_vector_parameter_element_by_element():
    rng = np.random.default_rng(0)
    w = rng.normal([0.0, 10.0], 1.0, size=(2, 400, 2))
    idata = D.to_inference_data(posterior={"w": w})
    assert D.interval_covers(idata, {"w": [0.0, 0.0]}) == {"w[0]": True, "w[1]": False}
    assert D.interval_covers(idata, {"w": 10.0}) == {"w[0]": False, "w[1]": True}


def test_posterior_summary_matches_numpy_quantiles(idata_factory):
    idata = idata_factory()
    summ = D.posterior_summary(idata, hdi_prob=0.8)
    a = np.asarray(idata.posterior["a"].values).ravel()
    assert summ.loc["a", "mean"] == pytest.approx(a.mean())
    assert summ.loc["a", "q0.1"] == pytest.approx(np.quantile(a, 0.1))
    assert summ.loc["a", "q0.9"] == pytest.approx(np.quantile(a, 0.9))
