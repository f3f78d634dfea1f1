"""PSIS-LOO of a fit and model comparison by it (spec Sec. 5.5; Vehtari, Gelman & Gabry 2017)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.diagnostics.backend import import_arviz
from nestlab.diagnostics.inference_data import RESPONSE, require_groups, to_inference_data

__all__ = ["LOO_COMPARE_METHODS", "Loo", "loo", "loo_compare", "pareto_k_table"]

#: how ``az.compare`` may weight the models (the ``method`` of :func:`loo_compare`)
LOO_COMPARE_METHODS = ("stacking", "BB-pseudo-BMA", "pseudo-BMA")
#: ArviZ warns when a Pareto k is high; :class:`Loo` reports it in ``warning`` / ``n_bad_k``
_PARETO_WARNING = ".*shape parameter of Pareto.*"


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
        raw: the ``arviz`` ``ELPDData`` object (for :func:`loo_compare`).
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


def _log_likelihood_idata(data: Any, var_name: str) -> Any:
    """InferenceData holding only ``log_likelihood[var_name]`` from a (chain, draw, obs) array."""
    ll = checks.array("data", data, ndim=(2, 3))
    if ll.ndim == 2:
        ll = ll[None]
    if ll.shape[1] < max(2, ll.shape[0]):
        raise ValueError(f"invalid data: shape {ll.shape} has {ll.shape[1]} draw(s) per chain; "
                         "valid: at least 2 draws per chain and no more chains than draws")
    return to_inference_data(posterior={"_draw": np.zeros(ll.shape[:2])},
                             log_likelihood={var_name: ll})


def loo(data: Any, *, var_name: str = RESPONSE, reff: float | None = None) -> Loo:
    """PSIS-LOO of a fit: ``az.loo(..., pointwise=True)`` with Pareto-k diagnostics.

    The stored log-likelihood must hold one value per observation and draw — for the actors,
    :func:`nestlab.actors.inference.fit` with the (default) marginal likelihood, where trial
    ``i``'s value is ``log p(r_i | s_i, theta)`` with the measurement integrated out.

    Args:
        data: ``InferenceData`` with a ``log_likelihood`` group, or an array of pointwise
            log-likelihoods ``(chain, draw, obs)`` / ``(draw, obs)`` (then ``reff`` defaults to 1,
            i.e. draws treated as independent, unless given).
        var_name: the observed variable (default: the actors' response).
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
        checks.choice("var_name", var_name, list(map(str, idata.log_likelihood.data_vars)))
        ll = np.asarray(idata.log_likelihood[var_name].values, dtype=float)
        if not np.all(np.isfinite(ll)):
            raise ValueError(f"invalid data: log_likelihood[{var_name!r}] holds "
                             f"{int(np.sum(~np.isfinite(ll)))} non-finite values; valid values: "
                             "finite numbers")
    az = import_arviz()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore", message=_PARETO_WARNING)
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


def _loos(fits: Any, var_name: str) -> dict[str, Loo]:
    """``fits`` (a mapping) as ``{name: Loo}``, computing :func:`loo` where not given."""
    return {name: (f if isinstance(f, Loo) else loo(f, var_name=var_name))
            for name, f in checks.mapping("fits", fits).items()}


def loo_compare(fits: Mapping[str, Any], *, var_name: str = RESPONSE,
                method: str = "stacking") -> pd.DataFrame:
    """Rank models by PSIS-LOO with ``az.compare``, as a tidy frame.

    Args:
        fits: ``{name: InferenceData | Loo | pointwise log-likelihood array}`` (at least two).
        var_name: the observed variable (default: the actors' response).
        method: how ``az.compare`` computes model weights, one of :data:`LOO_COMPARE_METHODS`.

    Returns:
        One row per model, best first, indexed by name, with columns ``rank`` (0 = best),
        ``elpd``, ``se``, ``p_loo``, ``elpd_diff`` (to the best, >= 0), ``dse`` (standard error
        of that difference), ``weight``, ``warning`` (some Pareto k too high), ``n_bad_k`` and
        ``max_k``.

    Raises:
        TypeError: ``fits`` not a mapping.
        ValueError: fewer than two models, or an unknown ``method``.
    """
    checks.choice("method", method, LOO_COMPARE_METHODS)
    checks.mapping("fits", fits)
    if len(fits) < 2:
        raise ValueError(f"invalid fits: {len(fits)} model(s); valid: at least two models")
    loos = _loos(fits, var_name)
    az = import_arviz()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PARETO_WARNING)
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


def pareto_k_table(fits: Mapping[str, Any], *, var_name: str = RESPONSE) -> pd.DataFrame:
    """Pareto-k health per model: counts of observations by ArviZ's k categories.

    Columns: ``good`` (k <= good_k), ``ok`` (good_k < k <= 0.7, only when good_k < 0.7),
    ``bad`` (0.7 < k <= 1), ``very bad`` (k > 1), ``max_k`` and ``good_k``.
    """
    rows = {}
    for name, res in _loos(fits, var_name).items():
        k = res.pareto_k
        rows[name] = {"good": int(np.sum(k <= res.good_k)),
                      "ok": int(np.sum((k > res.good_k) & (k <= 0.7))),
                      "bad": int(np.sum((k > 0.7) & (k <= 1.0))),
                      "very bad": int(np.sum(k > 1.0)), "max_k": res.max_k,
                      "good_k": res.good_k}
    return pd.DataFrame(rows).T
