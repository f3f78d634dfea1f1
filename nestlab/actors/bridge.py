"""Torch -> JAX bridge for the policy network (spec Sec. 3, "Bridge to numpyro").

NUTS (numpyro) cannot call torch. :func:`export_policy` turns a trained network into plain numpy
arrays plus its configuration (:class:`JaxPolicy`); :func:`jax_forward` evaluates exactly the same
function (:func:`nestlab.actors.policy.forward`) with ``jax.numpy`` operations, so the network
can sit inside a numpyro likelihood and be differentiated by JAX.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.policy import Ops, Policy, PolicyNet, forward, m_dependent_mlp, theta_names

__all__ = ["JaxPolicy", "export_policy", "jax_forward", "jax_ops"]


class JaxPolicy(NamedTuple):
    """An exported policy: numpy weights (``W{i}`` (in, out), ``b{i}``) and configuration."""

    weights: dict[str, np.ndarray]
    cost: str
    head: str
    box: dict[str, tuple[float, float]]

    @property
    def m_dependent(self) -> bool:
        """Whether the MLP needs the measurement (else it runs once per theta)."""
        return m_dependent_mlp(self.cost, self.head)


def jax_ops() -> Ops:
    """The array operations of :func:`nestlab.actors.policy.forward` in ``jax.numpy``."""
    import jax
    import jax.numpy as jnp

    return Ops(jnp.exp, jnp.log, jax.nn.sigmoid, jax.nn.softplus,
                lambda xs: jnp.concatenate(xs, axis=-1), lambda xs: jnp.stack(xs, axis=-1))


def export_policy(policy: Policy | PolicyNet) -> JaxPolicy:
    """Export a torch policy's weights to numpy (float32), ready for :func:`jax_forward`."""
    checks.instance("policy", policy, (Policy, PolicyNet))
    net = policy.net if isinstance(policy, Policy) else policy
    w = {k: v.detach().cpu().numpy().astype(np.float32).copy() for k, v in net.weights().items()}
    return JaxPolicy(w, net.cost, net.head, dict(net.box))


def jax_forward(policy: JaxPolicy, m: Any, theta: Mapping[str, Any]) -> Any:
    """Planned action ``a(m, theta)`` computed with ``jax.numpy`` (differentiable, jit-able)."""
    import jax.numpy as jnp

    checks.instance("policy", policy, JaxPolicy)
    checks.mapping("theta", theta, required=theta_names(policy.cost))
    w = {k: jnp.asarray(v) for k, v in policy.weights.items()}
    return forward(w, jnp.asarray(m), {k: jnp.asarray(v) for k, v in theta.items()},
                   cost=policy.cost, head=policy.head, box=policy.box, ops=jax_ops())
