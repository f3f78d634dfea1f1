"""The notebooks' studies as functions (notebook cells only call these, spec Sec. 5).

* :func:`train_policies` / :func:`accuracy_table` — Sec. 5.1, network accuracy per family;
* :func:`posterior_agreement` — Sec. 5.2, posterior with the network vs with the closed form;
* :func:`likelihood_comparison` — marginal vs latent likelihood, ESS per second;
* :func:`identifiability_study` — Sec. 5.4, one noise level vs fixing a parameter vs the
  two-noise design;
* :func:`convergence_table`, :func:`converged`, :func:`gated` — the convergence gate of every
  fit (shown in red where it fails) and the rule that a claim never uses an unconverged fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.models import ActorParams, simulate


def train_policies(costs: Sequence[str], *, config: Any = None, progress: bool = True,
                   n_threads: int = 1) -> dict[str, Any]:
    """Load (or train and cache) the policy network of every family in ``costs``."""
    from nestlab.actors.policy import load_policy

    return {c: load_policy(c, config=config, progress=progress, n_threads=n_threads)
            for c in costs}


def accuracy_table(policies: Mapping[str, Any]) -> pd.DataFrame:
    """Held-out accuracy of each policy: relative RMSE, reference, worst region, training time."""
    rows = []
    for cost, pol in policies.items():
        v = pol.info["validation"]
        w = v["worst_region"]
        rows.append({"cost": cost, "reference": v["reference"],
                     "relative_rmse": v["relative_rmse"],
                     "median_relative_error": v["median_relative_error"],
                     "worst_region": f"{w['parameter']} in [{w['range'][0]:.3g}, {w['range'][1]:.3g}]",
                     "worst_relative_rmse": w["relative_rmse"],
                     "train_seconds": pol.info["train_seconds"],
                     "seconds_to_1pct": pol.info.get("seconds_to_target"),
                     "cached": pol.cache_hit})
    return pd.DataFrame(rows).set_index("cost")


def _stimulus_range(s_low: Any, s_high: Any) -> None:
    lo = checks.real("s_low", s_low, min=0, inclusive=(False, True))
    hi = checks.real("s_high", s_high, min=0, inclusive=(False, True))
    if not lo < hi:
        raise ValueError(f"invalid s_high {hi:g}: not above s_low {lo:g}; valid: s_low < s_high")


def reference_data(*, mu0: float = 1.5, sigma0: float = 0.15, sigma: float = 0.2,
                   sigma_r: float = 0.1, n_trials: int = 60, s_low: float = 0.1,
                   s_high: float = 5.0, cost: str = "quadratic",
                   cost_params: Mapping[str, float] | None = None, seed: int = 0
                   ) -> dict[str, np.ndarray]:
    """The reference synthetic data set (spec Sec. 5): s ~ U(s_low, s_high), simulated responses."""
    n_trials = checks.integer("n_trials", n_trials, min=1)
    _stimulus_range(s_low, s_high)
    seed = checks.integer("seed", seed, min=0)
    s = np.random.default_rng(seed).uniform(s_low, s_high, n_trials)
    return simulate(s, ActorParams(sigma, sigma0, mu0, sigma_r), cost=cost,
                    cost_params=cost_params, seed=seed + 1)


def posterior_agreement(a: Any, b: Any, *, var_names: Sequence[str] | None = None,
                        prob: float = 0.9) -> pd.DataFrame:
    """Compare two posteriors: means, sds, ``prob`` intervals and the standardised difference.

    ``z = (mean_a - mean_b) / sqrt(mcse_a^2 + mcse_b^2)`` with ``mcse = sd / sqrt(ESS)``, so
    |z| of a few means "equal within Monte-Carlo error".
    """
    from nestlab import diagnostics as D

    D.require_groups(a, "posterior", name="a")
    D.require_groups(b, "posterior", name="b")
    names = list(var_names) if var_names is not None else D.parameter_names(a)
    checks.choices("var_names", names, [v for v in a.posterior.data_vars
                                        if v in b.posterior.data_vars])
    prob = checks.real("prob", prob, min=0, max=1, inclusive=(False, False))
    sa, sb = D.posterior_summary(a, var_names=names, hdi_prob=prob), D.posterior_summary(
        b, var_names=names, hdi_prob=prob)
    ea = D.convergence(a, var_names=names).summary["ess_bulk"]
    eb = D.convergence(b, var_names=names).summary["ess_bulk"]
    ea.index = sa.index
    eb.index = sb.index
    mcse = np.sqrt(sa["sd"] ** 2 / ea + sb["sd"] ** 2 / eb)
    out = pd.DataFrame({"mean_a": sa["mean"], "mean_b": sb["mean"], "sd_a": sa["sd"],
                        "sd_b": sb["sd"], "lo_a": sa.iloc[:, 2], "lo_b": sb.iloc[:, 2],
                        "hi_a": sa.iloc[:, 3], "hi_b": sb.iloc[:, 3]})
    out["z"] = (sa["mean"] - sb["mean"]) / mcse
    out["mean_diff_in_sd"] = (sa["mean"] - sb["mean"]) / sa["sd"]
    return out


def likelihood_comparison(marginal: Any, latent: Any) -> pd.DataFrame:
    """ESS per second (minimum bulk ESS over parameters / sampling wall time) of two fits."""
    from nestlab import diagnostics as D

    rows = {}
    for name, idata in (("marginal", marginal), ("latent", latent)):
        D.require_groups(idata, "posterior", name=name)
        if "sampling_seconds" not in idata.posterior.attrs:
            raise ValueError(f"invalid {name}: no sampling_seconds attribute; valid: a fit from "
                             "nestlab.actors.fit")
        secs = float(idata.posterior.attrs["sampling_seconds"])
        conv = D.convergence(idata)
        rows[name] = {"seconds": secs, "min_ess_bulk": conv.min_ess_bulk,
                      "ess_per_second": D.ess_per_second(idata, secs),
                      "divergences": conv.n_divergent, "max_rhat": conv.max_rhat}
    return pd.DataFrame(rows).T


class StudyFit(NamedTuple):
    """One fit of the identifiability study."""

    label: str
    idata: Any
    correlation: float
    pair: tuple[str, str]


def identifiability_study(*, cost: str = "quadratic_effort", cost_param: str = "beta",
                          truth: Mapping[str, float] | None = None,
                          sigma_levels: Sequence[float] = (0.1, 0.2), single_sigma: float = 0.2,
                          n_per_condition: int = 45, policy: str = "analytic", network: Any = None,
                          chains: int = 4, warmup: int = 1000, draws: int = 1000, seed: int = 0,
                          s_low: float = 0.1, s_high: float = 5.0,
                          target_accept: float = 0.9) -> dict[str, StudyFit]:
    """Prior-vs-cost identifiability (spec Sec. 5.4).

    Three fits on simulated data with the same total number of trials:

    * ``one_noise`` — one perceptual-noise level (``single_sigma``, fixed): the data identify
      only an intercept, so ``log mu0`` and the cost parameter trade off (a ridge);
    * ``fixed_cost`` — the same data with the cost parameter fixed at its true value;
    * ``two_noise`` — two noise levels (``sigma_levels``, fixed per condition) sharing
      ``mu0`` and the cost: the intercepts differ by ``w0`` and separate the two.

    ``target_accept`` is 0.9 (``fit``'s default is 0.85): the one-noise ridge runs into the
    cost parameter's prior bound, and at 0.85 the default run (seed 0, 4 x (1000 + 1000)) had 45
    divergences and bulk ESS 284; at 0.9 it passes the gate (bulk ESS 1019, r-hat 1.00).

    Returns:
        ``{label: StudyFit}`` with the posterior correlation of ``log mu0`` and the log cost
        parameter (``nan`` when one of them is fixed).
    """
    from nestlab import diagnostics as D
    from nestlab.actors.costs import get_cost
    from nestlab.actors.inference import fit

    fam = get_cost(cost)
    checks.choice("cost_param", cost_param, fam.params)
    t = {"mu0": 1.5, "sigma0": 0.2, "sigma_r": 0.15, cost_param: 0.9}
    t.update(checks.mapping("truth", {} if truth is None else truth, keys=list(t)))
    levels = checks.sequence("sigma_levels", sigma_levels, min_len=2)
    for i, v in enumerate(levels):
        checks.real(f"sigma_levels[{i}]", v, min=0, inclusive=(False, True))
    checks.real("single_sigma", single_sigma, min=0, inclusive=(False, True))
    checks.integer("n_per_condition", n_per_condition, min=1)
    for k, v in (("chains", chains), ("warmup", warmup), ("draws", draws)):
        checks.integer(k, v, min=1)
    checks.integer("seed", seed, min=0)
    _stimulus_range(s_low, s_high)
    n = n_per_condition * len(sigma_levels)
    rng = np.random.default_rng(seed)
    s = rng.uniform(s_low, s_high, n)
    cp = {cost_param: t[cost_param]}
    kw = {"cost": cost, "policy": policy, "network": network, "chains": chains,
          "warmup": warmup, "draws": draws,
          "target_accept": checks.real("target_accept", target_accept, min=0, max=1,
                                       inclusive=(False, False))}
    one = simulate(s, ActorParams(single_sigma, t["sigma0"], t["mu0"], t["sigma_r"]), cost=cost,
                   cost_params=cp, seed=seed + 1)
    cond = np.repeat(np.arange(len(sigma_levels)), n_per_condition)
    two = simulate(s, ActorParams(list(sigma_levels), t["sigma0"], t["mu0"], t["sigma_r"]),
                   cost=cost, cost_params=cp, conditions=cond, seed=seed + 1)
    pair = ("mu0", cost_param)
    fits = {
        "one_noise": fit(s, one["responses"], fixed={"sigma": single_sigma}, seed=seed, **kw),
        "fixed_cost": fit(s, one["responses"], fixed={"sigma": single_sigma,
                                                      cost_param: t[cost_param]}, seed=seed, **kw),
        "two_noise": fit(s, two["responses"], conditions=cond,
                         fixed={"sigma": list(sigma_levels)}, seed=seed, **kw),
    }
    out = {}
    for label, idata in fits.items():
        corr = (D.pair_correlation(idata, *pair) if cost_param in idata.posterior
                else float("nan"))
        out[label] = StudyFit(label, idata, corr, pair)
    return out


def converged(fits: Mapping[str, Any]) -> dict[str, bool]:
    """``{label: passes the gate}`` per fit (r-hat <= 1.01, bulk and tail ESS >= 400, no
    divergences; :func:`nestlab.diagnostics.convergence`)."""
    from nestlab import diagnostics as D

    checks.mapping("fits", fits)
    return {str(k): bool(D.convergence(v).ok) for k, v in fits.items()}


def convergence_table(fits: Mapping[str, Any]):
    """One row per fit — max r-hat, min bulk / tail ESS, divergences, the gate and what failed —
    with every fit that misses the gate in red (a pandas ``Styler``; ``.data`` is the frame)."""
    from nestlab import diagnostics as D

    checks.mapping("fits", fits)
    rows = {}
    for label, idata in fits.items():
        c = D.convergence(idata)
        rows[str(label)] = {"max r_hat": c.max_rhat, "min bulk ESS": c.min_ess_bulk,
                            "min tail ESS": c.min_ess_tail, "divergences": c.n_divergent,
                            "converged": c.ok, "problems": "; ".join(c.problems)}
    frame = pd.DataFrame(rows).T

    def colour(row):
        style = "" if row["converged"] else "color: #bb2222; font-weight: 600"
        return [style] * len(row)

    return frame.style.apply(colour, axis=1).format(
        {"max r_hat": "{:.3f}", "min bulk ESS": "{:.0f}", "min tail ESS": "{:.0f}"})


def gated(value: Any, *ok: bool) -> Any:
    """``value`` if every fit it comes from converged (``ok``), else ``None``.

    A claim given ``None`` reads "–" and :func:`nestlab.judge` returns "not held": the number of
    an unconverged fit is never used for a claim.
    """
    flags = [checks.boolean(f"ok[{i}]", v) for i, v in enumerate(ok)]
    return value if all(flags) else None
