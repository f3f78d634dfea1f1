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

import math
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.costs import closed_form_action, get_cost
from nestlab.actors.models import PARAM_NAMES

POLICIES = ("analytic", "network")
LIKELIHOODS = ("marginal", "latent")


class FitSpec(NamedTuple):
    """Everything that defines the numpyro model of :func:`fit` (besides the data)."""

    cost: str
    policy: str
    likelihood: str
    free: tuple[str, ...]
    fixed: dict[str, Any]
    n_conditions: int
    box: dict[str, tuple[float, float]]
    n_nodes: int
    per_condition: tuple[str, ...] = ("sigma",)

    def is_per_condition(self, name: str) -> bool:
        """Whether ``name`` has one value per condition in this model."""
        return self.n_conditions > 1 and name in self.per_condition


def parameter_names(cost: str) -> tuple[str, ...]:
    """All parameters of an actor with cost family ``cost`` (actor first, then cost)."""
    return PARAM_NAMES + get_cost(cost).params


def _priors(spec: FitSpec) -> dict[str, Any]:
    import numpyro.distributions as dist

    fam = get_cost(spec.cost)
    out = {}
    for k in ("sigma", "sigma0", "sigma_r"):
        lo, hi = spec.box[k]
        out[k] = dist.TruncatedNormal(0.0, 0.25, low=lo, high=hi)
    lo, hi = spec.box["mu0"]
    out["mu0"] = dist.Uniform(max(lo, 0.1), min(hi, 5.0))
    for k in fam.params:
        pr, (lo, hi) = fam.priors[k], spec.box[k]
        if pr.kind == "uniform":
            out[k] = dist.Uniform(max(lo, pr.a), min(hi, pr.b))
        else:
            out[k] = _bounded_lognormal(pr.a, pr.b, lo, hi)
    return out


def _bounded_lognormal(log_median: float, sd: float, low: float, high: float):
    """A log-normal truncated to ``[low, high]``, with that interval as its support.

    ``TransformedDistribution(TruncatedNormal, exp)`` alone reports the support of ``exp`` (all
    positive reals), so NUTS would move in an unbounded space and meet the truncation as a wall of
    ``-inf`` density (divergences, out-of-support initial values). Declaring the interval makes
    numpyro sample through a bijection onto it.
    """
    import numpyro.distributions as dist
    from numpyro.distributions import constraints

    class BoundedLogNormal(dist.TransformedDistribution):
        @constraints.dependent_property(is_discrete=False, event_dim=0)
        def support(self):
            return constraints.interval(low, high)

    return BoundedLogNormal(
        dist.TruncatedNormal(log_median, sd, low=math.log(low), high=math.log(high)),
        dist.transforms.ExpTransform())


def _sample_priors_numpy(spec: FitSpec, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw ``n`` prior samples of the free parameters in numpy (same laws as :func:`_priors`).

    Done outside JAX on purpose: XLA compiles every threefry random-number call slowly on CPU.
    """
    from scipy import stats

    fam = get_cost(spec.cost)
    out = {}
    for k in spec.free:
        shape = (n, spec.n_conditions) if spec.is_per_condition(k) else (n,)
        if k in ("sigma", "sigma0", "sigma_r"):
            lo, hi = spec.box[k]
            out[k] = stats.truncnorm.rvs(lo / 0.25, hi / 0.25, scale=0.25, size=shape,
                                         random_state=rng)
        elif k == "mu0":
            lo, hi = spec.box[k]
            out[k] = rng.uniform(max(lo, 0.1), min(hi, 5.0), size=shape)
        else:
            pr, (lo, hi) = fam.priors[k], spec.box[k]
            if pr.kind == "uniform":
                out[k] = rng.uniform(max(lo, pr.a), min(hi, pr.b), size=shape)
            else:
                a, b = (np.log(lo) - pr.a) / pr.b, (np.log(hi) - pr.a) / pr.b
                out[k] = np.exp(stats.truncnorm.rvs(a, b, loc=pr.a, scale=pr.b, size=shape,
                                                    random_state=rng))
    return {k: v.astype(np.float32) for k, v in out.items()}


def _action_fn(spec: FitSpec, network: Any):
    import jax.numpy as jnp

    if spec.policy == "analytic":
        def act(m, theta):
            v, v0 = theta["sigma"] ** 2, theta["sigma0"] ** 2
            mu = (v * jnp.log(theta["mu0"]) + v0 * jnp.log(m)) / (v + v0)
            sd = jnp.sqrt(v * v0 / (v + v0))
            cp = {k: theta[k] for k in get_cost(spec.cost).params}
            return closed_form_action(spec.cost, mu, sd, theta["sigma_r"], cp, xp=jnp)
        return act
    from nestlab.actors.bridge import jax_forward

    def act(m, theta):
        return jax_forward(network, m, theta)
    return act


def _per_trial(spec: FitSpec, theta: Mapping[str, Any], cond) -> dict[str, Any]:
    """Parameters with per-condition entries indexed to one value per trial (others as given).

    ``sigma`` is always returned per trial (as before, the likelihood indexes it by condition).
    """
    import jax.numpy as jnp

    out = dict(theta)
    for k in theta:
        if k == "sigma" or spec.is_per_condition(k):
            out[k] = jnp.broadcast_to(theta[k], (spec.n_conditions,))[cond]
    return out


def _column(spec: FitSpec, tt: Mapping[str, Any]) -> dict[str, Any]:
    """Per-trial parameters as column vectors (broadcast against the quadrature nodes)."""
    return {k: (v[:, None] if k == "sigma" or spec.is_per_condition(k) else v)
            for k, v in tt.items()}


def make_model(spec: FitSpec, network: Any = None):
    """The numpyro model ``model(s, cond, r=None)`` for :func:`fit`."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    priors = _priors(spec)
    act = _action_fn(spec, network)
    x, w = np.polynomial.hermite_e.hermegauss(spec.n_nodes)
    x = jnp.asarray(x)
    probs = jnp.asarray(w / w.sum())

    def model(s, cond, r=None):
        theta = {}
        for k in parameter_names(spec.cost):
            if k in spec.fixed:
                theta[k] = jnp.asarray(spec.fixed[k])
            elif spec.is_per_condition(k):
                theta[k] = numpyro.sample(k, priors[k].expand([spec.n_conditions]).to_event(1))
            else:
                theta[k] = numpyro.sample(k, priors[k])
        tt = _per_trial(spec, theta, cond)
        sig, sr = tt["sigma"], tt["sigma_r"]
        with numpyro.plate("trials", s.shape[0]):
            if spec.likelihood == "marginal":
                m = s[:, None] * jnp.exp(sig[:, None] * x)
                a = act(m, _column(spec, tt))
                mix = dist.MixtureSameFamily(dist.Categorical(probs=probs),
                                             dist.LogNormal(jnp.log(a), _column(spec, tt)["sigma_r"]))
                numpyro.sample("r", mix, obs=r)
            else:
                z = numpyro.sample("z", dist.Normal(0.0, 1.0))
                m = s * jnp.exp(sig * z)
                a = act(m, tt)
                numpyro.sample("r", dist.LogNormal(jnp.log(a), sr), obs=r)

    return model


def check_data(stimuli: Any, responses: Any, conditions: Any = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Trials checked for :func:`fit`: ``(s, r, condition labels, number of conditions)``.

    Raises:
        TypeError: non-numeric arrays.
        ValueError: not 1-d, empty, unequal lengths, non-finite or non-positive values
            (log-normal actor), condition labels that are not ``0..k-1`` without gaps.
    """
    s = checks.array("stimuli", stimuli, ndim=1, min=0, inclusive=(False, True))
    r = checks.array("responses", responses, ndim=1, min=0, inclusive=(False, True))
    if s.shape != r.shape:
        raise ValueError(f"invalid responses: {r.size} values for {s.size} stimuli; valid: one "
                         "response per stimulus")
    if conditions is None:
        return s, r, np.zeros(s.size, dtype=np.int32), 1
    c = checks.array("conditions", conditions, dtype="int", shape=(s.size,), min=0,
                     max=2**31 - 1)
    k = int(c.max()) + 1
    if len(np.unique(c)) != k:
        missing = sorted(set(range(k)) - set(np.unique(c).tolist()))[:5]
        raise ValueError(f"invalid conditions: labels {missing} of 0..{k - 1} are unused; valid: "
                         "every label 0..k-1 used at least once")
    return s, r, c.astype(np.int32), k


def _resolve_policy(policy: str, cost: str, network: Any):
    from nestlab.actors.costs import has_closed_form

    checks.choice("policy", policy, POLICIES)
    if policy == "analytic":
        if not has_closed_form(cost):
            raise ValueError(f"invalid policy 'analytic' for cost {cost!r}: it has no closed "
                             "form; valid: policy='network'")
        from nestlab.actors.policy import make_box
        return None, make_box(cost)
    from nestlab.actors.bridge import JaxPolicy, export_policy
    from nestlab.actors.policy import Policy, load_policy

    if network is None:
        network = load_policy(cost)
    if isinstance(network, Policy):
        network = export_policy(network)
    checks.instance("network", network, JaxPolicy)
    if network.cost != cost:
        raise ValueError(f"invalid network: trained for cost {network.cost!r}, not {cost!r}; "
                         f"valid: a network of cost {cost!r}")
    return network, dict(network.box)


def _check_per_condition(per_condition, cost) -> tuple[str, ...]:
    names = parameter_names(cost)
    if per_condition is None:
        return ("sigma",)
    if isinstance(per_condition, str):
        per_condition = [per_condition]
    pc = tuple(checks.choices("per_condition", per_condition, names))
    if len(set(pc)) != len(pc):
        raise ValueError(f"invalid per_condition {list(pc)}: a name repeats; valid: distinct "
                         f"names among {', '.join(names)}")
    return pc


def _check_fixed(fixed, cost, box, n_conditions, per_condition=("sigma",)):
    names = parameter_names(cost)
    out = {}
    fixed = checks.mapping("fixed", {} if fixed is None else fixed, keys=names)
    for k, v in fixed.items():
        lo, hi = box[k]
        arr = checks.array(f"fixed[{k!r}]", v, min=lo, max=hi)
        vector_ok = k in per_condition
        if vector_ok and arr.ndim == 1 and arr.size != n_conditions:
            raise ValueError(f"invalid fixed[{k!r}]: {arr.size} values; valid: a scalar or one "
                             f"value per condition ({n_conditions})")
        if arr.ndim > (1 if vector_ok else 0):
            raise ValueError(f"invalid fixed[{k!r}]: shape {arr.shape}; valid: a scalar"
                             + ("" if vector_ok else " (or list it in per_condition=)"))
        out[k] = arr.astype(np.float32)
    return out


def _post_process(spec: FitSpec, network: Any, args, robs, flat, seed: int, prior_draws: int):
    """Pointwise log-likelihood, log-prior, posterior predictive and prior draws in one jit.

    Written directly in ``jax.numpy`` (no re-tracing of the numpyro model) and fed with
    random numbers drawn in numpy, which keeps the compiled program small and quick to
    compile. The posterior predictive redraws the measurement and the motor noise, so it checks
    the model, not the fitted latents.
    """
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    priors = _priors(spec)
    act = _action_fn(spec, network)
    x, w = np.polynomial.hermite_e.hermegauss(spec.n_nodes)
    x, logw = jnp.asarray(x), jnp.log(jnp.asarray(w / w.sum()))
    s, cond = args
    names = parameter_names(spec.cost)
    rng = np.random.default_rng([seed, 7])
    n_flat = next(iter(flat.values())).shape[0]
    noise_post = rng.standard_normal((2, n_flat, s.shape[0])).astype(np.float32)
    noise_prior = rng.standard_normal((2, prior_draws, s.shape[0])).astype(np.float32)
    prior = _sample_priors_numpy(spec, prior_draws, rng)

    def full(th):
        t = {k: (jnp.asarray(spec.fixed[k]) if k in spec.fixed else th[k]) for k in names}
        return _per_trial(spec, t, cond)

    def lognormal_logpdf(r, log_a, sd):
        z = (jnp.log(r) - log_a) / sd
        return -0.5 * z ** 2 - jnp.log(sd) - jnp.log(r) - 0.5 * jnp.log(2 * jnp.pi)

    def predictive(th, noise):
        tt = full(th)
        a = act(s * jnp.exp(tt["sigma"] * noise[0]), tt)
        return a * jnp.exp(tt["sigma_r"] * noise[1])

    def one(th, noise):
        tt = full(th)
        sig = tt["sigma"]
        if spec.likelihood == "marginal":
            col = _column(spec, tt)
            a = act(s[:, None] * jnp.exp(sig[:, None] * x), col)
            ll = logsumexp(lognormal_logpdf(robs[:, None], jnp.log(a), col["sigma_r"]) + logw,
                           axis=-1)
        else:
            a = act(s * jnp.exp(sig * th["z"]), tt)
            ll = lognormal_logpdf(robs, jnp.log(a), tt["sigma_r"])
        lp = {p: jnp.sum(priors[p].log_prob(th[p])) for p in spec.free}
        return ll, lp, predictive(th, noise)

    @jax.jit
    def run(flat, noise_post, prior, noise_prior):
        return (jax.vmap(one, in_axes=(0, 1))(flat, noise_post),
                jax.vmap(predictive, in_axes=(0, 1))(prior, noise_prior))

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
    from numpyro.infer import MCMC, NUTS

    from nestlab.diagnostics import to_inference_data

    # every argument is checked before anything is compiled or sampled
    cost = get_cost(cost).name
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
    net, box = _resolve_policy(policy, cost, network)
    pc = _check_per_condition(per_condition, cost)
    fx = _check_fixed(fixed, cost, box, k, pc)
    free = tuple(p for p in parameter_names(cost) if p not in fx)
    spec = FitSpec(cost, policy, likelihood, free, fx, k, box, n_nodes, pc)
    model = make_model(spec, net)
    args = (jnp.asarray(s, dtype=jnp.float32), jnp.asarray(cond))
    robs = jnp.asarray(r, dtype=jnp.float32)

    key = jax.random.PRNGKey(seed)
    k_mcmc = key
    mcmc = MCMC(NUTS(model, target_accept_prob=target_accept), num_warmup=warmup,
                num_samples=draws, num_chains=chains, chain_method=_chain_method(chains),
                progress_bar=progress_bar)
    t0 = time.perf_counter()
    mcmc.run(k_mcmc, *args, r=robs,
             extra_fields=("diverging", "num_steps", "accept_prob", "energy"))
    jax.block_until_ready(mcmc.get_samples())
    sampling_seconds = time.perf_counter() - t0
    samples = mcmc.get_samples(group_by_chain=True)
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
