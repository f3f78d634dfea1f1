"""A small two-parameter posterior with a prior, a log-likelihood and a log-prior."""

import matplotlib
import numpy as np
import pytest

from nestlab import diagnostics as D

matplotlib.use("Agg")


def make_idata(corr=0.0, n_chain=2, n_draw=500, shift=0.0, seed=0):
    """Log-normal ``a``, ``b`` with log-correlation ``corr`` (sd 0.1) and N(0, 1) log-priors."""
    rng = np.random.default_rng(seed)
    cov = [[1, corr], [corr, 1]]
    x = rng.multivariate_normal([0, 0], cov, size=(n_chain, n_draw)) * 0.1
    post = {"a": np.exp(x[..., 0]), "b": np.exp(x[..., 1])}
    post["a"][0] += shift  # chain 0 offset -> r_hat failure
    prior = {"a": np.exp(rng.normal(0, 1, (1, 2000))), "b": np.exp(rng.normal(0, 1, (1, 2000)))}
    return D.to_inference_data(
        posterior=post, prior=prior,
        sample_stats={"diverging": np.zeros((n_chain, n_draw), bool)},
        log_likelihood={"y": rng.normal(-1, 0.1, (n_chain, n_draw, 5))},
        log_prior={"a": -x[..., 0] ** 2 / 2, "b": -x[..., 1] ** 2 / 2},
        attrs={"fixed": {"sigma": 0.2}})


@pytest.fixture
def idata_factory():
    return make_idata


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")
