"""What a posterior says about its parameters: summaries, interval coverage, correlations and
the identifiability report (spec Sec. 4: can prior and cost parameters be told apart?)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.diagnostics.backend import import_arviz
from nestlab.diagnostics.inference_data import (
    check_var_names,
    draw_columns,
    element_labels,
    flat_draws,
    require_groups,
)

__all__ = ["Identifiability", "correlation", "identifiability", "interval_covers",
           "pair_correlation", "posterior_summary"]


def posterior_summary(idata: Any, *, var_names: Sequence[str] | None = None,
                      hdi_prob: float = 0.9) -> pd.DataFrame:
    """Mean, sd, and the equal-tailed ``hdi_prob`` interval of each parameter."""
    require_groups(idata, "posterior")
    names = check_var_names(idata, var_names)
    hdi_prob = checks.real("hdi_prob", hdi_prob, min=0, max=1, inclusive=(False, False))
    df = flat_draws(idata, names, log=False)
    q = (1 - hdi_prob) / 2
    return pd.DataFrame({"mean": df.mean(), "sd": df.std(), f"q{q:.3g}": df.quantile(q),
                         f"q{1 - q:.3g}": df.quantile(1 - q)})


def interval_covers(idata: Any, truth: Mapping[str, Any], *, prob: float = 0.9) -> dict[str, bool]:
    """Whether each parameter's central ``prob`` interval contains its true value.

    ``truth`` maps a posterior variable to its true value (a scalar, or one value per element).
    """
    require_groups(idata, "posterior")
    truth = checks.mapping("truth", truth, keys=list(idata.posterior.data_vars))
    prob = checks.real("prob", prob, min=0, max=1, inclusive=(False, False))
    out = {}
    q = (1 - prob) / 2
    for k, v in truth.items():
        checks.array(f"truth[{k!r}]", v)
        columns = draw_columns(k, idata.posterior[k].values)
        tv = np.broadcast_to(np.asarray(v, dtype=float), (len(columns),))
        for t, (label, x) in zip(tv, columns.items(), strict=True):
            lo, hi = np.quantile(x, [q, 1 - q])
            out[label] = bool(lo <= t <= hi)
    return out


class Identifiability(NamedTuple):
    """The identifiability report of one posterior (spec Sec. 4)."""

    correlation: pd.DataFrame
    contraction: pd.Series
    sensitivity: pd.DataFrame
    strongest_pair: tuple[str, str, float]
    ridges: list[tuple[str, str, float]]


def correlation(idata: Any, *, var_names: Sequence[str] | None = None,
                log: bool = True) -> pd.DataFrame:
    """Posterior correlation matrix of (log) parameters."""
    require_groups(idata, "posterior")
    names = check_var_names(idata, var_names)
    log = checks.boolean("log", log)
    return flat_draws(idata, names, log=log).corr()


def _sensitivity(idata: Any, names: list[str]) -> pd.DataFrame:
    """``az.psens`` of the prior and likelihood components (a column each; absent if it fails)."""
    az = import_arviz()
    sens = {}
    for comp in ("prior", "likelihood"):
        try:
            ds = az.psens(idata, component=comp, var_names=names)
        except (KeyError, ValueError, AttributeError, TypeError):
            continue
        vals = {}
        for v in names:
            arr = np.atleast_1d(np.asarray(ds[v].values, dtype=float))
            vals.update(zip(element_labels(v, arr.size), map(float, arr), strict=True))
        sens[comp] = vals
    return pd.DataFrame(sens)


def identifiability(idata: Any, *, var_names: Sequence[str] | None = None, log: bool = True,
                    ridge_threshold: float = 0.7) -> Identifiability:
    """Correlation of log-parameters, contraction and power-scaling sensitivity.

    Contraction is ``1 - Var_post / Var_prior`` per (log) parameter (1: the data pin it down,
    0: the posterior is the prior). Sensitivity is ``az.psens`` for the prior and likelihood
    components (values above ~0.05 indicate prior sensitivity / prior-data conflict). A *ridge*
    is a pair with |correlation| above ``ridge_threshold``.
    """
    require_groups(idata, "posterior")
    names = check_var_names(idata, var_names)
    ridge_threshold = checks.real("ridge_threshold", ridge_threshold, min=0, max=1)
    corr = correlation(idata, var_names=names, log=log)
    post = flat_draws(idata, names, log=log)
    contraction = pd.Series(dtype=float)
    if hasattr(idata, "prior"):
        prior = flat_draws(idata, names, group="prior", log=log)
        contraction = 1 - post.var() / prior.var()
    sens_df = _sensitivity(idata, names)
    cols = list(corr.columns)
    pairs = [(cols[i], cols[j], float(corr.iloc[i, j])) for i in range(len(cols))
             for j in range(i + 1, len(cols))]
    strongest = max(pairs, key=lambda p: abs(p[2])) if pairs else ("", "", float("nan"))
    ridges = sorted([p for p in pairs if abs(p[2]) >= ridge_threshold], key=lambda p: -abs(p[2]))
    return Identifiability(corr, contraction, sens_df, strongest, ridges)


def pair_correlation(idata: Any, a: str, b: str, *, log: bool = True) -> float:
    """Posterior correlation of (log) parameters ``a`` and ``b``."""
    require_groups(idata, "posterior")
    valid = list(idata.posterior.data_vars)
    a, b = checks.choice("a", a, valid), checks.choice("b", b, valid)
    log = checks.boolean("log", log)
    df = flat_draws(idata, [a, b], log=log)
    return float(df.corr().iloc[0, 1])
