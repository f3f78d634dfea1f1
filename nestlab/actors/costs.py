"""Cost families, closed-form optimal actions and a numerical solver (spec Sec. 2).

The actor's optimal planned action minimises the posterior expected cost of the *noisy*
response (paper Sec. 2.2)::

    a*(m, theta) = argmin_a E_{s ~ p(s|m)} E_{r ~ LogNormal(log a, sigma_r)} [cost(r, s)]

Seven families live in :data:`COSTS` under stable names. Three have closed forms:

* ``quadratic`` ``(s - r)^2``: ``E[(s-r)^2] = E s^2 - 2 E s E r + E r^2`` with
  ``E r = a exp(sigma_r^2/2)``, ``E r^2 = a^2 exp(2 sigma_r^2)``; setting the derivative to zero
  gives ``a* = E[s|m] exp(-3 sigma_r^2/2)``, ``E[s|m] = exp(mu_post + sigma_post^2/2)``.
* ``quadratic_effort`` ``beta (s-r)^2 + (1-beta) r^2``: the same steps give
  ``a* = beta E[s|m] exp(-3 sigma_r^2/2)``.
* ``absolute`` ``|s - r|``: write ``r = a exp(sigma_r eps)``. Then
  ``d/da E|s - r| = E[sign(r - s) r] / a``; the optimum satisfies ``E[r 1(r>s)] = E[r 1(r<s)]``.
  Tilting by ``r / E r`` turns ``eps ~ N(0,1)`` into ``eps ~ N(sigma_r, 1)``, i.e. under the
  tilted law ``log r ~ N(log a + sigma_r^2, sigma_r^2)`` and the condition reads
  ``P(log r > log s) = 1/2``; both logs are Gaussian and independent, so their medians must
  coincide: ``log a + sigma_r^2 = mu_post``, i.e. ``a* = exp(mu_post - sigma_r^2)``.

One further family, ``offset_quadratic`` ``(r - (s - delta))^2`` (spec Sec. 5.6: the cost of the
Sohn & Jazayeri metamer condition, which rewards responses ``delta`` *shorter* than the stimulus),
lives in :data:`EXTRA_COSTS`, not in :data:`COSTS`: :data:`COSTS` is the set of families that get
an amortized network (notebook 10 trains one per entry), and this family needs none because its
closed form is exact. :func:`get_cost` and everything built on it accept both registries.
Closed form: ``E[(r - s + delta)^2] = E r^2 - 2 E r (E[s|m] - delta) + const`` with the motor
moments above, so ``d/da = 2 a exp(2 sigma_r^2) - 2 exp(sigma_r^2/2) (E[s|m] - delta)`` and
``a* = (E[s|m] - delta) exp(-3 sigma_r^2/2)`` when ``E[s|m] > delta``. Otherwise the expected
cost increases in ``a`` on ``a > 0`` and the infimum is at ``a -> 0``; the closed form returns a
tiny positive floor (:data:`ACTION_FLOOR`) there so that ``log a`` stays finite.

The numerical solver (:func:`optimal_action` with ``method="numerical"``) minimises the
expected cost over ``log a`` by golden-section search. The expectation is a 2-d quadrature in
rotated coordinates ``d = log r - log s`` and ``t`` (the combination of ``log r`` and ``log s``
independent of ``d``): every cost's kink (``r = s``) sits at ``d = 0``, so Gauss–Legendre on
each side of 0 in ``d`` times Gauss–Hermite in ``t`` converges spectrally even for the
non-smooth costs. ``method="mc"`` does the same with common random numbers (the reference's
Monte-Carlo approach), as an independent check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks

__all__ = ["ACTION_FLOOR", "COSTS", "EXTRA_COSTS", "CostFamily", "ParamPrior", "all_costs",
           "check_cost_params", "closed_form_action", "cost_value", "expected_cost_mc",
           "expected_cost_quadrature", "get_cost", "has_closed_form", "rotated_grid"]


class ParamPrior(NamedTuple):
    """Prior (and training distribution) of one cost parameter, restricted to ``box``."""

    kind: str  # "uniform" | "lognormal"
    a: float  # uniform: low; lognormal: log-median
    b: float  # uniform: high; lognormal: sd of the log
    box: tuple[float, float]


class CostFamily(NamedTuple):
    """One cost family.

    Attributes:
        name: stable registry name.
        params: names of the family's parameters (in network input order).
        priors: prior / training distribution for each parameter.
        fn: ``fn(r, s, p, xp)`` -> cost, for numpy/torch/JAX (``xp`` the array module,
            ``p`` a mapping of parameter values).
        closed_form: ``closed_form(mu_post, sd_post, sigma_r, p, xp)`` -> a*, or ``None``.
        degree: scale degree used to normalise the Monte-Carlo training loss (cost ~ s**degree).
        homogeneous: the cost is homogeneous in (r, s), so ``a*`` is exactly a power law in m.
        formula: human-readable cost.
    """

    name: str
    params: tuple[str, ...]
    priors: dict[str, ParamPrior]
    fn: Callable[..., Any]
    closed_form: Callable[..., Any] | None
    degree: float
    homogeneous: bool
    formula: str


def _quadratic(r, s, p, xp):
    return (s - r) ** 2


def _quadratic_effort(r, s, p, xp):
    b = p["beta"]
    return b * (s - r) ** 2 + (1 - b) * r ** 2


def _absolute(r, s, p, xp):
    return abs(s - r)


def _absolute_effort(r, s, p, xp):
    b = p["beta"]
    return b * abs(s - r) + (1 - b) * r ** 2


def _asymmetric(r, s, p, xp):
    alpha = p["alpha"]
    w = xp.where(r > s, 1 - alpha, alpha + 0 * r)  # |alpha - H(r - s)|
    return 2 * w * (r - s) ** 2


def _linex(r, s, p, xp):
    c = p["c"]
    x = c * (r - s)
    if xp.__name__ == "torch":
        x = x.clamp(max=30.0)
    elif hasattr(xp, "clip"):
        x = xp.clip(x, None, 30.0)
    return 2.0 / c ** 2 * (xp.expm1(x) - x)


def _inverted_gaussian(r, s, p, xp):
    g = p["gamma"]
    return -xp.expm1(-((s - r) ** 2) / (2 * g ** 2))


def _cf_quadratic(mu, sd, sr, p, xp):
    return xp.exp(mu + sd ** 2 / 2 - 1.5 * sr ** 2)


def _cf_quadratic_effort(mu, sd, sr, p, xp):
    return p["beta"] * xp.exp(mu + sd ** 2 / 2 - 1.5 * sr ** 2)


def _cf_absolute(mu, sd, sr, p, xp):
    return xp.exp(mu - sr ** 2)


#: smallest planned action returned by a closed form whose unconstrained optimum is <= 0
ACTION_FLOOR = 1e-6


def _floor(x, xp):
    if xp.__name__ == "torch":
        return x.clamp(min=ACTION_FLOOR)
    return xp.maximum(x, ACTION_FLOOR)


def _offset_quadratic(r, s, p, xp):
    return (r - (s - p["delta"])) ** 2


def _cf_offset_quadratic(mu, sd, sr, p, xp):
    mean_s = xp.exp(mu + sd ** 2 / 2)
    return _floor(mean_s - p["delta"], xp) * xp.exp(-1.5 * sr ** 2)


_BETA = ParamPrior("uniform", 0.5, 1.0, (0.5, 1.0))

#: the cost registry: stable name -> :class:`CostFamily`
COSTS: dict[str, CostFamily] = {
    "quadratic": CostFamily("quadratic", (), {}, _quadratic, _cf_quadratic, 2.0, True,
                            "(s - r)^2"),
    "quadratic_effort": CostFamily("quadratic_effort", ("beta",), {"beta": _BETA},
                                   _quadratic_effort, _cf_quadratic_effort, 2.0, True,
                                   "beta (s - r)^2 + (1 - beta) r^2"),
    "absolute": CostFamily("absolute", (), {}, _absolute, _cf_absolute, 1.0, True, "|s - r|"),
    "absolute_effort": CostFamily("absolute_effort", ("beta",), {"beta": _BETA},
                                  _absolute_effort, None, 1.5, False,
                                  "beta |s - r| + (1 - beta) r^2"),
    "asymmetric_quadratic": CostFamily(
        "asymmetric_quadratic", ("alpha",),
        {"alpha": ParamPrior("uniform", 0.1, 0.9, (0.1, 0.9))}, _asymmetric, None, 2.0, True,
        "2 |alpha - H(r - s)| (r - s)^2"),
    "linex": CostFamily("linex", ("c",),
                        {"c": ParamPrior("lognormal", math.log(0.5), 1.0, (0.05, 1.5))},
                        _linex, None, 2.0, False, "b (exp(c (r - s)) - c (r - s) - 1), b = 2/c^2"),
    "inverted_gaussian": CostFamily(
        "inverted_gaussian", ("gamma",),
        {"gamma": ParamPrior("lognormal", math.log(2.5), 0.5, (0.5, 10.0))}, _inverted_gaussian,
        None, 0.0, False, "1 - exp(-(s - r)^2 / (2 gamma^2))"),
}


#: families outside :data:`COSTS` (no amortized network: notebook 10 trains one per entry of
#: :data:`COSTS`); ``delta`` is in stimulus units (seconds for the interval data of spec Sec. 5.6)
EXTRA_COSTS: dict[str, CostFamily] = {
    "offset_quadratic": CostFamily(
        "offset_quadratic", ("delta",),
        {"delta": ParamPrior("uniform", -0.5, 0.5, (-0.5, 0.5))}, _offset_quadratic,
        _cf_offset_quadratic, 2.0, False, "(r - (s - delta))^2"),
}


def all_costs() -> dict[str, CostFamily]:
    """Every known family: :data:`COSTS` followed by :data:`EXTRA_COSTS`."""
    return {**COSTS, **EXTRA_COSTS}


def get_cost(name: str) -> CostFamily:
    """Look up a cost family; unknown names raise ``ValueError`` listing the valid ones."""
    fams = all_costs()
    if isinstance(name, CostFamily):  # resolved already (cost objects pass through)
        return name
    return fams[checks.choice("cost", name, fams)]


def check_cost_params(name: str, cost_params: Mapping[str, Any] | None, *,
                      box: bool = True) -> dict[str, Any]:
    """Validate a family's parameters (names and training-box ranges); return a plain dict.

    With ``box=False`` only names and finiteness are checked (a cost may be evaluated outside
    the box, e.g. linex as ``c -> 0``).

    Raises:
        ValueError: unknown cost, missing/unknown parameter, or value outside its valid range.
    """
    fam = get_cost(name)
    cp = checks.mapping("cost_params", {} if cost_params is None else cost_params)
    missing = [k for k in fam.params if k not in cp]
    extra = [k for k in cp if k not in fam.params]
    if missing or extra:
        raise ValueError(f"invalid cost_params {checks.describe(cp)}: cost {fam.name!r} takes "
                         f"parameters {list(fam.params)}; missing {missing}, unknown {extra}")
    for k in fam.params:
        lo, hi = fam.priors[k].box if box else (None, None)
        if np.ndim(cp[k]) == 0 and not hasattr(cp[k], "shape"):
            checks.real(f"cost_params[{k!r}]", cp[k], min=lo, max=hi)
        else:
            checks.array(f"cost_params[{k!r}]", cp[k], min=lo, max=hi)
    return cp


def cost_value(name: str, r: Any, s: Any, cost_params: Mapping[str, Any] | None = None, *,
               xp: Any = np) -> Any:
    """``cost(r, s)`` of family ``name`` (``xp``: numpy, torch or jax.numpy)."""
    fam = get_cost(name)
    if xp is np:  # numpy inputs are checked; torch/JAX tensors may be traced values
        r, s = checks.array("r", r, min_size=0), checks.array("s", s, min_size=0)
        check_cost_params(fam.name, cost_params, box=False)
    return fam.fn(r, s, dict(cost_params or {}), xp)


def has_closed_form(name: str) -> bool:
    """Whether family ``name`` has a closed-form optimal action."""
    return get_cost(name).closed_form is not None


def closed_form_action(name: str, mu_post: Any, sd_post: Any, sigma_r: Any,
                       cost_params: Mapping[str, Any] | None = None, *, xp: Any = np) -> Any:
    """Closed-form ``a*`` from the posterior moments (see the module docstring).

    Raises:
        ValueError: if the family has no closed form.
    """
    fam = get_cost(name)
    if fam.closed_form is None:
        valid = [k for k, f in all_costs().items() if f.closed_form is not None]
        raise ValueError(f"cost {name!r} has no closed-form optimal action; families with one: "
                         f"{', '.join(valid)} (use method='numerical')")
    return fam.closed_form(mu_post, sd_post, sigma_r, dict(cost_params or {}), xp)


# --------------------------------------------------------------------------- numerical solver


def _rotated_nodes(n_t: int, n_d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t, wt = np.polynomial.hermite_e.hermegauss(n_t)
    wt = wt / math.sqrt(2 * math.pi)
    u, wu = np.polynomial.legendre.leggauss(n_d)
    return t, wt, (u + 1) / 2, wu / 2  # Legendre nodes/weights on [0, 1]


def _moments(log_a: Any, mu_post: Any, sd_post: Any, sigma_r: Any) -> list[np.ndarray]:
    """The solver's inputs checked (finite; sds positive) and broadcast against each other."""
    out = [checks.array("log_a", log_a), checks.array("mu_post", mu_post),
           checks.array("sd_post", sd_post, min=0, inclusive=(False, True)),
           checks.array("sigma_r", sigma_r, min=0, inclusive=(False, True))]
    try:
        return np.broadcast_arrays(*out)
    except ValueError:
        raise ValueError(f"invalid log_a, mu_post, sd_post, sigma_r: shapes "
                         f"{[a.shape for a in out]} do not broadcast; valid: broadcastable "
                         "shapes") from None


def rotated_grid(md: Any, log_a: Any, mu_post: Any, sd_post: Any, sigma_r: Any, *, n_t: int,
                 n_d: int, width: float, xp: Any) -> tuple[Any, Any, np.ndarray, Any]:
    """Nodes and weights of the rotated quadrature of :func:`expected_cost_quadrature`.

    Written once for numpy and ``jax.numpy`` (``xp``): the numerical solver
    (:func:`nestlab.actors.solver.quadrature_condition`) integrates on the same grid.

    Args:
        md: ``log_a - mu_post``, the mean of ``d`` (passed as the caller computed it).
        log_a, mu_post, sd_post, sigma_r: broadcast arrays of equal shape ``(...)``.

    Returns:
        ``(x, y, tw, w)``: ``x = log r`` and ``y = log s`` at the ``(..., n_t, 3 n_d)`` nodes, the
        Gauss–Hermite weights ``tw`` ``(n_t,)`` of ``t`` and the weights ``w`` ``(..., 3 n_d)`` of
        ``d`` (Legendre weight times the density of ``d``).
    """
    la, mu, sp, sr = log_a, mu_post, sd_post, sigma_r
    S = sp ** 2 + sr ** 2
    sdd = xp.sqrt(S)
    mt = (sp ** 2 * la + sr ** 2 * mu) / S
    sdt = xp.sqrt(sp ** 2 * sr ** 2 / S)
    tn, tw, un, uw = _rotated_nodes(n_t, n_d)
    lo, hi = md - width * sdd, md + width * sdd
    zero = xp.clip(0.0, lo, hi)
    # d is split at 0 (the kink) and at its mean md: Legendre nodes on each of 3 segments
    edges = [lo, xp.minimum(zero, md), xp.maximum(zero, md), hi]
    d = xp.concatenate([edges[i][..., None] + (edges[i + 1] - edges[i])[..., None] * un
                        for i in range(3)], axis=-1)
    dw = xp.concatenate([(edges[i + 1] - edges[i])[..., None] * uw for i in range(3)], axis=-1)
    dens = xp.exp(-0.5 * ((d - md[..., None]) / sdd[..., None]) ** 2) / (
        sdd[..., None] * math.sqrt(2 * math.pi))
    t = mt[..., None] + sdt[..., None] * tn  # (..., n_t)
    x = t[..., :, None] + (sr ** 2 / S)[..., None, None] * d[..., None, :]
    y = t[..., :, None] - (sp ** 2 / S)[..., None, None] * d[..., None, :]
    return x, y, tw, dw * dens


def expected_cost_quadrature(name: str, log_a: np.ndarray, mu_post: np.ndarray,
                             sd_post: np.ndarray, sigma_r: np.ndarray,
                             cost_params: Mapping[str, Any] | None = None, *,
                             n_t: int = 12, n_d: int = 10, width: float = 8.0) -> np.ndarray:
    """Posterior expected cost ``E_s E_r cost(r, s)`` for each item, by rotated quadrature.

    ``x = log r ~ N(log a, sigma_r^2)`` and ``y = log s ~ N(mu_post, sd_post^2)`` are rotated to
    ``d = x - y`` and ``t = (sd^2 x + sigma_r^2 y) / S`` (``S = sd^2 + sigma_r^2``), which are
    independent; ``d`` is integrated by Gauss–Legendre on ``[md - w, 0]`` and ``[0, md + w]``
    (the kink of every family is at ``d = 0``), ``t`` by Gauss–Hermite.
    """
    fam = get_cost(name)
    n_t = checks.integer("n_t", n_t, min=1)
    n_d = checks.integer("n_d", n_d, min=1)
    width = checks.real("width", width, min=0, inclusive=(False, True))
    la, mu, sp, sr = _moments(log_a, mu_post, sd_post, sigma_r)
    check_cost_params(fam.name, cost_params)
    cp = {k: np.asarray(v, dtype=float)[..., None, None] * np.ones(la.shape)[..., None, None]
          for k, v in dict(cost_params or {}).items()}
    x, y, tw, w = rotated_grid(la - mu, la, mu, sp, sr, n_t=n_t, n_d=n_d, width=width, xp=np)
    cost = fam.fn(np.exp(x), np.exp(y), cp, np)
    return np.einsum("...td,t,...d->...", cost, tw, w)


def expected_cost_mc(name: str, log_a: np.ndarray, mu_post: np.ndarray, sd_post: np.ndarray,
                     sigma_r: np.ndarray, cost_params: Mapping[str, Any] | None = None, *,
                     n_samples: int = 10_000, seed: int = 0) -> np.ndarray:
    """Monte-Carlo expected cost with common random numbers (fixed ``seed`` -> same draws)."""
    fam = get_cost(name)
    n_samples = checks.integer("n_samples", n_samples, min=1)
    seed = checks.integer("seed", seed, min=0)
    la, mu, sp, sr = _moments(log_a, mu_post, sd_post, sigma_r)
    check_cost_params(fam.name, cost_params)
    rng = np.random.default_rng(seed)
    z, eps = rng.standard_normal((2, n_samples))
    s = np.exp(mu[..., None] + sp[..., None] * z)
    r = np.exp(la[..., None] + sr[..., None] * eps)
    cp = {k: np.asarray(v, dtype=float)[..., None] * np.ones(la.shape)[..., None]
          for k, v in dict(cost_params or {}).items()}
    return fam.fn(r, s, cp, np).mean(axis=-1)
