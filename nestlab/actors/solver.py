"""A differentiable JAX solver for the Bayes-optimal action without closed form (spec Sec. 2).

The non-amortized baseline of spec Sec. 6 ("the same posterior computed with a numerical inner
optimisation of a* inside the likelihood, for the asymmetric cost"): instead of the amortized
network, every evaluation of the log density solves ``a*(m, theta) = argmin_a E_s E_r cost(r, s)``
numerically, inside the numpyro model, and NUTS differentiates through the solution.

The benchmark's family is ``asymmetric_quadratic``, ``cost = 2 |alpha - H(r - s)| (r - s)^2`` (no
closed form for a*; see :mod:`nestlab.actors.costs`). Its first-order condition, exactly
(``x = log r ~ N(log a, sigma_r^2)``, ``y = log s ~ N(mu_post, sd_post^2)``, independent;
``d = x - y ~ N(u, S)`` with ``u = log a - mu_post`` and ``S = sd_post^2 + sigma_r^2``):

* ``d/d log a`` of the expected cost is ``4 E[w(d) (r - s) r]`` with ``w = 1 - alpha`` for
  ``d > 0`` and ``alpha`` otherwise (the jump of ``w`` meets ``(r - s)^2 = 0``, so it adds
  nothing). Writing ``w = alpha + (1 - 2 alpha) 1(d > 0)`` leaves four expectations of the form
  ``E[exp(p x + q y) 1(d > 0)]``.
* Tilting by ``exp(p x + q y)`` shifts the mean of ``d`` by ``p sigma_r^2 - q sd_post^2``, so
  ``E[exp(p x + q y) 1(d > 0)] = E[exp(p x + q y)] Phi((u + p sigma_r^2 - q sd_post^2) / sqrt S)``.
  With ``r^2`` (``p = 2, q = 0``) and ``r s`` (``p = q = 1``), divided by the positive
  ``exp(log a + mu_post + S/2)``, the condition reads ``G(v) = 0`` with ``v = u + 3 sigma_r^2/2 -
  sd_post^2/2`` and::

      G(v) = alpha (e^v - 1) + (1 - 2 alpha) (e^v Phi(A) - Phi(A - sqrt S)),
      A = (v + sigma_r^2/2 + sd_post^2/2) / sqrt S.

  ``alpha = 1/2`` gives ``v = 0``, the quadratic cost's closed form (``a* = E[s|m]
  exp(-3 sigma_r^2/2)``), which is the Newton start. The expected cost is convex in ``a``
  (a convex cost of ``r``, linear in ``a``), so the root is unique.

Two ways to compute the expectation (``SolverOptions.expectation``):

* ``"exact"``: ``G`` above (normal CDFs), asymmetric quadratic only;
* ``"quadrature"``: ``E[d cost/dr * r]`` by the rotated Gauss–Hermite x Gauss–Legendre
  quadrature of :func:`nestlab.actors.costs.expected_cost_quadrature`, written in JAX, for any
  convex family of :data:`SOLVER_COSTS` — the generic numerical inner optimisation the network
  replaces (the spec's "numerical solver", in JAX).

Either way the root search is Newton in ``u = log a - mu_post`` with a clipped step, from the
quadratic cost's answer, a fixed number of iterations (:data:`NEWTON_ITERATIONS`), written as a
:func:`jax.custom_jvp` whose derivative is the implicit-function theorem (``du/dtheta =
-G_theta / G_u`` at the root), so NUTS differentiates the solution, not the unrolled
iterations. For a cost homogeneous in ``(r, s)`` (asymmetric quadratic, quadratic, absolute)
``log a* - mu_post`` does not depend on ``m``: ``per_element=False`` (default) then solves once
per distinct ``(sd_post, sigma_r, cost parameters)``, and ``per_element=True`` solves at every
measurement, as a generic inner optimiser (the only option for a non-homogeneous cost) must.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from nestlab import checks
from nestlab.actors.costs import CostFamily, get_cost, rotated_grid

__all__ = ["EXPECTATIONS", "NEWTON_ITERATIONS", "SOLVER_COSTS", "SolverOptions",
           "check_solver_cost", "optimality_condition", "quadrature_condition", "solver_action",
           "solver_log_offset"]

#: Newton iterations from the quadratic cost's answer: measured in float32 on 2,000 random
#: points of the training box, the largest relative change of a* from 5 to 30 iterations is
#: 2.4e-7 (float32 resolution) for both expectations; 6 leaves one to spare
NEWTON_ITERATIONS = 6

#: how the posterior expected cost is computed, and the families each method solves:
#: ``"exact"`` (normal CDFs, asymmetric quadratic only) or ``"quadrature"`` (rotated
#: Gauss–Hermite x Gauss–Legendre, any of the convex families below)
EXPECTATIONS = ("exact", "quadrature")
SOLVER_COSTS = {"exact": ("asymmetric_quadratic",),
                "quadrature": ("asymmetric_quadratic", "quadratic", "quadratic_effort",
                               "absolute", "absolute_effort")}


class SolverOptions(NamedTuple):
    """Options of the in-model solver (``fit(..., policy="solver", network=SolverOptions(...))``).

    Attributes:
        iterations: Newton iterations per solve (>= 1).
        per_element: solve at every (trial, quadrature node) instead of once per distinct
            ``(sd_post, sigma_r, cost parameters)`` (possible for homogeneous costs only; see
            the module docstring).
        expectation: ``"exact"`` (normal CDFs) or ``"quadrature"`` (see
            :func:`quadrature_condition`; any family of ``SOLVER_COSTS["quadrature"]``).
        n_t, n_d, width: the quadrature's Gauss–Hermite nodes in ``t``, Gauss–Legendre nodes
            per segment in ``d``, and half-width of the ``d`` range in sds.
    """

    iterations: int = NEWTON_ITERATIONS
    per_element: bool = False
    expectation: str = "exact"
    n_t: int = 12
    n_d: int = 10
    width: float = 8.0

    def validate(self) -> SolverOptions:
        """Return ``self`` if the options are valid, else raise ``TypeError``/``ValueError``."""
        checks.integer("iterations", self.iterations, min=1, max=100)
        checks.boolean("per_element", self.per_element)
        checks.choice("expectation", self.expectation, EXPECTATIONS)
        checks.integer("n_t", self.n_t, min=1, max=200)
        checks.integer("n_d", self.n_d, min=1, max=200)
        checks.real("width", self.width, min=0, inclusive=(False, True))
        return self


def check_solver_cost(cost: str | CostFamily, expectation: str = "exact") -> CostFamily:
    """The resolved family if ``expectation`` can solve it, else ``ValueError`` naming the valid."""
    fam = get_cost(cost)
    expectation = checks.choice("expectation", expectation, EXPECTATIONS)
    if fam.name not in SOLVER_COSTS[expectation]:
        raise ValueError(f"invalid cost {fam.name!r} for policy 'solver' (expectation "
                         f"{expectation!r}): no JAX solver for it; valid choices: "
                         f"{', '.join(SOLVER_COSTS[expectation])}")
    return fam


def optimality_condition(u: Any, sd_post: Any, sigma_r: Any, alpha: Any) -> Any:
    """``G`` of the module docstring at ``u = log a - mu_post``: zero at a*, increasing through it.

    Exact (normal CDFs), asymmetric quadratic cost.
    """
    import jax.numpy as jnp
    from jax.scipy.special import ndtr

    S = sd_post ** 2 + sigma_r ** 2
    rs = jnp.sqrt(S)
    v = u + 1.5 * sigma_r ** 2 - 0.5 * sd_post ** 2
    A = (v + 0.5 * sigma_r ** 2 + 0.5 * sd_post ** 2) / rs
    ev = jnp.exp(v)
    return alpha * (ev - 1.0) + (1.0 - 2.0 * alpha) * (ev * ndtr(A) - ndtr(A - rs))


def quadrature_condition(cost: str | CostFamily, u: Any, mu_post: Any, sd_post: Any,
                         sigma_r: Any, cost_params: Mapping[str, Any], *, n_t: int = 12,
                         n_d: int = 10, width: float = 8.0) -> Any:
    """``d/d log a`` of the posterior expected cost at ``log a = mu_post + u``, by quadrature.

    The rotated quadrature of :func:`nestlab.actors.costs.expected_cost_quadrature` (``d = log r
    - log s`` by Gauss–Legendre on segments split at the kink ``d = 0`` and at its mean, the
    independent ``t`` by Gauss–Hermite) applied to ``E[d cost / d r * r]``, written in
    ``jax.numpy`` with the cost's derivative by forward-mode autodiff. Works for any family.
    """
    import jax
    import jax.numpy as jnp

    fam = get_cost(cost)
    names = fam.params
    u, mu, sp, sr, *cpv = jnp.broadcast_arrays(u, mu_post, sd_post, sigma_r,
                                                *(cost_params[k] for k in names))
    x, y, tw, w = rotated_grid(u, mu + u, mu, sp, sr, n_t=n_t, n_d=n_d, width=width, xp=jnp)
    r, s = jnp.exp(x), jnp.exp(y)
    cp = {k: v[..., None, None] for k, v in zip(names, cpv, strict=True)}
    _, dcost = jax.jvp(lambda rr: fam.fn(rr, s, cp, jnp), (r,), (jnp.ones_like(r),))
    return jnp.einsum("...td,t,...d->...", dcost * r, jnp.asarray(tw, r.dtype), w)


def _newton(cond, start, params, iterations: int):
    import jax
    import jax.numpy as jnp

    u = start
    for _ in range(iterations):
        val, slope = jax.jvp(lambda x: cond(x, *params), (u,), (jnp.ones_like(u),))
        # a clipped step keeps a wild first step on the box's edge from overshooting
        u = u - jnp.clip(val / slope, -1.0, 1.0)
    return u


def _root(cond, iterations: int, sd_at: int):
    """``solve(*params)``: the root ``u`` of ``cond(u, *params)``, differentiated implicitly.

    ``params[sd_at]`` and ``params[sd_at + 1]`` are ``sd_post`` and ``sigma_r``.
    """
    import jax
    import jax.numpy as jnp

    def start(params):  # the quadratic cost's exact answer (alpha = 1/2, beta = 1)
        shape = jnp.broadcast_shapes(*(jnp.shape(p) for p in params))
        sd, sr = params[sd_at], params[sd_at + 1]
        return jnp.broadcast_to(0.5 * sd ** 2 - 1.5 * sr ** 2, shape)

    @jax.custom_jvp
    def solve(*params):
        return _newton(cond, start(params), params, iterations)

    @solve.defjvp
    def solve_jvp(primals, tangents):
        u = solve(*primals)
        _, g_u = jax.jvp(lambda x: cond(x, *primals), (u,), (jnp.ones_like(u),))
        _, g_dot = jax.jvp(lambda *p: cond(u, *p), primals, tangents)
        return u, -g_dot / g_u

    return solve


def solver_log_offset(sd_post: Any, sigma_r: Any, alpha: Any, *,
                      iterations: int = NEWTON_ITERATIONS) -> Any:
    """``log a* - mu_post`` of the asymmetric quadratic actor, exact expectation (JAX).

    Args:
        sd_post: posterior sd of ``log s``.
        sigma_r: motor noise.
        alpha: asymmetry (``alpha > 0.5`` penalises undershoot more).
        iterations: Newton iterations.

    Returns:
        the offset, with the broadcast shape of the inputs (differentiable, jit-able).
    """
    iterations = checks.integer("iterations", iterations, min=1, max=100)
    return _root(optimality_condition, iterations, 0)(sd_post, sigma_r, alpha)


def solver_action(cost: str | CostFamily, mu_post: Any, sd_post: Any, sigma_r: Any,
                  cost_params: Mapping[str, Any], *,
                  options: SolverOptions | None = None) -> Any:
    """Optimal planned action ``a*`` solved numerically in JAX (paper Eq. 3; spec Sec. 2).

    Same signature as :func:`nestlab.actors.costs.closed_form_action` (``xp=jax.numpy``), so it
    can replace a closed form inside the numpyro model.

    Args:
        cost: a family in :data:`SOLVER_COSTS` for ``options.expectation`` (name or family).
        mu_post, sd_post: the actor's posterior moments of ``log s``.
        sigma_r: motor noise.
        cost_params: the family's parameters (``{"alpha": ...}``).
        options: :class:`SolverOptions` (default ``SolverOptions()``).

    Returns:
        ``a*`` with the broadcast shape of the inputs.

    Raises:
        ValueError: a family without a solver for the chosen expectation, or missing cost
            parameters.
        TypeError: ``options`` of the wrong type.
    """
    import functools

    import jax.numpy as jnp

    opts = (SolverOptions() if options is None
            else checks.instance("options", options, SolverOptions)).validate()
    fam = check_solver_cost(cost, opts.expectation)
    cp = checks.mapping("cost_params", cost_params, required=fam.params)
    cpv = tuple(cp[k] for k in fam.params)
    # homogeneous cost: log a* - mu_post does not depend on mu_post (module docstring)
    hoist = fam.homogeneous and not opts.per_element
    if opts.expectation == "exact":
        cond, sd_at = optimality_condition, 0
        params = (sd_post, sigma_r, *cpv)
    else:
        cond, sd_at = functools.partial(_quadrature_cond, fam, opts.n_t, opts.n_d,
                                        opts.width), 1
        params = (jnp.zeros(()) if hoist else mu_post, sd_post, sigma_r, *cpv)
    if not hoist:
        shape = jnp.broadcast_shapes(*(jnp.shape(p) for p in (mu_post, *params)))
        params = tuple(jnp.broadcast_to(p, shape) for p in params)
    return jnp.exp(mu_post + _root(cond, opts.iterations, sd_at)(*params))


def _quadrature_cond(fam, n_t, n_d, width, u, mu, sd, sr, *cpv):
    return quadrature_condition(fam, u, mu, sd, sr, dict(zip(fam.params, cpv, strict=True)),
                                n_t=n_t, n_d=n_d, width=width)
