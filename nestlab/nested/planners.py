"""Level-0 and level-1 agents of the Construction domain (Jha et al. 2024, Sec. 3 and 5.1).

* Level 0 (Alice): heuristic shortest-path planner. ``cost(s, g)`` is the number of steps still
  needed to bring the two blocks of goal ``g = (i, j)`` next to each other (BFS distances around
  the walls: fetch one block, carry it to the nearest free cell beside the other, put it down).
  ``Q0(s, a; g) = -(1 + cost(s'_a, g))`` with ``s'_a`` the one-step successor of ``a`` (the other
  agent standing still), and the policy is Boltzmann with an epsilon of uniform noise:
  ``pi0(a | s, g) = (1 - eps) softmax(beta Q0)(a) + eps / 6`` (spec Sec. 1).
* Level 1 (Bob): keeps a belief ``b1_t(g)`` over Alice's goal — starting from the prior his private
  cue gives him (:func:`nestlab.nested.episodes.cue_log_prior`), updated by Bayes' rule on her
  actions — and acts on ``Q1(s, a) = -(1 + E_{g ~ b1_t}[cost_sigma(s'_a, g)])`` for his social goal
  ``sigma`` in {help, hinder}: a helper uses the level-0 cost of ``g`` from his own position
  (he carries a goal block to its partner); a hinderer's cost is small when he carries a goal block
  at least ``hinder_radius`` steps away from its partner (he takes it away and keeps it).

Every function is vectorised over hypotheses (columns), so exact inference and importance
sampling call the very same code with all hypotheses or with their particles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nestlab import checks
from nestlab.nested.domains.construction import BIG, Construction, ConstructionState

__all__ = ["N_ACTIONS", "SOCIAL_GOALS", "AgentParams", "Successors", "boltzmann_logpolicy",
           "builder_cost", "hinderer_cost", "level0_logpolicy", "level1_logpolicy",
           "level1_logpolicy_many", "stack_successors", "successors"]

HELP, HINDER = 0, 1
SOCIAL_GOALS = ("help", "hinder")
N_ACTIONS = 6


@dataclass(frozen=True)
class AgentParams:
    """Rationality of the agents (defaults in one place).

    Args:
        beta0: Boltzmann inverse temperature of the level-0 agent.
        beta1: Boltzmann inverse temperature of the level-1 agent.
        epsilon: probability of a uniformly random action (no action has probability 0).
        hinder_radius: distance from its partner at which a hinderer is content with a block.
        cue_accuracy: probability that Bob's private cue names Alice's true goal (otherwise it
            names one of the other goals uniformly); Bob's prior puts this mass on the cued goal.
            The cue is what makes the level-2 problem nested: the observer does not see it, so it
            must simulate one level-1 belief per cue. ``1 / |G|`` makes the cue uninformative
            (every simulated belief is then the same and the level-2 posterior factorises).
    """

    beta0: float = 3.0
    beta1: float = 5.0
    epsilon: float = 0.05
    hinder_radius: float = 5.0
    cue_accuracy: float = 0.5

    def __post_init__(self) -> None:
        w = "AgentParams"
        open_lo = (False, True)
        checks.real("beta0", self.beta0, min=0, inclusive=open_lo, where=w)
        checks.real("beta1", self.beta1, min=0, inclusive=open_lo, where=w)
        checks.real("epsilon", self.epsilon, min=0, max=1, inclusive=(False, False), where=w)
        checks.real("hinder_radius", self.hinder_radius, min=0, inclusive=open_lo, where=w)
        checks.real("cue_accuracy", self.cue_accuracy, min=0, max=1, inclusive=(False, False),
                    where=w)


class Successors(NamedTuple):
    """One agent's six one-step successors (the other agent standing still).

    Attributes:
        pos: (6,) the agent's cell after each action.
        hold: (6,) block carried after each action (-1: none).
        blocks: (6, n) block cells.
        ground: (6, n) whether each block lies on the ground.
        near: (6, n + 1, n) distance from a query cell to the nearest free cell beside block y;
            query ``x < n`` is block x's cell, query ``n`` is the agent's own cell.
    """

    pos: np.ndarray
    hold: np.ndarray
    blocks: np.ndarray
    ground: np.ndarray
    near: np.ndarray


def successors(domain: Construction, state: ConstructionState, agent: int) -> Successors:
    """The six successors of ``agent``'s actions and the distance tables the costs need."""
    n = domain.n_blocks
    nexts = [domain.move_agent(state, agent, a) for a in range(N_ACTIONS)]
    pos = np.array([s.agent_pos[agent] for s in nexts])
    hold = np.array([s.holding[agent] for s in nexts])
    blocks = np.array([s.block_pos for s in nexts])
    other_hold = state.holding[1 - agent]
    ground = np.ones((N_ACTIONS, n), dtype=bool)
    ground[hold >= 0, hold[hold >= 0]] = False
    if other_hold >= 0:
        ground[:, other_hold] = False
    nb = domain.neighbours[blocks]                                   # (6, n, 4)
    ground_cells = np.where(ground, blocks, -1)                      # (6, n)
    occupied = (nb[..., None] == ground_cells[:, None, None, :]).any(-1)
    valid = ~domain.wall[nb] & ~occupied
    query = np.concatenate([blocks, pos[:, None]], axis=1)           # (6, n + 1)
    d = domain.dist[query[:, :, None, None], nb[:, None, :, :]]      # (6, n + 1, n, 4)
    near = np.where(valid[:, None], d, BIG).min(-1)
    return Successors(pos, hold, blocks, ground, near)


def stack_successors(items: list[Successors]) -> Successors:
    """Stack the successors of several states along a new leading axis."""
    return Successors(*(np.stack(f) for f in zip(*items, strict=True)))


def _single(succ: Successors) -> Successors:
    return Successors(*(f[None] for f in succ))


def _columns(succ: Successors, cols: np.ndarray | None, goal_idx: np.ndarray):
    """Per-column views: a column is one (state, goal) pair; ``cols`` picks the state."""
    goal_idx = np.asarray(goal_idx)
    if succ.pos.ndim == 1:  # one state: every column uses it
        succ, cols = _single(succ), np.zeros(goal_idx.shape[0], dtype=int)
    s = np.asarray(cols)[None, :]
    return succ, s, np.arange(N_ACTIONS)[:, None]


class _GoalView(NamedTuple):
    """What both costs read of each (action, column); :func:`_columns`' ``succ``, ``s``, ``a``,
    then (broadcasting to (6, m)) the goal's two blocks, the agent's cell and held block, the goal
    blocks' cells and whether each lies on the ground."""

    succ: Successors
    s: np.ndarray
    a: np.ndarray
    gi: np.ndarray
    gj: np.ndarray
    p: np.ndarray
    h: np.ndarray
    bi: np.ndarray
    bj: np.ndarray
    on_i: np.ndarray
    on_j: np.ndarray


def _goal_view(domain: Construction, succ: Successors, cols: np.ndarray | None,
               goal_idx: np.ndarray) -> _GoalView:
    succ, s, a = _columns(succ, cols, goal_idx)
    gi, gj = domain.goal_i[goal_idx][None, :], domain.goal_j[goal_idx][None, :]
    return _GoalView(succ, s, a, gi, gj, succ.pos[s, a], succ.hold[s, a], succ.blocks[s, a, gi],
                     succ.blocks[s, a, gj], succ.ground[s, a, gi], succ.ground[s, a, gj])


def _by_hold(h, gi, gj, if_i, if_j, empty) -> np.ndarray:
    """The cost by what the agent holds: ``if_i`` / ``if_j`` holding goal block i / j, ``empty``
    empty-handed, ``empty + 1`` holding another block (one put-down first)."""
    return np.where(h == gi, if_i, np.where(h == gj, if_j, np.where(h < 0, empty, empty + 1.0)))


def _adjacent(domain: Construction, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.abs(domain.rows[a] - domain.rows[b]) + np.abs(domain.cols[a] - domain.cols[b])) == 1


def builder_cost(domain: Construction, succ: Successors, goal_idx: np.ndarray,
                 cols: np.ndarray | None = None) -> np.ndarray:
    """Steps still needed to achieve each goal after each action (level-0 heuristic).

    Args:
        domain: the world.
        succ: the acting agent's successors of one state, or stacked for several states.
        goal_idx: (m,) goal index of each column.
        cols: (m,) which stacked state each column refers to (only with stacked ``succ``).

    Returns:
        (6, m) costs; 0 where the goal already holds.
    """
    n = domain.n_blocks
    succ, s, a, gi, gj, p, h, bi, bj, on_i, on_j = _goal_view(domain, succ, cols, goal_idx)
    carry_i = succ.near[s, a, n, gj] + 1.0          # holding i: to a cell beside j, put down
    carry_j = succ.near[s, a, n, gi] + 1.0
    fetch_i = np.where(on_i, domain.dist[p, bi] + succ.near[s, a, gi, gj] + 1.0, BIG)
    fetch_j = np.where(on_j, domain.dist[p, bj] + succ.near[s, a, gj, gi] + 1.0, BIG)
    empty = np.minimum(fetch_i, fetch_j)
    cost = _by_hold(h, gi, gj, carry_i, carry_j, empty)
    done = on_i & on_j & _adjacent(domain, bi, bj)
    return np.where(done, 0.0, np.minimum(cost, BIG))


def hinderer_cost(domain: Construction, succ: Successors, goal_idx: np.ndarray,
                  cols: np.ndarray | None = None, *, radius: float) -> np.ndarray:
    """How far a hinderer is from keeping a goal block ``radius`` steps away from its partner.

    Returns:
        (6, m) costs (0 when carrying a goal block far enough from its partner).
    """
    _, _, _, gi, gj, p, h, bi, bj, on_i, on_j = _goal_view(domain, succ, cols, goal_idx)
    short = np.maximum(0.0, radius - domain.dist[bi, bj])     # how close the pair still is
    keep_i = np.maximum(0.0, radius - domain.dist[p, bj])
    keep_j = np.maximum(0.0, radius - domain.dist[p, bi])
    grab_i = np.where(on_i, domain.dist[p, bi] + short, BIG)
    grab_j = np.where(on_j, domain.dist[p, bj] + short, BIG)
    empty = np.minimum(grab_i, grab_j) + 1.0
    return np.minimum(_by_hold(h, gi, gj, keep_i, keep_j, empty), BIG)


def boltzmann_logpolicy(q: np.ndarray, *, beta: float, epsilon: float) -> np.ndarray:
    """``log[(1 - eps) softmax(beta q) + eps / |A|]`` over axis 0 (actions)."""
    z = beta * (q - q.max(axis=0, keepdims=True))
    soft = np.exp(z)
    soft /= soft.sum(axis=0, keepdims=True)
    return np.log((1.0 - epsilon) * soft + epsilon / q.shape[0])


def level0_logpolicy(domain: Construction, succ: Successors, goal_idx: np.ndarray,
                     params: AgentParams, cols: np.ndarray | None = None) -> np.ndarray:
    """``log pi0(a | s, g)`` for every action and goal in ``goal_idx``: (6, m).

    With stacked ``succ``, column ``c`` is evaluated in state ``cols[c]``.
    """
    q = -(1.0 + builder_cost(domain, succ, goal_idx, cols))
    return boltzmann_logpolicy(q, beta=params.beta0, epsilon=params.epsilon)


def level1_logpolicy(domain: Construction, succ: Successors, belief_idx: np.ndarray,
                     belief_w: np.ndarray, params: AgentParams) -> np.ndarray:
    """``log pi1(a | s, b1, sigma)`` for both social goals: (6, 2) (columns help, hinder).

    The belief is a weighted particle set over Alice's goals (``belief_idx``, ``belief_w``,
    weights summing to one); exact inference passes every goal with its posterior.
    """
    w = np.asarray(belief_w, dtype=float)[None, :]
    return level1_logpolicy_many(domain, succ, belief_idx, w, params)[0]


def level1_logpolicy_many(domain: Construction, succ: Successors, goal_idx: np.ndarray,
                          beliefs: np.ndarray, params: AgentParams,
                          cols: np.ndarray | None = None) -> np.ndarray:
    """``log pi1(a | s, b, sigma)`` for several beliefs over the same goals: (n_beliefs, 6, 2).

    Args:
        goal_idx: (m,) the goals the beliefs put weight on (their union).
        beliefs: (n_beliefs, m) weights over ``goal_idx``, each row summing to one.
        cols: with stacked ``succ`` (several states), the state of each belief.

    The costs of the ``m`` goals are computed once per distinct state; each belief then costs one
    (6, m) x (m,) product (``Q1 = -(1 + E_{g ~ b}[cost_sigma(s'_a, g)])``).
    """
    w = np.asarray(beliefs, dtype=float)
    goal_idx = np.asarray(goal_idx)
    m = goal_idx.size
    if cols is None:
        pos, gcols, states = np.zeros(w.shape[0], dtype=int), None, 1
    else:
        states, pos = np.unique(cols, return_inverse=True)
        gcols, states = np.repeat(states, m), states.size
    goals = np.tile(goal_idx, states)
    c_help = builder_cost(domain, succ, goals, gcols).reshape(6, states, m)[:, pos]   # (6, n, m)
    c_hind = hinderer_cost(domain, succ, goals, gcols,
                           radius=params.hinder_radius).reshape(6, states, m)[:, pos]
    q = -(1.0 + np.stack([np.einsum("anm,nm->an", c_help, w),
                          np.einsum("anm,nm->an", c_hind, w)], axis=-1))          # (6, n, 2)
    return boltzmann_logpolicy(q, beta=params.beta1, epsilon=params.epsilon).transpose(1, 0, 2)
