"""Hierarchical (multi-subject) fit of Bayesian actors: partial pooling, non-centred (spec 5.6).

Every free parameter ``theta_k`` of the actor (and of its cost) gets one value per subject ``j``
(and per condition for the parameters in ``per_condition``), drawn from a population law:

* ``pop_<k>`` — the population *median*, on the parameter's own scale, with the single-subject
  prior of :func:`nestlab.actors.likelihood.priors` (a log-normal cost prior is sampled on the
  log scale, site ``pop_log_<k>``);
* ``tau_<k> ~ HalfNormal(tau_scale)`` — the spread of the subjects around it, on the logit
  scale of the prior's support ``(lo, hi)``;
* ``z_<k>[j] ~ N(0, 1)`` — each subject's standardised offset (the non-centred
  parameterisation: the sampler sees independent ``z`` and never the funnel between the
  subjects' values and ``tau``).

``theta_k[j] = lo + (hi - lo) * sigmoid(logit((pop_k - lo) / (hi - lo)) + tau_k * z_k[j])``, so
every subject's value stays inside the prior's support (for a network policy: inside its training
box) and ``pop_k`` is the value of a subject with offset 0. The likelihood of each trial is
:func:`nestlab.actors.likelihood.pointwise_log_likelihood` with that trial's subject's parameters,
the same function every other fit of the suite samples, so the stored pointwise values are valid
for PSIS-LOO (:func:`nestlab.diagnostics.loo`).

:func:`shrinkage_table` sets the per-subject fits beside the hierarchical one
(:func:`nestlab.actors.plots.plot_shrinkage` draws it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.costs import get_cost
from nestlab.actors.likelihood import (
    FitSpec,
    action_fn,
    check_data,
    check_fixed,
    check_per_condition,
    check_sampler,
    parameter_names,
    pointwise_log_likelihood,
    predict,
    prior_sites,
    priors,
    resolve_policy,
    start_values,
)
from nestlab.actors.sampler import EXTRA_FIELDS, sample_stats

__all__ = ["TARGET_ACCEPT", "TRIAL_COLUMNS", "converged", "fit_hierarchical", "hierarchical_var_names",
           "shrinkage_table", "subject_posterior"]

#: columns a trials frame needs (as :func:`nestlab.actors.userdata.read_trials` and the
#: loaders of :mod:`nestlab.actors.data` return them)
TRIAL_COLUMNS = ("subject", "condition", "s", "r")
#: default NUTS target acceptance of :func:`fit_hierarchical` (measured: see its docstring)
TARGET_ACCEPT = 0.99
#: keeps ``logit`` finite when a population median sits at its support's edge (float32)
_EDGE = 1e-6


def _support(d: Any) -> tuple[float, float]:
    """``(lo, hi)`` of an interval-supported numpyro distribution (the prior of one site)."""
    sup = d.support
    return float(np.asarray(sup.lower_bound)), float(np.asarray(sup.upper_bound))


def _condition_codes(col: pd.Series, order: Any) -> np.ndarray:
    """Integer condition codes: integers as they are, labels by ``order`` (or first appearance)."""
    if order is None and pd.api.types.is_integer_dtype(col):
        return col.to_numpy()
    labels = [str(v) for v in col]
    if order is None:
        order = list(dict.fromkeys(labels))
    order = [str(v) for v in checks.sequence("condition_order", order, min_len=1)]
    unknown = sorted(set(labels) - set(order))
    if unknown:
        raise ValueError(f"invalid trials: condition label(s) {unknown[:5]} not in "
                         f"condition_order {order}; valid: every label listed")
    index = {lab: i for i, lab in enumerate(order)}
    return np.array([index[lab] for lab in labels], dtype=np.int64)


def _check_trials(trials: Any, condition_order: Any = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray, list[str]]:
    """``(s, r, cond, n_conditions, subject index, subject labels)`` of a trials frame."""
    checks.frame("trials", trials, TRIAL_COLUMNS)
    if len(trials) == 0:
        raise ValueError("invalid trials: the frame has no rows; valid: at least one trial per "
                         "subject")
    labels = [str(v) for v in pd.unique(trials["subject"].astype(str))]
    if len(labels) < 2:
        raise ValueError(f"invalid trials: {len(labels)} subject ({labels}); valid: at least two "
                         "subjects (partial pooling needs a population) — use "
                         "nestlab.actors.fit for one subject")
    s, r, cond, k = check_data(trials["s"].to_numpy(), trials["r"].to_numpy(),
                               _condition_codes(trials["condition"], condition_order))
    subj = pd.Categorical(trials["subject"].astype(str), categories=labels).codes
    counts = np.bincount(subj, minlength=len(labels))
    if counts.min() < 2:
        bad = labels[int(np.argmin(counts))]
        raise ValueError(f"invalid trials: subject {bad!r} has {int(counts.min())} trial(s); "
                         "valid: at least 2 per subject")
    return s, r, cond, k, subj.astype(np.int32), labels


def _check_known(known: Any, trials: pd.DataFrame, names: tuple[str, ...],
                 fixed: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-trial known parameter values: ``{name: column of trials or array (n_trials,)}``."""
    out = {}
    for k, v in checks.mapping("known", {} if known is None else known, keys=names).items():
        if k in fixed:
            raise ValueError(f"invalid known[{k!r}]: {k!r} is also in fixed; valid: a parameter "
                             "given either as fixed or as known, not both")
        if isinstance(v, str):
            if v not in trials.columns:
                raise ValueError(f"invalid known[{k!r}] {v!r}: no such column of trials; valid "
                                 f"columns: {', '.join(map(str, trials.columns))}")
            v = trials[v].to_numpy()
        out[k] = checks.array(f"known[{k!r}]", v, shape=(len(trials),), min=0,
                              inclusive=(False, True)).astype(np.float32)
    return out


def hierarchical_var_names(idata: Any) -> list[str]:
    """The parameters of a hierarchical fit the convergence gates are applied to.

    Every subject-level parameter and every ``pop_`` / ``tau_`` population parameter (the
    standardised offsets ``z_`` are one-to-one with them and not stored).
    """
    from nestlab.diagnostics import require_groups

    post = require_groups(idata, "posterior").posterior
    return [v for v in post.data_vars if not str(v).startswith("z_")]


def converged(idata: Any) -> bool:
    """Whether a :func:`fit_hierarchical` result passed the gates (its ``converged`` attribute).

    The attribute is set from :func:`nestlab.diagnostics.convergence` (r-hat <= 1.01, bulk and
    tail ESS >= 400, no divergences) over :func:`hierarchical_var_names` when the fit is made.
    """
    from nestlab.diagnostics import require_groups

    attrs = require_groups(idata, "posterior").posterior.attrs
    if "converged" not in attrs:
        raise ValueError("invalid idata: no 'converged' attribute; valid: a fit_hierarchical "
                         "result")
    return bool(int(attrs["converged"]))


def _make_model(spec: FitSpec, act: Any, n_subjects: int, tau_scale: float):
    """``model(s, cond, subj, r, known)``: the population, the subjects and every trial."""
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    pri = priors(spec)
    sites = prior_sites(spec)
    J, K = n_subjects, spec.n_conditions

    def model(s, cond, subj, r, known):
        theta = {}
        for k, site in sites.items():
            shape = (K,) if spec.is_per_condition(k) else ()
            d = pri[site]
            if shape:
                d = d.expand(shape).to_event(1)
            lo, hi = _support(pri[site])
            loc = numpyro.sample(f"pop_{site}", d)
            tau = numpyro.sample(f"tau_{k}", dist.HalfNormal(tau_scale).expand(shape)
                                 .to_event(len(shape)))
            z = numpyro.sample(f"z_{k}", dist.Normal(0.0, 1.0).expand((J,) + shape)
                               .to_event(1 + len(shape)))
            u = jnp.clip((loc - lo) / (hi - lo), _EDGE, 1 - _EDGE)
            x = jnp.log(u) - jnp.log1p(-u) + tau * z
            val = lo + (hi - lo) * jax.nn.sigmoid(x)
            if site != k:  # a log-normal prior: the site is log theta
                val = jnp.exp(val)
                numpyro.deterministic(f"pop_{k}", jnp.exp(loc))
            theta[k] = numpyro.deterministic(k, val)
        tt = _per_trial(spec, theta, cond, subj, known)
        ll = pointwise_log_likelihood(spec, act, tt, s, r, known=tt)
        numpyro.factor("r", jnp.sum(ll))

    return model


def _per_trial(spec: FitSpec, theta: Mapping[str, Any], cond: Any, subj: Any,
               known: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter as one value per trial (subject-level, fixed and known ones).

    Returned as the ``known`` of :func:`pointwise_log_likelihood` too, which makes it treat
    each of them as a per-trial column against the quadrature nodes.
    """
    import jax.numpy as jnp

    n = cond.shape[0]
    out = {}
    for k, v in theta.items():
        out[k] = v[subj, cond] if spec.is_per_condition(k) else v[subj]
    for k, v in spec.fixed.items():
        v = jnp.asarray(v)
        out[k] = v[cond] if v.ndim == 1 else jnp.broadcast_to(v, (n,))
    out.update(dict(known))
    return out


def _chain_method(chains: int) -> str:
    import jax

    return "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"


def fit_hierarchical(trials: Any, *, cost: str, policy: str = "analytic", network: Any = None,
                     fixed: Mapping[str, Any] | None = None, known: Mapping[str, Any] | None = None,
                     per_condition: Any = None, condition_order: Any = None, chains: int = 4,
                     warmup: int = 1000, draws: int = 1000, seed: int = 0, n_nodes: int = 8,
                     target_accept: float = TARGET_ACCEPT, tau_scale: float = 0.5,
                     dense_mass: bool = False, progress_bar: bool = False):
    """Posterior of a population of Bayesian actors with partial pooling (non-centred).

    Args:
        trials: frame with columns ``subject``, ``condition``, ``s`` and ``r`` — e.g.
            :func:`nestlab.actors.userdata.read_trials` or the loaders of
            :mod:`nestlab.actors.data`; at least two subjects with two trials each. Integer
            conditions must be ``0..K-1``; labels (``"low"``, ``"high"``) are coded by
            ``condition_order``.
        cost: cost family (resolved once here).
        policy, network: as in :func:`nestlab.actors.inference.fit`.
        fixed: parameters clamped for every subject (a scalar, or one value per condition for
            those in ``per_condition``).
        known: parameters known per trial, ``{name: column of trials or array}`` (e.g. each
            subject's measured Weber fraction as ``sigma``).
        per_condition: parameters with one value per condition (default ``("sigma",)`` when
            ``condition`` has several labels); each subject gets its own value per condition,
            pooled per condition.
        chains, warmup, draws, seed: NUTS settings (chains in parallel when enough JAX host
            devices exist, see :func:`nestlab.actors.configure`).
        n_nodes: Gauss–Hermite nodes of the marginal likelihood.
        target_accept: NUTS target acceptance probability (0.99: measured on the demo data of
            :func:`nestlab.actors.userdata.write_demo_csv`, quadratic, 4 x (1000 + 2000), seed 0,
            loaded machine: 2 divergent transitions in 8000 at 0.98 with 8 Gauss–Hermite nodes
            and again 2 with 24 (so not the quadrature; the divergent chains sat in the tails
            of the spreads tau, tau_mu0 ~ 1.0 or tau_sigma_r ~ 0.007), 0 at 0.99 with min
            bulk / tail ESS 2623 / 2483 and about the same CPU time, 74 s vs 72 s).
        tau_scale: scale of the half-normal prior of each ``tau_<k>`` (logit units; 0.5 lets
            subjects differ by a factor ~2 in a positive parameter near the middle of its
            support while keeping a population of few subjects from heavy tails).
        dense_mass: adapt a dense mass matrix.
        progress_bar: numpyro's progress bar.
        condition_order: condition labels in index order (default: integers as they are,
            other labels in order of first appearance), e.g.
            :data:`nestlab.actors.data.QS_CONDITIONS`.

    Returns:
        ``arviz.InferenceData`` with groups posterior (per parameter ``k``: ``k`` with dims
        ``subject`` [, ``condition``], ``pop_k`` and ``tau_k``), sample_stats, log_likelihood
        (``r`` per trial: marginal, ready for PSIS-LOO), posterior_predictive, observed_data and
        constant_data (``s``, ``condition``, ``subject`` index). Attributes: ``cost``,
        ``policy``, ``subjects`` (labels, JSON), ``converged`` (1 if every parameter of
        :func:`hierarchical_var_names` passed the gates of :func:`nestlab.diagnostics.convergence`
        — r-hat <= 1.01, bulk and tail ESS >= 400, no divergences — else 0; read it with
        :func:`converged`), ``convergence_problems`` (JSON list) and ``sampling_seconds``.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: a trials frame without the columns, with fewer than two subjects or a
            subject with fewer than two trials, bad values (see
            :func:`nestlab.actors.likelihood.check_data`), unknown cost / policy / parameter,
            fixed values outside the box, or a sampler setting out of range — before sampling.
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS, init_to_value

    from nestlab import diagnostics as D

    fam = get_cost(cost)
    chains, warmup, draws, seed, n_nodes, target_accept = check_sampler(
        chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
        target_accept=target_accept)
    tau_scale = checks.real("tau_scale", tau_scale, min=0, inclusive=(False, True))
    dense_mass = checks.boolean("dense_mass", dense_mass)
    progress_bar = checks.boolean("progress_bar", progress_bar)
    s, r, cond, k, subj, labels = _check_trials(trials, condition_order)
    net, box = resolve_policy(policy, fam, network)
    pc = check_per_condition(per_condition, fam)
    fx = check_fixed(fixed, fam, box, k, pc)
    kn = _check_known(known, trials, parameter_names(fam), fx)
    free = tuple(p for p in parameter_names(fam) if p not in fx and p not in kn)
    if not free:
        raise ValueError("invalid fixed/known: every parameter is fixed or known; valid: at "
                         "least one free parameter to pool")
    spec = FitSpec(fam, policy, "marginal", free, fx, k, box, n_nodes, pc)
    act = action_fn(spec, net)
    J = len(labels)
    model = _make_model(spec, act, J, tau_scale)

    # start: every subject at a data-informed population median (the single-fit start)
    init = {f"pop_{site}": np.asarray(v) for site, v in start_values(spec, r).items()}
    for p in free:
        shape = (k,) if spec.is_per_condition(p) else ()
        init[f"tau_{p}"] = np.full(shape, 0.2 * tau_scale, np.float32)
        init[f"z_{p}"] = np.zeros((J,) + shape, np.float32)
    args = (jnp.asarray(s, jnp.float32), jnp.asarray(cond), jnp.asarray(subj),
            jnp.asarray(r, jnp.float32), {p: jnp.asarray(v) for p, v in kn.items()})
    mcmc = MCMC(NUTS(model, target_accept_prob=target_accept, dense_mass=dense_mass,
                     init_strategy=init_to_value(values=init)),
                num_warmup=warmup, num_samples=draws, num_chains=chains,
                chain_method=_chain_method(chains), progress_bar=progress_bar)
    t0 = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(seed), *args,
             extra_fields=tuple(EXTRA_FIELDS))
    jax.block_until_ready(mcmc.get_samples())
    seconds = time.perf_counter() - t0
    samples = mcmc.get_samples(group_by_chain=True)
    extra = mcmc.get_extra_fields(group_by_chain=True)

    post = {}
    for p in free:
        post[p] = np.asarray(samples[p])
        post[f"pop_{p}"] = np.asarray(samples[f"pop_{p}"])
        post[f"tau_{p}"] = np.asarray(samples[f"tau_{p}"])
    ll, pp = _post_process(spec, act, args, {p: post[p] for p in free}, seed)
    dims = {"r": ["trial"]}
    for p in free:
        cd = ["condition"] if spec.is_per_condition(p) else []
        dims[p] = ["subject"] + cd
        dims[f"pop_{p}"] = dims[f"tau_{p}"] = cd
    idata = D.to_inference_data(
        posterior=post,
        sample_stats=sample_stats(extra),
        log_likelihood={"r": ll}, posterior_predictive={"r": pp},
        observed_data={"r": r},
        constant_data={"s": s, "condition": cond, "subject_index": subj},
        dims={**dims, "s": ["trial"], "condition": ["trial"], "subject_index": ["trial"]},
        coords={"subject": labels},
        attrs={"cost": fam.name, "policy": policy, "likelihood": "marginal",
               "hierarchical": 1, "subjects": labels,
               "fixed": {p: np.asarray(v).tolist() for p, v in fx.items()},
               "known": sorted(kn), "per_condition": list(pc) if k > 1 else [],
               "n_nodes": n_nodes, "chains": chains, "warmup": warmup, "draws": draws,
               "tau_scale": tau_scale, "dense_mass": int(dense_mass),
               "chain_method": _chain_method(chains), "sampling_seconds": seconds})
    conv = D.convergence(idata, var_names=hierarchical_var_names(idata))
    for g in idata.groups():
        idata[g].attrs["converged"] = int(conv.ok)
        idata[g].attrs["convergence_problems"] = json.dumps(conv.problems)
    return idata


def _post_process(spec: FitSpec, act: Any, args: tuple, theta: Mapping[str, np.ndarray],
                  seed: int, batch: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log-likelihood and posterior-predictive responses ``(chain, draw, trial)``.

    The same per-trial parameters and :func:`pointwise_log_likelihood` as the sampled density;
    the predictive noise is drawn in numpy (XLA compiles threefry slowly on CPU).
    """
    import jax
    import jax.numpy as jnp

    s, cond, subj, r, known = args
    chains, draws = next(iter(theta.values())).shape[:2]
    flat = {p: jnp.asarray(v.reshape((chains * draws,) + v.shape[2:])) for p, v in theta.items()}
    noise = np.random.default_rng([seed, 7]).standard_normal(
        (chains * draws, 2, s.shape[0])).astype(np.float32)

    def one(a):
        th, nz = a
        tt = _per_trial(spec, th, cond, subj, known)
        return (pointwise_log_likelihood(spec, act, tt, s, r, known=tt),
                predict(act, tt, s, nz))

    ll, pp = jax.jit(lambda f, n: jax.lax.map(one, (f, n), batch_size=batch))(flat,
                                                                               jnp.asarray(noise))
    shape = (chains, draws, s.shape[0])
    return np.asarray(ll, float).reshape(shape), np.asarray(pp, float).reshape(shape)


def subject_posterior(idata: Any, name: str, subject: str, *, condition: int | None = None
                      ) -> np.ndarray:
    """Flat draws of parameter ``name`` for one ``subject`` of a hierarchical fit."""
    from nestlab.diagnostics import require_groups

    post = require_groups(idata, "posterior").posterior
    checks.choice("name", name, [v for v in post.data_vars if "subject" in post[v].dims])
    da = post[name].sel(subject=checks.choice("subject", str(subject),
                                              [str(v) for v in post["subject"].values]))
    if "condition" in da.dims:
        if condition is None:
            raise ValueError(f"invalid condition None: {name!r} has one value per condition; "
                             f"valid: 0..{da.sizes['condition'] - 1}")
        da = da.isel(condition=checks.integer("condition", condition, min=0,
                                              max=da.sizes["condition"] - 1))
    return np.asarray(da.values, float).ravel()


def shrinkage_table(per_subject: Mapping[str, Any], hierarchical: Any, name: str, *,
                    condition: int | None = None, prob: float = 0.9,
                    truth: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Per-subject fits beside the hierarchical fit for one parameter (the shrinkage picture).

    Args:
        per_subject: ``{subject: InferenceData}`` of separate fits
            (:func:`nestlab.actors.inference.fit`) with the same parameter.
        hierarchical: the :func:`fit_hierarchical` result.
        name: the parameter.
        condition: the condition index of a per-condition parameter.
        prob: central interval probability.
        truth: optional ``{subject: true value}`` (simulated data).

    Returns:
        one row per subject: ``separate_mean``, ``separate_lo``, ``separate_hi``,
        ``pooled_mean``, ``pooled_lo``, ``pooled_hi``, ``population`` (posterior mean of
        ``pop_<name>``), ``shrinkage`` (``1 - |pooled - population| / |separate -
        population|``, the fraction of the way to the population) and ``truth`` (NaN without).
    """
    from nestlab.diagnostics import require_groups

    checks.mapping("per_subject", per_subject)
    post = require_groups(hierarchical, "posterior", name="hierarchical").posterior
    prob = checks.real("prob", prob, min=0, max=1, inclusive=(False, False))
    subjects = [str(v) for v in post["subject"].values]
    checks.choices("per_subject", list(map(str, per_subject)), subjects)
    if truth is not None:
        checks.mapping("truth", truth)
    pop = np.asarray(post[f"pop_{checks.choice('name', name, list(post.data_vars))}"].values,
                     float)
    if pop.ndim == 3:
        pop = pop[..., 0 if condition is None else condition]
    pop_mean = float(pop.mean())
    q = ((1 - prob) / 2, 1 - (1 - prob) / 2)
    rows = []
    for subj, idata in per_subject.items():
        sep = np.asarray(require_groups(idata, "posterior", name=f"per_subject[{subj!r}]")
                         .posterior[name].values, float)
        sep = sep.reshape(sep.shape[0] * sep.shape[1], -1)
        if sep.shape[1] > 1 and condition is None:
            raise ValueError(f"invalid condition None: {name!r} has one value per condition; "
                             f"valid: 0..{sep.shape[1] - 1}")
        sep = sep[:, 0 if sep.shape[1] == 1 else condition]
        hier = subject_posterior(hierarchical, name, str(subj), condition=condition)
        gap = abs(sep.mean() - pop_mean)
        rows.append({"subject": str(subj), "separate_mean": float(sep.mean()),
                     "separate_lo": float(np.quantile(sep, q[0])),
                     "separate_hi": float(np.quantile(sep, q[1])),
                     "pooled_mean": float(hier.mean()),
                     "pooled_lo": float(np.quantile(hier, q[0])),
                     "pooled_hi": float(np.quantile(hier, q[1])), "population": pop_mean,
                     "shrinkage": (float(1 - abs(hier.mean() - pop_mean) / gap) if gap > 0
                                   else float("nan")),
                     "truth": float(truth[subj]) if truth is not None and subj in truth
                     else float("nan")})
    return pd.DataFrame(rows).set_index("subject")
