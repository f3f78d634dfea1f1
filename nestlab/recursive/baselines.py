"""Baselines for GR2's experiments (GR2 Sec. 5): independent and centralised-critic learners.

* ``DDPG`` — independent learners (Lillicrap et al. 2016) in a stateless game: each agent fits
  ``Q_i(a_i)`` to its own rewards, ignoring the others, and moves its deterministic action
  ``mu_i`` up ``Q_i``; exploration is Gaussian noise on the action.
* ``MADDPG`` — centralised critic (Lowe et al. 2017): ``Q_i(a_i, a_-i)`` sees everyone's action;
  the actor maximises ``Q_i(mu_i, a_-i)`` with the others' actions from the replay batch.
* Level 0 (uniform play) and level 1 are special cases of GR2: level 0 is the uniform
  non-strategic player (:func:`uniform_actions`), level 1 is ``GR2Config(level=1)``.

The learners share :class:`~nestlab.recursive.gr2.GR2Learner`'s interface (``act``, ``update``)
and its batching: ``n_runs x n_players`` agents stacked along one axis. A stateless deterministic
policy is a small MLP of a constant input (equivalent to a learned action, kept as an MLP so every
method has "small MLPs").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nestlab import checks
from nestlab.recursive.gr2 import joint_input, split_joint
from nestlab.recursive.nets import BatchedMLP, mlp_sizes

__all__ = ["KINDS", "DDPGConfig", "DDPGLearner", "uniform_actions"]

KINDS = ("DDPG", "MADDPG")


@dataclass(frozen=True)
class DDPGConfig:
    """Hyper-parameters of the DDPG / MADDPG baselines.

    Args:
        centralised: ``False`` for independent DDPG, ``True`` for MADDPG's centralised critic.
        hidden: hidden width.
        lr: Adam learning rate.
        noise_std: std of the Gaussian exploration noise (action units, actions in [-1, 1]).
    """

    centralised: bool = False
    hidden: int = 32
    lr: float = 3e-3
    noise_std: float = 0.1

    def __post_init__(self) -> None:
        w = "DDPGConfig"
        checks.boolean("centralised", self.centralised, where=w)
        checks.integer("hidden", self.hidden, min=1, where=w)
        checks.real("lr", self.lr, min=0, inclusive=(False, True), where=w)
        checks.real("noise_std", self.noise_std, min=0, where=w)


class DDPGLearner(torch.nn.Module):
    """Independent (``centralised=False``) or MADDPG-style learners, batched over agents."""

    def __init__(self, n_runs: int, n_players: int, config: DDPGConfig = DDPGConfig(), *,
                 seed: int = 0) -> None:
        super().__init__()
        w = "DDPGLearner"
        checks.integer("n_runs", n_runs, min=1, where=w)
        checks.integer("n_players", n_players, min=2, where=w)
        checks.instance("config", config, DDPGConfig, where=w)
        checks.integer("seed", seed, min=0, where=w)
        self.config = config
        self.n_runs, self.n_players = int(n_runs), int(n_players)
        A, h = self.n_agents, config.hidden
        g = torch.Generator().manual_seed(int(seed))
        q_in = n_players if config.centralised else 1
        self.q = BatchedMLP(A, mlp_sizes(q_in, 1, h), generator=g)
        self.mu = BatchedMLP(A, mlp_sizes(1, 1, h), generator=g)
        self.optimizer = torch.optim.Adam([*self.q.parameters(), *self.mu.parameters()], lr=config.lr)

    @property
    def n_agents(self) -> int:
        return self.n_runs * self.n_players

    def policy(self, batch: int = 1) -> torch.Tensor:
        """Deterministic actions ``[A, batch, 1]``."""
        x = torch.ones(self.n_agents, batch, 1)
        return torch.tanh(self.mu(x))

    def _q(self, own: torch.Tensor, others: torch.Tensor, params=None) -> torch.Tensor:
        x = joint_input(own, others) if self.config.centralised else own
        return self.q(x, params)

    @torch.no_grad()
    def act(self, generator: torch.Generator, *, deterministic: bool = False) -> torch.Tensor:
        """Joint actions ``[R, n]``: ``mu`` plus clipped Gaussian exploration noise."""
        a = self.policy(1)
        if not deterministic:
            a = (a + self.config.noise_std * torch.randn(a.shape, generator=generator)).clamp(-1, 1)
        return a.reshape(self.n_runs, self.n_players)

    def losses(self, own: torch.Tensor, others: torch.Tensor, reward: torch.Tensor) -> dict[str, torch.Tensor]:
        """Critic and actor losses (summed over agents, mean over the batch)."""
        q_loss = (0.5 * (self._q(own, others) - reward).pow(2)).mean(1).sum()
        mu = self.policy(own.shape[1])
        pi_loss = (-self._q(mu, others, self.q.detached())).mean(1).sum()
        return {"q": q_loss, "pi": pi_loss}

    def update(self, joint: torch.Tensor, reward: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """One gradient step on a replay batch ``joint [B,R,n]``, ``reward [B,R,n]`` (scaled)."""
        own, others = split_joint(joint, self.n_players)
        r, _ = split_joint(reward, self.n_players)
        parts = self.losses(own, others, r)
        self.optimizer.zero_grad(set_to_none=True)
        (parts["q"] + parts["pi"]).backward()
        self.optimizer.step()
        return {k: float(v.detach()) for k, v in parts.items()}


def uniform_actions(n_runs: int, n_players: int, generator: torch.Generator) -> torch.Tensor:
    """Level-0 (non-strategic) play: uniform actions ``[R, n]`` in [-1, 1]."""
    return torch.rand(n_runs, n_players, generator=generator) * 2 - 1
