"""ArviZ figures of fits: overlaid pair plots, posterior predictive checks, SBC rank ECDFs and the
PSIS-LOO comparison (spec Sec. 4 and 5.5). Each draws on ``ax`` when given and returns it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from nestlab import checks
from nestlab.diagnostics.backend import import_arviz
from nestlab.diagnostics.inference_data import RESPONSE, STIMULUS, require_groups, to_inference_data
from nestlab.plots import PALETTE, apply_style, ensure_ax

__all__ = ["plot_ecdf_ranks", "plot_loo_compare", "plot_pair", "plot_ppc_vs_stimulus"]

#: arviz 0.23 passes a dict as ``alias_mapping`` to matplotlib, deprecated since matplotlib 3.11
_ALIAS_MAPPING = ".*alias_mapping.*"
#: the columns of :func:`nestlab.diagnostics.loo_compare`'s frame that :func:`plot_loo_compare` draws
_COMPARE_COLUMNS = ("rank", "elpd", "p_loo", "elpd_diff", "weight", "se", "dse", "warning")


def plot_pair(posteriors: Mapping[str, Any], *, var_names: Sequence[str], log: bool = True,
              colors: Sequence[str] | None = None, max_points: int = 1500, axes: Any = None):
    """Overlaid pair plots of several posteriors (e.g. network vs closed form).

    The first posterior is drawn with ``az.plot_pair`` (scatter + marginals); the others are
    overlaid on the same axes, so a ridge (strong correlation) shows as an elongated cloud.

    Args:
        posteriors: ``{label: InferenceData}``, drawn in order.
        var_names: the parameters to pair (in every posterior).
        log: pair the logarithms (the actors' parameters are positive).
        colors: one colour per posterior (default: the suite's palette).
        max_points: draws shown per posterior (thinned evenly).
        axes: the grid to draw on (``az.plot_pair``'s ``ax``); ``None``: a new figure.

    Returns:
        the matplotlib axes grid.
    """
    checks.mapping("posteriors", posteriors)
    if not posteriors:
        raise ValueError("invalid posteriors {}: it is empty; valid values: {label: InferenceData}")
    for label, idata in posteriors.items():
        require_groups(idata, "posterior", name=f"posteriors[{label!r}]")
        checks.choices("var_names", var_names, list(idata.posterior.data_vars))
    max_points = checks.integer("max_points", max_points, min=1)
    az = import_arviz()
    apply_style()  # az.plot_pair makes its own figure when axes is None
    colors = list(colors or PALETTE)
    for i, (label, idata) in enumerate(posteriors.items()):
        thin = max(1, idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"] // max_points)
        draws = {}
        for v in var_names:
            x = np.asarray(idata.posterior[v].values, dtype=float)[:, ::thin]
            draws[f"log {v}" if log else v] = np.log(x) if log else x
        sub = to_inference_data(posterior=draws)
        with warnings.catch_warnings():  # arviz 0.23 uses a matplotlib 3.11-deprecated helper
            warnings.filterwarnings("ignore", message=_ALIAS_MAPPING)
            axes = az.plot_pair(sub, kind="scatter", marginals=True, ax=axes, textsize=9,
                                scatter_kwargs={"color": colors[i % len(colors)], "alpha": 0.3,
                                                "label": label, "s": 4},
                                marginal_kwargs={"color": colors[i % len(colors)]})
    return axes


def plot_ppc_vs_stimulus(idata: Any, *, stimulus: str = STIMULUS, response: str = RESPONSE,
                         ax: Any = None, hdi_prob: float = 0.9, color: str | None = None):
    """Posterior predictive check: observed response against stimulus, with the ``hdi_prob`` band.

    Args:
        idata: InferenceData with ``constant_data[stimulus]``, ``observed_data[response]`` and
            ``posterior_predictive[response]``.
        stimulus, response: the variable names (default: the actors' ``s`` and ``r``).
        ax: the axes to draw on (``None``: a new figure).
        hdi_prob: the probability of the predictive band.
        color: the band's and median's colour (default: the palette's first).

    Raises:
        TypeError: ``idata`` not an InferenceData, ``ax`` not an Axes.
        ValueError: a missing group or variable, ``hdi_prob`` outside (0, 1).
    """
    require_groups(idata, "posterior_predictive", "constant_data", "observed_data")
    checks.choice("stimulus", stimulus, list(idata.constant_data.data_vars))
    checks.choice("response", response, list(idata.observed_data.data_vars))
    checks.choice("response", response, list(idata.posterior_predictive.data_vars))
    hdi_prob = checks.real("hdi_prob", hdi_prob, min=0, max=1, inclusive=(False, False))
    ax = ensure_ax(ax)
    az = import_arviz()
    s = np.asarray(idata.constant_data[stimulus].values)
    pp = np.asarray(idata.posterior_predictive[response].values)
    with warnings.catch_warnings():  # arviz 0.23 uses a matplotlib 3.11-deprecated helper
        warnings.filterwarnings("ignore", message=_ALIAS_MAPPING)
        az.plot_hdi(s, pp, hdi_prob=hdi_prob, ax=ax, color=color or PALETTE[0],
                    fill_kwargs={"alpha": 0.3, "label": f"{int(hdi_prob * 100)}% predictive"})
    ax.plot(s, np.asarray(idata.observed_data[response].values), "o", ms=3, color="k",
            label="observed")
    ax.plot(np.sort(s), np.median(pp.reshape(-1, pp.shape[-1]), axis=0)[np.argsort(s)], "-",
            color=color or PALETTE[0], label="predictive median")
    ax.set_xlabel(f"stimulus {stimulus}")
    ax.set_ylabel(f"response {response}")
    ax.legend()
    return ax


def plot_ecdf_ranks(ranks: np.ndarray, *, n_draws: int, ax: Any = None, label: str | None = None):
    """Simulation-based-calibration ECDF difference plot of normalised ranks (``az.plot_ecdf``).

    Args:
        ranks: the rank of each true value among ``n_draws`` posterior draws (0..n_draws).
        n_draws: posterior draws per data set.
        ax: the axes to draw on (``None``: a new figure).
        label: the legend label of the curve.
    """
    n_draws = checks.integer("n_draws", n_draws, min=1)
    ranks = checks.array("ranks", ranks, ndim=1, min=0, max=n_draws)
    ax = ensure_ax(ax)
    az = import_arviz()
    u = ranks / n_draws
    az.plot_ecdf(u, cdf=stats.uniform(0, 1).cdf, difference=True, confidence_bands=True, ax=ax,
                 eval_points=np.linspace(1 / 100, 1, 100), rvs=stats.uniform(0, 1).rvs,
                 plot_kwargs={"label": label} if label else None)
    return ax


def plot_loo_compare(frame: pd.DataFrame, *, ax: Any = None):
    """ELPD (with se) per model and each model's difference to the best (with dse).

    Takes the frame of :func:`nestlab.diagnostics.loo_compare`; drawn with ``az.plot_compare``.
    """
    checks.frame("frame", frame, _COMPARE_COLUMNS)
    ax = ensure_ax(ax)
    az = import_arviz()
    df = pd.DataFrame({"rank": frame["rank"], "elpd_loo": frame["elpd"], "p_loo": frame["p_loo"],
                       "elpd_diff": frame["elpd_diff"], "weight": frame["weight"],
                       "se": frame["se"], "dse": frame["dse"], "warning": frame["warning"],
                       "scale": "log"})
    with warnings.catch_warnings():  # arviz 0.23: sort_values(inplace=True), pandas 3.1-deprecated
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        az.plot_compare(df, ax=ax, insample_dev=False, title=False, legend=True)
    ax.set_xlabel("ELPD (PSIS-LOO, log scale; higher is better)")
    return ax
