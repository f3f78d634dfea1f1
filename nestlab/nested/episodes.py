"""Simulated Construction episodes and their hypothesis models at levels 1 and 2.

* :func:`simulate_episode` draws Alice's goal and Bob's social goal, then runs the level-0 and
  level-1 agents (Bob updating his belief over Alice's goal by Bayes' rule) until Alice's goal
  holds or ``max_steps`` is reached (full-length episodes, not truncated).
* :class:`Level1Model`: hypotheses = Alice's goals ``g``; step likelihood ``pi0(a^A_t | s_t, g)``.
* :class:`Level2Model`: hypotheses = ``(sigma, g)`` pairs, index ``sigma * |G| + g`` (2 x |G|);
  step likelihood ``pi0(a^A_t | s_t, g) * pi1(a^B_t | s_t, b1_t, sigma)`` where Bob's belief
  ``b1_t`` is *simulated* by a level-1 inference routine (exact for EI, amortized importance
  sampling for the amortized methods: spec Sec. 1, "the inner level-1 belief is produced by running
  the level-1 amortized inference recursively"). Every simulated Bob observes the same history, so
  one level-1 run per step serves all level-2 particles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from nestlab.nested.domains.construction import Construction, ConstructionState
from nestlab.nested.planners import (
    AgentParams,
    Successors,
    level0_logpolicy,
    level1_logpolicy,
    successors,
)


class Episode(NamedTuple):
    """One simulated episode.

    Attributes:
        states: the T + 1 states.
        actions: (T, 2) actions of Alice and Bob.
        goal: Alice's goal index.
        social: Bob's social goal (0 help, 1 hinder).
        bob_beliefs: (T + 1, |G|) Bob's belief over Alice's goal before each step.
        features: (T, n_features) per-step recognition-network features.
        seed: the seed that produced it.
    """

    states: tuple[ConstructionState, ...]
    actions: np.ndarray
    goal: int
    social: int
    bob_beliefs: np.ndarray
    features: np.ndarray
    seed: int

    @property
    def n_steps(self) -> int:
        return int(self.actions.shape[0])

    @property
    def label(self) -> int:
        """Index of the true level-2 hypothesis ``(social, goal)``."""
        return self.social * self.bob_beliefs.shape[1] + self.goal


def simulate_episode(domain: Construction, seed: int, *, params: AgentParams | None = None,
                     goal: int | None = None, social: int | None = None) -> Episode:
    """Run Alice (level 0) and Bob (level 1) from a random start; deterministic given ``seed``."""
    params = params or AgentParams()
    rng = np.random.default_rng([seed, 7])
    n_goals = len(domain.goals)
    goal = int(rng.integers(n_goals)) if goal is None else int(goal)
    social = int(rng.integers(2)) if social is None else int(social)
    if not 0 <= goal < n_goals or social not in (0, 1):
        raise ValueError(f"goal must be in 0..{n_goals - 1} and social in (0 help, 1 hinder)")
    state = domain.reset(seed)
    all_goals = np.arange(n_goals)
    log_b = np.full(n_goals, -np.log(n_goals))
    states, actions, beliefs, feats = [state], [], [np.exp(log_b)], []
    for _ in range(domain.config.max_steps):
        if domain.goal_satisfied(state, goal):
            break
        sa, sb = successors(domain, state, 0), successors(domain, state, 1)
        pa = np.exp(level0_logpolicy(domain, sa, np.array([goal]), params)[:, 0])
        b = np.exp(log_b)
        pb = np.exp(level1_logpolicy(domain, sb, all_goals, b, params)[:, social])
        a = (int(rng.choice(6, p=pa / pa.sum())), int(rng.choice(6, p=pb / pb.sum())))
        # Bob's Bayes update over Alice's goal from her action (level-1 inference, Eq. 2)
        log_b = log_b + level0_logpolicy(domain, sa, all_goals, params)[a[0]]
        log_b -= np.logaddexp.reduce(log_b)
        nxt = domain.step(state, a)
        feats.append(domain.features(state, a, nxt))
        states.append(nxt)
        actions.append(a)
        beliefs.append(np.exp(log_b))
        state = nxt
    return Episode(tuple(states), np.array(actions, dtype=int).reshape(-1, 2), goal, social,
                   np.array(beliefs), np.array(feats, dtype=np.float32).reshape(-1, domain.n_features),
                   seed)


class StepCache:
    """Per-episode memo shared by the level-1 and level-2 models of one inference run.

    Holds each step's successors (computed on first use) and a table of Alice's level-0
    log-likelihoods ``log pi0(a^A_t | s_t, g)`` filled lazily, in one vectorised call per
    request over all missing (step, goal) pairs.
    """

    def __init__(self, domain: Construction, episode: Episode, params: AgentParams) -> None:
        self.domain, self.episode, self.params = domain, episode, params
        self._succ: dict[tuple[int, int], Successors] = {}
        T, n = episode.n_steps, domain.n_blocks
        self.level0 = np.full((T, len(domain.goals)), np.nan)
        # Alice's successors of every step in preallocated arrays (row t filled on first use),
        # so a catch-up over many past steps is one vectorised call without re-stacking
        self._alice = Successors(np.zeros((T, 6), int), np.zeros((T, 6), int),
                                 np.zeros((T, 6, n), int), np.zeros((T, 6, n), bool),
                                 np.zeros((T, 6, n + 1, n)))

    def succ(self, t: int, agent: int) -> Successors:
        key = (t, agent)
        if key not in self._succ:
            s = successors(self.domain, self.episode.states[t], agent)
            self._succ[key] = s
            if agent == 0:
                for dst, src in zip(self._alice, s, strict=True):
                    dst[t] = src
        return self._succ[key]

    def alice_loglik(self, ts: np.ndarray, goals: np.ndarray) -> np.ndarray:
        """``log pi0(a^A_t | s_t, g)`` for aligned arrays of steps and goals."""
        vals = self.level0[ts, goals]
        miss = np.isnan(vals)
        if miss.any():
            ng = self.level0.shape[1]
            pairs = np.unique(ts[miss] * ng + goals[miss])
            pt, pg = np.divmod(pairs, ng)
            for t in np.unique(pt):
                self.succ(int(t), 0)
            lp = level0_logpolicy(self.domain, self._alice, pg, self.params, pt)
            self.level0[pt, pg] = lp[self.episode.actions[pt, 0], np.arange(pg.size)]
            vals = self.level0[ts, goals]
        return vals


class Level1Model:
    """Level-1 hypothesis model: which goal is Alice pursuing? (|G| hypotheses)

    Args:
        domain, episode: the world and the observed episode.
        params: agent parameters.
        cache: a :class:`StepCache` to share with a level-2 model of the same run.
    """

    def __init__(self, domain: Construction, episode: Episode, *,
                 params: AgentParams | None = None, cache: StepCache | None = None) -> None:
        self.domain, self.episode = domain, episode
        self.params = params or AgentParams()
        self.n_hyp = len(domain.goals)
        self.n_steps = episode.n_steps
        self.cache = cache or StepCache(domain, episode, self.params)

    def step_loglik(self, t, idx: np.ndarray) -> np.ndarray:
        """``log pi0(a^A_t | s_t, g)`` for goals ``idx`` (``t`` scalar or aligned with ``idx``)."""
        idx = np.asarray(idx)
        return self.cache.alice_loglik(np.broadcast_to(t, idx.shape), idx)


BeliefFn = Callable[[int], tuple[np.ndarray, np.ndarray]]


class Level2Model:
    """Level-2 hypothesis model: is Bob helping or hindering, and what is Alice's goal?

    Args:
        domain: the world.
        episode: the observed episode.
        belief_fn: ``belief_fn(t) -> (goal_idx, weights)``: Bob's simulated belief over Alice's
            goal before step ``t`` (from steps ``< t``), produced by level-1 inference.
        params: agent parameters.
        cache: a :class:`StepCache` shared with the level-1 model of the same run.
    """

    def __init__(self, domain: Construction, episode: Episode, belief_fn: BeliefFn, *,
                 params: AgentParams | None = None, cache: StepCache | None = None) -> None:
        self.domain, self.episode, self.belief_fn = domain, episode, belief_fn
        self.params = params or AgentParams()
        self.n_goals = len(domain.goals)
        self.n_hyp = 2 * self.n_goals
        self.n_steps = episode.n_steps
        self.cache = cache or StepCache(domain, episode, self.params)
        self._bob = np.full((episode.n_steps, 2), np.nan)

    def bob_loglik(self, t: int) -> np.ndarray:
        """``log pi1(a^B_t | s_t, b1_t, sigma)`` for sigma = help, hinder (memoised per step)."""
        if np.isnan(self._bob[t, 0]):
            bidx, bw = self.belief_fn(t)
            lp = level1_logpolicy(self.domain, self.cache.succ(t, 1), bidx, bw, self.params)
            self._bob[t] = lp[self.episode.actions[t, 1]]
        return self._bob[t]

    def step_loglik(self, t, idx: np.ndarray) -> np.ndarray:
        """Joint step log-likelihood of hypotheses ``idx = sigma * |G| + g``.

        ``t`` is a step or an array of steps aligned with ``idx``.
        """
        idx = np.asarray(idx)
        ts = np.broadcast_to(t, idx.shape)
        sigma, g = np.divmod(idx, self.n_goals)
        for u in np.unique(ts):
            self.bob_loglik(int(u))
        return self.cache.alice_loglik(ts, g) + self._bob[ts, sigma]
