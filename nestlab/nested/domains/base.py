"""Domain-independent interfaces of the nested-inference machinery (Jha et al. 2024, Sec. 3).

A *domain* supplies states, the joint step, goals and per-step features for recognition
networks. A *hypothesis model* turns one observed episode into per-step log-likelihoods of
hypotheses ("interactive states" of the paper, Eq. 1-2): exact inference (:mod:`..exact`) and
importance sampling (:mod:`..importance`) only ever see this interface, so a new domain
(e.g. Driving) plugs in by implementing these two protocols.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["Domain", "HypothesisModel", "episode_steps"]


@runtime_checkable
class Domain(Protocol):
    """A multi-agent environment with a finite goal space.

    Attributes:
        n_agents: number of agents.
        action_names: names of the discrete actions (index = action id).
        goals: the level-0 goal space (a tuple of hashable goals).
        n_features: length of the per-step feature vector for recognition networks.
    """

    n_agents: int
    action_names: tuple[str, ...]
    goals: tuple[Any, ...]
    n_features: int

    def reset(self, seed: int) -> Any:
        """A random initial state, deterministic given ``seed``."""

    def step(self, state: Any, actions: tuple[int, ...]) -> Any:
        """The next state after all agents act (deterministic)."""

    def goal_satisfied(self, state: Any, goal_index: int) -> bool:
        """Whether goal ``goals[goal_index]`` holds in ``state``."""

    def features(self, state: Any, actions: tuple[int, ...], next_state: Any) -> np.ndarray:
        """Per-step feature vector (float32, length ``n_features``) for recognition networks."""


@runtime_checkable
class HypothesisModel(Protocol):
    """Per-step likelihoods of a finite hypothesis space given one observed episode.

    ``step_loglik(t, idx)`` is ``log p(observation at step t | hypothesis idx, history < t)``
    (vectorised over the hypothesis indices ``idx``); the cumulative sum over steps is the
    log-likelihood of Eq. (3) of the paper. Exact inference calls it with every hypothesis,
    importance sampling only with its particles, so both share the same likelihood code.
    """

    n_hyp: int
    n_steps: int

    def step_loglik(self, t: int, idx: np.ndarray) -> np.ndarray:
        """Log-likelihood of step ``t``'s observed action(s) for hypotheses ``idx``."""


def episode_steps(episode: Any) -> int:
    """Number of steps of an episode record: the rows of its ``actions`` (one per step).

    The ``n_steps`` property of both domains' episodes (``n_steps = property(episode_steps)``).
    """
    return int(episode.actions.shape[0])
