"""Batched networks: one small MLP per agent, all agents in one stacked tensor.

A :class:`BatchedMLP` holds weights ``[A, in, out]`` for ``A`` agents and evaluates inputs
``[A, B, in]`` with :func:`torch.baddbmm`, so 10 (or 120) agents cost one batched matrix
product per layer instead of a Python loop over agents. Agent ``j`` of a batched network is
exactly the network built from the slices ``weight[j]``, ``bias[j]``
(:meth:`BatchedMLP.select`), which the tests use to check batched == separate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

__all__ = ["BatchedMLP", "mlp_sizes", "split_gaussian", "squashed_sample"]

LOG_STD_MIN, LOG_STD_MAX = -5.0, 1.0


class BatchedMLP(nn.Module):
    """``A`` independent MLPs with ReLU hidden layers, evaluated together.

    Args:
        n_agents: ``A``.
        sizes: layer sizes ``[in, hidden..., out]``.
        generator: torch generator for the initialisation (uniform +-1/sqrt(fan_in), as
            :class:`torch.nn.Linear`).
    """

    def __init__(self, n_agents: int, sizes: Sequence[int], *,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        if n_agents < 1 or len(sizes) < 2:
            raise ValueError(f"BatchedMLP: invalid n_agents {n_agents} / sizes {list(sizes)}; valid: "
                             "n_agents >= 1 and at least [in, out] sizes")
        self.n_agents = int(n_agents)
        self.sizes = [int(s) for s in sizes]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            bound = 1.0 / math.sqrt(fan_in)
            w = (torch.rand(n_agents, fan_in, fan_out, generator=generator) * 2 - 1) * bound
            b = (torch.rand(n_agents, 1, fan_out, generator=generator) * 2 - 1) * bound
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))

    def forward(self, x: torch.Tensor, params: Mapping[str, torch.Tensor] | None = None) -> torch.Tensor:
        """Evaluate ``x[A, B, in] -> [A, B, out]``; ``params`` overrides the weights (e.g. detached)."""
        n = len(self.weights)
        for i in range(n):
            w = self.weights[i] if params is None else params[f"weights.{i}"]
            b = self.biases[i] if params is None else params[f"biases.{i}"]
            x = torch.baddbmm(b, x, w)
            if i < n - 1:
                x = torch.relu(x)
        return x

    def detached(self) -> dict[str, torch.Tensor]:
        """The parameters, detached (to evaluate without training this network)."""
        return {k: v.detach() for k, v in self.named_parameters()}

    def select(self, idx: Sequence[int] | torch.Tensor) -> BatchedMLP:
        """A new network holding copies of the agents ``idx`` (in that order)."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        out = BatchedMLP(len(idx), self.sizes)
        with torch.no_grad():
            for dst, src in zip(out.parameters(), self.parameters(), strict=True):
                dst.copy_(src[idx])
        return out

    @staticmethod
    def stack(nets: Sequence[BatchedMLP]) -> BatchedMLP:
        """Concatenate networks of equal sizes along the agent axis."""
        sizes = nets[0].sizes
        if any(n.sizes != sizes for n in nets):
            raise ValueError("BatchedMLP.stack(): invalid nets: sizes differ "
                             f"({sorted({tuple(n.sizes) for n in nets})}); valid: all networks with the same sizes")
        out = BatchedMLP(sum(n.n_agents for n in nets), sizes)
        with torch.no_grad():
            for i, dst in enumerate(out.parameters()):
                dst.copy_(torch.cat([list(n.parameters())[i] for n in nets], 0))
        return out


def mlp_sizes(n_in: int, n_out: int, hidden: int, depth: int = 2) -> list[int]:
    """``[n_in, hidden x depth, n_out]``."""
    return [n_in, *([hidden] * depth), n_out]


def split_gaussian(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a head ``[..., 2d]`` into ``(mean, log_std)`` with clamped log-std."""
    mean, log_std = out.chunk(2, -1)
    return mean, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)


def squashed_sample(mean: torch.Tensor, log_std: torch.Tensor,
                    eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reparameterised tanh-Gaussian sample and its log-density (summed over the last axis).

    ``a = tanh(mean + exp(log_std) eps)``; ``log p(a) = log N(u) - sum log(1 - tanh(u)^2)``,
    with the stable form ``log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u))``.
    """
    u = mean + log_std.exp() * eps
    log_n = (-0.5 * eps.pow(2) - log_std - 0.5 * math.log(2 * math.pi)).sum(-1, keepdim=True)
    log_det = (2.0 * (math.log(2.0) - u - nn.functional.softplus(-2.0 * u))).sum(-1, keepdim=True)
    return torch.tanh(u), log_n - log_det
