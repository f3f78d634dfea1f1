"""Simulated Construction episodes and their hypothesis models at levels 1 and 2.

* :func:`simulate_episode` draws Alice's goal ``g``, Bob's social goal ``sigma`` and Bob's private
  *cue* ``c`` about her goal (``c = g`` with probability ``cue_accuracy``, otherwise another goal),
  then runs the level-0 and level-1 agents — Bob starting from the prior the cue gives him
  (:func:`cue_log_prior`) and updating it by Bayes' rule on Alice's actions — until Alice's goal
  holds or ``max_steps`` is reached (full-length episodes, not truncated).
* :class:`Level1Model`: hypotheses = Alice's goals ``g``; step likelihood ``pi0(a^A_t | s_t, g)``
  (the observer's level-1 question, uniform prior).
* :class:`Level2Model`: hypotheses = ``(sigma, c)`` pairs, index ``sigma * |G| + c`` (2 x |G|):
  Bob's social goal x the cue that fixes Bob's belief. The observer does not see the cue, so for
  every hypothesis it must simulate *that* Bob's level-1 belief ``b1_t^c`` (spec Sec. 1: the
  level-2 hypothesis space is social goal x the level-1 agent's belief, and exact inference
  multiplies level by level). Marginalising Alice's goal, the step likelihood is

  ``p(a_t | sigma, c, history) = [sum_g b1_t^c(g) pi0(a^A_t | s_t, g)] * pi1(a^B_t | s_t, b1_t^c, sigma)``

  — Bob's own predictive probability of Alice's action (his level-1 evidence increment; his prior
  ``p(g | c)`` is the true conditional, so this is exact) times his action's probability under
  his belief. The beliefs come from a :class:`BeliefProvider`: exact level-1 inference for every
  cue (:class:`ExactBeliefs`, |G| x |G| terms per step) or level-1 importance sampling with
  proposals from the level-1 network tilted by each cue's prior, only for the cues the level-2
  particles carry (:class:`ImportanceBeliefs`).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from nestlab import checks
from nestlab.nested import importance
from nestlab.nested.domains.base import episode_steps
from nestlab.nested.domains.construction import Construction, ConstructionState
from nestlab.nested.planners import (
    N_ACTIONS,
    AgentParams,
    Successors,
    boltzmann_logpolicy,
    builder_cost,
    hinderer_cost,
    level0_logpolicy,
    level1_logpolicy,
    successors,
)

__all__ = ["BeliefProvider", "Episode", "ExactBeliefs", "ImportanceBeliefs", "Level1Model",
           "Level2Model", "StepCache", "cue_log_prior", "simulate_episode"]


class Episode(NamedTuple):
    """One simulated episode.

    Attributes:
        states: the T + 1 states.
        actions: (T, 2) actions of Alice and Bob.
        goal: Alice's goal index.
        social: Bob's social goal (0 help, 1 hinder).
        cue: the goal Bob's private cue names (his prior: :func:`cue_log_prior`).
        bob_beliefs: (T + 1, |G|) Bob's belief over Alice's goal before each step.
        features: (T, n_features) per-step recognition-network features.
        seed: the seed that produced it.
    """

    states: tuple[ConstructionState, ...]
    actions: np.ndarray
    goal: int
    social: int
    cue: int
    bob_beliefs: np.ndarray
    features: np.ndarray
    seed: int

    n_steps = property(episode_steps)

    @property
    def label(self) -> int:
        """Index of the true level-2 hypothesis ``(social, cue)``."""
        return self.social * self.bob_beliefs.shape[1] + self.cue


def cue_log_prior(n_goals: int, accuracy: float, cues: np.ndarray | None = None) -> np.ndarray:
    """Bob's log prior over Alice's goal given his cue: ``log p(g | c)``, (len(cues), n_goals).

    ``p(g | c) = accuracy`` for ``g = c`` and ``(1 - accuracy) / (|G| - 1)`` otherwise: with a
    uniform prior over goals and the symmetric cue model of :func:`simulate_episode` this is the
    exact conditional, so Bob is a Bayesian about his cue. ``cues=None`` means every goal.
    """
    n_goals = checks.integer("n_goals", n_goals, min=2)
    checks.real("accuracy", accuracy, min=0, max=1, inclusive=(False, False))
    cues = np.arange(n_goals) if cues is None else checks.array(
        "cues", cues, ndim=1, dtype="int", min=0, max=n_goals - 1)
    out = np.full((cues.shape[0], n_goals), np.log((1.0 - accuracy) / (n_goals - 1)))
    out[np.arange(cues.shape[0]), cues] = np.log(accuracy)
    return out


def simulate_episode(domain: Construction, seed: int, *, params: AgentParams | None = None,
                     goal: int | None = None, social: int | None = None,
                     cue: int | None = None) -> Episode:
    """Run Alice (level 0) and Bob (level 1) from a random start; deterministic given ``seed``.

    ``goal``, ``social`` and ``cue`` are drawn unless given.
    """
    params = AgentParams() if params is None else checks.instance("params", params, AgentParams)
    seed = checks.integer("seed", seed, min=0)
    rng = np.random.default_rng([seed, 7])
    n_goals = len(domain.goals)
    goal = int(rng.integers(n_goals)) if goal is None else checks.integer(
        "goal", goal, min=0, max=n_goals - 1)
    social = int(rng.integers(2)) if social is None else checks.integer(
        "social", social, min=0, max=1)  # 0 help, 1 hinder
    if cue is None:
        # the cue names the true goal with probability cue_accuracy, else another goal uniformly
        other = int(rng.integers(n_goals - 1))
        cue = goal if rng.random() < params.cue_accuracy else other + (other >= goal)
    cue = checks.integer("cue", cue, min=0, max=n_goals - 1)
    state = domain.reset(seed)
    all_goals = np.arange(n_goals)
    log_b = cue_log_prior(n_goals, params.cue_accuracy, np.array([cue]))[0]
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
    return Episode(tuple(states), np.array(actions, dtype=int).reshape(-1, 2), goal, social, cue,
                   np.array(beliefs), np.array(feats, dtype=np.float32).reshape(-1, domain.n_features),
                   seed)


def _fill_missing(done: np.ndarray, ts, fill) -> np.ndarray:
    """``ts`` as an array, after ``fill(steps)`` of its distinct steps (increasing) not yet
    ``done`` — one call for all of them (nothing called when every step is done)."""
    ts = np.asarray(ts)
    todo = ts[~done[ts]]
    if todo.size:
        fill(np.unique(todo))
    return ts


class StepCache:
    """Per-episode memo shared by the level-1 and level-2 models of one inference run.

    Everything here is filled a whole step at a time, on the first request that touches the step
    (one vectorised call over all goals costs less than finding and computing the missing
    (step, goal) pairs of many small requests, and every later request — a particle caught up
    over past steps included — is a table lookup):

    * each agent's six successor states of step ``t`` (:func:`~nestlab.nested.planners.successors`);
    * Alice's level-0 log-likelihoods ``log pi0(a^A_t | s_t, g)`` for every goal (``level0``),
      with their running sums over steps (:meth:`alice_cum`);
    * Bob's help and hinder costs of every action and goal (``bob_cost``), from which the
      level-1 policy of any belief at step ``t`` is one product (:meth:`bob_logpolicy`).

    ``evaluations`` counts the level-0 likelihoods computed (|G| per step touched), the same
    count for every method that touches the step.
    """

    def __init__(self, domain: Construction, episode: Episode, params: AgentParams) -> None:
        self.domain, self.episode, self.params = domain, episode, params
        self._succ: dict[tuple[int, int], Successors] = {}
        T, n, G = episode.n_steps, domain.n_blocks, len(domain.goals)
        self.n_goals = G
        self.level0 = np.full((T, G), np.nan)
        self._cum = np.zeros((T + 1, G))      # _cum[t] = sum_{tau < t} level0[tau], t <= _cum_upto
        self._cum_upto = 0
        self.bob_cost = np.full((T, 2, N_ACTIONS, G), np.nan)   # (step, sigma, action, goal)
        self._alice_done = np.zeros(T, dtype=bool)
        self._bob_done = np.zeros(T, dtype=bool)
        self._goals = np.arange(G)
        self.evaluations = 0  # (step, goal) level-0 likelihoods computed
        # each agent's successors of every step in preallocated arrays (row t filled on first
        # use), so a catch-up over many past steps is one vectorised call without re-stacking
        self._stack = {a: Successors(np.zeros((T, 6), int), np.zeros((T, 6), int),
                                     np.zeros((T, 6, n), int), np.zeros((T, 6, n), bool),
                                     np.zeros((T, 6, n + 1, n))) for a in (0, 1)}
        self._filled = np.zeros((2, T), dtype=bool)  # which rows of each agent's stack hold data

    def succ(self, t: int, agent: int) -> Successors:
        key = (t, agent)
        if key not in self._succ:
            s = successors(self.domain, self.episode.states[t], agent)
            self._succ[key] = s
            for dst, src in zip(self._stack[agent], s, strict=True):
                dst[t] = src
            self._filled[agent, t] = True
        return self._succ[key]

    def stacked(self, agent: int, ts: np.ndarray) -> Successors:
        """``agent``'s successors stacked over all steps, rows ``ts`` guaranteed filled."""
        _fill_missing(self._filled[agent], ts,
                      lambda todo: [self.succ(int(t), agent) for t in todo])
        return self._stack[agent]

    def _columns(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(cols, goals)``: one column per (step in ``ts``, goal), steps major."""
        return np.repeat(ts, self.n_goals), np.tile(self._goals, ts.size)

    def _fill_alice(self, ts: np.ndarray) -> None:
        """Alice's level-0 row of every step in ``ts`` (distinct, not yet filled), one call."""
        cols, goals = self._columns(ts)
        lp = level0_logpolicy(self.domain, self.stacked(0, ts), goals, self.params, cols)
        self.level0[ts] = lp[self.episode.actions[cols, 0],
                             np.arange(goals.size)].reshape(-1, self.n_goals)
        self._alice_done[ts] = True
        self.evaluations += goals.size

    def alice_rows(self, ts: np.ndarray) -> np.ndarray:
        """Alice's level-0 log-likelihood rows ``log pi0(a^A_t | s_t, .)`` of steps ``ts``: (len, |G|)."""
        return self.level0[_fill_missing(self._alice_done, ts, self._fill_alice)]

    def alice_loglik(self, ts: np.ndarray, goals: np.ndarray) -> np.ndarray:
        """``log pi0(a^A_t | s_t, g)`` for aligned arrays of steps and goals."""
        return self.level0[_fill_missing(self._alice_done, ts, self._fill_alice), goals]

    def alice_cum(self, ts: np.ndarray) -> np.ndarray:
        """Rows ``sum_{tau < t} log pi0(a^A_tau | s_tau, .)`` for the steps ``t`` in ``ts``
        (``0 <= t <= T``): (len, |G|); zeros at ``t = 0``."""
        ts = np.asarray(ts)
        tmax = int(ts.max()) if ts.size else 0
        if tmax > self._cum_upto:
            lo = self._cum_upto
            rows = self.alice_rows(np.arange(lo, tmax))
            self._cum[lo + 1:tmax + 1] = self._cum[lo] + np.cumsum(rows, axis=0)
            self._cum_upto = tmax
        return self._cum[ts]

    def alice_cumloglik(self, t: int, goals: np.ndarray) -> np.ndarray:
        """``sum_{tau < t} log pi0(a^A_tau | s_tau, g)`` for ``goals`` (0 at ``t = 0``)."""
        return self.alice_cum(np.array([t]))[0, np.asarray(goals)]

    def _fill_bob(self, ts: np.ndarray) -> None:
        """Bob's help / hinder cost tables of every step in ``ts`` (distinct, not yet filled)."""
        G = self.n_goals
        cols, goals = self._columns(ts)
        succ = self.stacked(1, ts)
        help_ = builder_cost(self.domain, succ, goals, cols).reshape(N_ACTIONS, ts.size, G)
        hinder = hinderer_cost(self.domain, succ, goals, cols,
                               radius=self.params.hinder_radius).reshape(N_ACTIONS, ts.size, G)
        self.bob_cost[ts, 0] = help_.transpose(1, 0, 2)
        self.bob_cost[ts, 1] = hinder.transpose(1, 0, 2)
        self._bob_done[ts] = True

    def bob_logpolicy(self, ts: np.ndarray, beliefs: np.ndarray) -> np.ndarray:
        """``log pi1(a | s_t, b, sigma)`` of Bob at steps ``ts`` (r,) under ``beliefs`` (r, |G|):
        (r, 6, 2), columns help and hinder (:func:`~nestlab.nested.planners.level1_logpolicy_many`
        with a dense belief over every goal)."""
        ts = _fill_missing(self._bob_done, ts, self._fill_bob)
        q = -(1.0 + np.einsum("rsag,rg->ars", self.bob_cost[ts], beliefs))        # (6, r, 2)
        return boltzmann_logpolicy(q, beta=self.params.beta1,
                                   epsilon=self.params.epsilon).transpose(1, 0, 2)


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


class BeliefProvider(Protocol):
    """Simulates Bob's level-1 beliefs: before step ``ts[r]`` (from steps ``< ts[r]``), cue ``cues[r]``."""

    def beliefs(self, ts: np.ndarray, cues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(goal_idx (m,), weights (len(cues), m))``: row ``r`` is a normalised belief."""
        ...


class ExactBeliefs:
    """Exact level-1 inference for every cue: ``b1_t^c(g) ∝ p(g | c) prod_{tau<t} pi0(a^A_tau | g)``.

    All |G| beliefs of a step come from one vectorised (|G|, |G|) update; ``terms`` counts the
    (cue, goal) weights formed, |G|^2 per step.
    """

    def __init__(self, cache: StepCache, accuracy: float) -> None:
        self.cache = cache
        self.n_goals = cache.level0.shape[1]
        self.log_prior = cue_log_prior(self.n_goals, accuracy)
        self.goals = np.arange(self.n_goals)
        self._memo: dict[int, np.ndarray] = {}
        self.terms = 0

    def all_beliefs(self, t: int) -> np.ndarray:
        """(|G| cues, |G| goals) beliefs before step ``t``."""
        if t not in self._memo:
            logb = self.log_prior + self.cache.alice_cum(np.array([t]))
            logb -= logb.max(1, keepdims=True)
            b = np.exp(logb)
            self._memo[t] = b / b.sum(1, keepdims=True)
            self.terms += b.size
        return self._memo[t]

    def beliefs(self, ts: np.ndarray, cues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ts, cues = np.asarray(ts), np.asarray(cues)
        w = np.empty((ts.size, self.n_goals))
        for t in np.unique(ts):
            w[ts == t] = self.all_beliefs(int(t))[cues[ts == t]]
        return self.goals, w


class ImportanceBeliefs:
    """Level-1 importance sampling per cue, run only for the cues the level-2 particles carry.

    For cue ``c`` before step ``t`` it draws ``k`` distinct goals from the level-1 network's
    proposal tilted by the cue's prior, ``q^c(g) ∝ q_t(g) p(g | c)`` (the network approximates the
    uniform-prior posterior, so the tilt approximates Bob's posterior), and weights them by
    ``p(g | c) prod_{tau<t} pi0(a^A_tau | g) / pi(g)`` (priority-sampling inclusion ``pi``;
    :func:`~nestlab.nested.importance.gumbel_top_k`); ``scheme="topk"`` takes the ``k`` most
    probable goals and drops ``1/pi`` (the authors' code). Draws are memoised per (step, cue), and
    all (step, cue) pairs of one request — a new particle caught up over past steps — are drawn
    in one vectorised batch.

    Args:
        cache: the run's :class:`StepCache` (Alice's likelihood table).
        accuracy: the cue accuracy of Bob's prior.
        k: particles per cue.
        rng: random generator.
        scheme: ``"is"`` or ``"topk"``.
    """

    def __init__(self, cache: StepCache, accuracy: float, *, k: int, rng: np.random.Generator,
                 scheme: str = "is") -> None:
        checks.choice("scheme", scheme, importance.SCHEMES, where="ImportanceBeliefs")
        checks.instance("rng", rng, np.random.Generator, where="ImportanceBeliefs")
        self.cache, self.k, self.rng, self.scheme = cache, k, rng, scheme
        T, n = cache.level0.shape
        checks.integer("k", k, min=1, max=n, where="ImportanceBeliefs (level-1 particles)")
        self.n_goals = n
        self.log_prior = cue_log_prior(n, accuracy)
        self.log_q = np.full((T + 1, n), np.nan)
        self.log_q[0] = -np.log(n)
        self._goals = np.arange(n)
        self._idx = np.zeros((T + 1, n, k), dtype=int)
        self._w = np.zeros((T + 1, n, k))
        self._done = np.zeros((T + 1, n), dtype=bool)
        self.terms = 0

    def set_proposal(self, t: int, log_q: np.ndarray) -> None:
        """The level-1 proposal for beliefs before step ``t`` (network output after ``t - 1``)."""
        self.log_q[t] = log_q

    def _draw(self, ts: np.ndarray, cues: np.ndarray) -> None:
        log_p = self.log_prior[cues]                                              # (r, n)
        log_q = self.log_q[ts] + log_p
        if np.isnan(log_q).any():
            raise ValueError("invalid level-1 proposal: none set for a requested step; valid: "
                             "set_proposal(t, log_q) for every step t before asking its beliefs")
        if self.scheme == "is":
            idx, log_incl = importance.gumbel_top_k_rows_unchecked(log_q, self.k, self.rng)
        else:
            idx, log_incl = np.argsort(-log_q, axis=1, kind="stable")[:, :self.k], 0.0
        # cumulative level-0 log-likelihood of each particle over steps < t: one lookup in the
        # running sums of Alice's likelihood table
        rows = np.arange(ts.size)[:, None]
        cum = self.cache.alice_cum(ts)[rows, idx]
        logw = log_p[rows, idx] + cum - log_incl
        w = np.exp(logw - logw.max(1, keepdims=True))
        self._idx[ts, cues], self._w[ts, cues] = idx, w / w.sum(1, keepdims=True)
        self._done[ts, cues] = True
        self.terms += idx.size

    def beliefs(self, ts: np.ndarray, cues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ts, cues = np.asarray(ts), np.asarray(cues)
        todo = ~self._done[ts, cues]
        if todo.any():
            # the distinct (step, cue) pairs in increasing order (np.unique's order), by a mask
            # over the (T + 1) x |G| table: cheaper than sorting for these short requests
            mask = np.zeros(self._done.size, dtype=bool)
            mask[ts[todo] * self.n_goals + cues[todo]] = True
            self._draw(*np.divmod(np.flatnonzero(mask), self.n_goals))
        w = np.zeros((ts.size, self.n_goals))                                     # dense rows
        w[np.arange(ts.size)[:, None], self._idx[ts, cues]] = self._w[ts, cues]  # distinct goals
        return self._goals, w


class Level2Model:
    """Level-2 hypothesis model: is Bob helping or hindering, and which cue shaped his belief?

    Hypothesis ``sigma * |G| + c``; see the module docstring for the step likelihood.

    Args:
        domain: the world.
        episode: the observed episode.
        beliefs: the :class:`BeliefProvider` simulating Bob's level-1 belief for each cue.
        params: agent parameters.
        cache: a :class:`StepCache` shared with the level-1 model of the same run.
    """

    def __init__(self, domain: Construction, episode: Episode, beliefs: BeliefProvider, *,
                 params: AgentParams | None = None, cache: StepCache | None = None) -> None:
        self.domain, self.episode, self.provider = domain, episode, beliefs
        self.params = params or AgentParams()
        self.n_goals = len(domain.goals)
        self.n_hyp = 2 * self.n_goals
        self.n_steps = episode.n_steps
        self.cache = cache or StepCache(domain, episode, self.params)
        # memo of log[Bob's predictive of Alice's action] + log pi1 per (step, cue, sigma)
        self._ll = np.full((episode.n_steps, self.n_goals, 2), np.nan)

    def _fill(self, ts: np.ndarray, cues: np.ndarray) -> None:
        """Fill the memo for aligned (step, cue) pairs in one vectorised pass."""
        goals, w = self.provider.beliefs(ts, cues)                                # (r, m)
        alice = self.cache.alice_rows(ts)[:, goals]                               # (r, m)
        m = alice.max(1, keepdims=True)
        pred = np.log((w * np.exp(alice - m)).sum(1)) + m[:, 0]                   # (r,)
        if goals.size != self.n_goals:  # a sparse belief: spread it over every goal
            dense = np.zeros((ts.size, self.n_goals))
            dense[:, goals] = w
            w = dense
        bob = self.cache.bob_logpolicy(ts, w)                                     # (r, 6, 2)
        self._ll[ts, cues] = pred[:, None] + bob[np.arange(ts.size), self.episode.actions[ts, 1]]

    def step_loglik(self, t, idx: np.ndarray) -> np.ndarray:
        """Step log-likelihood of hypotheses ``idx = sigma * |G| + c``.

        ``t`` is a step or an array of steps aligned with ``idx``; every missing (step, cue)
        pair is filled in one batch.
        """
        idx = np.asarray(idx)
        ts = np.broadcast_to(t, idx.shape)
        sigma, cue = np.divmod(idx, self.n_goals)
        miss = np.isnan(self._ll[ts, cue, 0])
        if miss.any():
            pairs = np.unique(ts[miss] * self.n_goals + cue[miss])
            self._fill(*np.divmod(pairs, self.n_goals))
        return self._ll[ts, cue, sigma]
