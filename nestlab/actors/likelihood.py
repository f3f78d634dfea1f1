"""The numpyro model of inverse decision-making, written once (spec Sec. 4).

One model serves :func:`nestlab.actors.inference.fit`, the recovery study
(:mod:`~nestlab.actors.recovery`), the cost-family comparison (:mod:`~nestlab.actors.compare`)
and the hierarchical fit: priors, per-condition parameters, the marginal and the latent
likelihood, the pointwise log-likelihood (PSIS-LOO) and the posterior predictive all come from
the functions here, so the likelihood exists in exactly one place.

* **Priors** (paper Sec. 4): ``sigma, sigma0, sigma_r ~ HalfNormal(0.25)`` truncated to the
  training box; ``mu0 ~ U(0.1, 5)`` (clipped to the box); cost parameters as in training. A
  log-normal cost prior (linex ``c``, inverted-Gaussian ``gamma``) is sampled on the log scale
  (site ``log_<name>``, a truncated normal), which is the same prior without a density wall.
* **Marginal likelihood**: ``p(r_i | s_i, theta) = sum_j w_j LogNormal(r_i; log a(m_ij, theta),
  sigma_r)`` with Gauss–Hermite nodes ``m_ij = s_i exp(sigma x_j)``.
* **Latent likelihood**: one non-centred ``z_i ~ N(0, 1)``, ``m_i = s_i exp(sigma z_i)``.

A parameter may be free, fixed (a constant of the program: ``FitSpec.fixed``) or *known per
trial* (``known={"sigma": ...}`` passed as data, so data sets with different known values share
one compiled program).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.costs import CostFamily, closed_form_action, get_cost
from nestlab.actors.models import PARAM_NAMES
from nestlab.actors.solver import SolverOptions, check_solver_cost, solver_action

__all__ = ["LIKELIHOODS", "POLICIES", "FitSpec", "action_fn", "check_data", "check_fixed",
           "check_per_condition", "log_prior", "make_model", "parameter_names", "per_trial",
           "pointwise_log_likelihood", "predict", "prior_sites", "priors", "resolve_policy",
           "sample_priors_numpy", "start_values", "theta_from_sites"]

#: "solver": a* solved numerically inside the model (nestlab.actors.solver), the non-amortized
#: baseline of benchmarks/actors_amortization_bench.py
POLICIES = ("analytic", "network", "solver")
LIKELIHOODS = ("marginal", "latent")
_LOG_2PI = math.log(2 * math.pi)


class FitSpec(NamedTuple):
    """Everything that defines the model (besides the data). ``cost`` is the resolved family."""

    cost: CostFamily
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


def parameter_names(cost: str | CostFamily) -> tuple[str, ...]:
    """All parameters of an actor with cost family ``cost`` (actor first, then cost)."""
    return PARAM_NAMES + get_cost(cost).params


def prior_sites(spec: FitSpec) -> dict[str, str]:
    """``{parameter: numpyro site}`` of the free parameters (``log_c`` for a log-normal ``c``)."""
    out = {}
    for k in spec.free:
        pr = spec.cost.priors.get(k)
        out[k] = f"log_{k}" if pr is not None and pr.kind == "lognormal" else k
    return out


def priors(spec: FitSpec) -> dict[str, Any]:
    """``{site: numpyro distribution}`` of every free parameter (see the module docstring)."""
    import numpyro.distributions as dist

    out = {}
    for k, site in prior_sites(spec).items():
        lo, hi = spec.box[k]
        if k in ("sigma", "sigma0", "sigma_r"):
            out[site] = dist.TruncatedNormal(0.0, 0.25, low=lo, high=hi)
        elif k == "mu0":
            out[site] = dist.Uniform(max(lo, 0.1), min(hi, 5.0))
        else:
            pr = spec.cost.priors[k]
            if pr.kind == "uniform":
                out[site] = dist.Uniform(max(lo, pr.a), min(hi, pr.b))
            else:
                out[site] = dist.TruncatedNormal(pr.a, pr.b, low=math.log(lo), high=math.log(hi))
    return out


def log_prior(spec: FitSpec, theta: Mapping[str, Any]) -> dict[str, Any]:
    """``log p(theta_k)`` per free parameter, on the parameter's own scale (summed over conditions).

    A ``log_`` site's density is turned into the parameter's by the Jacobian ``-log theta``.
    """
    import jax.numpy as jnp

    pri = priors(spec)
    out = {}
    for k, site in prior_sites(spec).items():
        if site == k:
            out[k] = jnp.sum(pri[site].log_prob(theta[k]))
        else:
            out[k] = jnp.sum(pri[site].log_prob(jnp.log(theta[k])) - jnp.log(theta[k]))
    return out


def theta_from_sites(spec: FitSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters from site values (``exp`` of a ``log_`` site)."""
    import jax.numpy as jnp

    return {k: (jnp.exp(values[site]) if site != k else values[site])
            for k, site in prior_sites(spec).items()}


def sample_priors_numpy(spec: FitSpec, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw ``n`` prior samples of the free parameters in numpy (the laws of :func:`priors`).

    Done outside JAX on purpose: XLA compiles every threefry random-number call slowly on CPU.
    """
    from scipy import stats

    out = {}
    for k in spec.free:
        shape = (n, spec.n_conditions) if spec.is_per_condition(k) else (n,)
        lo, hi = spec.box[k]
        if k in ("sigma", "sigma0", "sigma_r"):
            out[k] = stats.truncnorm.rvs(lo / 0.25, hi / 0.25, scale=0.25, size=shape,
                                         random_state=rng)
        elif k == "mu0":
            out[k] = rng.uniform(max(lo, 0.1), min(hi, 5.0), size=shape)
        else:
            pr = spec.cost.priors[k]
            if pr.kind == "uniform":
                out[k] = rng.uniform(max(lo, pr.a), min(hi, pr.b), size=shape)
            else:
                a, b = (np.log(lo) - pr.a) / pr.b, (np.log(hi) - pr.a) / pr.b
                out[k] = np.exp(stats.truncnorm.rvs(a, b, loc=pr.a, scale=pr.b, size=shape,
                                                    random_state=rng))
    return {k: v.astype(np.float32) for k, v in out.items()}


def start_values(spec: FitSpec, r: Any) -> dict[str, Any]:
    """A data-informed start ``{site: value}`` (prior median near the responses' geometric mean)."""
    import jax.numpy as jnp

    start = {"sigma": 0.15, "sigma0": 0.2, "sigma_r": 0.15,
             "mu0": jnp.clip(jnp.exp(jnp.mean(jnp.log(r))), 0.3, 4.5)}
    for k in spec.cost.params:
        pr = spec.cost.priors[k]
        start[k] = (pr.a + pr.b) / 2 if pr.kind == "uniform" else math.exp(pr.a)
    out = {}
    for k, site in prior_sites(spec).items():
        v = start[k] if site == k else jnp.log(start[k])
        if spec.is_per_condition(k):
            v = jnp.full((spec.n_conditions,), v)
        out[site] = v
    return out


def action_fn(spec: FitSpec, network: Any):
    """``act(m, theta)``: the planned action for ``spec.policy`` in JAX.

    ``"analytic"``: the closed form; ``"network"``: the amortized network (``network`` a
    :class:`~nestlab.actors.bridge.JaxPolicy`); ``"solver"``: a* solved numerically by
    :func:`nestlab.actors.solver.solver_action` (``network`` its
    :class:`~nestlab.actors.solver.SolverOptions`, as :func:`resolve_policy` returns them).
    """
    import jax.numpy as jnp

    if spec.policy in ("analytic", "solver"):
        fam = spec.cost
        if spec.policy == "solver":  # ``network`` carries the SolverOptions (resolve_policy)
            def action(fam, mu, sd, sr, cp, xp):
                return solver_action(fam, mu, sd, sr, cp, options=network)
        else:
            action = closed_form_action

        def act(m, theta):
            v, v0 = theta["sigma"] ** 2, theta["sigma0"] ** 2
            mu = (v * jnp.log(theta["mu0"]) + v0 * jnp.log(m)) / (v + v0)
            sd = jnp.sqrt(v * v0 / (v + v0))
            cp = {k: theta[k] for k in fam.params}
            return action(fam, mu, sd, theta["sigma_r"], cp, xp=jnp)
        return act
    from nestlab.actors.bridge import jax_forward

    def act(m, theta):
        return jax_forward(network, m, theta)
    return act


def per_trial(spec: FitSpec, theta: Mapping[str, Any], cond: Any,
              known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Parameters with per-condition entries indexed to one value per trial.

    ``sigma`` is always per trial; ``known`` values are per trial already.
    """
    import jax.numpy as jnp

    out = dict(theta)
    for k in theta:
        if k == "sigma" or spec.is_per_condition(k):
            out[k] = jnp.broadcast_to(theta[k], (spec.n_conditions,))[cond]
    out.update(dict(known or {}))
    return out


def _column(spec: FitSpec, tt: Mapping[str, Any], known: Mapping[str, Any] | None) -> dict:
    """Per-trial parameters as column vectors (broadcast against the quadrature nodes)."""
    kn = dict(known or {})
    return {k: (v[:, None] if k == "sigma" or spec.is_per_condition(k) or k in kn else v)
            for k, v in tt.items()}


def _lognormal_logpdf(r, log_a, sd):
    import jax.numpy as jnp

    z = (jnp.log(r) - log_a) / sd
    return -0.5 * z ** 2 - jnp.log(sd) - jnp.log(r) - 0.5 * _LOG_2PI


def pointwise_log_likelihood(spec: FitSpec, act, tt: Mapping[str, Any], s: Any, r: Any, *,
                             z: Any = None, known: Mapping[str, Any] | None = None) -> Any:
    """``log p(r_i | s_i, theta)`` per trial (marginal) or ``log p(r_i | m_i, theta)`` (latent).

    Args:
        tt: per-trial parameters (:func:`per_trial`).
        z: the latent likelihood's standardised log-measurement noise per trial.
    """
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    if spec.likelihood == "marginal" or z is None:
        x, w = np.polynomial.hermite_e.hermegauss(spec.n_nodes)
        x = jnp.asarray(x, jnp.float32)
        logw = jnp.asarray(np.log(w / w.sum()), jnp.float32)
        col = _column(spec, tt, known)
        a = act(s[:, None] * jnp.exp(col["sigma"] * x), col)
        return logsumexp(_lognormal_logpdf(r[:, None], jnp.log(a), col["sigma_r"]) + logw,
                         axis=-1)
    a = act(s * jnp.exp(tt["sigma"] * z), tt)
    return _lognormal_logpdf(r, jnp.log(a), tt["sigma_r"])


def predict(act, tt: Mapping[str, Any], s: Any, noise: Any) -> Any:
    """Predictive responses: a new measurement and motor noise (``noise``: (2, n_trials))."""
    import jax.numpy as jnp

    a = act(s * jnp.exp(tt["sigma"] * noise[0]), tt)
    return a * jnp.exp(tt["sigma_r"] * noise[1])


def make_model(spec: FitSpec, network: Any = None):
    """The numpyro model ``model(s, cond, r=None, known=None)``.

    Free parameters are sampled from :func:`priors` (one value per condition for those in
    ``per_condition``), fixed ones are constants, ``known`` ones per-trial data. The observed
    responses enter through :func:`pointwise_log_likelihood` (a ``factor`` site ``"r"``), so the
    sampled density and the PSIS-LOO values are the same function.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    pri = priors(spec)
    sites = prior_sites(spec)
    act = action_fn(spec, network)

    def model(s, cond, r, known=None):
        values = {}
        for k, site in sites.items():
            d = pri[site]
            if spec.is_per_condition(k):
                d = d.expand([spec.n_conditions]).to_event(1)
            values[site] = numpyro.sample(site, d)
        theta = theta_from_sites(spec, values)
        for k, site in sites.items():
            if site != k:
                numpyro.deterministic(k, theta[k])
        for k, v in spec.fixed.items():
            theta[k] = jnp.asarray(v)
        tt = per_trial(spec, theta, cond, known)
        z = None
        if spec.likelihood == "latent":
            with numpyro.plate("trials", s.shape[0]):
                z = numpyro.sample("z", dist.Normal(0.0, 1.0))
        ll = pointwise_log_likelihood(spec, act, tt, s, r, z=z, known=known)
        numpyro.factor("r", jnp.sum(ll))

    return model


def check_data(stimuli: Any, responses: Any, conditions: Any = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Trials checked: ``(s, r, condition labels, number of conditions)``.

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


def resolve_policy(policy: str, cost: CostFamily, network: Any) -> tuple[Any, dict]:
    """``(exported network or None, training box)`` for a policy name and a resolved cost."""
    checks.choice("policy", policy, POLICIES)
    if policy == "analytic":
        if cost.closed_form is None:
            raise ValueError(f"invalid policy 'analytic' for cost {cost.name!r}: it has no closed "
                             "form; valid: policy='network'")
        from nestlab.actors.policy import make_box
        return None, make_box(cost.name)
    if policy == "solver":  # ``network`` may be SolverOptions; returned in the network's place
        from nestlab.actors.policy import make_box

        opts = SolverOptions() if network is None else checks.instance("network", network,
                                                                         SolverOptions)
        check_solver_cost(cost, opts.validate().expectation)
        return opts, make_box(cost.name)
    from nestlab.actors.bridge import JaxPolicy, export_policy
    from nestlab.actors.policy import Policy, load_policy

    if network is None:
        network = load_policy(cost.name)
    if isinstance(network, Policy):
        network = export_policy(network)
    checks.instance("network", network, JaxPolicy)
    if network.cost != cost.name:
        raise ValueError(f"invalid network: trained for cost {network.cost!r}, not "
                         f"{cost.name!r}; valid: a network of cost {cost.name!r}")
    return network, dict(network.box)


def check_per_condition(per_condition: Any, cost: CostFamily) -> tuple[str, ...]:
    """Names of the per-condition parameters (default ``("sigma",)``), checked."""
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


def check_fixed(fixed: Any, cost: CostFamily, box: Mapping[str, Any], n_conditions: int,
                per_condition: tuple[str, ...] = ("sigma",)) -> dict[str, np.ndarray]:
    """Fixed parameter values checked against the box (a vector for per-condition ones)."""
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
