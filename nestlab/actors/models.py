"""The log-normal Bayesian actor (Straub et al. 2025, arXiv 2409.03710, Sec. 2; spec Sec. 1).

Everything is log-normal and positive:

* subjective prior ``s ~ LogNormal(log mu0, sigma0)`` (``mu0`` is the prior *median*);
* perception ``m | s ~ LogNormal(log s, sigma)``;
* posterior ``log s | m ~ Normal(mu_post, sigma_post)`` with
  ``sigma_post^2 = 1 / (1/sigma0^2 + 1/sigma^2)``, ``mu_post = w0 log mu0 + wm log m``,
  ``w0 = sigma^2 / (sigma0^2 + sigma^2)``, ``wm = sigma0^2 / (sigma0^2 + sigma^2)``;
* motor noise ``r | a ~ LogNormal(log a, sigma_r)`` (the planned action ``a`` is the median
  response).

The functions here are written with plain arithmetic so that they accept numpy arrays, torch
tensors and JAX arrays alike (only :func:`simulate` and :func:`response_law` use numpy).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.costs import (
    all_costs,
    check_cost_params,
    closed_form_action,
    expected_cost_mc,
    expected_cost_quadrature,
    get_cost,
)

__all__ = ["METHODS", "PARAM_NAMES", "ActorParams", "Posterior", "check_stimulus_range",
           "optimal_action", "posterior", "response_law", "sample_measurements", "simulate"]

#: the actor's (perceptual / prior / motor) parameter names, in the network's input order
PARAM_NAMES = ("sigma", "sigma0", "mu0", "sigma_r")


class ActorParams(NamedTuple):
    """Perceptual, prior and motor parameters of a log-normal Bayesian actor.

    Attributes:
        sigma: perceptual noise (sd of ``log m`` given ``log s``).
        sigma0: prior width (sd of ``log s`` under the subjective prior).
        mu0: prior median (``exp`` of the prior mean of ``log s``).
        sigma_r: motor noise (sd of ``log r`` given the planned action ``log a``).
    """

    sigma: Any
    sigma0: Any
    mu0: Any
    sigma_r: Any

    def validate(self) -> ActorParams:
        """Return ``self`` if every field is finite and positive, else raise ``ValueError``.

        Raises:
            TypeError: a field that is not a number or an array of numbers.
            ValueError: naming the offending field (e.g. ``invalid params.sigma0: ... out of
                range ...; valid range: value > 0``), for NaN, inf or a value <= 0.
        """
        for name, value in zip(self._fields, self, strict=True):
            checks.array(f"params.{name}", value, min=0, inclusive=(False, True))
        return self


class Posterior(NamedTuple):
    """Gaussian posterior over ``log s`` given a measurement (spec Sec. 1)."""

    mu: Any
    sd: Any
    w0: Any
    wm: Any


#: value types :func:`posterior` checks (torch and JAX values may be traced, so are not)
_CONCRETE = (float, int, np.ndarray, np.generic)


def posterior(m: Any, params: ActorParams) -> Posterior:
    """The actor's posterior ``log s | m ~ Normal(mu_post, sigma_post)`` (paper Sec. 2.1).

    Args:
        m: measurement(s), positive (numpy, torch or JAX array, or float).
        params: the actor's parameters (may be arrays broadcasting against ``m``).

    Returns:
        :class:`Posterior` with ``mu`` (mean of log s), ``sd``, and the weights ``w0``, ``wm``.

    Raises:
        TypeError: ``params`` is not an :class:`ActorParams`.
        ValueError: concrete (Python or numpy) values out of range: a parameter or a measurement
            that is not finite and positive. Torch and JAX values are not checked here: the
            function runs inside their programs, where values are traced.
    """
    checks.instance("params", params, ActorParams)
    if all(isinstance(v, _CONCRETE) for v in params):
        params.validate()
    if isinstance(m, _CONCRETE):
        checks.array("m", m, min=0, inclusive=(False, True))
    v0 = params.sigma0 ** 2
    v = params.sigma ** 2
    w0 = v / (v0 + v)
    wm = v0 / (v0 + v)
    log = np.log if isinstance(m, float | int | np.ndarray) else _log_of(m)
    mu = w0 * log(params.mu0) + wm * log(m)
    sd = (v0 * v / (v0 + v)) ** 0.5
    return Posterior(mu, sd, w0, wm)


def _log_of(x: Any):
    mod = type(x).__module__
    if mod.startswith("torch"):
        import torch

        return lambda v: torch.log(torch.as_tensor(v, dtype=x.dtype))
    if mod.startswith("jax") or mod.startswith("jaxlib"):
        import jax.numpy as jnp

        return jnp.log
    return np.log


def _check_positive_array(name: str, x: Any) -> np.ndarray:
    return checks.array(name, x, ndim=1, min=0, inclusive=(False, True))


def check_stimulus_range(s_low: Any, s_high: Any) -> tuple[float, float]:
    """``(s_low, s_high)`` as floats if both are positive and ``s_low < s_high``.

    The stimulus range of a simulated design (``s ~ U(s_low, s_high)``, spec Sec. 1).

    Raises:
        TypeError: not a real number.
        ValueError: not positive, or ``s_high <= s_low``.
    """
    lo = checks.real("s_low", s_low, min=0, inclusive=(False, True))
    hi = checks.real("s_high", s_high, min=0, inclusive=(False, True))
    if not lo < hi:
        raise ValueError(f"invalid s_high {hi:g}: not above s_low {lo:g}; valid: s_low < s_high")
    return lo, hi


def sample_measurements(stimuli: Any, sigma: Any, *, rng: np.random.Generator) -> np.ndarray:
    """Draw ``m ~ LogNormal(log s, sigma)`` for each stimulus."""
    s = checks.array("stimuli", stimuli, min=0, inclusive=(False, True))
    sd = checks.array("sigma", sigma, min=0)
    checks.instance("rng", rng, np.random.Generator)
    try:
        np.broadcast_shapes(s.shape, sd.shape)
    except ValueError:
        raise ValueError(f"invalid sigma: shape {sd.shape} does not broadcast against stimuli "
                         f"{s.shape}; valid: a scalar or one value per stimulus") from None
    return s * np.exp(sd * rng.standard_normal(s.shape))


def simulate(
    stimuli: Any,
    params: ActorParams,
    *,
    cost: str = "quadratic",
    cost_params: Mapping[str, float] | None = None,
    policy: Any = None,
    conditions: Any = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Simulate an actor's responses to a stimulus design (spec Sec. 1).

    Args:
        stimuli: 1-d array of positive stimuli (the experimenter's design).
        params: the actor; ``params.sigma`` may be a sequence with one perceptual noise per
            condition (then ``conditions`` gives each trial's condition index).
        cost: cost family name (see :data:`nestlab.actors.COSTS`).
        cost_params: the family's parameters, e.g. ``{"beta": 0.9}``.
        policy: ``None`` for :func:`optimal_action` (closed form when
            available, else the numerical solver), or a callable ``policy(m, params, cost_params)``
            such as a trained network.
        conditions: integer condition index per trial (needed when ``sigma`` is per condition).
        seed: random seed (measurement and motor noise).

    Returns:
        dict with ``stimuli``, ``measurements``, ``actions``, ``responses`` and ``conditions``.
    """
    s = _check_positive_array("stimuli", stimuli)
    checks.instance("params", params, ActorParams)
    params.validate()
    for name in ("sigma0", "mu0", "sigma_r"):
        if np.ndim(getattr(params, name)) != 0:
            raise ValueError(f"invalid params.{name}: shape {np.shape(getattr(params, name))}; "
                             "valid: a scalar (only sigma may have one value per condition)")
    cp = check_cost_params(cost, cost_params)
    seed = checks.integer("seed", seed, min=0)
    if policy is not None and not callable(policy):
        raise TypeError(f"invalid type for policy: {type(policy).__name__} "
                        f"({checks.describe(policy)}); valid types: None or a callable "
                        "policy(m, params, cost_params)")
    sig = np.atleast_1d(np.asarray(params.sigma, dtype=float))
    if sig.ndim != 1:
        raise ValueError(f"invalid params.sigma: shape {sig.shape}; valid: a scalar or one "
                         "value per condition")
    if conditions is None:
        if sig.size != 1:
            raise ValueError(f"invalid conditions None: params.sigma has {sig.size} values (one "
                             "per condition); valid: an integer label per stimulus")
        cond = np.zeros(s.size, dtype=int)
    else:
        cond = checks.array("conditions", conditions, dtype="int", shape=(s.size,),
                            min=0, max=sig.size - 1)
    sigma_trial = sig[cond] if sig.size > 1 else np.full(s.size, sig[0])
    rng = np.random.default_rng(seed)
    m = sample_measurements(s, sigma_trial, rng=rng)
    p_trial = ActorParams(sigma_trial, params.sigma0, params.mu0, params.sigma_r)
    a = optimal_action(cost, m, p_trial, cp) if policy is None else np.asarray(
        policy(m, p_trial, cp), dtype=float)
    r = a * np.exp(float(params.sigma_r) * rng.standard_normal(s.shape))
    return {"stimuli": s, "measurements": m, "actions": a, "responses": r, "conditions": cond}


def response_law(stimuli: Any, params: ActorParams, *, beta: float = 1.0) -> tuple[Any, Any]:
    """Exact law of ``log r | s`` for the quadratic(+effort) actor (spec Sec. 1).

    With ``a* = beta E[s|m] exp(-3 sigma_r^2/2)`` and ``E[s|m] = exp(mu_post + sigma_post^2/2)``,
    ``log a*`` is linear in ``log m``, so ``log r | s ~ Normal(c + wm log s, wm^2 sigma^2 +
    sigma_r^2)`` with ``c = log beta + w0 log mu0 + sigma_post^2/2 - 3 sigma_r^2/2``.

    Returns:
        ``(mean, sd)`` of ``log r`` for each stimulus.
    """
    stimuli = checks.array("stimuli", stimuli, min=0, inclusive=(False, True))
    checks.instance("params", params, ActorParams)
    params.validate()
    beta = checks.real("beta", beta, min=0, inclusive=(False, True))
    post = posterior(1.0, params)  # mu at m = 1 is w0 log mu0
    c = math.log(beta) + post.mu + post.sd ** 2 / 2 - 1.5 * params.sigma_r ** 2
    mean = c + post.wm * np.log(np.asarray(stimuli, dtype=float))
    sd = np.sqrt(post.wm ** 2 * params.sigma ** 2 + params.sigma_r ** 2)
    return mean, sd


# --------------------------------------------------------------- optimal action (spec Sec. 2)


def _golden_section(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray,
                    *, iters: int = 40) -> np.ndarray:
    """Vectorised golden-section minimisation of ``f`` on ``[lo, hi]`` (elementwise)."""
    g = (math.sqrt(5) - 1) / 2
    a, b = lo.copy(), hi.copy()
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        left = fc < fd  # minimum in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        keep = np.where(left, c, d)  # the interior point carried over
        fkeep = np.where(left, fc, fd)
        new = np.where(left, b - g * (b - a), a + g * (b - a))
        fnew = f(new)
        c, d = np.where(left, new, keep), np.where(left, keep, new)
        fc, fd = np.where(left, fnew, fkeep), np.where(left, fkeep, fnew)
    return (a + b) / 2


METHODS = ("analytic", "numerical", "mc")


def optimal_action(cost: str, m: Any, params: ActorParams,
                   cost_params: Mapping[str, Any] | None = None, *,
                   method: str | None = None, n_samples: int = 10_000, seed: int = 0) -> np.ndarray:
    """Optimal planned action ``a*(m, theta)`` (paper Eq. 3; spec Sec. 2).

    Args:
        cost: family name (see :data:`COSTS`).
        m: measurement(s).
        params: actor parameters (arrays broadcast against ``m``).
        cost_params: the family's parameters.
        method: ``"analytic"`` (closed form), ``"numerical"`` (rotated quadrature + golden
            section), ``"mc"`` (common-random-number Monte Carlo + golden section), or ``None``
            for analytic when available, else numerical.
        n_samples, seed: for ``method="mc"``.

    Returns:
        numpy array of ``a*`` with the broadcast shape of ``m`` and the parameters.
    """
    fam = get_cost(cost)
    cp = check_cost_params(fam.name, cost_params)
    if method is None:
        method = "analytic" if fam.closed_form is not None else "numerical"
    checks.choice("method", method, METHODS)
    if method == "analytic" and fam.closed_form is None:
        valid = [k for k, f in all_costs().items() if f.closed_form is not None]
        raise ValueError(f"invalid method 'analytic' for cost {fam.name!r}: it has no closed "
                         f"form; valid: 'numerical' or 'mc', or a cost in {', '.join(valid)}")
    n_samples = checks.integer("n_samples", n_samples, min=1)
    seed = checks.integer("seed", seed, min=0)
    checks.instance("params", params, ActorParams)
    params = ActorParams(*(np.asarray(v, dtype=float) for v in params)).validate()
    m = checks.array("m", m, min=0, inclusive=(False, True))
    post = posterior(m, params)
    mu, sp = np.broadcast_arrays(post.mu, post.sd)
    sr = np.broadcast_to(params.sigma_r, mu.shape)
    if method == "analytic":
        return np.asarray(closed_form_action(cost, mu, sp, sr, cp))
    cpb = {k: np.broadcast_to(np.asarray(v, dtype=float), mu.shape) for k, v in cp.items()}
    if method == "numerical":
        def f(la):
            return expected_cost_quadrature(cost, la, mu, sp, sr, cpb)
    else:
        def f(la):
            return expected_cost_mc(cost, la, mu, sp, sr, cpb, n_samples=n_samples, seed=seed)
    spread = 3.0 * np.sqrt(sp ** 2 + sr ** 2) + 0.5
    lo, hi = mu - spread - 3.0, mu + spread
    return np.exp(_golden_section(f, np.asarray(lo, float), np.asarray(hi, float)))
