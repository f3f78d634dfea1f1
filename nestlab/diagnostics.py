"""ArviZ diagnostics: convergence and the identifiability report (spec Sec. 4).

Every ArviZ call of the suite lives in this module (and nowhere else), so a later move to
ArviZ 1.x touches one place. Functions take an ``arviz.InferenceData`` first and keyword-only
options after it.

* :func:`to_inference_data` — build InferenceData from plain arrays (used by the samplers);
* :func:`convergence` — r_hat, bulk/tail ESS, divergences, with a pass/fail flag;
* :func:`identifiability` — posterior correlation of log-parameters, prior-to-posterior
  contraction, power-scaling sensitivity (``az.psens``);
* :func:`plot_pair`, :func:`plot_ppc_vs_stimulus`, :func:`plot_ecdf_ranks` — figures.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

#: default thresholds of :func:`convergence`
RHAT_MAX = 1.01
ESS_MIN = 400


def _az():
    import arviz as az

    return az


def to_inference_data(*, posterior: Mapping[str, np.ndarray], dims: Mapping[str, list] | None = None,
                      attrs: Mapping[str, Any] | None = None, **groups: Any):
    """``arviz.from_dict`` with the suite's conventions (JSON-encoded non-scalar attributes).

    Args:
        posterior: ``{name: array (chain, draw, ...)}``.
        dims: dimension names of each variable beyond (chain, draw).
        attrs: attributes stored on every group (dicts/lists are JSON-encoded).
        **groups: further groups (``sample_stats``, ``log_likelihood``, ``log_prior``, ``prior``,
            ``prior_predictive``, ``posterior_predictive``, ``observed_data``, ``constant_data``).
    """
    az = _az()
    clean = {k: (v if isinstance(v, str | int | float | bool) else json.dumps(v))
             for k, v in dict(attrs or {}).items()}
    dims = {k: v for k, v in dict(dims or {}).items() if v}
    log_prior = groups.pop("log_prior", None)
    idata = az.from_dict(posterior=dict(posterior), dims=dims, attrs=clean, **groups)
    if log_prior is not None:  # from_dict has no log_prior group: build it as a posterior
        lp = az.from_dict(posterior=dict(log_prior)).posterior  # one scalar per site
        idata.add_groups(log_prior=lp)
    for group in idata.groups():
        idata[group].attrs.update(clean)
    return idata


def _flat_draws(idata, var_names: Sequence[str] | None, *, group: str = "posterior",
                log: bool = True) -> pd.DataFrame:
    ds = getattr(idata, group)
    names = list(var_names) if var_names is not None else [
        v for v in ds.data_vars if ds[v].ndim <= 3 and (ds[v].ndim == 2 or ds[v].shape[2] <= 8)]
    cols = {}
    for v in names:
        arr = np.asarray(ds[v].values, dtype=float)
        arr = arr.reshape(arr.shape[0] * arr.shape[1], -1)
        for j in range(arr.shape[1]):
            label = v if arr.shape[1] == 1 else f"{v}[{j}]"
            x = arr[:, j]
            cols[f"log {label}" if log else label] = np.log(x) if log else x
    return pd.DataFrame(cols)


def parameter_names(idata) -> list[str]:
    """The posterior's parameter variables (per-trial latents excluded)."""
    post = idata.posterior
    return [v for v in post.data_vars if post[v].ndim == 2 or (post[v].ndim == 3 and post[v].shape[2] <= 8)]


class Convergence(NamedTuple):
    """Convergence summary of one posterior."""

    summary: pd.DataFrame
    n_divergent: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    ok: bool
    problems: list[str]


def convergence(idata, *, var_names: Sequence[str] | None = None, rhat_max: float = RHAT_MAX,
                ess_min: float = ESS_MIN) -> Convergence:
    """r_hat, bulk/tail ESS and divergences, with a clear flag when thresholds fail.

    Args:
        idata: InferenceData with a posterior (and sample_stats for divergences).
        var_names: variables to check (default: every parameter).
        rhat_max: largest acceptable r_hat (rank-normalised split r_hat).
        ess_min: smallest acceptable bulk and tail ESS.
    """
    az = _az()
    names = list(var_names) if var_names is not None else parameter_names(idata)
    summ = az.summary(idata, var_names=names, kind="diagnostics")
    n_div = 0
    if hasattr(idata, "sample_stats") and "diverging" in idata.sample_stats:
        n_div = int(np.asarray(idata.sample_stats["diverging"].values).sum())
    max_rhat = float(summ["r_hat"].max())
    ess_b, ess_t = float(summ["ess_bulk"].min()), float(summ["ess_tail"].min())
    problems = []
    n_chains = idata.posterior.sizes["chain"]
    if n_chains > 1 and not max_rhat <= rhat_max:
        problems.append(f"r_hat {max_rhat:.3f} > {rhat_max}")
    if ess_b < ess_min:
        problems.append(f"bulk ESS {ess_b:.0f} < {ess_min}")
    if ess_t < ess_min:
        problems.append(f"tail ESS {ess_t:.0f} < {ess_min}")
    if n_div:
        problems.append(f"{n_div} divergent transitions")
    return Convergence(summ, n_div, max_rhat, ess_b, ess_t, not problems, problems)


def posterior_summary(idata, *, var_names: Sequence[str] | None = None,
                      hdi_prob: float = 0.9) -> pd.DataFrame:
    """Mean, sd, and the equal-tailed ``hdi_prob`` interval of each parameter."""
    names = list(var_names) if var_names is not None else parameter_names(idata)
    df = _flat_draws(idata, names, log=False)
    q = (1 - hdi_prob) / 2
    return pd.DataFrame({"mean": df.mean(), "sd": df.std(), f"q{q:.3g}": df.quantile(q),
                         f"q{1 - q:.3g}": df.quantile(1 - q)})


def interval_covers(idata, truth: Mapping[str, Any], *, prob: float = 0.9) -> dict[str, bool]:
    """Whether each parameter's central ``prob`` interval contains its true value."""
    out = {}
    q = (1 - prob) / 2
    for k, v in truth.items():
        arr = np.asarray(idata.posterior[k].values, dtype=float)
        arr = arr.reshape(arr.shape[0] * arr.shape[1], -1)
        tv = np.broadcast_to(np.asarray(v, dtype=float), (arr.shape[1],))
        for j in range(arr.shape[1]):
            lo, hi = np.quantile(arr[:, j], [q, 1 - q])
            out[k if arr.shape[1] == 1 else f"{k}[{j}]"] = bool(lo <= tv[j] <= hi)
    return out


class Identifiability(NamedTuple):
    """The identifiability report of one posterior (spec Sec. 4)."""

    correlation: pd.DataFrame
    contraction: pd.Series
    sensitivity: pd.DataFrame
    strongest_pair: tuple[str, str, float]
    ridges: list[tuple[str, str, float]]


def correlation(idata, *, var_names: Sequence[str] | None = None, log: bool = True) -> pd.DataFrame:
    """Posterior correlation matrix of (log) parameters."""
    return _flat_draws(idata, var_names, log=log).corr()


def identifiability(idata, *, var_names: Sequence[str] | None = None, log: bool = True,
                    ridge_threshold: float = 0.7) -> Identifiability:
    """Correlation of log-parameters, contraction and power-scaling sensitivity.

    Contraction is ``1 - Var_post / Var_prior`` per (log) parameter (1: the data pin it down,
    0: the posterior is the prior). Sensitivity is ``az.psens`` for the prior and likelihood
    components (values above ~0.05 indicate prior sensitivity / prior-data conflict). A *ridge*
    is a pair with |correlation| above ``ridge_threshold``.
    """
    az = _az()
    names = list(var_names) if var_names is not None else parameter_names(idata)
    corr = correlation(idata, var_names=names, log=log)
    post = _flat_draws(idata, names, log=log)
    contraction = pd.Series(dtype=float)
    if hasattr(idata, "prior"):
        prior = _flat_draws(idata, names, group="prior", log=log)
        contraction = 1 - post.var() / prior.var()
    sens = {}
    for comp in ("prior", "likelihood"):
        try:
            ds = az.psens(idata, component=comp, var_names=names)
        except (KeyError, ValueError, AttributeError, TypeError):
            continue
        vals = {}
        for v in names:
            arr = np.atleast_1d(np.asarray(ds[v].values, dtype=float))
            for j, x in enumerate(arr):
                vals[v if arr.size == 1 else f"{v}[{j}]"] = float(x)
        sens[comp] = vals
    sens_df = pd.DataFrame(sens)
    cols = list(corr.columns)
    pairs = [(cols[i], cols[j], float(corr.iloc[i, j])) for i in range(len(cols))
             for j in range(i + 1, len(cols))]
    strongest = max(pairs, key=lambda p: abs(p[2])) if pairs else ("", "", float("nan"))
    ridges = sorted([p for p in pairs if abs(p[2]) >= ridge_threshold], key=lambda p: -abs(p[2]))
    return Identifiability(corr, contraction, sens_df, strongest, ridges)


def pair_correlation(idata, a: str, b: str, *, log: bool = True) -> float:
    """Posterior correlation of (log) parameters ``a`` and ``b``."""
    df = _flat_draws(idata, [a, b], log=log)
    return float(df.corr().iloc[0, 1])


def ess_per_second(idata, seconds: float, *, var_names: Sequence[str] | None = None) -> float:
    """Minimum bulk ESS over the parameters divided by ``seconds`` of sampling wall time."""
    az = _az()
    names = list(var_names) if var_names is not None else parameter_names(idata)
    ess = az.ess(idata, var_names=names, method="bulk")
    return float(min(float(np.min(ess[v].values)) for v in names)) / seconds


# ------------------------------------------------------------------------------- plots


def plot_pair(posteriors: Mapping[str, Any], *, var_names: Sequence[str], log: bool = True,
              colors: Sequence[str] | None = None, max_points: int = 1500, axes=None):
    """Overlaid pair plots of several posteriors (e.g. network vs closed form).

    The first posterior is drawn with ``az.plot_pair`` (scatter + marginals); the others are
    overlaid on the same axes, so a ridge (strong correlation) shows as an elongated cloud.

    Returns:
        the matplotlib axes grid.
    """
    az = _az()
    from nestlab.plots import PALETTE, apply_style

    apply_style()
    colors = list(colors or PALETTE)
    for i, (label, idata) in enumerate(posteriors.items()):
        thin = max(1, idata.posterior.sizes["chain"] * idata.posterior.sizes["draw"] // max_points)
        draws = {}
        for v in var_names:
            x = np.asarray(idata.posterior[v].values, dtype=float)[:, ::thin]
            draws[f"log {v}" if log else v] = np.log(x) if log else x
        sub = to_inference_data(posterior=draws)
        with warnings.catch_warnings():  # arviz 0.23 uses a matplotlib 3.11-deprecated helper
            warnings.filterwarnings("ignore", message=".*alias_mapping.*")
            axes = az.plot_pair(sub, kind="scatter", marginals=True, ax=axes, textsize=9,
                                scatter_kwargs={"color": colors[i % len(colors)], "alpha": 0.3,
                                                "label": label, "s": 4},
                                marginal_kwargs={"color": colors[i % len(colors)]})
    return axes


def plot_ppc_vs_stimulus(idata, *, ax=None, hdi_prob: float = 0.9, color: str | None = None):
    """Posterior predictive check: observed r against s, with the predictive ``hdi_prob`` band."""
    az = _az()
    from nestlab.plots import PALETTE, figure

    if ax is None:
        _, ax = figure()
    s = np.asarray(idata.constant_data["s"].values)
    pp = np.asarray(idata.posterior_predictive["r"].values)
    az.plot_hdi(s, pp, hdi_prob=hdi_prob, ax=ax, color=color or PALETTE[0],
                fill_kwargs={"alpha": 0.3, "label": f"{int(hdi_prob * 100)}% predictive"})
    ax.plot(s, np.asarray(idata.observed_data["r"].values), "o", ms=3, color="k",
            label="observed")
    ax.plot(np.sort(s), np.median(pp.reshape(-1, pp.shape[-1]), axis=0)[np.argsort(s)], "-",
            color=color or PALETTE[0], label="predictive median")
    ax.set_xlabel("stimulus s")
    ax.set_ylabel("response r")
    ax.legend()
    return ax


def plot_ecdf_ranks(ranks: np.ndarray, *, n_draws: int, ax=None, label: str | None = None):
    """Simulation-based-calibration ECDF difference plot of normalised ranks (``az.plot_ecdf``)."""
    az = _az()
    from scipy import stats

    from nestlab.plots import figure

    if ax is None:
        _, ax = figure()
    u = np.asarray(ranks, dtype=float) / n_draws
    az.plot_ecdf(u, cdf=stats.uniform(0, 1).cdf, difference=True, confidence_bands=True, ax=ax,
                 eval_points=np.linspace(1 / 100, 1, 100), rvs=stats.uniform(0, 1).rvs,
                 plot_kwargs={"label": label} if label else None)
    return ax
