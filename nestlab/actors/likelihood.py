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
* **Ridge coordinates** (``FitSpec.reparam="ridge"``, issue 15 item 2): with one noise level the
  data identify ``kappa = log beta + w0 log mu0`` (the intercept of spec Sec. 2), not ``mu0`` and
  ``beta`` apart, so their posterior is a thin line across the prior's rectangle — curved in
  the sampler's logit coordinates, where a dense mass matrix cannot whiten it. NUTS then samples
  ``u, v ~ U(0, 1)`` instead: ``kappa`` runs over its range with ``u`` and ``v`` is the position
  along the line segment ``{log beta + w log mu0 = kappa}`` inside the rectangle; ``mu0`` and
  ``beta`` are deterministic, and a ``factor`` adds their prior density times the Jacobian, so
  the prior on ``(mu0, beta)`` is exactly that of :func:`priors` (see :func:`ridge_transform`).
  The slope ``w = 1 - slope(log r on log s)`` is read from the data (for the closed-form
  actor the regression slope is ``wm = 1 - w0``); any ``w`` gives the same posterior, a good
  one an axis-aligned ridge.

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

__all__ = ["LIKELIHOODS", "POLICIES", "REPARAMS", "RIDGE_PARAMS", "FitSpec", "SamplerSettings",
           "action_fn", "check_data", "check_fixed", "check_per_condition", "check_reparam",
           "check_sampler", "distinct_choices", "log_prior", "make_model", "parameter_names",
           "per_trial", "pointwise_log_likelihood", "predict", "prior_sites", "priors",
           "resolve_policy", "ridge_inverse", "ridge_pair", "ridge_slope", "ridge_transform",
           "sample_priors_numpy", "start_values", "theta_from_sites"]

#: "solver": a* solved numerically inside the model (nestlab.actors.solver), the non-amortized
#: baseline of benchmarks/actors_amortization_bench.py
POLICIES = ("analytic", "network", "solver")
LIKELIHOODS = ("marginal", "latent")
#: how NUTS samples the prior–cost pair: "none" (each parameter on its own), "ridge" (the
#: identified combination and the position along the ridge; see the module docstring)
REPARAMS = ("none", "ridge")
#: cost parameters whose ridge with mu0 is log-linear (spec Sec. 2: the intercept holds
#: ``log beta + w0 log mu0``), the partners of ``reparam="ridge"``
RIDGE_PARAMS = ("beta",)
#: sites NUTS samples under ``reparam="ridge"`` in place of mu0 and the cost parameter
RIDGE_SITES = ("ridge_u", "ridge_v")
_LOG_2PI = math.log(2 * math.pi)


class FitSpec(NamedTuple):
    """Everything that defines the model (besides the data). ``cost`` is the resolved family.

    ``reparam``: ``"none"`` or ``"ridge"`` (sample ``mu0`` and the cost parameter in ridge
    coordinates; :func:`check_reparam`, module docstring).
    """

    cost: CostFamily
    policy: str
    likelihood: str
    free: tuple[str, ...]
    fixed: dict[str, Any]
    n_conditions: int
    box: dict[str, tuple[float, float]]
    n_nodes: int
    per_condition: tuple[str, ...] = ("sigma",)
    reparam: str = "none"

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


def theta_from_sites(spec: FitSpec, values: Mapping[str, Any], s: Any = None,
                     r: Any = None, weight: Any = None) -> dict[str, Any]:
    """Parameters from site values (``exp`` of a ``log_`` site).

    A parameter present under its own name (a deterministic site) is taken as it is; under
    ``reparam="ridge"`` the pair comes from ``ridge_u, ridge_v`` through
    :func:`ridge_transform`, whose slope needs the data ``s, r`` (and the trials' ``weight``,
    see :func:`ridge_slope`). A parameter with neither its name nor its site(s) in ``values``
    is left out.
    """
    import jax.numpy as jnp

    out = {}
    for k, site in prior_sites(spec).items():
        if k in values:
            out[k] = values[k]
        elif site in values:
            out[k] = jnp.exp(values[site]) if site != k else values[site]
    pair = ridge_pair(spec)
    if pair and pair[0] not in out and RIDGE_SITES[0] in values:
        if s is None or r is None:
            raise ValueError("invalid theta_from_sites call: ridge coordinates need the data; "
                             "valid: pass s= and r=")
        u, v = values[RIDGE_SITES[0]], values[RIDGE_SITES[1]]
        out[pair[0]], out[pair[1]], _ = ridge_transform(spec, u, v, ridge_slope(s, r, weight))
    return out


def ridge_pair(spec: FitSpec) -> tuple[str, str] | None:
    """``("mu0", cost parameter)`` sampled in ridge coordinates, or ``None``."""
    if spec.reparam != "ridge":
        return None
    return "mu0", next(p for p in RIDGE_PARAMS if p in spec.free)


def ridge_slope(s: Any, r: Any, weight: Any = None) -> Any:
    """``w = 1 - slope of log r on log s``, clipped to ``[0.05, 0.95]`` (0.5 for equal stimuli).

    The direction of the prior–cost ridge in ``(log mu0, log beta)``: for the closed-form actor
    ``log r | s`` has slope ``wm = 1 - w0`` (spec Sec. 2) and the data identify
    ``log beta + w0 log mu0``. ``weight`` (per trial, ``None``: all 1) weighs the regression:
    trials of weight 0 (the padding of :func:`nestlab.actors.batch.fit_datasets`) do not count.
    """
    import jax.numpy as jnp

    x, y = jnp.log(s), jnp.log(r)
    if weight is None:
        x = x - jnp.mean(x)
        vx = jnp.sum(x * x)
        slope = jnp.sum(x * (y - jnp.mean(y))) / jnp.where(vx > 0, vx, 1.0)
    else:
        x = x - jnp.sum(weight * x) / jnp.sum(weight)
        vx = jnp.sum(weight * x * x)
        slope = (jnp.sum(weight * x * (y - jnp.sum(weight * y) / jnp.sum(weight)))
                 / jnp.where(vx > 0, vx, 1.0))
    return jnp.where(vx > 0, jnp.clip(1.0 - slope, 0.05, 0.95), 0.5)


def _log_coordinate(spec: FitSpec, k: str) -> tuple[float, float, Any]:
    """``(lo, hi, logpdf)`` of ``log theta_k`` under :func:`priors` (bounds of ``log theta_k``)."""
    import jax.numpy as jnp

    site = prior_sites(spec)[k]
    d = priors(spec)[site]
    lo, hi = float(np.asarray(d.support.lower_bound)), float(np.asarray(d.support.upper_bound))
    if site != k:  # already the log scale
        return lo, hi, d.log_prob
    # the clip only absorbs float32 rounding of exp(log theta) at the support's edges
    return math.log(lo), math.log(hi), lambda x: d.log_prob(jnp.clip(jnp.exp(x), lo, hi)) + x


def _ridge_geometry(spec: FitSpec, kappa: Any, w: Any):
    """The segment ``{log p + w log mu0 = kappa}`` in the rectangle: ``(lo, length)`` in log mu0."""
    import jax.numpy as jnp

    mu0, p = ridge_pair(spec)
    a0, a1, _ = _log_coordinate(spec, mu0)
    b0, b1, _ = _log_coordinate(spec, p)
    lo = jnp.maximum(a0, (kappa - b1) / w)
    hi = jnp.minimum(a1, (kappa - b0) / w)
    return lo, hi - lo


def _kappa_range(spec: FitSpec, w: Any) -> tuple[Any, Any]:
    mu0, p = ridge_pair(spec)
    a0, a1, _ = _log_coordinate(spec, mu0)
    b0, b1, _ = _log_coordinate(spec, p)
    return b0 + w * a0, b1 + w * a1


def ridge_transform(spec: FitSpec, u: Any, v: Any, w: Any) -> tuple[Any, Any, Any]:
    """``(mu0, p, log density of (u, v))`` of the ridge coordinates ``u, v`` in ``(0, 1)``.

    ``kappa = k0 + u (k1 - k0)`` runs over the range of ``log p + w log mu0`` on the prior's
    rectangle; ``log mu0 = lo(kappa) + v L(kappa)`` runs along the segment of that ``kappa``
    (length ``L``) and ``log p = kappa - w log mu0``. The map is one-to-one onto the rectangle
    with ``|d(log mu0, log p) / d(u, v)| = L(kappa) (k1 - k0)``, so the returned density —
    the prior density of ``(log mu0, log p)`` times that Jacobian — is the prior of
    :func:`priors` expressed in ``(u, v)``: it integrates to one over the unit square
    (tested), and ``(mu0, p)`` drawn through it have exactly their usual prior.
    """
    import jax.numpy as jnp

    mu0, p = ridge_pair(spec)
    k0, k1 = _kappa_range(spec, w)
    kappa = k0 + u * (k1 - k0)
    lo, length = _ridge_geometry(spec, kappa, w)
    length = jnp.maximum(length, 1e-30)  # 0 only at the rectangle's corners (u = 0 or 1)
    a0, a1, pdf_m = _log_coordinate(spec, mu0)
    b0, b1, pdf_p = _log_coordinate(spec, p)
    lm = lo + v * length
    lp = jnp.clip(kappa - w * lm, b0, b1)  # float rounding only: the map stays in the box
    lm = jnp.clip(lm, a0, a1)
    logdens = pdf_m(lm) + pdf_p(lp) + jnp.log(length) + jnp.log(k1 - k0)
    return (jnp.clip(jnp.exp(lm), math.exp(a0), math.exp(a1)),
            jnp.clip(jnp.exp(lp), math.exp(b0), math.exp(b1)), logdens)


def ridge_inverse(spec: FitSpec, mu0: Any, p: Any, w: Any) -> tuple[Any, Any]:
    """``(u, v)`` of a point ``(mu0, p)`` inside the rectangle (the inverse of
    :func:`ridge_transform`)."""
    import jax.numpy as jnp

    k0, k1 = _kappa_range(spec, w)
    lm, lp = jnp.log(mu0), jnp.log(p)
    kappa = lp + w * lm
    lo, length = _ridge_geometry(spec, kappa, w)
    return (kappa - k0) / (k1 - k0), (lm - lo) / jnp.maximum(length, 1e-30)


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


def start_values(spec: FitSpec, r: Any, s: Any = None, weight: Any = None) -> dict[str, Any]:
    """A data-informed start ``{site: value}`` (prior median near the responses' geometric mean).

    Under ``reparam="ridge"`` the pair's start is given as ``ridge_u``/``ridge_v`` (the point
    of :func:`ridge_inverse` with ``w`` from ``s`` and ``r``; ``w = 0.5`` without ``s``).
    ``weight``: per-trial weights of the mean and the slope (``None``: all 1).
    """
    import jax.numpy as jnp

    lr = jnp.log(r)
    mean_lr = jnp.mean(lr) if weight is None else jnp.sum(weight * lr) / jnp.sum(weight)
    start = {"sigma": 0.15, "sigma0": 0.2, "sigma_r": 0.15,
             "mu0": jnp.clip(jnp.exp(mean_lr), 0.3, 4.5)}
    for k in spec.cost.params:
        pr = spec.cost.priors[k]
        start[k] = (pr.a + pr.b) / 2 if pr.kind == "uniform" else math.exp(pr.a)
    out = {}
    pair = ridge_pair(spec)
    for k, site in prior_sites(spec).items():
        if pair and k in pair:
            continue
        v = start[k] if site == k else jnp.log(start[k])
        if spec.is_per_condition(k):
            v = jnp.full((spec.n_conditions,), v)
        out[site] = v
    if pair:
        w = 0.5 if s is None else ridge_slope(s, r, weight)
        u, v = ridge_inverse(spec, start[pair[0]], start[pair[1]], w)
        out[RIDGE_SITES[0]] = jnp.clip(u, 0.02, 0.98)
        out[RIDGE_SITES[1]] = jnp.clip(v, 0.02, 0.98)
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
    """The numpyro model ``model(s, cond, r=None, known=None, weight=None)``.

    ``weight`` (per trial; ``None``: every trial counts once) multiplies each trial's
    log-likelihood: trials of weight 0 pad data sets of unequal length to one shape
    (:func:`nestlab.actors.batch.fit_datasets`) and change nothing.

    Free parameters are sampled from :func:`priors` (one value per condition for those in
    ``per_condition``), fixed ones are constants, ``known`` ones per-trial data. The observed
    responses enter through :func:`pointwise_log_likelihood` (a ``factor`` site ``"r"``), so the
    sampled density and the PSIS-LOO values are the same function. Under
    ``spec.reparam="ridge"`` ``mu0`` and the cost parameter are deterministic sites computed
    from ``ridge_u, ridge_v`` (:func:`ridge_transform`; their prior enters as the factor
    ``"ridge_prior"``).
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    pri = priors(spec)
    sites = prior_sites(spec)
    act = action_fn(spec, network)

    pair = ridge_pair(spec)

    def model(s, cond, r, known=None, weight=None):
        values = {}
        for k, site in sites.items():
            if pair and k in pair:
                continue
            d = pri[site]
            if spec.is_per_condition(k):
                d = d.expand([spec.n_conditions]).to_event(1)
            values[site] = numpyro.sample(site, d)
        theta = theta_from_sites(spec, values)
        for k, site in sites.items():
            if site != k and k in theta:
                numpyro.deterministic(k, theta[k])
        if pair:  # the identified combination and the position along the ridge (docstring)
            u = numpyro.sample(RIDGE_SITES[0], dist.Uniform(0.0, 1.0))
            v = numpyro.sample(RIDGE_SITES[1], dist.Uniform(0.0, 1.0))
            m, p, logdens = ridge_transform(spec, u, v, ridge_slope(s, r, weight))
            numpyro.factor("ridge_prior", logdens)
            theta[pair[0]] = numpyro.deterministic(pair[0], m)
            theta[pair[1]] = numpyro.deterministic(pair[1], p)
        for k, v in spec.fixed.items():
            theta[k] = jnp.asarray(v)
        tt = per_trial(spec, theta, cond, known)
        z = None
        if spec.likelihood == "latent":
            with numpyro.plate("trials", s.shape[0]):
                z = numpyro.sample("z", dist.Normal(0.0, 1.0))
        ll = pointwise_log_likelihood(spec, act, tt, s, r, z=z, known=known)
        numpyro.factor("r", jnp.sum(ll) if weight is None else jnp.sum(weight * ll))

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


def distinct_choices(name: str, values: Any, valid: Any, *, what: str = "name"
                     ) -> tuple[Any, ...]:
    """``values`` checked by :func:`nestlab.checks.choices`, none of them twice (a str: one value).

    Example message: ``invalid families ['linex', 'linex']: a family repeats; valid: distinct
    families among quadratic, linex``.

    Args:
        what: what the values are, singular, for the message (``"family"``, ``"subject"``).
    """
    options = list(valid.keys() if isinstance(valid, Mapping) else valid)
    out = tuple(checks.choices(name, [values] if isinstance(values, str) else values, options))
    if len(set(out)) != len(out):
        raise ValueError(f"invalid {name} {list(out)}: a {what} repeats; valid: distinct "
                         f"{what}s among {', '.join(map(str, options))}")
    return out


def check_per_condition(per_condition: Any, cost: CostFamily) -> tuple[str, ...]:
    """Names of the per-condition parameters (default ``("sigma",)``), checked."""
    names = parameter_names(cost)
    if per_condition is None:
        return ("sigma",)
    return distinct_choices("per_condition", per_condition, names)


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


def check_reparam(reparam: Any, spec: FitSpec) -> FitSpec:
    """``spec`` with ``reparam`` set, checked against it.

    ``"ridge"`` needs ``mu0`` and one of :data:`RIDGE_PARAMS` free and shared by the
    conditions (one ridge per fit).

    Raises:
        ValueError: an unknown name, or ``"ridge"`` for a model without such a pair.
    """
    checks.choice("reparam", reparam, REPARAMS)
    if reparam == "ridge":
        partners = [p for p in RIDGE_PARAMS if p in spec.free]
        shared = [p for p in ["mu0"] + partners if spec.is_per_condition(p)]
        if "mu0" not in spec.free or not partners or shared:
            raise ValueError(
                f"invalid reparam 'ridge' for cost {spec.cost.name!r} with free "
                f"{list(spec.free)}" + (f" and per-condition {shared}" if shared else "")
                + f"; valid: mu0 and one of {list(RIDGE_PARAMS)} free and shared by the "
                "conditions, else no ridge coordinates")
    return spec._replace(reparam=reparam)


class SamplerSettings(NamedTuple):
    """NUTS settings checked by :func:`check_sampler`."""

    chains: int
    warmup: int
    draws: int
    seed: int
    n_nodes: int
    target_accept: float | None


def check_sampler(*, chains: Any, warmup: Any, draws: Any, seed: Any, n_nodes: Any,
                  target_accept: Any = None) -> SamplerSettings:
    """The NUTS settings every fit takes, checked in one dialect (``nestlab.checks``).

    ``chains, warmup, draws >= 1``; ``0 <= seed < 2**32``; ``2 <= n_nodes <= 200``
    (Gauss–Hermite nodes); ``0 < target_accept < 1`` (``None``: left to the fit it is passed
    on to, and returned as ``None``).

    Raises:
        TypeError: a value of the wrong type (e.g. ``chains=2.0``).
        ValueError: a value out of range.
    """
    return SamplerSettings(
        checks.integer("chains", chains, min=1), checks.integer("warmup", warmup, min=1),
        checks.integer("draws", draws, min=1),
        checks.integer("seed", seed, min=0, max=2**32 - 1),
        checks.integer("n_nodes", n_nodes, min=2, max=200),
        None if target_accept is None else
        checks.real("target_accept", target_accept, min=0, max=1, inclusive=(False, False)))
