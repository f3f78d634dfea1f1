"""MCMC convergence gates: r-hat, bulk/tail ESS and divergences (spec Sec. 4; the project's
rule that no claim is published from an unconverged fit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.diagnostics.backend import import_arviz
from nestlab.diagnostics.inference_data import check_var_names, require_groups

__all__ = ["ESS_MIN", "RHAT_MAX", "Convergence", "convergence", "ess_per_second"]

#: default thresholds of :func:`convergence`
RHAT_MAX = 1.01
ESS_MIN = 400


class Convergence(NamedTuple):
    """Convergence summary of one posterior."""

    summary: pd.DataFrame
    n_divergent: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    ok: bool
    problems: list[str]


def convergence(idata: Any, *, var_names: Sequence[str] | None = None, rhat_max: float = RHAT_MAX,
                ess_min: float = ESS_MIN) -> Convergence:
    """r_hat, bulk/tail ESS and divergences, with a clear flag when thresholds fail.

    Args:
        idata: InferenceData with a posterior (and sample_stats for divergences).
        var_names: variables to check (default: every parameter).
        rhat_max: largest acceptable r_hat (rank-normalised split r_hat).
        ess_min: smallest acceptable bulk and tail ESS.

    Raises:
        TypeError: ``idata`` not an InferenceData.
        ValueError: an unknown variable, or a threshold out of range.
    """
    require_groups(idata, "posterior")
    names = check_var_names(idata, var_names)
    rhat_max = checks.real("rhat_max", rhat_max, min=1.0)
    ess_min = checks.real("ess_min", ess_min, min=0.0)
    az = import_arviz()
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


def ess_per_second(idata: Any, seconds: float, *, var_names: Sequence[str] | None = None) -> float:
    """Minimum bulk ESS over the parameters divided by ``seconds`` of sampling wall time."""
    require_groups(idata, "posterior")
    names = check_var_names(idata, var_names)
    seconds = checks.real("seconds", seconds, min=0, inclusive=(False, True))
    az = import_arviz()
    ess = az.ess(idata, var_names=names, method="bulk")
    return float(min(float(np.min(ess[v].values)) for v in names)) / seconds
