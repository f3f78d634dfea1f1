"""nestlab.diagnostics.plots: every figure draws on the axes it is given and returns them."""

import numpy as np
import pytest
from matplotlib.axes import Axes
from scipy import stats

from nestlab import diagnostics as D
from nestlab.plots import figure


def test_plot_pair_and_ecdf_render_without_showing(idata_factory):
    axes = D.plot_pair({"x": idata_factory(corr=0.9), "y": idata_factory(seed=1)},
                       var_names=["a", "b"])
    assert np.asarray(axes).size == 4
    ax = D.plot_ecdf_ranks(np.random.default_rng(0).integers(0, 100, 200), n_draws=100)
    assert isinstance(ax, Axes) and ax.lines


def _ppc_idata(stimulus, response, n=30, seed=0):
    rng = np.random.default_rng(seed)
    s = np.linspace(1.0, 3.0, n)
    pp = s * np.exp(rng.normal(0, 0.1, (2, 50, n)))
    return D.to_inference_data(posterior={"k": np.ones((2, 50))},
                               posterior_predictive={response: pp},
                               observed_data={response: s * 1.05},
                               constant_data={stimulus: s})


def test_plot_ppc_vs_stimulus_takes_the_variable_names():
    _, ax = figure()
    out = D.plot_ppc_vs_stimulus(_ppc_idata("duration", "reproduction"), stimulus="duration",
                                 response="reproduction", ax=ax)
    assert out is ax
    assert ax.get_xlabel() == "stimulus duration" and ax.get_ylabel() == "response reproduction"
    observed = [ln for ln in ax.lines if ln.get_label() == "observed"][0]
    np.testing.assert_allclose(observed.get_ydata(), np.linspace(1.0, 3.0, 30) * 1.05)
    # the actors' names are the defaults
    assert D.plot_ppc_vs_stimulus(_ppc_idata(D.STIMULUS, D.RESPONSE)).get_xlabel() == "stimulus s"
    with pytest.raises(ValueError, match="unknown stimulus 's'; valid choices: duration"):
        D.plot_ppc_vs_stimulus(_ppc_idata("duration", "reproduction"), response="reproduction")


def test_plot_compare_draws_every_model():
    rng = np.random.default_rng(1)
    y = rng.normal(0.0, 1.0, 80)
    mu = rng.normal(y.mean(), 1 / np.sqrt(y.size), 1000)
    fits = {name: stats.norm.logpdf(y[None, :], loc=mu[:, None], scale=sd)[None]
            for name, sd in (("right", 1.0), ("wide", 3.0))}
    _, given = figure()
    ax = D.plot_loo_compare(D.loo_compare(fits), ax=given)
    assert ax is given
    assert {"right", "wide"} <= {t.get_text() for t in ax.get_yticklabels()}


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: D.plot_loo_compare(__import__("pandas").DataFrame({"rank": [0]})), ValueError,
     ["frame", "missing column", "elpd"]),
    (lambda: D.plot_ecdf_ranks(np.arange(5), n_draws=0), ValueError, ["n_draws", "0"]),
    (lambda: D.plot_ecdf_ranks(np.arange(5), n_draws=10, ax="axes"), TypeError, ["ax", "str"]),
    (lambda: D.plot_pair({}, var_names=["a"]), ValueError, ["posteriors", "empty"]),
])
def test_plot_refusals(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
