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
quadratic_effort, absolute, offset_quadratic) or from an amortized network evaluated in JAX
(``policy="network"``; see :mod:`nestlab.actors.bridge`).

Priors (reference, paper Sec. 4): ``sigma, sigma0, sigma_r ~ HalfNormal(0.25)`` truncated to the
training box; ``mu0 ~ U(0.1, 5)`` (clipped to the box); cost parameters as in training.
"""

from __future__ import annotations

import time
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

__all__ = ["LIKELIHOODS", "POLICIES", "FitSpec", "check_data", "fit", "make_model",
           "parameter_names"]


def _post_process(spec: FitSpec, network: Any, args, robs, flat, seed: int, prior_draws: int):
    """Pointwise log-likelihood, log-prior, posterior predictive and prior draws in one jit.

    The functions of :mod:`nestlab.actors.likelihood` (the same ones the sampled density is
    made of), fed with random numbers drawn in numpy, which keeps the compiled program small
    and quick to compile. The posterior predictive redraws the measurement and the motor
    noise, so it checks the model, not the fitted latents.
    """
    import jax
    import jax.numpy as jnp

    act = action_fn(spec, network)
    s, cond = args
    names = parameter_names(spec.cost)
    rng = np.random.default_rng([seed, 7])
    n_flat = next(iter(flat.values())).shape[0]
    noise_post = rng.standard_normal((2, n_flat, s.shape[0])).astype(np.float32)
    noise_prior = rng.standard_normal((2, prior_draws, s.shape[0])).astype(np.float32)
    prior = sample_priors_numpy(spec, prior_draws, rng)

    def full(th):
        t = {k: (jnp.asarray(spec.fixed[k]) if k in spec.fixed else th[k]) for k in names}
        return per_trial(spec, t, cond)

    def one(th, noise):
        tt = full(th)
        ll = pointwise_log_likelihood(spec, act, tt, s, robs, z=th.get("z"))
        lp = log_prior(spec, th)
        return ll, lp, predict(act, tt, s, noise)

    @jax.jit
    def run(flat, noise_post, prior, noise_prior):
        return (jax.vmap(one, in_axes=(0, 1))(flat, noise_post),
                jax.vmap(lambda th, nz: predict(act, full(th), s, nz), in_axes=(0, 1))(
                    prior, noise_prior))

    (ll, lp, pp), prior_r = run(flat, noise_post, prior, noise_prior)
    return ll, lp, pp, prior, prior_r


def _chain_method(chains: int) -> str:
    import jax

    return "parallel" if chains > 1 and jax.local_device_count() >= chains else "vectorized"


def fit(stimuli: Any, responses: Any, *, cost: str, policy: str = "analytic",
        likelihood: str = "marginal", fixed: Mapping[str, Any] | None = None,
        conditions: Any = None, chains: int = 4, warmup: int = 1000, draws: int = 1000,
        seed: int = 0, network: Any = None, n_nodes: int = 24, target_accept: float = 0.85,
        prior_draws: int = 500, progress_bar: bool = False, keep_latent: bool = False,
        per_condition: Any = None):
    """Posterior over a Bayesian actor's parameters given (stimulus, response) trials.

    Args:
        stimuli, responses: 1-d positive arrays of equal length.
        cost: cost family (see :data:`nestlab.actors.COSTS` and
            :data:`nestlab.actors.costs.EXTRA_COSTS`).
        policy: ``"analytic"`` (closed form) or ``"network"`` (amortized policy in JAX).
        likelihood: ``"marginal"`` (Gauss–Hermite over log m) or ``"latent"`` (one m per trial).
        fixed: parameters clamped to a value, e.g. ``{"sigma": 0.2}``; with conditions,
            ``sigma`` may be a list (one per condition).
        conditions: integer condition label per trial; each condition gets its own value of
            the parameters in ``per_condition``, every other parameter is shared.
        chains, warmup, draws: NUTS settings (chains run in parallel when enough JAX host
            devices exist, else vectorised).
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

    Returns:
        ``arviz.InferenceData`` with groups posterior, sample_stats, log_likelihood, log_prior,
        prior, prior_predictive, posterior_predictive, observed_data and constant_data; the
        attribute ``sampling_seconds`` is the wall time of ``MCMC.run`` (compilation included).

    Raises:
        TypeError: an argument of the wrong type (e.g. ``seed="3"``, ``chains=2.0``).
        ValueError: bad data, unknown cost / policy / likelihood / fixed parameter, a cost
            without closed form under ``policy="analytic"``, fixed values outside the box, or
            a sampler setting out of range (``0 < target_accept < 1``, ``n_nodes >= 2``,
            ``prior_draws >= 1``, ``seed >= 0``) — all before sampling starts.
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS, init_to_value

    from nestlab.diagnostics import to_inference_data

    # every argument is checked before anything is compiled or sampled
    fam = get_cost(cost)  # the name is resolved once, here; the family object is passed on
    cost = fam.name
    checks.choice("likelihood", likelihood, LIKELIHOODS)
    checks.choice("policy", policy, POLICIES)
    chains = checks.integer("chains", chains, min=1)
    warmup = checks.integer("warmup", warmup, min=1)
    draws = checks.integer("draws", draws, min=1)
    seed = checks.integer("seed", seed, min=0, max=2**32 - 1)
    n_nodes = checks.integer("n_nodes", n_nodes, min=2, max=200)
    target_accept = checks.real("target_accept", target_accept, min=0, max=1,
                                inclusive=(False, False))
    prior_draws = checks.integer("prior_draws", prior_draws, min=1)
    progress_bar = checks.boolean("progress_bar", progress_bar)
    keep_latent = checks.boolean("keep_latent", keep_latent)
    s, r, cond, k = check_data(stimuli, responses, conditions)
    net, box = resolve_policy(policy, fam, network)
    pc = check_per_condition(per_condition, fam)
    fx = check_fixed(fixed, fam, box, k, pc)
    free = tuple(p for p in parameter_names(cost) if p not in fx)
    spec = FitSpec(fam, policy, likelihood, free, fx, k, box, n_nodes, pc)
    model = make_model(spec, net)
    args = (jnp.asarray(s, dtype=jnp.float32), jnp.asarray(cond))
    robs = jnp.asarray(r, dtype=jnp.float32)

    key = jax.random.PRNGKey(seed)
    k_mcmc = key
    # a data-informed start (prior median near the responses) instead of numpyro's uniform(-2, 2)
    init = init_to_value(values={k: np.asarray(v) for k, v in start_values(spec, r).items()})
    mcmc = MCMC(NUTS(model, target_accept_prob=target_accept, init_strategy=init),
                num_warmup=warmup,
                num_samples=draws, num_chains=chains, chain_method=_chain_method(chains),
                progress_bar=progress_bar)
    t0 = time.perf_counter()
    mcmc.run(k_mcmc, *args, r=robs,
             extra_fields=("diverging", "num_steps", "accept_prob", "energy"))
    jax.block_until_ready(mcmc.get_samples())
    sampling_seconds = time.perf_counter() - t0
    samples = mcmc.get_samples(group_by_chain=True)
    samples = {p: v for p, v in samples.items() if p in free or p == "z"}  # no log_ sites
    extra = mcmc.get_extra_fields(group_by_chain=True)
    flat = {p: v.reshape((-1,) + v.shape[2:]) for p, v in samples.items()}
    ll, lp, pp, prior, prior_r = _post_process(spec, net, args, robs, flat, seed, prior_draws)

    def grouped(v):
        return np.asarray(v).reshape((chains, draws) + tuple(np.shape(v)[1:]))

    post = {p: np.asarray(v) for p, v in samples.items() if p != "z" or keep_latent}
    dims = {"r": ["trial"], "z": ["trial"]}
    dims.update({p: ["condition"] for p in pc if k > 1})
    return to_inference_data(
        posterior=post,
        sample_stats={"diverging": np.asarray(extra["diverging"]),
                      "n_steps": np.asarray(extra["num_steps"]),
                      "acceptance_rate": np.asarray(extra["accept_prob"]),
                      "energy": np.asarray(extra["energy"])},
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
               "per_condition": list(pc) if k > 1 else [],
               "n_nodes": n_nodes, "chains": chains, "warmup": warmup, "draws": draws,
               "chain_method": _chain_method(chains), "sampling_seconds": sampling_seconds},
    )
