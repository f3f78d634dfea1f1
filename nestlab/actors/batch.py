"""Many data sets fitted at once, and the convergence gate of every fit (spec Sec. 5.3, 5.6).

:func:`fit_datasets` fits one model to several data sets (one subject's trials each) with one
compiled, vmapped NUTS program (:func:`nestlab.actors.sampler.batched_nuts` over the one model of
:mod:`nestlab.actors.likelihood`); :func:`convergence_record` is the suite's gate on one fit
(r-hat <= 1.01, bulk and tail ESS >= 400, no divergences) and :func:`convergence_table` /
:func:`style_convergence` show it for every fit of a study, the failing ones in red.
:func:`run_batch` (the one driver under every batched study) can refit the data sets that miss
the gate with longer chains (``retries``), so short chains serve the easy data sets and only
the hard ones pay for long ones.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab import diagnostics as D
from nestlab.actors.costs import get_cost
from nestlab.actors.data import check_frame
from nestlab.actors.likelihood import (
    FitSpec,
    action_fn,
    check_data,
    check_per_condition,
    check_reparam,
    check_sampler,
    distinct_choices,
    log_prior,
    make_model,
    parameter_names,
    per_trial,
    pointwise_log_likelihood,
    predict,
    prior_sites,
    priors,
    resolve_policy,
    sample_priors_numpy,
    start_values,
    theta_from_sites,
)
from nestlab.actors.sampler import batched_nuts, over_devices

__all__ = ["BATCH_MODES", "GATE_COLUMNS", "PROGRAM_CACHE_SIZE", "BatchRun", "Dataset", "clear_program_cache",
           "convergence_record", "convergence_table", "fit_datasets", "gate_arrays", "length_groups",
           "run_batch",
           "style_convergence", "use_compile_cache"]


class Dataset(NamedTuple):
    """One data set of a :func:`fit_datasets` batch (one subject's trials).

    Attributes:
        s, r: stimuli and responses (1-d, positive, equal length).
        cond: condition label per trial (``0..k-1``).
        known: ``{parameter: value per trial}`` for every parameter that is not free — the
            subject's fixed values passed as data, so subjects with different fixed values
            (the Weber fraction, the design's cost offset, the experimental prior) share one
            compiled program.
    """

    s: np.ndarray
    r: np.ndarray
    cond: np.ndarray
    known: dict[str, np.ndarray]


class BatchRun(NamedTuple):
    """The raw output of :func:`run_batch`, one row per (data set, chain).

    ``theta``: ``{parameter: (rows, draws, ...)}``; ``log_likelihood`` and ``predictive``:
    ``(rows, draws, n_trials)`` (``None`` without ``extras``); ``log_prior``: ``{parameter:
    (rows, draws, ...)}`` (``None`` unless asked for); ``diverging``: ``(rows, draws)``;
    ``compile_seconds`` (0 when the program was compiled before), ``run_seconds`` and
    ``cpu_seconds`` (of the run)."""

    theta: dict[str, np.ndarray]
    log_likelihood: np.ndarray | None
    log_prior: dict[str, np.ndarray] | None
    predictive: np.ndarray | None
    diverging: np.ndarray
    compile_seconds: float
    run_seconds: float
    cpu_seconds: float
    #: per data set (``rows // chains``): the runs it took to pass the gate (``1``: the first;
    #: ``retries + 1`` may still miss it; see :func:`run_batch`)
    attempts: np.ndarray | None = None


#: how :func:`run_batch` runs the rows on each device (see its ``batch``)
BATCH_MODES = ("map", "vmap")
#: compiled batch programs of this process, keyed by everything they close over and the shapes
_COMPILED: dict[tuple, Any] = {}
#: how many compiled batch programs are kept (then the store starts again empty)
PROGRAM_CACHE_SIZE = 16


def clear_program_cache() -> None:
    """Forget every compiled batch program of this process.

    The next :func:`run_batch` of each shape compiles again — or loads the executable from the
    persistent cache of :func:`use_compile_cache` when one is set, as it is after any study ran.
    """
    _COMPILED.clear()


def use_compile_cache(directory: Any = None) -> str | None:
    """Keep XLA's compiled study programs on disk, so a second run skips compilation.

    Sets JAX's persistent compilation cache to ``directory`` (default: ``xla/`` in the nestlab
    cache, :func:`nestlab.cache.cache_dir`) unless one is configured already (then that one is
    kept). The entries are XLA executables written by this machine's JAX, keyed by a hash of the
    program, its compile options and the JAX version; compiling a NUTS program for one family
    takes 15-170 s on the shared 2-core machine, loading it a second.

    Returns:
        the cache directory in use (``None`` if JAX refuses the setting).
    """
    import jax

    from nestlab.cache import cache_dir

    current = jax.config.jax_compilation_cache_dir
    if current:
        return str(current)
    path = cache_dir(directory) / "xla"
    path.mkdir(parents=True, exist_ok=True)
    try:
        jax.config.update("jax_compilation_cache_dir", str(path))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except Exception:  # an older/newer JAX without the option: compile every run
        return None
    return str(path)


def _weights_digest(net: Any) -> str:
    """A key for the policy a program closes over (network weights, or solver options)."""
    if net is None:
        return ""
    if not hasattr(net, "weights"):  # SolverOptions: a NamedTuple of numbers and names
        return repr(net)
    import hashlib

    h = hashlib.sha256()
    for k in sorted(net.weights):
        h.update(k.encode())
        h.update(np.ascontiguousarray(net.weights[k]).tobytes())
    return h.hexdigest() + net.head


def _build_program(spec: FitSpec, net: Any, known_names: tuple[str, ...], *, warmup: int,
                   draws: int, target_accept: float, dense_mass: bool, max_tree_depth: int,
                   ll_batch: int, extras: bool, with_log_prior: bool, jitter: bool,
                   weighted: bool = False, batch: str = "map"):
    """``run(keys, s, cond, r, known, noise, u[, weight])``: the model of
    :func:`nestlab.actors.likelihood.make_model` in
    :func:`nestlab.actors.sampler.batched_nuts`, one row per (data set, chain).

    Each row starts at :func:`~nestlab.actors.likelihood.start_values`; with ``jitter`` its
    ``u`` (one offset per free parameter, on the log scale of a positive one) moves that start,
    clipped inside the prior's support, so the chains of a data set begin apart. Each row's draws
    become pointwise log-likelihoods, posterior-predictive responses (and log-priors) inside the
    same program. With ``weighted`` each row has a weight per trial (``weight``: 0 for the
    padding of a shorter data set, 1 otherwise; see :func:`fit_datasets`).
    """
    import jax  # local: JAX starts only when a study compiles
    import jax.numpy as jnp

    base = make_model(spec, net)
    act = action_fn(spec, net)
    sites = prior_sites(spec)
    pri = priors(spec)

    def model(s, cond, r, known, noise, u, wt=None):  # noise, u: post / init, not the density
        base(s, cond, r, known, wt)

    def init(s, cond, r, known, noise, u, wt=None):
        v = start_values(spec, r, s, wt)
        if not jitter:
            return v
        out = dict(v)
        for j, k in enumerate(spec.free):
            site = sites[k]
            if site not in v:  # a ridge pair's parameter: sampled as ridge_u / ridge_v
                continue
            sup = pri[site].support
            lo, hi = sup.lower_bound, sup.upper_bound
            pad = 1e-3 * (hi - lo)
            x = v[site] + u[j] if site != k else v[site] * jnp.exp(u[j])
            out[site] = jnp.clip(x, lo + pad, hi - pad)
        return out

    def post(samples, s, cond, r, known, noise, u, wt=None):
        th = theta_from_sites(spec, samples, s, r, wt)
        if not extras:
            return th, None, None, None

        def one(a):
            t, nz = a
            tt = per_trial(spec, t, cond, known)
            return (pointwise_log_likelihood(spec, act, tt, s, r, known=known),
                    log_prior(spec, t) if with_log_prior else None, predict(act, tt, s, nz))

        ll, lp, pp = jax.lax.map(one, (th, noise), batch_size=ll_batch)
        return th, ll, lp, pp

    n = 3
    example = (jnp.ones(n), jnp.zeros(n, jnp.int32), jnp.ones(n),
               {k: jnp.full(n, 0.1) for k in known_names}, jnp.zeros((draws, 2, n)),
               jnp.zeros(len(spec.free))) + ((jnp.ones(n),) if weighted else ())
    return batched_nuts(model, example, warmup=warmup, draws=draws, target_accept=target_accept,
                        init=init, post=post, dense_mass=dense_mass,
                        max_tree_depth=max_tree_depth, batch=batch)


def run_batch(spec: FitSpec, net: Any, keys: Any, s: np.ndarray, cond: np.ndarray,
              r: np.ndarray, known: Mapping[str, np.ndarray], noise: np.ndarray,
              offsets: np.ndarray | None = None, *, warmup: int, draws: int,
              target_accept: float, dense_mass: bool = True, max_tree_depth: int = 10,
              ll_batch: int = 50, extras: bool = True, with_log_prior: bool = False,
              chains: int = 1, retries: int = 0, weight: np.ndarray | None = None,
              batch: str = "map") -> BatchRun:
    """NUTS on every row (one data set's chain) of equal-length data: the one batched driver.

    One program per model and shape, compiled ahead of time and kept (:data:`_COMPILED`, and on
    disk by :func:`use_compile_cache`); the rows are split evenly over JAX's CPU host devices
    (:func:`nestlab.actors.sampler.over_devices`; :func:`nestlab.actors.configure` asks for 4),
    so both cores work. :func:`fit_datasets` (real subjects, per-trial known values) and
    :func:`nestlab.actors.compare.fit_batch` (simulated studies, any policy) are its front ends:
    they check their arguments and build the rows; this runs them.

    Args:
        spec: the checked model (:class:`~nestlab.actors.likelihood.FitSpec`).
        net: the policy's network or solver options (``None`` for the closed form).
        keys: ``(rows, 2)`` PRNG keys, one per row.
        s, cond, r: ``(rows, n_trials)`` stimuli, condition labels and responses.
        known: ``{parameter: (rows, n_trials)}`` per-trial values of the parameters not free.
        noise: ``(rows, draws, 2, n_trials)`` standard normals of the posterior predictive.
        offsets: ``(rows, len(spec.free))`` starting-point offsets (``None``: every chain at
            the data-informed start).
        warmup, draws, target_accept, dense_mass, max_tree_depth: NUTS settings (checked by
            the front end).
        ll_batch: draws per block of the in-program log-likelihood (memory).
        extras: compute the pointwise log-likelihood and posterior predictive.
        with_log_prior: also the log-prior of each draw (``extras`` only).
        chains: consecutive rows per data set (row = data set * chains + chain): the gate of
            ``retries`` judges a data set by its chains together.
        retries: how many times a data set whose chains miss the gate (:func:`gate_arrays`:
            r-hat <= 1.01, bulk and tail ESS >= 400 over the free parameters, no divergence)
            is run again, each time with warm-up and draws doubled (2x, 4x, ...), new PRNG
            keys and the same starting offsets; the longer chains are thinned back to
            ``draws`` (every ``2**k``-th draw, the predictive's noise unchanged; a divergence
            anywhere in a thinned block counts), so every data set keeps the same shape. The
            failing data sets are padded to a power of two, which bounds the programs compiled.
            ``attempts`` records the runs each data set took; one that still misses the gate
            after the last keeps that run and fails the front end's gate as before.
        weight: ``(rows, n_trials)`` weight of each trial's log-likelihood (``None``: all 1,
            the program without weights); 0 marks padding (:func:`fit_datasets`), whose
            log-likelihoods and predictive responses are returned but mean nothing.
        batch: how each device runs its rows: ``"map"`` (default: one after the other, so no
            row waits for another's NUTS trajectory) or ``"vmap"`` (all in lockstep: every
            step as long as the longest row's, the layout for an accelerator). On the 2-core
            CPU machine, recovery study of 100 data sets x 4 chains x (500 + 500): 0.38 s of
            sampling per data set with ``"map"``, 1.22 s with ``"vmap"``.
    """
    checks.choice("batch", batch, BATCH_MODES)
    checks.integer("chains", chains, min=1)
    retries = checks.integer("retries", retries, min=0, max=8)
    rows = int(np.shape(s)[0])
    if rows % chains:
        raise ValueError(f"invalid chains: {chains} does not divide the {rows} rows; valid: "
                         "rows = data sets * chains")
    run = _run_once(spec, net, keys, s, cond, r, known, noise, offsets, warmup=warmup,
                    draws=draws, target_accept=target_accept, dense_mass=dense_mass,
                    max_tree_depth=max_tree_depth, ll_batch=ll_batch, extras=extras,
                    with_log_prior=with_log_prior, weight=weight, batch=batch)
    attempts = np.ones(rows // chains, np.int32)
    if not retries:
        return run._replace(attempts=attempts)
    import jax

    free = [k for k in spec.free if k in run.theta]
    for a in range(1, retries + 1):
        ok = gate_arrays({k: _per_set(run.theta[k], chains) for k in free},
                         _per_set(run.diverging, chains).sum(axis=(1, 2)))["converged"]
        bad = np.flatnonzero(~ok.to_numpy(dtype=bool))
        if not bad.size:
            break
        f = 2 ** a
        sets = np.concatenate([bad, np.full((1 << (bad.size - 1).bit_length()) - bad.size,
                                            bad[-1])])
        idx = (sets[:, None] * chains + np.arange(chains)).ravel()
        keys_a = jax.vmap(lambda k, a=a: jax.random.fold_in(k, a))(keys[idx])
        sub = _run_once(spec, net, keys_a, s[idx], cond[idx], r[idx],
                        {k: v[idx] for k, v in known.items()}, np.repeat(noise[idx], f, axis=1),
                        None if offsets is None else offsets[idx], warmup=warmup * f,
                        draws=draws * f, target_accept=target_accept, dense_mass=dense_mass,
                        max_tree_depth=max_tree_depth, ll_batch=ll_batch, extras=extras,
                        with_log_prior=with_log_prior,
                        weight=None if weight is None else weight[idx], batch=batch)
        splice = functools.partial(_splice, keep=idx[:bad.size * chains], f=f, draws=draws)
        run = BatchRun(
            {k: splice(v, sub.theta[k]) for k, v in run.theta.items()},
            splice(run.log_likelihood, sub.log_likelihood),
            None if run.log_prior is None else {k: splice(v, sub.log_prior[k])
                                                for k, v in run.log_prior.items()},
            splice(run.predictive, sub.predictive), splice(run.diverging, sub.diverging, div=True),
            run.compile_seconds + sub.compile_seconds, run.run_seconds + sub.run_seconds,
            run.cpu_seconds + sub.cpu_seconds)
        attempts[bad] = a + 1
    return run._replace(attempts=attempts)


def _splice(old: np.ndarray | None, new: np.ndarray, *, keep: np.ndarray, f: int, draws: int,
            div: bool = False) -> np.ndarray | None:
    """``old`` with rows ``keep`` replaced by the first ``keep.size`` rows of ``new`` (``f``
    times as many draws), thinned to every ``f``-th draw (``div``: any flag in each block)."""
    if old is None:
        return None
    new = np.asarray(new)[:keep.size]
    new = (new.reshape((keep.size, draws, f) + new.shape[2:]).any(axis=2) if div
           else new[:, f - 1::f])
    out = np.array(old, copy=True)
    out[keep] = new
    return out


def _per_set(a: np.ndarray, chains: int) -> np.ndarray:
    """``(rows, ...)`` -> ``(rows // chains, chains, ...)``."""
    a = np.asarray(a)
    return a.reshape((a.shape[0] // chains, chains) + a.shape[1:])


def gate_arrays(samples: Mapping[str, np.ndarray], divergences: Any, *,
                rhat_max: float | None = None, ess_min: float | None = None) -> pd.DataFrame:
    """The suite's convergence gate on raw draws, one row per data set (ArviZ's estimators).

    Args:
        samples: ``{parameter: (data sets, chains, draws, ...)}``; trailing axes (one value
            per condition) are gated element by element.
        divergences: ``(data sets,)`` divergent transitions after warm-up, all chains.
        rhat_max, ess_min: the thresholds (default :data:`nestlab.diagnostics.RHAT_MAX`, 1.01,
            and :data:`~nestlab.diagnostics.ESS_MIN`, 400); met unrounded.

    Returns:
        columns ``max_rhat`` (over parameters; r-hat is not gated with one chain),
        ``min_ess_bulk``, ``min_ess_tail``, ``divergences`` and ``converged``.
    """
    import arviz as az
    import xarray as xr

    rhat_max = D.RHAT_MAX if rhat_max is None else checks.real("rhat_max", rhat_max, min=1.0)
    ess_min = D.ESS_MIN if ess_min is None else checks.real("ess_min", ess_min, min=0.0)
    checks.mapping("samples", samples)
    if not samples:
        raise ValueError("invalid samples: empty; valid: at least one parameter's draws")
    arrays = {}
    for k, v in samples.items():
        v = np.asarray(v, dtype=float)
        if v.ndim < 3:
            raise ValueError(f"invalid samples[{k!r}]: shape {v.shape}; valid: (data sets, "
                             "chains, draws, ...)")
        v = v.reshape(v.shape[:3] + (-1,))
        for j in range(v.shape[3]):
            arrays[k if v.shape[3] == 1 else f"{k}[{j}]"] = (("dataset", "chain", "draw"),
                                                             v[..., j])
    ds = xr.Dataset(arrays)
    with np.errstate(all="ignore"):
        rhat = az.rhat(ds).to_array().max("variable").values
        bulk = az.ess(ds, method="bulk").to_array().min("variable").values
        tail = az.ess(ds, method="tail").to_array().min("variable").values
    n_chains = next(iter(arrays.values()))[1].shape[1]
    ok_rhat = (rhat <= rhat_max) if n_chains > 1 else np.ones_like(rhat, dtype=bool)
    div = np.asarray(divergences).astype(int)
    conv = ok_rhat & (bulk >= ess_min) & (tail >= ess_min) & (div == 0)
    return pd.DataFrame({"max_rhat": rhat, "min_ess_bulk": bulk, "min_ess_tail": tail,
                         "divergences": div, "converged": conv},
                        index=pd.RangeIndex(len(rhat), name="dataset"))


def _run_once(spec: FitSpec, net: Any, keys: Any, s: np.ndarray, cond: np.ndarray,
              r: np.ndarray, known: Mapping[str, np.ndarray], noise: np.ndarray,
              offsets: np.ndarray | None, *, warmup: int, draws: int, target_accept: float,
              dense_mass: bool, max_tree_depth: int, ll_batch: int, extras: bool,
              with_log_prior: bool, weight: np.ndarray | None = None,
              batch: str = "map") -> BatchRun:
    """One compiled run of every row (the body of :func:`run_batch`)."""
    import jax  # local: JAX starts only when a study compiles
    import jax.numpy as jnp

    rows = int(np.shape(s)[0])
    known_names = tuple(sorted(known))
    u = np.zeros((rows, len(spec.free)), np.float32) if offsets is None else offsets
    args = (keys, jnp.asarray(s, jnp.float32), jnp.asarray(cond, jnp.int32),
            jnp.asarray(r, jnp.float32), {k: jnp.asarray(known[k], jnp.float32) for k in known_names},
            jnp.asarray(noise, jnp.float32), jnp.asarray(u, jnp.float32))
    if weight is not None:
        args = args + (jnp.asarray(weight, jnp.float32),)
    n_dev = math.gcd(rows, jax.local_device_count())
    ckey = (spec.cost.name, spec.policy, spec.likelihood, spec.free,
            tuple(sorted(spec.fixed.items())), spec.n_conditions, spec.per_condition,
            tuple(sorted(spec.box.items())), spec.n_nodes, spec.reparam, _weights_digest(net),
            known_names, warmup, draws, float(target_accept), dense_mass, max_tree_depth,
            ll_batch, extras, with_log_prior, offsets is not None, np.shape(s), n_dev,
            weight is not None, batch)
    use_compile_cache()
    t0 = time.perf_counter()
    if ckey not in _COMPILED:
        if len(_COMPILED) >= PROGRAM_CACHE_SIZE:
            clear_program_cache()
        prog = _build_program(spec, net, known_names, warmup=warmup, draws=draws,
                              target_accept=target_accept, dense_mass=dense_mass,
                              max_tree_depth=max_tree_depth, ll_batch=ll_batch, extras=extras,
                              with_log_prior=with_log_prior, jitter=offsets is not None,
                              weighted=weight is not None, batch=batch)
        prog, _ = over_devices(prog, rows)
        _COMPILED[ckey] = prog.lower(*args).compile()
    compiled = _COMPILED[ckey]
    t1, c1 = time.perf_counter(), time.process_time()
    (th, ll, lp, pp), div = jax.block_until_ready(compiled(*args))
    t2, c2 = time.perf_counter(), time.process_time()

    def arr(a, dtype=float):
        return None if a is None else np.asarray(a, dtype=dtype)

    return BatchRun({k: arr(v) for k, v in th.items()}, arr(ll, np.float32),
                    None if lp is None else {k: arr(v) for k, v in lp.items()},
                    arr(pp, np.float32), arr(div, bool), t1 - t0, t2 - t1, c2 - c1)


def fit_datasets(datasets: Sequence[Dataset], *, cost: str, free: Sequence[str],
                 per_condition: Sequence[str] = ("sigma",), chains: int = 4, warmup: int = 1000,
                 draws: int = 1000, seed: int = 0, dense_mass: bool = True,
                 target_accept: float = 0.9, n_nodes: int = 24, prior_draws: int = 1000,
                 ll_batch: int = 50, reparam: str = "none", retries: int = 0,
                 pad_ratio: float = 1.5, batch: str = "map") -> list[Any]:
    """Fit the same model to several data sets at once: one compiled program, vmapped.

    Every (data set, chain) pair is one row of :func:`nestlab.actors.sampler.batched_nuts`,
    so all the subjects of a study share one compilation. Data sets of equal length share one
    program; data sets of unequal length are grouped (``pad_ratio``) and the shorter ones of a
    group padded to its longest with trials of weight 0, which change neither the density,
    the ridge slope nor the start (:func:`nestlab.actors.likelihood.make_model`). The model is
    :func:`nestlab.actors.likelihood.make_model` (the priors and marginal likelihood of
    :func:`nestlab.actors.inference.fit`, closed-form policy); the parameters not in ``free``
    come per trial from each data set's ``known``. NUTS adapts a dense mass matrix by default:
    the prior–cost ridges of these data (|corr| up to 0.99) are linear enough for it to
    whiten them, which a diagonal mass matrix cannot.

    Args:
        datasets: :class:`Dataset` per subject (equal numbers of conditions).
        cost: a cost family with a closed form.
        free: the parameters sampled; every other parameter of the family must be in each
            data set's ``known``.
        per_condition: free parameters with one value per condition (when there are several).
        chains, warmup, draws: NUTS settings per data set.
        seed: PRNG seed (chains, predictive noise and prior draws).
        dense_mass: adapt a dense (else diagonal) mass matrix.
        target_accept: NUTS target acceptance probability.
        n_nodes: Gauss–Hermite nodes of the marginal likelihood.
        prior_draws: draws of the prior group (for contraction).
        ll_batch: draws per block of the in-program log-likelihood (memory).
        reparam: ``"none"`` or ``"ridge"``: sample ``mu0`` and ``beta`` in the ridge
            coordinates of :func:`nestlab.actors.likelihood.ridge_transform` (same prior;
            needs both free and shared by the conditions).
        retries: fit a data set whose chains miss the gate again, up to this many times, with
            chains twice as long each time (:func:`run_batch`); its ``attrs["attempts"]``
            records the runs it took.
        pad_ratio: data sets at most this many times shorter than the longest of their group
            share its program (>= 1; 1: one program per distinct length, no padding). Each
            group compiles once; padding costs the padded trials' work in every step. With
            every trial of the Sohn & Jazayeri subjects (572-1565 trials) the default 1.5 makes
            3 programs of the 11 distinct lengths.
        batch: ``"map"`` (default) or ``"vmap"``: how the rows run (:func:`run_batch`).

    Returns:
        one ``arviz.InferenceData`` per data set with groups posterior, sample_stats
        (``diverging``), log_likelihood, log_prior, prior, posterior_predictive,
        observed_data and constant_data (as :func:`~nestlab.actors.inference.fit` gives).

    Raises:
        ValueError: no data sets, an unknown or repeated parameter, a parameter neither free
            nor known, a known value outside the training box or not one per trial, data sets
            with different numbers of conditions, or a sampler setting out of range.
    """
    import jax  # local: JAX starts only when a study compiles

    fam = get_cost(cost)
    names = parameter_names(fam)
    datasets = checks.sequence("datasets", datasets, min_len=1)
    free = distinct_choices("free", free, names)
    pc = check_per_condition(per_condition, fam)
    chains, warmup, draws, seed, n_nodes, target_accept = check_sampler(
        chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
        target_accept=target_accept)
    dense_mass = checks.boolean("dense_mass", dense_mass)
    prior_draws = checks.integer("prior_draws", prior_draws, min=1)
    ll_batch = checks.integer("ll_batch", ll_batch, min=1)
    retries = checks.integer("retries", retries, min=0, max=8)
    pad_ratio = checks.real("pad_ratio", pad_ratio, min=1.0)
    batch = checks.choice("batch", batch, BATCH_MODES)
    _, box = resolve_policy("analytic", fam, None)
    unknown = tuple(p for p in names if p not in free)
    rows, k = [], None
    for i, ds in enumerate(datasets):
        ds = checks.instance(f"datasets[{i}]", ds, Dataset)
        s, r, c, kd = check_data(ds.s, ds.r, ds.cond)
        if k is not None and kd != k:
            raise ValueError(f"invalid datasets[{i}]: {kd} conditions, datasets[0] has {k}; "
                             "valid: the same number of conditions in every data set")
        k = kd
        kn = checks.mapping(f"datasets[{i}].known", ds.known, keys=unknown)
        checks.members(f"datasets[{i}].known", kn, unknown, what="key",
                       valid=f"a value per trial for every parameter not in free "
                             f"({list(unknown)})")
        known = {p: checks.array(f"datasets[{i}].known[{p!r}]", kn[p], shape=(s.size,),
                                 min=box[p][0], max=box[p][1]) for p in unknown}
        rows.append((s, r, c, known))
    # ``fixed`` only names the known parameters (their values are per-trial data)
    spec = check_reparam(reparam, FitSpec(fam, "analytic", "marginal", free,
                                          dict.fromkeys(unknown, 0.0), k, box, n_nodes, pc))
    rng = np.random.default_rng([seed, 7])
    prior = sample_priors_numpy(spec, prior_draws, rng)
    out: list[Any] = [None] * len(rows)
    keys = jax.random.split(jax.random.PRNGKey(seed), len(rows) * chains)
    for n, idx in length_groups([row[0].size for row in rows], pad_ratio):
        rep = np.repeat(np.asarray(idx), chains)
        noise = rng.standard_normal((rep.size, draws, 2, n)).astype(np.float32)
        kk = keys[np.concatenate([np.arange(i * chains, (i + 1) * chains) for i in idx])]
        padded = any(rows[i][0].size != n for i in idx)

        def stack(get, n=n, rep=rep):  # the group's rows, each padded with copies of its first trial
            return np.stack([np.concatenate([a, np.repeat(a[:1], n - a.size)])
                             for a in (np.asarray(get(rows[i])) for i in rep)])

        weight = (np.stack([np.arange(n) < rows[i][0].size for i in rep]).astype(np.float32)
                  if padded else None)
        run = run_batch(spec, None, kk, stack(lambda row: row[0]), stack(lambda row: row[2]),
                        stack(lambda row: row[1]),
                        {p: stack(lambda row, p=p: row[3][p]) for p in unknown}, noise,
                        warmup=warmup, draws=draws, target_accept=target_accept,
                        dense_mass=dense_mass, ll_batch=ll_batch, with_log_prior=True,
                        chains=chains, retries=retries, weight=weight, batch=batch)

        def per_set(v, j, trials=None):
            v = np.asarray(v, dtype=float)[j * chains:(j + 1) * chains]
            return v if trials is None else v[..., :trials]

        for j, i in enumerate(idx):
            s, r, c, known = rows[i]
            dims = {"r": ["trial"]}
            dims.update({p: ["condition"] for p in free if spec.is_per_condition(p)})
            out[i] = D.to_inference_data(
                posterior={p: per_set(run.theta[p], j) for p in free},
                sample_stats={"diverging": run.diverging[j * chains:(j + 1) * chains]},
                log_likelihood={"r": per_set(run.log_likelihood, j, s.size)},
                log_prior={p: per_set(run.log_prior[p], j) for p in free},
                prior={p: np.asarray(prior[p], dtype=float)[None] for p in free},
                posterior_predictive={"r": per_set(run.predictive, j, s.size)},
                observed_data={"r": r}, constant_data={"s": s, "condition": c},
                dims=dims,
                attrs={"cost": fam.name, "policy": "analytic", "likelihood": "marginal",
                       "free": list(free), "known": list(unknown),
                       "per_condition": [p for p in free if spec.is_per_condition(p)],
                       "n_nodes": n_nodes, "chains": chains, "warmup": warmup, "draws": draws,
                       "dense_mass": dense_mass, "target_accept": target_accept,
                       "reparam": reparam,
                       "sampler": "vmapped functional NUTS (nestlab.actors.batch.fit_datasets)",
                       "batch_seconds": run.compile_seconds + run.run_seconds,
                       "batch_compile_seconds": run.compile_seconds,
                       "batch_cpu_seconds": run.cpu_seconds,
                       "batch_size": len(idx), "batch_trials": n,
                       "attempts": int(run.attempts[j])})
    return out


def length_groups(lengths: Sequence[int], pad_ratio: float = 1.5) -> list[tuple[int, list[int]]]:
    """``[(group length, data set indices)]``: data sets that share one padded program.

    Greedy from the longest: a group takes every remaining length ``>= longest / pad_ratio``.
    Groups come in the order of their first data set and list their members in input order;
    with ``pad_ratio=1`` (or equal lengths) it is one group per distinct length.
    """
    lengths = [int(n) for n in lengths]
    pad_ratio = checks.real("pad_ratio", pad_ratio, min=1.0)
    top_of: dict[int, int] = {}
    for top in sorted(set(lengths), reverse=True):
        if top in top_of:
            continue
        for n in set(lengths):
            if n not in top_of and n * pad_ratio >= top:
                top_of[n] = top
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        groups.setdefault(top_of[n], []).append(i)
    return list(groups.items())


def convergence_record(idata: Any, *, var_names: Sequence[str] | None = None
                       ) -> dict[str, Any]:
    """The suite's gate on one fit (r-hat <= 1.01, bulk and tail ESS >= 400, no divergences).

    ``var_names``: the variables gated (default: every posterior variable).

    Returns:
        ``{"converged", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
        "problems"}`` (JSON-ready).
    """
    c = D.convergence(idata, var_names=var_names)
    return {"converged": bool(c.ok), "max_rhat": float(c.max_rhat),
            "min_ess_bulk": float(c.min_ess_bulk), "min_ess_tail": float(c.min_ess_tail),
            "divergences": int(c.n_divergent), "problems": list(c.problems)}


#: the columns of :func:`convergence_table`, in order
GATE_COLUMNS = ("converged", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
                "problems")


def convergence_table(fits: Mapping[Any, Any], *, names: Sequence[str] | None = None,
                      var_names: Mapping[Any, Sequence[str]] | None = None) -> pd.DataFrame:
    """The suite's gate for every fit of a notebook: one row per fit (the one gate table).

    Args:
        fits: ``{label: InferenceData or convergence_record dict}`` — a fit is gated here, a dict
            record is shown as it was stored (``problems`` may be absent). Tuple labels (e.g. ``(subject, fit)``) give a
            MultiIndex.
        names: the index level name(s) (default ``"fit"``, or ``level_0, ...`` for tuples).
        var_names: ``{label: variables}`` for fits gated on a subset (default: every posterior
            variable).

    Returns:
        columns :data:`GATE_COLUMNS` (``problems`` as one text); :func:`style_convergence`
        shows the fits that miss the gate in red.
    """
    checks.mapping("fits", fits)
    var_names = checks.mapping("var_names", var_names or {}, keys=list(fits))
    rows, labels = [], []
    for label, fit in fits.items():
        rec = fit if isinstance(fit, dict) else convergence_record(  # (InferenceData is a Mapping)
            fit, var_names=var_names.get(label))
        checks.members(f"fits[{label!r}]", rec, GATE_COLUMNS[:-1], what="key")
        rows.append({**{k: rec[k] for k in GATE_COLUMNS[:-1]},
                     "problems": "; ".join(rec.get("problems", []))})
        labels.append(label)
    if labels and all(isinstance(lab, tuple) for lab in labels):
        index = pd.MultiIndex.from_tuples(labels, names=list(names) if names else None)
    else:
        index = pd.Index([str(lab) for lab in labels], name=(names[0] if names else "fit"))
    return pd.DataFrame(rows, index=index, columns=list(GATE_COLUMNS))


def style_convergence(table: pd.DataFrame) -> Any:
    """:func:`convergence_table` with every fit that misses the gate in red (a pandas Styler)."""
    check_frame(table, ["converged"], name="table")

    def red(row):
        bad = not bool(row["converged"])
        return ["color: #bb2222; font-weight: 600" if bad else ""] * len(row)

    return table.style.apply(red, axis=1).format(
        {"max_rhat": "{:.3f}", "min_ess_bulk": "{:.0f}", "min_ess_tail": "{:.0f}"})
