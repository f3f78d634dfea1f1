"""Inverse decision-making: posterior over an actor's parameters with numpyro NUTS (spec Sec. 4).

Data are trials ``(s_i, r_i)`` (optionally with a condition label). The measurement ``m_i`` is
never observed; it is integrated out:

* ``likelihood="marginal"`` (default): ``p(r_i | s_i, theta) = ∫ LogNormal(r_i; log a(m, theta),
  sigma_r) p(m | s_i) dm`` by Gauss–Hermite quadrature in ``log m``. The observed site is the
  resulting finite mixture of log-normals, so pointwise log-likelihoods (PSIS-LOO) and posterior
  predictive draws come out of the same distribution object.
* ``likelihood="latent"`` (the reference code's choice): one non-centred latent
  ``z_i ~ N(0, 1)``, ``log m_i = log s_i + sigma z_i``, per trial, sampled by NUTS.

With condition labels, the parameters named in ``per_condition`` (default: ``sigma`` only, the
two-noise design of spec Sec. 5.4) get one value per condition and all others are shared — e.g.
``per_condition=("mu0", "sigma0", "delta")`` for the Sohn & Jazayeri prior/cost manipulation of
spec Sec. 5.6, where each condition has its own prior and cost offset.

The planned action comes from the closed form (``policy="analytic"``; quadratic,
quadratic_effort, absolute, offset_quadratic), from an amortized network evaluated in JAX
(``policy="network"``; see :mod:`nestlab.actors.bridge`) or from the numerical solver inside
the model (``policy="solver"``; see :mod:`nestlab.actors.solver`).

``reparam="ridge"`` samples ``mu0`` and ``beta`` in the ridge coordinates of
:mod:`nestlab.actors.likelihood` (same prior, same posterior; issue 15), as the batched fits of
:func:`nestlab.actors.batch.fit_datasets` do for notebook 13.

Every fit's sampling and extra groups run as one compiled XLA program, cached by model and
shape (not by data): a second fit of the same shape does not compile again (issue 15 item 6;
``benchmarks/actors_bench.py --sections fit`` measures it against the previous driver).

Priors (reference, paper Sec. 4): ``sigma, sigma0, sigma_r ~ HalfNormal(0.25)`` truncated to the
training box; ``mu0 ~ U(0.1, 5)`` (clipped to the box); cost parameters as in training.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from nestlab import checks
from nestlab.actors.costs import get_cost
from nestlab.actors.likelihood import (
    LIKELIHOODS,
    POLICIES,
    FitSpec,
    action_fn,
    check_data,
    check_fixed,
    check_per_condition,
    check_reparam,
    check_sampler,
    log_prior,
    make_model,
    parameter_names,
    per_trial,
    pointwise_log_likelihood,
    predict,
    resolve_policy,
    sample_priors_numpy,
    start_values,
)
from nestlab.actors.sampler import sample_stats

__all__ = ["LIKELIHOODS", "POLICIES", "FitSpec", "check_data", "fit",
           "make_model", "parameter_names"]


#: compiled fit programs, most recently used last (see :func:`_program`)
_PROGRAMS: OrderedDict = OrderedDict()
#: how many compiled programs are kept (each holds one XLA executable, a few MB)
PROGRAM_CACHE_SIZE = 16


def clear_program_cache() -> None:
    """Forget every compiled fit program (the next ``fit`` of each shape compiles again)."""
    _PROGRAMS.clear()


def _program_key(spec: FitSpec, network: Any, n_trials: int, chains: int, warmup: int,
                 draws: int, target_accept: float, prior_draws: int) -> tuple:
    """What a compiled program depends on: the model (``spec``, the network) and the shapes.

    Fixed values are constants of the program, so they are part of the key; the data are not.
    An exported network is keyed by identity (the cache entry holds a reference to it, so the
    identity is not reused while the entry lives).
    """
    fixed = tuple((k, v.shape, v.tobytes()) for k, v in sorted(spec.fixed.items()))
    try:
        net_key = ("value", hash(network), network)
    except TypeError:  # a JaxPolicy carries a dict of weights
        net_key = ("id", id(network))
    return (spec.cost.name, id(spec.cost), spec.policy, spec.likelihood, spec.free, fixed,
            spec.n_conditions, tuple(sorted(spec.box.items())), spec.n_nodes, spec.per_condition,
            spec.reparam, net_key, n_trials, chains, warmup, draws, float(target_accept),
            prior_draws)


def _build_program(spec: FitSpec, network: Any, n_trials: int, chains: int, warmup: int,
                   draws: int, target_accept: float):
    """One jitted program: NUTS for every chain plus the extra groups, fused.

    ``run(keys, s, cond, r, noise_post, prior, noise_prior)`` samples each chain (one
    ``keys`` row) for ``warmup + draws`` iterations from :func:`make_model` (the one-chain
    function of :func:`~nestlab.actors.sampler.batched_nuts`), then, in the same compiled
    program, the pointwise log-likelihood, the log-prior and a posterior-predictive draw per
    draw and the chain's share of the prior predictive — the functions of
    :mod:`nestlab.actors.likelihood` the sampled density is made of. The chains are split
    over JAX's CPU host devices (:func:`~nestlab.actors.sampler.over_devices`, so both cores
    work) and each device runs its chains one after the other (``lax.map``): the program
    compiles like a single chain, and no chain waits in lockstep for the slowest one's NUTS
    trees (measured against ``vmap``: less CPU per fit and less than half the compile time).
    Random numbers of the predictive groups come in as arguments (drawn in numpy: XLA
    compiles threefry calls slowly on CPU). The posterior
    predictive redraws the measurement and the motor noise, so it checks the model, not the
    fitted latents.
    """
    import jax
    import jax.numpy as jnp

    from nestlab.actors.sampler import batched_nuts

    model = make_model(spec, network)
    act = action_fn(spec, network)
    names = parameter_names(spec.cost)
    example = (jnp.ones(n_trials, jnp.float32), jnp.zeros(n_trials, jnp.int32),
               jnp.ones(n_trials, jnp.float32))
    chain = batched_nuts(model, example, warmup=warmup, draws=draws,
                         target_accept=target_accept,
                         init=lambda s, c, r: start_values(spec, r, s), stats=True,
                         batch="none")
    keep = set(spec.free) | {"z"}

    def full(th, cond):
        t = {k: (jnp.asarray(spec.fixed[k]) if k in spec.fixed else th[k]) for k in names}
        return per_trial(spec, t, cond)

    def one_chain(key, s, cond, r, noise_post, prior, noise_prior):
        samples, st = chain(key, s, cond, r)
        samples = {p: v for p, v in samples.items() if p in keep}  # no log_ sites

        def one(th, noise):
            tt = full(th, cond)
            ll = pointwise_log_likelihood(spec, act, tt, s, r, z=th.get("z"))
            return ll, log_prior(spec, th), predict(act, tt, s, noise)

        ll, lp, pp = jax.vmap(one, in_axes=(0, 1))(samples, noise_post)
        prior_r = jax.vmap(lambda th, nz: predict(act, full(th, cond), s, nz),
                           in_axes=(0, 1))(prior, noise_prior)
        return samples, st, ll, lp, pp, prior_r

    def run(keys, s, cond, r, noise_post, prior, noise_prior):
        return jax.lax.map(lambda a: one_chain(a[0], s, cond, r, *a[1:]),
                           (keys, noise_post, prior, noise_prior))

    # the chains split over the CPU host devices (both cores work), each device's share one
    # after the other; the data go to every device whole
    from jax.sharding import PartitionSpec as P

    from nestlab.actors.sampler import over_devices

    rows = P("rows")
    return over_devices(run, chains, in_specs=(rows, P(), P(), P(), rows, rows, rows))[0]


def _program(spec: FitSpec, network: Any, n_trials: int, chains: int, warmup: int, draws: int,
             target_accept: float, prior_draws: int, example_args: tuple):
    """``(compiled program, compile seconds)``: from the cache (0 s) or compiled now."""
    import jax

    key = _program_key(spec, network, n_trials, chains, warmup, draws, target_accept,
                       prior_draws) + (jax.local_device_count(),)
    if key in _PROGRAMS:
        _PROGRAMS.move_to_end(key)
        return _PROGRAMS[key][0], 0.0
    t0 = time.perf_counter()
    compiled = _build_program(spec, network, n_trials, chains, warmup, draws,
                              target_accept).lower(*example_args).compile()
    seconds = time.perf_counter() - t0
    _PROGRAMS[key] = (compiled, network)  # the network is held so its id stays unique
    while len(_PROGRAMS) > PROGRAM_CACHE_SIZE:
        _PROGRAMS.popitem(last=False)
    return compiled, seconds


def fit(stimuli: Any, responses: Any, *, cost: str, policy: str = "analytic",
        likelihood: str = "marginal", fixed: Mapping[str, Any] | None = None,
        conditions: Any = None, chains: int = 4, warmup: int = 1000, draws: int = 1000,
        seed: int = 0, network: Any = None, n_nodes: int = 24, target_accept: float = 0.85,
        prior_draws: int = 500, progress_bar: bool = False, keep_latent: bool = False,
        per_condition: Any = None, reparam: str = "none"):
    """Posterior over a Bayesian actor's parameters given (stimulus, response) trials.

    Args:
        stimuli, responses: 1-d positive arrays of equal length.
        cost: cost family (see :data:`nestlab.actors.COSTS` and
            :data:`nestlab.actors.costs.EXTRA_COSTS`).
        policy: ``"analytic"`` (closed form), ``"network"`` (amortized policy in JAX) or
            ``"solver"`` (a* solved numerically inside the model by
            :mod:`nestlab.actors.solver`, the non-amortized baseline; ``network`` may then
            carry its :class:`~nestlab.actors.solver.SolverOptions`).
        likelihood: ``"marginal"`` (Gauss–Hermite over log m) or ``"latent"`` (one m per trial).
        fixed: parameters clamped to a value, e.g. ``{"sigma": 0.2}``; with conditions,
            ``sigma`` may be a list (one per condition).
        conditions: integer condition label per trial; each condition gets its own value of
            the parameters in ``per_condition``, every other parameter is shared.
        chains, warmup, draws: NUTS settings (the chains are split over the CPU host
            devices, one after the other on each, in one compiled program; see "Compiled
            once" below).
        seed: PRNG seed.
        network: a :class:`~nestlab.actors.policy.Policy` or exported
            :class:`~nestlab.actors.bridge.JaxPolicy` (default: the cached default network).
        n_nodes: Gauss–Hermite nodes of the marginal likelihood.
        target_accept: NUTS target acceptance probability.
        prior_draws: draws for the prior / prior predictive groups.
        progress_bar: numpyro's progress bar.
        keep_latent: keep the per-trial ``z`` of the latent likelihood in the posterior group.
        per_condition: names of the parameters that get one value per condition when
            ``conditions`` has several labels (default ``("sigma",)``, the two-noise design of
            spec Sec. 5.4); e.g. ``("mu0", "sigma0", "delta")`` gives each condition its own
            prior and cost offset (spec Sec. 5.6). Such parameters may be fixed to one value
            per condition (``fixed={"delta": [0.0, 0.15]}``). Their posterior has a
            ``condition`` dimension.
        reparam: ``"none"`` (default: the parameters' own coordinates) or ``"ridge"``
            (:data:`nestlab.actors.likelihood.REPARAMS`, the spelling of every fit): NUTS
            samples ``mu0`` and ``beta`` in the ridge coordinates of :func:`nestlab.actors.likelihood.ridge_transform` (the
            identified intercept and the position along the prior–cost ridge, spec Sec. 2),
            with the same prior, so the posterior is the same and only the geometry the
            sampler sees changes — for one noise level, where ``(mu0, beta)`` is a thin curved
            ridge. Needs ``mu0`` and ``beta`` free and shared by the conditions (a cost with
            ``beta``: quadratic_effort, absolute_effort). The posterior group holds ``mu0``
            and ``beta`` as usual (not the ridge sites).

    Returns:
        ``arviz.InferenceData`` with groups posterior, sample_stats, log_likelihood, log_prior,
        prior, prior_predictive, posterior_predictive, observed_data and constant_data; the
        attribute ``sampling_seconds`` is the wall time of the compiled program (its
        compilation included when it was compiled for this fit: ``compile_seconds``;
        ``run_seconds`` is the run alone; ``program_cached`` says whether it was reused).

    Compiled once: sampling and the extra groups are one XLA program, cached (up to
    :data:`PROGRAM_CACHE_SIZE`, :func:`clear_program_cache`) by everything it depends on — cost,
    policy (the network by identity), likelihood, free and fixed parameters and their values,
    conditions, ``n_nodes``, number of trials, ``chains``, ``warmup``, ``draws``,
    ``target_accept`` and ``prior_draws`` — and not by the data or the seed, so a second fit of
    the same shape (new data, new seed) skips compilation.

    Raises:
        TypeError: an argument of the wrong type (e.g. ``seed="3"``, ``chains=2.0``).
        ValueError: bad data, unknown cost / policy / likelihood / fixed parameter, a cost
            without closed form under ``policy="analytic"``, fixed values outside the box, or
            a sampler setting out of range (``0 < target_accept < 1``, ``n_nodes >= 2``,
            ``prior_draws >= 1``, ``seed >= 0``), an unknown ``reparam`` or ``"ridge"`` without
            ``mu0`` and ``beta`` free and shared — all before sampling starts.
    """
    import jax
    import jax.numpy as jnp

    from nestlab.diagnostics import to_inference_data

    # every argument is checked before anything is compiled or sampled
    fam = get_cost(cost)  # the name is resolved once, here; the family object is passed on
    cost = fam.name
    checks.choice("likelihood", likelihood, LIKELIHOODS)
    checks.choice("policy", policy, POLICIES)
    chains, warmup, draws, seed, n_nodes, target_accept = check_sampler(
        chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
        target_accept=target_accept)
    prior_draws = checks.integer("prior_draws", prior_draws, min=1)
    progress_bar = checks.boolean("progress_bar", progress_bar)
    keep_latent = checks.boolean("keep_latent", keep_latent)
    s, r, cond, k = check_data(stimuli, responses, conditions)
    net, box = resolve_policy(policy, fam, network)
    pc = check_per_condition(per_condition, fam)
    fx = check_fixed(fixed, fam, box, k, pc)
    free = tuple(p for p in parameter_names(cost) if p not in fx)
    spec = check_reparam(reparam, FitSpec(fam, policy, likelihood, free, fx, k, box, n_nodes, pc))
    n = s.size
    rng = np.random.default_rng([seed, 7])
    prior = sample_priors_numpy(spec, prior_draws, rng)
    per_chain = -(-prior_draws // chains)  # each chain draws its share of the prior predictive
    prior_rows = {p: np.resize(v, (chains * per_chain,) + v.shape[1:]).reshape(
        (chains, per_chain) + v.shape[1:]) for p, v in prior.items()}
    args = (jax.random.split(jax.random.PRNGKey(seed), chains), jnp.asarray(s, jnp.float32),
            jnp.asarray(cond, jnp.int32), jnp.asarray(r, jnp.float32),
            jnp.asarray(rng.standard_normal((chains, 2, draws, n)), jnp.float32),
            {p: jnp.asarray(v, jnp.float32) for p, v in prior_rows.items()},
            jnp.asarray(rng.standard_normal((chains, 2, per_chain, n)), jnp.float32))
    t0 = time.perf_counter()
    program, compile_seconds = _program(spec, net, n, chains, warmup, draws, target_accept,
                                        prior_draws, args)
    t1 = time.perf_counter()
    samples, extra, ll, lp, pp, prior_r = jax.block_until_ready(program(*args))
    run_seconds = time.perf_counter() - t1
    sampling_seconds = time.perf_counter() - t0
    n_dev = math.gcd(chains, jax.local_device_count())
    prior_r = np.asarray(prior_r).reshape(chains * per_chain, n)[:prior_draws]
    if progress_bar:
        print(f"fit: {chains} chains x ({warmup} + {draws}) in {sampling_seconds:.2f} s"
              f" (compilation {compile_seconds:.2f} s)")

    def grouped(v):
        return np.asarray(v)

    post = {p: np.asarray(v) for p, v in samples.items() if p != "z" or keep_latent}
    dims = {"r": ["trial"], "z": ["trial"]}
    dims.update({p: ["condition"] for p in pc if k > 1})
    return to_inference_data(
        posterior=post,
        sample_stats=sample_stats(extra),
        log_likelihood={"r": grouped(ll)},
        log_prior={p: grouped(v) for p, v in lp.items()},
        prior={p: np.asarray(prior[p])[None] for p in free},
        prior_predictive={"r": np.asarray(prior_r)[None]},
        posterior_predictive={"r": grouped(pp)},
        observed_data={"r": r},
        constant_data={"s": s, "condition": cond},
        dims=dims,
        attrs={"cost": cost, "policy": policy, "likelihood": likelihood,
               "fixed": {p: np.asarray(v).tolist() for p, v in fx.items()},
               "per_condition": list(pc) if k > 1 else [], "reparam": spec.reparam,
               "n_nodes": n_nodes, "chains": chains, "warmup": warmup, "draws": draws,
               "chain_method": (f"{n_dev} devices, sequential on each" if n_dev > 1 else
                                "sequential"), "sampling_seconds": sampling_seconds,
               "compile_seconds": compile_seconds, "run_seconds": run_seconds,
               "program_cached": compile_seconds == 0.0},
    )
