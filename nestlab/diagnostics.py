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

from nestlab import checks

__all__ = ["ESS_MIN", "RHAT_MAX", "Convergence", "Identifiability", "Loo", "compare",
           "convergence", "correlation", "ess_per_second", "identifiability", "interval_covers",
           "loo", "pair_correlation", "parameter_names", "pareto_k_table", "plot_compare",
           "plot_ecdf_ranks", "plot_pair", "plot_ppc_vs_stimulus", "posterior_summary",
           "require_groups", "to_inference_data"]

#: default thresholds of :func:`convergence`
RHAT_MAX = 1.01
ESS_MIN = 400


#: ArviZ 0.23 warns once a day per user at import (a stamp file in the user cache) that a
#: refactor is coming. It says nothing about this suite's calls, and a warning whose appearance
#: depends on what the machine did earlier that day must not reach reports or tests.
_ARVIZ_DAILY_NOTICE = r"(?s)\s*ArviZ is undergoing a major refactor"


def _az():
    # imported lazily: arviz (xarray, netCDF) costs ~1 s, and most of the package never needs it
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_ARVIZ_DAILY_NOTICE, category=FutureWarning)
        import arviz as az

    return az


def require_groups(idata: Any, *groups: str, name: str = "idata") -> Any:
    """``idata`` if it is an InferenceData-like object holding every group in ``groups``.

    Raises:
        TypeError: ``idata`` has no ``groups()`` (not an InferenceData).
        ValueError: a required group is missing (naming it and the groups present).
    """
    if not callable(getattr(idata, "groups", None)) or not hasattr(idata, "posterior") \
            and "posterior" in groups:
        raise TypeError(f"invalid type for {name}: {type(idata).__name__} "
                        f"({checks.describe(idata)}); valid types: arviz.InferenceData")
    present = list(idata.groups())
    missing = [g for g in groups if g not in present]
    if missing:
        raise ValueError(f"invalid {name}: missing group(s) {missing}; groups present: "
                         f"{', '.join(present) or 'none'}")
    return idata


def _var_names(idata: Any, var_names: Any, *, group: str = "posterior",
               name: str = "var_names") -> list[str]:
    """``var_names`` checked against the variables of ``group`` (``None``: every parameter)."""
    if var_names is None:
        return parameter_names(idata)
    if isinstance(var_names, str):
        var_names = [var_names]
    valid = list(getattr(idata, group).data_vars)
    return checks.choices(name, var_names, valid)


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
    checks.mapping("posterior", posterior)
    for k, v in dict(posterior).items():
        arr = checks.array(f"posterior[{k!r}]", v, finite=False)
        if arr.ndim < 2:
            raise ValueError(f"invalid posterior[{k!r}]: shape {arr.shape}; valid: an array "
                             "(chain, draw, ...) of at least 2 dimensions")
    if dims is not None:
        checks.mapping("dims", dims)
    if attrs is not None:
        checks.mapping("attrs", attrs)
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
    post = require_groups(idata, "posterior").posterior
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
    require_groups(idata, "posterior")
    names = _var_names(idata, var_names)
    rhat_max = checks.real("rhat_max", rhat_max, min=1.0)
    ess_min = checks.real("ess_min", ess_min, min=0.0)
    az = _az()
    summ = az.summary(idata, var_names=names, kind="diagnostics", round_to="none")  # gate on exact values
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
    require_groups(idata, "posterior")
    names = _var_names(idata, var_names)
    hdi_prob = checks.real("hdi_prob", hdi_prob, min=0, max=1, inclusive=(False, False))
    df = _flat_draws(idata, names, log=False)
    q = (1 - hdi_prob) / 2
    return pd.DataFrame({"mean": df.mean(), "sd": df.std(), f"q{q:.3g}": df.quantile(q),
                         f"q{1 - q:.3g}": df.quantile(1 - q)})


def interval_covers(idata, truth: Mapping[str, Any], *, prob: float = 0.9) -> dict[str, bool]:
    """Whether each parameter's central ``prob`` interval contains its true value."""
    require_groups(idata, "posterior")
    truth = checks.mapping("truth", truth, keys=list(idata.posterior.data_vars))
    prob = checks.real("prob", prob, min=0, max=1, inclusive=(False, False))
    out = {}
    q = (1 - prob) / 2
    for k, v in truth.items():
        checks.array(f"truth[{k!r}]", v)
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
    require_groups(idata, "posterior")
    names = _var_names(idata, var_names)
    log = checks.boolean("log", log)
    return _flat_draws(idata, names, log=log).corr()


def identifiability(idata, *, var_names: Sequence[str] | None = None, log: bool = True,
                    ridge_threshold: float = 0.7) -> Identifiability:
    """Correlation of log-parameters, contraction and power-scaling sensitivity.

    Contraction is ``1 - Var_post / Var_prior`` per (log) parameter (1: the data pin it down,
    0: the posterior is the prior). Sensitivity is ``az.psens`` for the prior and likelihood
    components (values above ~0.05 indicate prior sensitivity / prior-data conflict). A *ridge*
    is a pair with |correlation| above ``ridge_threshold``.
    """
    require_groups(idata, "posterior")
    names = _var_names(idata, var_names)
    ridge_threshold = checks.real("ridge_threshold", ridge_threshold, min=0, max=1)
    az = _az()
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
    require_groups(idata, "posterior")
    valid = list(idata.posterior.data_vars)
    a, b = checks.choice("a", a, valid), checks.choice("b", b, valid)
    log = checks.boolean("log", log)
    df = _flat_draws(idata, [a, b], log=log)
    return float(df.corr().iloc[0, 1])


def ess_per_second(idata, seconds: float, *, var_names: Sequence[str] | None = None) -> float:
    """Minimum bulk ESS over the parameters divided by ``seconds`` of sampling wall time."""
    require_groups(idata, "posterior")
    names = _var_names(idata, var_names)
    seconds = checks.real("seconds", seconds, min=0, inclusive=(False, True))
    az = _az()
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
    checks.mapping("posteriors", posteriors)
    if not posteriors:
        raise ValueError("invalid posteriors {}: it is empty; valid values: {label: InferenceData}")
    for label, idata in posteriors.items():
        require_groups(idata, "posterior", name=f"posteriors[{label!r}]")
        checks.choices("var_names", var_names, list(idata.posterior.data_vars))
    max_points = checks.integer("max_points", max_points, min=1)
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
    require_groups(idata, "posterior_predictive", "constant_data", "observed_data")
    hdi_prob = checks.real("hdi_prob", hdi_prob, min=0, max=1, inclusive=(False, False))
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
    n_draws = checks.integer("n_draws", n_draws, min=1)
    ranks = checks.array("ranks", ranks, ndim=1, min=0, max=n_draws)
    az = _az()
    from scipy import stats

    from nestlab.plots import figure

    if ax is None:
        _, ax = figure()
    u = ranks / n_draws
    az.plot_ecdf(u, cdf=stats.uniform(0, 1).cdf, difference=True, confidence_bands=True, ax=ax,
                 eval_points=np.linspace(1 / 100, 1, 100), rvs=stats.uniform(0, 1).rvs,
                 plot_kwargs={"label": label} if label else None)
    return ax


# ------------------------------------------------------- PSIS-LOO model comparison (spec 5.5)


class Loo(NamedTuple):
    """PSIS-LOO of one fit (``az.loo`` with pointwise values).

    Attributes:
        elpd: expected log pointwise predictive density (log scale, higher is better).
        se: its standard error.
        p_loo: effective number of parameters.
        pareto_k: per-observation Pareto shape estimates.
        good_k: the sample-size-dependent threshold ``min(1 - 1/log10(S), 0.7)``.
        n_bad_k: observations with ``k > good_k`` (unreliable importance weights).
        max_k: the largest ``k``.
        warning: ArviZ's flag that some ``k`` exceed ``good_k``.
        elpd_pointwise: per-observation LOO log predictive densities.
        n_samples, n_obs: posterior draws and observations used.
        raw: the ``arviz`` ``ELPDData`` object (for :func:`compare`).
    """

    elpd: float
    se: float
    p_loo: float
    pareto_k: np.ndarray
    good_k: float
    n_bad_k: int
    max_k: float
    warning: bool
    elpd_pointwise: np.ndarray
    n_samples: int
    n_obs: int
    raw: Any


def _log_likelihood_idata(data, var_name: str):
    """InferenceData holding only ``log_likelihood[var_name]`` from a (chain, draw, obs) array."""
    ll = checks.array("data", data, ndim=(2, 3))
    if ll.ndim == 2:
        ll = ll[None]
    if ll.shape[1] < max(2, ll.shape[0]):
        raise ValueError(f"invalid data: shape {ll.shape} has {ll.shape[1]} draw(s) per chain; "
                         "valid: at least 2 draws per chain and no more chains than draws")
    return to_inference_data(posterior={"_draw": np.zeros(ll.shape[:2])},
                             log_likelihood={var_name: ll})


def loo(data, *, var_name: str = "r", reff: float | None = None) -> Loo:
    """PSIS-LOO of a fit: ``az.loo(..., pointwise=True)`` with Pareto-k diagnostics.

    The stored log-likelihood must hold one value per observation and draw — for the actors,
    :func:`nestlab.actors.inference.fit` with the (default) marginal likelihood, where trial
    ``i``'s value is ``log p(r_i | s_i, theta)`` with the measurement integrated out.

    Args:
        data: ``InferenceData`` with a ``log_likelihood`` group, or an array of pointwise
            log-likelihoods ``(chain, draw, obs)`` / ``(draw, obs)`` (then ``reff`` defaults to 1,
            i.e. draws treated as independent, unless given).
        var_name: the observed variable.
        reff: relative efficiency of the draws (default: ArviZ's estimate for InferenceData).

    Returns:
        :class:`Loo`. ArviZ's high-Pareto-k warning is not raised; it is the ``warning``
        field, and ``n_bad_k`` / ``max_k`` say how bad.

    Raises:
        ValueError: no such log-likelihood variable, or a malformed array.
    """
    checks.instance("var_name", var_name, str)
    if reff is not None:
        reff = checks.real("reff", reff, min=0, inclusive=(False, True))
    if isinstance(data, np.ndarray | list | tuple):
        idata = _log_likelihood_idata(data, var_name)
        reff = 1.0 if reff is None else reff
    else:
        idata = require_groups(data, "log_likelihood", name="data")
        if var_name not in idata.log_likelihood:
            raise ValueError(f"unknown var_name {var_name!r}; valid choices: "
                             + ", ".join(map(str, idata.log_likelihood.data_vars)))
        ll = np.asarray(idata.log_likelihood[var_name].values, dtype=float)
        if not np.all(np.isfinite(ll)):
            raise ValueError(f"invalid data: log_likelihood[{var_name!r}] holds "
                             f"{int(np.sum(~np.isfinite(ll)))} non-finite values; valid values: "
                             "finite numbers")
    az = _az()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore", message=".*shape parameter of Pareto.*")
        # one observation: ArviZ notes that pointwise and total LOO coincide, which is true
        warnings.filterwarnings("ignore", message=".*point-wise LOO is the same.*")
        # extreme magnitudes overflow inside PSIS; the result is checked for finiteness below
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        res = az.loo(idata, pointwise=True, var_name=var_name, reff=reff)
    if not (np.isfinite(float(res.elpd_loo)) and np.isfinite(float(res.p_loo))
            and np.all(np.isfinite(np.asarray(res.loo_i.values, dtype=float)))):
        raise ValueError(f"invalid data: PSIS-LOO of log_likelihood[{var_name!r}] is not finite "
                         "(overflow from extreme log-likelihood values); valid: log-likelihoods "
                         "of moderate magnitude")
    k = np.asarray(res.pareto_k.values, dtype=float).ravel()
    good_k = float(getattr(res, "good_k", 0.7))
    return Loo(float(res.elpd_loo), float(res.se), float(res.p_loo), k, good_k,
               int(np.sum(k > good_k)), float(np.max(k)), bool(res.warning),
               np.asarray(res.loo_i.values, dtype=float).ravel(), int(res.n_samples),
               int(res.n_data_points), res)


def compare(fits: Mapping[str, Any], *, var_name: str = "r", method: str = "stacking"
            ) -> pd.DataFrame:
    """Rank models by PSIS-LOO with ``az.compare``, as a tidy frame.

    Args:
        fits: ``{name: InferenceData | Loo | pointwise log-likelihood array}`` (at least two).
        var_name: the observed variable.
        method: how ``az.compare`` computes model weights: ``"stacking"``,
            ``"BB-pseudo-BMA"`` or ``"pseudo-BMA"``.

    Returns:
        One row per model, best first, indexed by name, with columns ``rank`` (0 = best),
        ``elpd``, ``se``, ``p_loo``, ``elpd_diff`` (to the best, >= 0), ``dse`` (standard error
        of that difference), ``weight``, ``warning`` (some Pareto k too high), ``n_bad_k`` and
        ``max_k``.

    Raises:
        ValueError: fewer than two models, or an unknown ``method``.
    """
    az = _az()
    checks.choice("method", method, ("stacking", "BB-pseudo-BMA", "pseudo-BMA"))
    checks.mapping("fits", fits)
    if len(fits) < 2:
        raise ValueError(f"invalid fits: {len(fits)} model(s); valid: at least two models")
    loos = {name: (f if isinstance(f, Loo) else loo(f, var_name=var_name))
            for name, f in fits.items()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*shape parameter of Pareto.*")
        # arviz 0.23 calls DataFrame.sort_values(inplace=True), deprecated by pandas 3.1
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        df = az.compare({n: v.raw for n, v in loos.items()}, ic="loo", method=method,
                        scale="log", var_name=var_name)
    out = pd.DataFrame({
        "rank": df["rank"].astype(int), "elpd": df["elpd_loo"].astype(float),
        "se": df["se"].astype(float), "p_loo": df["p_loo"].astype(float),
        "elpd_diff": df["elpd_diff"].astype(float), "dse": df["dse"].astype(float),
        "weight": df["weight"].astype(float), "warning": df["warning"].astype(bool)})
    out["n_bad_k"] = [loos[n].n_bad_k for n in out.index]
    out["max_k"] = [loos[n].max_k for n in out.index]
    out.index.name = "model"
    return out


def pareto_k_table(fits: Mapping[str, Any], *, var_name: str = "r") -> pd.DataFrame:
    """Pareto-k health per model: counts of observations by ArviZ's k categories.

    Columns: ``good`` (k <= good_k), ``ok`` (good_k < k <= 0.7, only when good_k < 0.7),
    ``bad`` (0.7 < k <= 1), ``very bad`` (k > 1), ``max_k`` and ``good_k``.
    """
    checks.mapping("fits", fits)
    rows = {}
    for name, f in fits.items():
        res = f if isinstance(f, Loo) else loo(f, var_name=var_name)
        k = res.pareto_k
        rows[name] = {"good": int(np.sum(k <= res.good_k)),
                      "ok": int(np.sum((k > res.good_k) & (k <= 0.7))),
                      "bad": int(np.sum((k > 0.7) & (k <= 1.0))),
                      "very bad": int(np.sum(k > 1.0)), "max_k": res.max_k,
                      "good_k": res.good_k}
    return pd.DataFrame(rows).T


def plot_compare(frame: pd.DataFrame, *, ax=None):
    """ELPD (with se) per model and each model's difference to the best (with dse).

    Takes the frame of :func:`compare`; drawn with ``az.plot_compare``.
    """
    checks.instance("frame", frame, pd.DataFrame)
    need = ["rank", "elpd", "p_loo", "elpd_diff", "weight", "se", "dse", "warning"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"invalid frame: missing column(s) {missing}; valid: the frame of "
                         "compare()")
    az = _az()
    from nestlab.plots import apply_style, figure

    apply_style()
    if ax is None:
        _, ax = figure()
    df = pd.DataFrame({"rank": frame["rank"], "elpd_loo": frame["elpd"], "p_loo": frame["p_loo"],
                       "elpd_diff": frame["elpd_diff"], "weight": frame["weight"],
                       "se": frame["se"], "dse": frame["dse"], "warning": frame["warning"],
                       "scale": "log"})
    with warnings.catch_warnings():  # arviz 0.23: sort_values(inplace=True), pandas 3.1-deprecated
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        az.plot_compare(df, ax=ax, insample_dev=False, title=False, legend=True)
    ax.set_xlabel("ELPD (PSIS-LOO, log scale; higher is better)")
    return ax
