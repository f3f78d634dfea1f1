"""The notebooks' studies as functions (notebook cells only call these, spec Sec. 5).

* :func:`train_policies` / :func:`accuracy_table` — Sec. 5.1, network accuracy per family;
* :func:`posterior_agreement` — Sec. 5.2, posterior with the network vs with the closed form;
* :func:`likelihood_comparison` — marginal vs latent likelihood, ESS per second;
* :func:`identifiability_study` — Sec. 5.4, one noise level vs fixing a parameter vs the
  two-noise design;
* :func:`converged`, :func:`gated` — the convergence gate of every fit and the rule that a
  claim never uses an unconverged fit (the gate table is
  :func:`nestlab.actors.batch.convergence_table`);
* :func:`pair_explorer`, :func:`claim_identifiability` — notebook 12's pair-plot explorer and
  its claims;
* :func:`recovery_comparison`, :func:`record_recovery`, :func:`curve_explorer`,
  :func:`claim_inference` — notebook 11's recovery study (closed form and network, 4 chains per
  data set), its records, its explorer and its claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.models import ActorParams, check_stimulus_range, simulate

__all__ = ["StudyFit", "accuracy_table", "claim_identifiability", "claim_inference", "converged",
           "curve_explorer", "gated", "identifiability_study",
           "likelihood_comparison", "pair_explorer", "posterior_agreement", "record_recovery",
           "recovery_comparison", "reference_data", "train_policies"]


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


def reference_data(*, mu0: float = 1.5, sigma0: float = 0.15, sigma: float = 0.2,
                   sigma_r: float = 0.1, n_trials: int = 60, s_low: float = 0.1,
                   s_high: float = 5.0, cost: str = "quadratic",
                   cost_params: Mapping[str, float] | None = None, seed: int = 0
                   ) -> dict[str, np.ndarray]:
    """The reference synthetic data set (spec Sec. 5): s ~ U(s_low, s_high), simulated responses."""
    n_trials = checks.integer("n_trials", n_trials, min=1)
    check_stimulus_range(s_low, s_high)
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
    check_stimulus_range(s_low, s_high)
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


def gated(value: Any, *ok: bool) -> Any:
    """``value`` if every fit it comes from converged (``ok``), else ``None``.

    A claim given ``None`` reads "–" and :func:`nestlab.judge` returns "not held": the number of
    an unconverged fit is never used for a claim.
    """
    flags = [checks.boolean(f"ok[{i}]", v) for i, v in enumerate(ok)]
    return value if all(flags) else None


# ------------------------------------------------------------------ notebook 11's studies


def recovery_comparison(n_datasets: int, *, network: Any, chains: int = 4, warmup: int = 500,
                        draws: int = 500, seed: int = 0, retries: int = 0) -> dict[str, Any]:
    """Spec 5.3's recovery study with the closed-form policy and with ``network``, same data.

    ``retries``: refit a data set that misses the gate with longer chains, up to this many
    times (:func:`nestlab.actors.recovery.recovery_study`).

    Returns:
        ``{"closed form": Recovery, "network": Recovery}``
        (:func:`nestlab.actors.recovery.recovery_study`, ``chains`` chains per data set).
    """
    from nestlab.actors.recovery import recovery_study

    kw = {"chains": chains, "warmup": warmup, "draws": draws, "seed": seed, "retries": retries}
    return {"closed form": recovery_study(n_datasets, policy="analytic", **kw),
            "network": recovery_study(n_datasets, policy="network", network=network, **kw)}


def record_recovery(recs: Mapping[str, Any]) -> None:
    """Record each recovery study's numbers (``recovery.analytic.*`` / ``recovery.network.*``).

    Per study: MSE, 50 % / 90 % coverage (converged data sets only), the gate per data set and
    its count, chains, wall / CPU / compile seconds and sampling seconds per data set.
    """
    import nestlab

    checks.mapping("recs", recs)
    for label, r in recs.items():
        key = "analytic" if label == "closed form" else "network"
        for field in ("mse", "coverage90", "coverage50", "seconds_per_dataset", "seconds",
                      "cpu_seconds", "compile_seconds", "chains"):
            nestlab.record(f"recovery.{key}.{field}", getattr(r, field))
        nestlab.record(f"recovery.{key}.n_converged", int(r.converged.sum()))
        if r.attempts is not None:
            nestlab.record(f"recovery.{key}.n_refitted", int((r.attempts > 1).sum()))
        nestlab.record(f"recovery.{key}.converged",
                       {f"dataset_{j}": bool(v) for j, v in enumerate(r.converged)})
    nestlab.record("recovery.n_datasets", int(next(iter(recs.values())).converged.size))


def curve_explorer(data: Mapping[str, Any], *, params: ActorParams, cost: str = "quadratic"):
    """``show(mu0, sigma0, sigma_r)``: the data with another actor's median response curve.

    For :func:`nestlab.plots.interactive` (notebook 11's "turn the knobs"); the controls start at
    ``params`` (whose ``sigma``, the known perceptual noise, stays fixed).
    """
    from nestlab.actors.plots import plot_predicted_curve
    from nestlab.plots import figure

    checks.mapping("data", data, required=("stimuli", "responses"))
    checks.instance("params", params, ActorParams)

    def show(mu0: float = params.mu0, sigma0: float = params.sigma0,
             sigma_r: float = params.sigma_r):
        _, ax = figure()
        plot_predicted_curve(data["stimuli"], data["responses"], cost=cost,
                             params=ActorParams(params.sigma, sigma0, mu0, sigma_r), ax=ax)

    return show


def pair_explorer(studies: Mapping[str, Mapping[str, StudyFit]]):
    """``show(fit, x, y)``: the pair plot of two parameters of one fit, and their correlation.

    For :func:`nestlab.plots.interactive` (notebook 12's explorer). ``studies`` maps a label to
    an :func:`identifiability_study` result; the fits are offered as ``"label / design"``.
    """
    from nestlab import diagnostics as D

    checks.mapping("studies", studies)
    fits = {f"{label} / {k}": f.idata for label, study in studies.items() for k, f in study.items()}
    if not fits:
        raise ValueError("invalid studies: no fits; valid: {label: identifiability_study(...)}")

    def show(fit: str = next(iter(fits)), x: str = "mu0", y: str = "sigma0"):
        idata = fits[fit]
        if x == y or x not in idata.posterior or y not in idata.posterior:
            print(f"choose two different free parameters of this fit: {D.parameter_names(idata)}")
            return
        D.plot_pair({fit: idata}, var_names=[x, y])
        print(f"corr(log {x}, log {y}) = {D.pair_correlation(idata, x, y):.2f}")

    show.fits = list(fits)
    return show


def claim_identifiability(studies: Mapping[str, tuple[Mapping[str, StudyFit], Mapping[str, bool],
                                                      float]], *, mu0: float,
                          fixed_cost: str = "beta") -> None:
    """Notebook 12's claims against the paper, from converged fits only (:func:`gated`).

    Args:
        studies: ``{cost parameter: (identifiability_study result, its converged(), truth)}``,
            e.g. ``{"beta": (effort, ok_effort, 0.9), "alpha": (asym, ok_asym, 0.7)}``; per
            parameter two claims (the one-noise ridge, the two-noise design removing it).
        mu0: the true prior median (interval coverage of the two-noise fit).
        fixed_cost: the study whose ``fixed_cost`` fit gives the "fixing it pins mu0 down" claim.
    """
    import nestlab
    from nestlab import diagnostics as D

    checks.mapping("studies", studies)
    for name, (study, ok_s, truth_p) in studies.items():
        one, two = study["one_noise"], study["two_noise"]
        corr = gated(one.correlation, ok_s["one_noise"])
        nestlab.claim(f"mu0-{name}, one noise level: a strong ridge",
                      paper="strong ridge (prior and cost trade off)", nestlab=corr,
                      verdict=nestlab.judge(corr, at_most=-0.9, partly_at_most=-0.7),
                      note=f"posterior corr(log mu0, log {name}); held <= -0.9, partly <= -0.7")
        contraction = float(D.identifiability(two.idata).contraction[f"log {name}"])
        covers = D.interval_covers(two.idata, {"mu0": mu0, name: truth_p})
        parts = [contraction >= 0.8, two.correlation > -0.5, all(covers.values())]
        nestlab.claim(f"mu0-{name}, two noise levels: the ridge is removed",
                      paper="ridge removed (disentangled)",
                      nestlab=gated(f"contraction {contraction:.2f}, corr {two.correlation:+.2f}",
                                    ok_s["two_noise"]),
                      verdict=(nestlab.judge_all(parts) if ok_s["two_noise"]
                               else nestlab.judge(None, at_least=0)),
                      note=f"held if contraction of log {name} >= 0.8, corr(log mu0, log {name}) > -0.5 "
                           "and both 90% intervals cover the truth")
    study, ok_s, _ = studies[fixed_cost]
    sd_one = np.log(study["one_noise"].idata.posterior["mu0"].values).std()
    sd_fix = np.log(study["fixed_cost"].idata.posterior["mu0"].values).std()
    ratio = gated(float(sd_fix / sd_one), ok_s["one_noise"], ok_s["fixed_cost"])
    nestlab.claim(f"fixing {fixed_cost} pins mu0 down",
                  paper="ridge removed when one of them is fixed", nestlab=ratio,
                  verdict=nestlab.judge(ratio, at_most=0.25, partly_at_most=0.5),
                  note=f"posterior sd of log mu0 with {fixed_cost} fixed / with {fixed_cost} free "
                       "(one noise level); held <= 0.25, partly <= 0.5")


def claim_inference(post_cf: Any, post_net: Any, *, agreement: pd.DataFrame,
                    cover: Mapping[str, bool], likelihoods: pd.DataFrame, recovery: Any,
                    converged: Mapping[str, bool]) -> None:
    """Notebook 11's five claims against the paper, from converged fits only (:func:`gated`).

    Args:
        post_cf, post_net: the closed-form and network fits of the reference data set.
        agreement: :func:`posterior_agreement` of ``post_net`` against ``post_cf``.
        cover: :func:`nestlab.diagnostics.interval_covers` of ``post_cf`` (90 %).
        likelihoods: :func:`likelihood_comparison` (marginal row: ``post_cf``).
        recovery: the closed-form :class:`~nestlab.actors.recovery.Recovery`.
        converged: :func:`converged` of ``{"closed_form", "network", ...}``.
    """
    import nestlab
    from nestlab import diagnostics as D

    ok_cf, ok_net = bool(converged["closed_form"]), bool(converged["network"])
    dz = gated(float(agreement["mean_diff_in_sd"].abs().max()), ok_cf, ok_net)
    nestlab.claim("The posterior with the network policy equals the closed-form posterior",
                  paper="equal (overlaid pair plots)", nestlab=dz,
                  verdict=nestlab.judge(dz, at_most=0.1, partly_at_most=0.25),
                  note="largest |difference of posterior means| in posterior sds (max |z| = "
                       f"{agreement['z'].abs().max():.2f}); held <= 0.1, partly <= 0.25")
    covered = gated(float(np.mean(list(cover.values()))), ok_cf)
    nestlab.claim("NUTS recovers the actor's parameters (reference data set, closed form)",
                  paper="posterior around the truth", nestlab=covered,
                  verdict=nestlab.judge(covered, at_least=1.0, partly_at_least=0.5),
                  note="share of mu0, sigma0, sigma_r whose 90% interval covers the truth")
    a = post_cf.posterior.attrs
    ess_net = D.ess_per_second(post_net, float(post_net.posterior.attrs["sampling_seconds"]))
    for label, value, paper_value, okk in (
            ("closed form", float(likelihoods.loc["marginal", "ess_per_second"]), 1500, ok_cf),
            ("network", ess_net, 1200, ok_net)):
        v = gated(value, okk)
        nestlab.claim(f"min bulk ESS per second, {label} policy",
                      paper=f"~{paper_value:,} (4 x 7500 draws, incl. ~5 s compile)", nestlab=v,
                      verdict=nestlab.judge(v, at_least=paper_value,
                                            partly_at_least=paper_value / 2),
                      note=f"{a['chains']} x ({a['warmup']} + {a['draws']}) draws, compilation "
                           "included, shared 2-core machine; held >= paper, partly >= half")
    n_ok = int(recovery.converged.sum())
    band = 2 * np.sqrt(0.9 * 0.1 / max(n_ok, 1))
    cov = recovery.coverage90
    calibrated = [abs(v - 0.9) <= band for v in cov.values()] if n_ok else [False]
    nestlab.claim("90% intervals are calibrated over simulated data sets (closed form)",
                  paper="calibrated (spec 5.3)",
                  nestlab=(f"{min(cov.values()):.2f}-{max(cov.values()):.2f} over {n_ok} "
                           "converged data sets") if n_ok else None,
                  verdict=nestlab.judge_all(calibrated),
                  note=f"coverage of mu0, sigma0, sigma_r within 0.9 +- {band:.2f} (2 binomial "
                       f"SE); {recovery.chains} chains per data set; "
                       f"{recovery.converged.size - n_ok} data sets missed the gate and are "
                       "left out")
