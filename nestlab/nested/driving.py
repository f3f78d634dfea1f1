"""Driving agents (levels 0 and 1), simulated episodes and the level-2 hypothesis model
(Jha et al. 2024, Sec. 5.2; spec ``nested-reasoning.md`` Sec. 2, Driving).

**Level 0** (every car but car 0). A car with goal ``g`` scores each action by the moves still
needed to leave on ``g``'s side and by the risk of a collision in a ``horizon``-step look-ahead:
it takes the action, then follows its route greedily, while every other car it knows of *repeats
its last action* (a moving car keeps going, a stopped car stays) and, for each approach lane it
has not yet seen, a *phantom* car sits at the nearest hidden cell of that lane and drives on —
present with the car's existence belief (``existence_prior`` ≈ 0.65 until the lane comes into
view: then 1 if a car is there, 0 if the lane is seen empty). Cars once seen are tracked.
``Q0(a) = -(steps to exit after a) - collision_cost * risk(a)``, Boltzmann with epsilon noise, so
a car stops when a collision is likely.

**Level 1** (car 0, the *target*). Like level 0, but it infers the goals of the cars it sees:
``b_k(g_k) ∝ prior * prod pi0_k(a_k | g_k)`` over the steps at which it saw car ``k``, and its
look-ahead predicts every known car by its goal (the car's greedy route under each ``g_k``,
weighted by ``b_k``) instead of by its last action. It signals when it predicts a collision:
``Q1(signal) = Q1(stop) - signal_cost + signal_gain * risk(best moving action)``.

**Private information, and the 72 hypotheses.** Before the episode car 0 glimpsed car 1's
indicator — a *goal cue* ``c`` that names car 1's goal with probability ``goal_cue_accuracy``
(car 0's prior over car 1's goal is ``p(g_1 | c)``) — and it has one *existence cue* bit per other
approach (west, north, east; "a car is coming from there", right with probability
``existence_cue_accuracy``), which sets its existence prior for that lane by Bayes' rule from the
base rate ``existence_prior``. The level-2 observer sees every car but not the cues, so to predict
car 0 it must simulate car 0's level-1 inference and existence belief under every cue. Its
hypothesis space is

    (car 0's goal: 3) x (goal cue about car 1: 3) x (existence cues: 2^3 = 8) = **72**,

index ``h = 24 g + 8 c + e`` with bit ``k`` of ``e`` the cue for the approach entering with
heading ``k + 1``. Step likelihood (:class:`DrivingModel`), exact given the generative model:

    p(obs_t | h) = pi1(a^0_t | s_t, g, b_t^c, p_t^e) * sum_g1 p(g1 | c, a^1_{<t}) pi0(a^1_t | s_t, g1)

— car 0's action under the simulated beliefs, times the observer's predictive of car 1's action
(car 1's behaviour is evidence about the cue; the other cars' actions do not depend on ``h``).
The prior over ``e`` is the cue model given the true occupancy of the lanes, uniform over
``(g, c)``.

Every rollout is vectorised: per step, one call covers all cars, actions and goals at level 0,
and car 0's look-ahead is computed once per (step, goal) and shared by the 24 hypotheses with that
goal, so exact inference over 72 hypotheses costs three level-1 rollouts per step, not 72.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from nestlab import checks
from nestlab.nested.domains.base import episode_steps
from nestlab.nested.domains.driving import (
    BIG,
    EXIT,
    FORWARD,
    N_ACTIONS,
    SIGNAL,
    STOP,
    Driving,
    DrivingState,
    goal_exit,
)

__all__ = ["N_EXIST", "N_GOALS", "N_HYP", "DrivingEpisode", "DrivingModel", "DrivingParams",
           "EpisodeTables", "Knowledge", "Level1Rollouts", "StateArrays", "boltzmann", "cue_prior",
           "decode", "encode", "existence_belief", "existence_beliefs", "existence_log_prior",
           "greedy_table", "half_angles", "hits", "inattentive", "lane_beliefs", "level0_logpolicy",
           "level1_logpolicy", "level1_rollouts", "roll", "simulate_driving", "state_arrays",
           "update_knowledge"]

N_GOALS = 3
N_EXIST = 8
N_HYP = N_GOALS * N_GOALS * N_EXIST  # 72
UNKNOWN, KNOWN, EMPTY = 0, 1, 2


def encode(goal, cue, exist) -> np.ndarray:
    """Hypothesis index ``24 goal + 8 cue + exist``."""
    return 24 * np.asarray(goal) + 8 * np.asarray(cue) + np.asarray(exist)


def decode(idx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(goal, cue, exist)`` of hypothesis indices."""
    idx = np.asarray(idx)
    return idx // 24, (idx // 8) % 3, idx % 8


@dataclass(frozen=True)
class DrivingParams:
    """The drivers (defaults in one place).

    Args:
        beta0, beta1: Boltzmann inverse temperatures of the level-0 cars and of car 0.
        epsilon: probability of a uniformly random action.
        collision_cost: cost of a predicted collision (times its probability).
        signal_cost, signal_gain: car 0's cost of signalling and its value per unit of predicted
            risk of moving on (it signals when that risk exceeds about ``signal_cost / signal_gain``).
        existence_prior: base rate of a car on an unseen approach (level 0, and car 0's prior
            before its cue).
        existence_decay: probability that a car on a hidden approach stays hidden one more
            step; each step none comes out lowers the existence belief by Bayes' rule
            (:func:`existence_belief`), so a car waiting at a blind corner eventually goes.
        goal_cue_accuracy: probability that car 0's cue names car 1's true goal.
        existence_cue_accuracy: probability that each existence cue bit is right.
        horizon, half_angle: look-ahead steps and view-cone half angle (degrees) of the
            level-0 cars.
        target_horizon, target_half_angle, target_signals: the same for car 0, and whether it
            signals at all (:func:`inattentive` gives the inattentive driver).
    """

    beta0: float = 3.0
    beta1: float = 3.0
    epsilon: float = 0.05
    collision_cost: float = 8.0
    signal_cost: float = 1.0
    signal_gain: float = 2.0
    existence_prior: float = 0.65
    existence_decay: float = 0.6
    goal_cue_accuracy: float = 0.6
    existence_cue_accuracy: float = 0.75
    horizon: int = 3
    half_angle: float = 90.0
    target_horizon: int = 3
    target_half_angle: float = 90.0
    target_signals: bool = True

    def __post_init__(self) -> None:
        w = "DrivingParams"
        for name in ("beta0", "beta1", "collision_cost", "signal_gain"):
            checks.real(name, getattr(self, name), min=0, inclusive=(False, True), where=w)
        checks.real("signal_cost", self.signal_cost, min=0, where=w)
        for name in ("epsilon", "existence_prior", "existence_decay", "goal_cue_accuracy",
                     "existence_cue_accuracy"):
            checks.real(name, getattr(self, name), min=0, max=1, inclusive=(False, False), where=w)
        for name in ("horizon", "target_horizon"):
            checks.integer(name, getattr(self, name), min=1, max=8, where=w)
        for name in ("half_angle", "target_half_angle"):
            checks.real(name, getattr(self, name), min=0, max=180, inclusive=(False, True), where=w)
        checks.boolean("target_signals", self.target_signals, where=w)


def inattentive(params: DrivingParams | None = None) -> DrivingParams:
    """Car 0 as an inattentive driver: no signalling, 1-step look-ahead, a 30-degree view cone."""
    return replace(params or DrivingParams(), target_horizon=1, target_half_angle=30.0,
                   target_signals=False)


def cue_prior(accuracy: float) -> np.ndarray:
    """``p(g1 | c)``: (3 cues, 3 goals)."""
    p = np.full((N_GOALS, N_GOALS), (1.0 - accuracy) / (N_GOALS - 1))
    np.fill_diagonal(p, accuracy)
    return p


def existence_beliefs(params: DrivingParams) -> np.ndarray:
    """Car 0's existence prior per lane for each existence-cue hypothesis: (8, 3)."""
    base, acc = params.existence_prior, params.existence_cue_accuracy
    on = base * acc / (base * acc + (1 - base) * (1 - acc))
    off = base * (1 - acc) / (base * (1 - acc) + (1 - base) * acc)
    bits = (np.arange(N_EXIST)[:, None] >> np.arange(3)[None, :]) & 1
    return np.where(bits == 1, on, off)


def existence_log_prior(occupied: np.ndarray, params: DrivingParams) -> np.ndarray:
    """Level-2 log prior over the 72 hypotheses given which of the 3 other approaches hold a car
    (uniform over goal and goal cue; each existence bit right with ``existence_cue_accuracy``)."""
    acc = params.existence_cue_accuracy
    bits = (np.arange(N_EXIST)[:, None] >> np.arange(3)[None, :]) & 1
    right = bits == np.asarray(occupied, dtype=int)[None, :]
    lp_e = np.where(right, np.log(acc), np.log(1 - acc)).sum(1)
    return np.tile(lp_e, N_GOALS * N_GOALS) - np.log(N_GOALS * N_GOALS)


class DrivingEpisode(NamedTuple):
    """One simulated episode.

    Attributes:
        states: the T + 1 states.
        actions: (T, n_cars) actions.
        goals: (n_cars,) every car's goal (0 straight, 1 left, 2 right).
        cue, exist: car 0's goal cue about car 1 and its existence-cue bits (an int 0..7).
        features: (T, n_features) per-step recognition-network features.
        seed: the seed that produced it.
        target_policy: (T, 5) the action probabilities car 0 acted on at each step.
    """

    states: tuple[DrivingState, ...]
    actions: np.ndarray
    goals: np.ndarray
    cue: int
    exist: int
    features: np.ndarray
    seed: int
    target_policy: np.ndarray

    n_steps = property(episode_steps)

    @property
    def label(self) -> int:
        """Index of the true level-2 hypothesis."""
        return int(encode(self.goals[0], self.cue, self.exist))

    @property
    def occupied(self) -> np.ndarray:
        """(3,) whether the approaches entering with headings 1, 2, 3 hold a car."""
        entry = set(self.states[0].entry[1:])
        return np.array([h in entry for h in (1, 2, 3)])


class Knowledge(NamedTuple):
    """What each car knows of each approach (entry heading) before a step.

    Attributes:
        status: (n_cars, 4) UNKNOWN (never seen), KNOWN (its car seen: tracked) or EMPTY (seen
            empty); own approach EMPTY.
        frontier: (n_cars, 4) the nearest hidden cell of each approach (for a phantom), or -1.
        visible: (n_cars, n_cars) who sees whom.
        hidden_steps: (n_cars, 4) for how many steps (this one included) each UNKNOWN approach
            has stayed hidden with no car coming out of it (0 otherwise).
    """

    status: np.ndarray
    frontier: np.ndarray
    visible: np.ndarray
    hidden_steps: np.ndarray


def existence_belief(prior, hidden_steps, decay: float) -> np.ndarray:
    """Belief that a hidden approach holds a car after ``hidden_steps`` steps with none coming
    out: Bayes' rule with probability ``decay`` that a present car stays hidden one more step."""
    prior = np.asarray(prior, dtype=float)
    s = decay ** np.maximum(np.asarray(hidden_steps) - 1, 0)
    return np.where(np.asarray(hidden_steps) > 0, prior * s / (prior * s + 1.0 - prior), 0.0)


def half_angles(params: DrivingParams, n: int) -> np.ndarray:
    return np.array([params.target_half_angle] + [params.half_angle] * (n - 1))


class StateArrays(NamedTuple):
    """A state's per-car tuples as arrays, and ``car_of[lane]``: the car entering with heading
    ``lane`` (-1 where no car comes from that approach)."""

    cell: np.ndarray
    head: np.ndarray
    entry: np.ndarray
    active: np.ndarray
    car_of: np.ndarray


def state_arrays(state: DrivingState) -> StateArrays:
    """:class:`StateArrays` of ``state`` (what every rollout and perception step reads)."""
    entry = np.array(state.entry)
    car_of = np.full(4, -1)
    car_of[entry] = np.arange(len(state.cell))
    return StateArrays(np.array(state.cell), np.array(state.heading), entry,
                       np.array(state.active), car_of)


def lane_beliefs(beliefs: np.ndarray, car_of: np.ndarray) -> np.ndarray:
    """Car 0's belief over the goal of each lane's car, (..., 4, 3), from its beliefs over each
    car's goal (..., n_cars, 3): uniform on a lane with no car."""
    lanes = np.full(beliefs.shape[:-2] + (4, N_GOALS), 1.0 / N_GOALS)
    has = car_of >= 0
    lanes[..., has, :] = beliefs[..., car_of[has], :]
    return lanes


def update_knowledge(domain: Driving, state: DrivingState, prev: Knowledge | None,
                     params: DrivingParams) -> Knowledge:
    """Knowledge before a step from the previous knowledge and what each car sees now."""
    n = len(state.cell)
    cell, head, _, active, car_of = state_arrays(state)
    ang = half_angles(params, n)
    vis = domain.sees_cells(cell[:, None], head[:, None], cell[None, :], ang[:, None])
    vis &= active[:, None] & active[None, :]
    np.fill_diagonal(vis, False)
    status = np.zeros((n, 4), int) if prev is None else prev.status.copy()
    frontier = np.full((n, 4), -1)
    for lane in range(4):
        cells = domain.approach[lane]
        seen = domain.sees_cells(cell[:, None], head[:, None], cells[None, :], ang[:, None])
        k = car_of[lane]
        if k >= 0:
            status[vis[:, k], lane] = KNOWN
        # the whole approach in view and its car (if any) not seen on it: the lane is empty
        status[(status[:, lane] == UNKNOWN) & seen.all(1), lane] = EMPTY
        hidden = ~seen
        # nearest hidden cell: the last hidden one in far-to-near order
        last = np.where(hidden.any(1), cells.size - 1 - np.argmax(hidden[:, ::-1], 1), -1)
        frontier[:, lane] = np.where(last >= 0, cells[np.maximum(last, 0)], -1)
    status[np.arange(n), list(state.entry)] = EMPTY
    unknown = status == UNKNOWN
    steps = np.where(unknown, 1 + (0 if prev is None else prev.hidden_steps), 0)
    return Knowledge(status, frontier, vis, steps)


# ------------------------------------------------------------------ trajectories
def greedy_table(domain: Driving) -> np.ndarray:
    """``greedy[side, cell, heading]``: the move (forward/left/right) that best approaches
    ``side``'s exit (stop when none moves)."""
    nxt, nh = domain.next_cell[..., :3], domain.next_heading[..., :3]
    out = np.empty((4, domain.n_cells, 4), int)
    for side in range(4):
        d = np.where(nxt == EXIT, np.where(nh == side, 0.0, BIG),
                     domain.dist[side, np.maximum(nxt, 0), nh])
        moved = nxt != np.arange(domain.n_cells)[:, None, None]
        d = np.where(moved, d, BIG)
        best = d.argmin(-1)
        out[side] = np.where(d.min(-1) < BIG, best, STOP)
    return out


def roll(domain: Driving, greedy: np.ndarray, cell, heading, side, first, horizon: int,
         mode: np.ndarray | None = None) -> np.ndarray:
    """Cells visited over ``horizon`` steps (EXIT once off the grid): (..., horizon).

    The first action is ``first``; afterwards a car follows ``side``'s greedy route, or, where
    ``mode`` is 1, keeps moving forward, or, where ``mode`` is 2, stays (repeating a stop).
    All arguments broadcast.
    """
    cell, heading, side, first = np.broadcast_arrays(np.asarray(cell), np.asarray(heading),
                                                     np.asarray(side), np.asarray(first))
    mode = np.zeros(cell.shape, int) if mode is None else np.broadcast_to(mode, cell.shape)
    out = np.empty(cell.shape + (horizon,), int)
    c, h = cell.copy(), heading.copy()
    act = first
    for k in range(horizon):
        on = c != EXIT
        c2, h2 = domain.next_cell[np.maximum(c, 0), h, act], domain.next_heading[np.maximum(c, 0), h, act]
        c, h = np.where(on, c2, EXIT), np.where(on, h2, h)
        out[..., k] = c
        if k + 1 < horizon:
            g = greedy[side, np.maximum(c, 0), h]
            act = np.where(mode == 1, FORWARD, np.where(mode == 2, STOP, g))
    return out


def hits(ego0, ego: np.ndarray, oth0, oth: np.ndarray) -> np.ndarray:
    """Whether two trajectories collide (same cell or a swap while both on the grid).

    ``ego0``/``oth0``: start cells (...); ``ego``/``oth``: (..., horizon) cells, broadcast.
    """
    e_prev = np.concatenate([np.broadcast_to(np.asarray(ego0)[..., None], ego.shape[:-1] + (1,)),
                             ego[..., :-1]], -1)
    o_prev = np.concatenate([np.broadcast_to(np.asarray(oth0)[..., None], oth.shape[:-1] + (1,)),
                             oth[..., :-1]], -1)
    on = (ego != EXIT) & (oth != EXIT)
    same = ego == oth
    swap = (ego == o_prev) & (oth == e_prev) & (e_prev != EXIT) & (o_prev != EXIT)
    return ((same | swap) & on).any(-1)


def boltzmann(q: np.ndarray, beta: float, epsilon: float) -> np.ndarray:
    """``log[(1 - eps) softmax(beta q) + eps / |A|]`` over the last axis."""
    z = beta * (q - q.max(-1, keepdims=True))
    p = np.exp(z)
    p /= p.sum(-1, keepdims=True)
    return np.log((1.0 - epsilon) * p + epsilon / q.shape[-1])


def level0_logpolicy(domain: Driving, greedy: np.ndarray, state: DrivingState, know: Knowledge,
                     params: DrivingParams, cars: np.ndarray) -> np.ndarray:
    """``log pi0(a | s, g)`` of ``cars`` for every goal: (len(cars), 3 goals, 5 actions)."""
    cars = np.asarray(cars)
    cell, head, entry, active, car_of = state_arrays(state)
    H = params.horizon
    sides = goal_exit(entry[cars][:, None], np.arange(N_GOALS)[None, :])              # (m, 3)
    acts = np.arange(N_ACTIONS)
    ego = roll(domain, greedy, cell[cars][:, None, None], head[cars][:, None, None],
               sides[:, :, None], acts[None, None, :], H)                               # (m,3,5,H)
    # the others: known cars repeat their last action; unknown lanes hold a phantom
    status = know.status[cars]                                                        # (m, 4)
    k = np.maximum(car_of, 0)[None, :].repeat(cars.size, 0)
    known = (status == KNOWN) & (car_of[None, :] >= 0) & active[k]
    phantom = status == UNKNOWN
    start = np.where(known, cell[k], know.frontier[cars])
    start = np.where(known | (phantom & (start >= 0)), start, EXIT)
    moving = np.array(state.moved)[k]
    mode = np.where(known & ~moving, 2, 1)
    hd = np.where(known, head[k], np.arange(4)[None, :])
    oth = roll(domain, greedy, np.maximum(start, 0), hd, 0, np.where(mode == 2, STOP, FORWARD),
               H, mode)
    oth = np.where((start == EXIT)[..., None], EXIT, oth)                               # (m,4,H)
    p_exist = existence_belief(params.existence_prior, know.hidden_steps[cars],
                               params.existence_decay)
    w = np.where(known, 1.0, np.where(phantom & (start != EXIT), p_exist, 0.0))
    coll = hits(cell[cars][:, None, None, None], ego[:, :, :, None, :],
                start[:, None, None, :], oth[:, None, None, :, :])                        # (m,3,5,4)
    risk = 1.0 - np.prod(1.0 - w[:, None, None, :] * coll, -1)                          # (m,3,5)
    dist = domain.exit_distance(ego[..., 0], _heading_after(domain, head[cars], acts, cell[cars]),
                                entry[cars][:, None, None], np.arange(N_GOALS)[None, :, None])
    q = -dist - params.collision_cost * risk
    q[..., SIGNAL] = q[..., STOP] - params.signal_cost
    return boltzmann(q, params.beta0, params.epsilon)


def _heading_after(domain: Driving, head: np.ndarray, acts: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """(m, 1, 5) heading after each first action."""
    return domain.next_heading[cell[:, None], head[:, None], acts[None, :]][:, None, :]


class Level1Rollouts(NamedTuple):
    """Car 0's look-ahead at one step for several goals (leading axis), shared by the 24
    hypotheses with each goal.

    Attributes:
        dist: (G, 5) moves to the goal's exit after each action.
        coll_known: (G, 4 lanes, 3 goals of that lane's car, 5 actions) predicted collisions with
            a known car under each of its goals.
        coll_phantom: (G, 4 lanes, 5 actions) predicted collisions with each lane's phantom.
    """

    dist: np.ndarray
    coll_known: np.ndarray
    coll_phantom: np.ndarray


def level1_rollouts(domain: Driving, greedy: np.ndarray, state: DrivingState, know: Knowledge,
                    params: DrivingParams, goals) -> Level1Rollouts:
    """Car 0's look-ahead under each of ``goals``: every action against every known car's goals
    and every phantom, all goals in one vectorised call (the other cars' predicted motion does not
    depend on car 0's goal, so it is rolled out once)."""
    goals = np.atleast_1d(np.asarray(goals))
    cell, head, entry, active, car_of = state_arrays(state)
    H = params.target_horizon
    acts = np.arange(N_ACTIONS)
    side0 = goal_exit(entry[0], goals)                                                    # (G,)
    ego = roll(domain, greedy, cell[0], head[0], side0[:, None], acts[None, :], H)        # (G,5,H)
    k = np.maximum(car_of, 0)
    status = know.status[0]
    known = (status == KNOWN) & (car_of >= 0) & active[k]
    # known cars under each of their goals
    sides = goal_exit(entry[k][:, None], np.arange(N_GOALS)[None, :])                     # (4, 3)
    kc = np.where(known, cell[k], 0)
    pred = roll(domain, greedy, kc[:, None], head[k][:, None], sides,
                greedy[sides, kc[:, None], head[k][:, None]], H)                          # (4,3,H)
    ck = hits(cell[0], ego[:, None, None], kc[:, None, None], pred[None, :, :, None])       # (G,4,3,5)
    ck &= known[None, :, None, None]
    start = know.frontier[0]
    ph = (status == UNKNOWN) & (start >= 0)
    pst = np.where(ph, start, 0)
    oth = roll(domain, greedy, pst, np.arange(4), 0, FORWARD, H, np.ones(4, int))        # (4, H)
    cp = hits(cell[0], ego[:, None], pst[:, None], oth[None, :, None]) & ph[None, :, None]  # (G,4,5)
    h_after = domain.next_heading[cell[0], head[0], acts]
    dist = domain.exit_distance(ego[..., 0], h_after[None, :], entry[0], goals[:, None])
    return Level1Rollouts(dist, ck, cp)


def level1_logpolicy(roll1: Level1Rollouts, goal_beliefs: np.ndarray, exist_p: np.ndarray,
                     params: DrivingParams, rows: np.ndarray | None = None) -> np.ndarray:
    """``log pi1(a | s, h)`` for several belief states: (r, 5).

    Args:
        roll1: the look-ahead for one or more goals.
        goal_beliefs: (r, 4 lanes, 3) car 0's belief over each known lane car's goal.
        exist_p: (r, 4) car 0's existence belief for each lane's phantom.
        rows: (r,) which of ``roll1``'s goals each belief state has (default the first).
    """
    rows = np.zeros(goal_beliefs.shape[0], int) if rows is None else np.asarray(rows)
    ck = roll1.coll_known[rows].astype(float)                                             # (r,4,3,5)
    p_known = np.einsum("rlg,rlga->rla", goal_beliefs, ck)
    p_ph = exist_p[:, :, None] * roll1.coll_phantom[rows].astype(float)
    risk = 1.0 - np.prod(1.0 - p_known, 1) * np.prod(1.0 - p_ph, 1)                         # (r,5)
    dist = roll1.dist[rows]
    q = -dist - params.collision_cost * risk
    go = np.argmin(dist[:, :3], 1)  # the move that makes progress
    q[:, SIGNAL] = q[:, STOP] - params.signal_cost + params.signal_gain * risk[np.arange(rows.size), go]
    if not params.target_signals:
        q[:, SIGNAL] = -BIG
    return boltzmann(q, params.beta1, params.epsilon)


# ------------------------------------------------------------------ per-episode tables
class EpisodeTables:
    """Everything about one episode that does not depend on the level-2 hypothesis, lazily.

    Holds each step's knowledge, the level-0 log-likelihoods of every other car's action under
    each of its goals (one vectorised call per step), car 0's beliefs over the known cars' goals
    (as a function of the goal cue for car 1) and car 0's look-ahead per (step, goal).
    ``rollouts`` counts the level-1 look-aheads formed (what EI multiplies by the goals).
    """

    def __init__(self, domain: Driving, episode: DrivingEpisode, params: DrivingParams) -> None:
        self.domain, self.episode, self.params = domain, episode, params
        self.greedy = _greedy(domain)
        T, n = episode.n_steps, len(episode.states[0].cell)
        self.n_cars = n
        self._know: list[Knowledge] = []
        self._lp0 = np.full((T + 1, n, N_GOALS), np.nan)   # log pi0(a_t^k | g) (0 for car 0)
        self._lp0_done = np.zeros(T + 1, bool)
        self._roll = Level1Rollouts(np.zeros((T + 1, N_GOALS, N_ACTIONS)),
                                    np.zeros((T + 1, N_GOALS, 4, N_GOALS, N_ACTIONS), bool),
                                    np.zeros((T + 1, N_GOALS, 4, N_ACTIONS), bool))
        self._roll_done = np.zeros(T + 1, bool)
        self._lanes = np.zeros((T + 1, N_GOALS, 4, N_GOALS))
        self._pred = np.zeros((T + 1, N_GOALS))
        self._hidden = np.zeros((T + 1, 4), int)
        self._bel_done = np.zeros(T + 1, bool)
        self._bel: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._cum = [(np.zeros((n, N_GOALS)), np.zeros(N_GOALS))]
        self.rollouts = 0
        self.level0_evaluations = 0
        self.cue_prior = cue_prior(params.goal_cue_accuracy)
        self.exist_prior = existence_beliefs(params)
        self.car_of = state_arrays(episode.states[0]).car_of

    def knowledge(self, t: int) -> Knowledge:
        """What every car knows before step ``t`` (computed in order on first use: the
        observer's simulation of each car's perception is part of the online step's cost)."""
        while len(self._know) <= t:
            prev = self._know[-1] if self._know else None
            s = self.episode.states[len(self._know)]
            self._know.append(update_knowledge(self.domain, s, prev, self.params))
        return self._know[t]

    def level0(self, t: int) -> np.ndarray:
        """(n_cars, 3) ``log pi0(a_t^k | s_t, g)`` of each car's observed action (row 0 zero)."""
        if not self._lp0_done[t]:
            ep = self.episode
            s = ep.states[t]
            out = np.zeros((self.n_cars, N_GOALS))
            if t < ep.n_steps and self.n_cars > 1:
                cars = np.arange(1, self.n_cars)
                lp = level0_logpolicy(self.domain, self.greedy, s, self.knowledge(t), self.params,
                                      cars)
                act = ep.actions[t, cars]
                out[cars] = lp[np.arange(cars.size), :, act]
                out[~np.array(s.active)] = 0.0
                self.level0_evaluations += cars.size * N_GOALS
            self._lp0[t], self._lp0_done[t] = out, True
        return self._lp0[t]

    def beliefs(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Car 0's goal beliefs before step ``t``: ``(lane_beliefs (3 cues, 4, 3), car-1
        predictive log-prob of its action at t per cue (3,), status of the lanes (4,))``."""
        if t not in self._bel:
            # running sums over steps < t: what car 0 saw of each car, and all of car 1's actions
            # (the observer's view), extended from the last step computed
            while len(self._cum) <= t:
                tau = len(self._cum) - 1
                ll, obs = (x.copy() for x in self._cum[-1])
                lp = self.level0(tau)
                seen = self.knowledge(tau).visible[0]
                ll[seen] += lp[seen]
                if self.n_cars > 1:
                    obs += lp[1]
                self._cum.append((ll, obs))
            ll, obs = self._cum[t]
            log_b = np.log(np.full((N_GOALS, self.n_cars, N_GOALS), 1.0 / N_GOALS))
            log_b[:, 1] = np.log(self.cue_prior)
            log_b = log_b + ll[None]
            log_b -= log_b.max(-1, keepdims=True)
            b = np.exp(log_b)
            b /= b.sum(-1, keepdims=True)                                                  # (3,n,3)
            lanes = lane_beliefs(b, self.car_of)
            # the observer's predictive of car 1's action at t given the cue
            if t < self.episode.n_steps and self.n_cars > 1 and self.episode.states[t].active[1]:
                post = np.log(self.cue_prior) + obs[None, :]
                post -= np.logaddexp.reduce(post, 1, keepdims=True)
                pred = np.logaddexp.reduce(post + self.level0(t)[1][None, :], 1)
            else:
                pred = np.zeros(N_GOALS)
            self._bel[t] = (lanes, pred, self.knowledge(t).status[0])
        return self._bel[t]

    def look_ahead(self, ts: np.ndarray) -> Level1Rollouts:
        """Car 0's look-ahead for all 3 goals, stacked over the episode's steps: (T + 1, 3, ...).

        Rows ``ts`` are guaranteed filled. A step's three goals are rolled out together in one
        vectorised call the first time any hypothesis needs that step (at this size one call for
        three goals costs about what a call for one does, so a particle method asking for fewer
        goals would only pay more calls).
        """
        for t in np.unique(ts):
            t = int(t)
            if not self._roll_done[t]:
                r = level1_rollouts(self.domain, self.greedy, self.episode.states[t],
                                    self.knowledge(t), self.params, np.arange(N_GOALS))
                for dst, src in zip(self._roll, r, strict=True):
                    dst[t] = src
                self._roll_done[t] = True
                self.rollouts += N_GOALS
        return self._roll

    def belief_rows(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stacked :meth:`beliefs` for steps ``ts``: lanes (r, 3 cues, 4, 3), car-1 predictive
        (r, 3 cues), car 0's existence evidence (r, 4): hidden steps, 0 where not unknown."""
        for t in np.unique(ts):
            t = int(t)
            if not self._bel_done[t]:
                lanes, pred, status = self.beliefs(t)
                self._lanes[t], self._pred[t] = lanes, pred
                self._hidden[t] = np.where(status == UNKNOWN, self.knowledge(t).hidden_steps[0], 0)
                self._bel_done[t] = True
        return self._lanes[ts], self._pred[ts], self._hidden[ts]

    def action_logprobs(self, ts, idx: np.ndarray) -> np.ndarray:
        """``log pi1(. | s_t, h)`` for aligned steps ``ts`` and hypotheses ``idx``: (len(idx), 5),
        all rows in one vectorised call."""
        idx = np.asarray(idx)
        ts = np.broadcast_to(np.asarray(ts), idx.shape)
        g, c, e = decode(idx)
        roll = self.look_ahead(ts)
        lanes, _, hidden = self.belief_rows(ts)
        # lane of entry heading k+1 <- existence bit k; own lane (0) never unknown
        prior = np.zeros((idx.size, 4))
        prior[:, 1:] = self.exist_prior[e]
        p_lane = existence_belief(prior, hidden, self.params.existence_decay)
        rows = Level1Rollouts(roll.dist[ts, g], roll.coll_known[ts, g], roll.coll_phantom[ts, g])
        return level1_logpolicy(rows, lanes[np.arange(idx.size), c], p_lane, self.params,
                                rows=np.arange(idx.size))


_GREEDY: dict[tuple, np.ndarray] = {}


def _greedy(domain: Driving) -> np.ndarray:
    key = (domain.config.size, domain.config.sidewalk)
    if key not in _GREEDY:
        _GREEDY[key] = greedy_table(domain)
    return _GREEDY[key]


class DrivingModel:
    """Level-2 hypothesis model of Driving (72 hypotheses; see the module docstring).

    Implements :class:`~nestlab.nested.domains.base.HypothesisModel`; :meth:`predict` gives the
    predictive distribution of car 0's next action under a weighted hypothesis set.

    Args:
        domain, episode: the world and the observed episode.
        params: the drivers (the observer's model of them).
        tables: shared :class:`EpisodeTables` (built if not given).
    """

    def __init__(self, domain: Driving, episode: DrivingEpisode, *,
                 params: DrivingParams | None = None, tables: EpisodeTables | None = None) -> None:
        self.domain, self.episode = domain, episode
        self.params = params or DrivingParams()
        self.tables = tables or EpisodeTables(domain, episode, self.params)
        self.n_hyp = N_HYP
        self.n_steps = episode.n_steps
        self._lp = np.full((episode.n_steps + 1, N_HYP, N_ACTIONS), np.nan)
        self.evaluations = 0  # (hypothesis, step) action distributions formed
        self.log_prior = existence_log_prior(episode.occupied, self.params)

    def logpolicy(self, t, idx: np.ndarray) -> np.ndarray:
        """Memoised ``log pi1(. | s_t, h)``: (len(idx), 5); ``t`` a step or aligned steps.
        Every missing (step, hypothesis) pair is formed in one batch."""
        idx = np.asarray(idx)
        ts = np.broadcast_to(np.asarray(t), idx.shape)
        miss = np.isnan(self._lp[ts, idx, 0])
        if miss.any():
            pairs = np.unique(ts[miss] * N_HYP + idx[miss])
            mt, mh = np.divmod(pairs, N_HYP)
            self._lp[mt, mh] = self.tables.action_logprobs(mt, mh)
            self.evaluations += pairs.size
        return self._lp[ts, idx]

    def step_loglik(self, t, idx: np.ndarray) -> np.ndarray:
        """``log p(obs_t | h)`` (``t`` a step or an array aligned with ``idx``)."""
        idx = np.asarray(idx)
        ts = np.broadcast_to(np.asarray(t), idx.shape)
        lp = self.logpolicy(ts, idx)
        pred = self.tables.belief_rows(ts)[1]
        cue = decode(idx)[1]
        return (lp[np.arange(idx.size), self.episode.actions[ts, 0]]
                + pred[np.arange(idx.size), cue])

    def predict(self, t: int, idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Predictive distribution of car 0's action at step ``t`` under weights on ``idx``: (5,)."""
        p = np.exp(self.logpolicy(t, idx))
        return np.asarray(weights) @ p


# ------------------------------------------------------------------ simulation
def simulate_driving(domain: Driving, seed: int, *, params: DrivingParams | None = None,
                     n_cars: int | None = None) -> DrivingEpisode:
    """Run the cars from a random start until car 0 leaves, a collision or ``max_steps``.

    Every car's goal, car 0's goal cue about car 1 and its existence cues are drawn from the
    generative model; deterministic given ``seed``.
    """
    params = params or DrivingParams()
    checks.instance("domain", domain, Driving, where="simulate_driving")
    checks.integer("seed", seed, min=0, where="simulate_driving")
    rng = np.random.default_rng([seed, 23])
    state = domain.reset(seed, n_cars=n_cars)
    n = len(state.cell)
    goals = rng.integers(N_GOALS, size=n)
    cp = cue_prior(params.goal_cue_accuracy)
    cue = int(rng.choice(N_GOALS, p=cp[goals[1]])) if n > 1 else 0
    occupied = np.array([h in state.entry[1:] for h in (1, 2, 3)])
    right = rng.random(3) < params.existence_cue_accuracy
    bits = np.where(right, occupied, ~occupied).astype(int)
    exist = int((bits << np.arange(3)).sum())
    greedy = _greedy(domain)
    ex_prior = existence_beliefs(params)[exist]
    cprior = cp[cue]
    states, actions, feats, pol = [state], [], [], []
    know = update_knowledge(domain, state, None, params)
    log_b = np.log(np.full((n, N_GOALS), 1.0 / N_GOALS))
    if n > 1:
        log_b[1] = np.log(cprior)
    car_of = state_arrays(state).car_of
    for _ in range(domain.config.max_steps):
        if domain.done(state):
            break
        a = np.full(n, STOP)
        lp0 = None
        if n > 1:
            cars = np.arange(1, n)
            lp0 = level0_logpolicy(domain, greedy, state, know, params, cars)
            for i, c in enumerate(cars):
                p = np.exp(lp0[i, goals[c]])
                a[c] = rng.choice(N_ACTIONS, p=p / p.sum())
        b = np.exp(log_b - np.logaddexp.reduce(log_b, 1, keepdims=True))
        lanes = lane_beliefs(b, car_of)[None]
        p_lane = np.zeros((1, 4))
        p_lane[0, 1:] = ex_prior
        p_lane = existence_belief(p_lane, know.hidden_steps[0][None, :],
                                  params.existence_decay) * (know.status[0] == UNKNOWN)[None, :]
        r1 = level1_rollouts(domain, greedy, state, know, params, goals[:1])
        p = np.exp(level1_logpolicy(r1, lanes, p_lane, params)[0])
        a[0] = rng.choice(N_ACTIONS, p=p / p.sum())
        pol.append(p)
        a = np.where(np.array(state.active), a, STOP)
        if lp0 is not None:  # car 0's Bayes update on the cars it sees
            seen = know.visible[0].copy()
            seen[0] = False
            for c in np.flatnonzero(seen):
                log_b[c] += lp0[c - 1, :, a[c]]
        nxt = domain.step(state, a)
        feats.append(domain.features(state, a, nxt, half_angle=params.target_half_angle))
        states.append(nxt)
        actions.append(a)
        state = nxt
        know = update_knowledge(domain, state, know, params)
    return DrivingEpisode(tuple(states), np.array(actions, dtype=int).reshape(-1, n), goals, cue,
                          exist, np.array(feats, np.float32).reshape(-1, domain.n_features), seed,
                          np.array(pol).reshape(-1, N_ACTIONS))
