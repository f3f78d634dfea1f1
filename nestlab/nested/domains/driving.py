"""The Driving domain: cars at a 4-way intersection with occluding corner buildings (Jha et al.
2024, Sec. 5.2; CPU-sized after the spec, Sec. 2).

Geometry (``size`` x ``size`` cells, ``mid = size // 2``, right-hand traffic):

* two-lane roads: column ``mid - 1`` southbound, column ``mid`` northbound, row ``mid - 1``
  westbound, row ``mid`` eastbound; their 2 x 2 crossing is the intersection;
* the corner blocks beyond a ``sidewalk`` strip along the roads are buildings: they block line of
  sight (no cell off the roads can be driven on);
* each car enters on one approach lane (one car per approach; car 0, the *target* of the level-2
  observer, always comes from the south heading north) and leaves the grid on some side.

Headings 0..3 are north, east, south, west. Actions: forward, turn-left, turn-right, stop,
signal. A turn rotates the heading by 90 degrees and moves one cell in the new heading; it is legal
only into an intersection cell or a lane cell whose direction matches the new heading (so cars
keep to their lanes; an illegal move leaves the car where it is). Stop and signal leave the car in
place; signal also lights its warning signal (visible to others) for that step. Moving off the
grid leaves the episode (the car is *done*). All cars move at once; two cars that end a step in
the same cell or swap cells **collide**, which ends the episode.

Goals {straight, left, right} are exits relative to a car's entry heading; the domain holds the
steps-to-exit table of every (cell, heading) for every exit side (value iteration over the legal
moves), which the planners of :mod:`nestlab.nested.driving` read.

A car ``i`` *sees* car ``j`` when ``j`` lies inside ``i``'s view cone (angle to ``i``'s heading
at most ``half_angle``) and the segment between the cell centres crosses no building cell
(:meth:`Driving.line_of_sight`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from nestlab import checks

__all__ = ["ACTION_NAMES", "BIG", "EXIT", "FORWARD", "GOAL_NAMES", "HEADING_NAMES", "MAX_CARS",
           "MAX_SIZE", "MIN_CARS", "MIN_SIZE", "N_ACTIONS", "SIDE_NAMES", "SIGNAL", "STEP", "STOP",
           "TURN_LEFT", "TURN_RIGHT", "Driving", "DrivingConfig", "DrivingState", "goal_exit",
           "relative_slot"]

FORWARD, TURN_LEFT, TURN_RIGHT, STOP, SIGNAL = range(5)
ACTION_NAMES = ("forward", "turn-left", "turn-right", "stop", "signal")
N_ACTIONS = 5
GOAL_NAMES = ("straight", "left", "right")
HEADING_NAMES = ("north", "east", "south", "west")
#: (d_row, d_col) of each heading
STEP = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
#: entry heading of each approach, by the side the car comes from: south, west, north, east
SIDE_NAMES = {0: "south", 1: "west", 2: "north", 3: "east"}
BIG = 1000.0
EXIT = -1  # "left the grid" in the transition table
MIN_SIZE, MAX_SIZE = 6, 16
MIN_CARS, MAX_CARS = 2, 4


def goal_exit(entry_heading: int | np.ndarray, goal: int | np.ndarray) -> np.ndarray:
    """Exit side (a heading) of goal ``goal`` (0 straight, 1 left, 2 right) for a car entering
    with ``entry_heading``."""
    return (np.asarray(entry_heading) + np.array([0, 3, 1])[np.asarray(goal)]) % 4


@dataclass(frozen=True)
class DrivingConfig:
    """Size of a Driving world.

    Args:
        size: grid side, an even number of cells in 6..16 (approach lanes ``size // 2 - 1`` long).
        n_cars: cars at the intersection, 2..4 (one per approach; car 0 comes from the south).
        max_steps: episode length cap (episodes end when the target car leaves, on a collision,
            or at this cap).
        sidewalk: width of the open (non-building, not drivable) strip along the roads; 0 puts the
            buildings flush with the roads (cars see cross traffic only inside the intersection).
    """

    size: int = 10
    n_cars: int = 3
    max_steps: int = 16
    sidewalk: int = 0

    def __post_init__(self) -> None:
        where = "DrivingConfig"
        checks.integer("size", self.size, min=MIN_SIZE, max=MAX_SIZE, where=where)
        if self.size % 2:
            raise ValueError(f"{where}: invalid size {self.size}; valid values: an even integer "
                             f"in {MIN_SIZE}..{MAX_SIZE} (the roads sit at the centre)")
        checks.integer("n_cars", self.n_cars, min=MIN_CARS, max=MAX_CARS, where=where)
        checks.integer("max_steps", self.max_steps, min=1, max=200, where=where)
        checks.integer("sidewalk", self.sidewalk, min=0, max=self.size // 2 - 2, where=where)


class DrivingState(NamedTuple):
    """Immutable world state (arrays of length ``n_cars``).

    Attributes:
        cell: each car's cell (``row * size + col``).
        heading: each car's heading (0 N, 1 E, 2 S, 3 W).
        entry: each car's entry heading (fixes its goals' exit sides).
        active: still on the grid (not done).
        last_action: the action each car took in the previous step (forward at the start).
        signal: whether each car signalled in the previous step.
        moved: whether each car changed cell in the previous step (True at the start: cars
            arrive moving).
        crashed: a collision happened (the episode is over).
        t: step counter.
    """

    cell: tuple[int, ...]
    heading: tuple[int, ...]
    entry: tuple[int, ...]
    active: tuple[bool, ...]
    last_action: tuple[int, ...]
    signal: tuple[bool, ...]
    moved: tuple[bool, ...]
    crashed: bool = False
    t: int = 0


class Driving:
    """The Driving domain (implements :class:`~nestlab.nested.domains.base.Domain`).

    Args:
        config: world size; defaults to :class:`DrivingConfig` ``()`` (10 x 10, 3 cars).
    """

    action_names = ACTION_NAMES
    goals = GOAL_NAMES

    def __init__(self, config: DrivingConfig | None = None) -> None:
        self.config = config if config is not None else DrivingConfig()
        checks.instance("config", self.config, DrivingConfig, where="Driving")
        S = self.size = self.config.size
        self.n_agents = self.config.n_cars
        self.mid = m = S // 2
        self.n_cells = S * S
        rows, cols = np.divmod(np.arange(S * S), S)
        self.rows, self.cols = rows, cols
        road_r, road_c = np.isin(rows, (m - 1, m)), np.isin(cols, (m - 1, m))
        self.road = road_r | road_c
        w = self.config.sidewalk
        near_r = (rows >= m - 1 - w) & (rows <= m + w)
        near_c = (cols >= m - 1 - w) & (cols <= m + w)
        self.building = ~(near_r | near_c)
        self.intersection = road_r & road_c
        lane = np.full(S * S, -1)
        lane[(cols == m - 1) & ~road_r] = 2
        lane[(cols == m) & ~road_r] = 0
        lane[(rows == m - 1) & ~road_c] = 3
        lane[(rows == m) & ~road_c] = 1
        self.lane_dir = lane
        self.approach = {h: self._approach_cells(h) for h in range(4)}
        self.next_cell, self.next_heading = self._transitions()
        self.dist = self._distances()
        self.los = self._line_of_sight_table()
        self.n_features = 4 * 17 + 2

    # ------------------------------------------------------------------ geometry
    def cell(self, row: int, col: int) -> int:
        """Cell index of ``(row, col)``."""
        return int(row) * self.size + int(col)

    def coords(self, cell: int) -> tuple[int, int]:
        """``(row, col)`` of a cell."""
        return int(self.rows[cell]), int(self.cols[cell])

    def _approach_cells(self, entry: int) -> np.ndarray:
        """Approach-lane cells of the car entering with heading ``entry``, far to near."""
        S, m = self.size, self.mid
        if entry == 0:    # from the south, northbound lane
            cells = [self.cell(r, m) for r in range(S - 1, m, -1)]
        elif entry == 1:  # from the west, eastbound lane
            cells = [self.cell(m, c) for c in range(0, m - 1)]
        elif entry == 2:  # from the north, southbound lane
            cells = [self.cell(r, m - 1) for r in range(0, m - 1)]
        else:             # from the east, westbound lane
            cells = [self.cell(m - 1, c) for c in range(S - 1, m, -1)]
        return np.array(cells)

    def _transitions(self) -> tuple[np.ndarray, np.ndarray]:
        """``next_cell[cell, heading, action]`` (EXIT when leaving the grid) and next heading."""
        S = self.size
        n = self.n_cells
        nxt = np.repeat(np.arange(n)[:, None, None], 4, 1).repeat(N_ACTIONS, 2)
        nh = np.repeat(np.arange(4)[None, :, None], n, 0).repeat(N_ACTIONS, 2)
        turn = {FORWARD: 0, TURN_LEFT: 3, TURN_RIGHT: 1}
        for c in np.flatnonzero(self.road):
            r0, c0 = divmod(int(c), S)
            for h in range(4):
                for a, dh in turn.items():
                    h2 = (h + dh) % 4
                    r, col = r0 + STEP[h2, 0], c0 + STEP[h2, 1]
                    if not (0 <= r < S and 0 <= col < S):
                        if self.lane_dir[c] == h2 or self.intersection[c]:
                            nxt[c, h, a], nh[c, h, a] = EXIT, h2
                        continue
                    tgt = r * S + col
                    if self.road[tgt] and (self.intersection[tgt] or self.lane_dir[tgt] == h2):
                        nxt[c, h, a], nh[c, h, a] = tgt, h2
        return nxt, nh

    def _distances(self) -> np.ndarray:
        """``dist[side, cell, heading]``: fewest moves to leave the grid on ``side`` (BIG: never)."""
        n = self.n_cells
        dist = np.full((4, n, 4), BIG)
        nxt, nh = self.next_cell[..., :3], self.next_heading[..., :3]
        moved = nxt != np.arange(n)[:, None, None]
        for side in range(4):
            d = dist[side]
            exits = (nxt == EXIT) & (nh == side)
            for _ in range(4 * self.size):
                tgt = np.where(nxt == EXIT, 0, nxt)
                cand = np.where(exits, 1.0, np.where(moved & (nxt != EXIT),
                                                     1.0 + d[tgt, nh], BIG))
                new = np.minimum(cand.min(-1), BIG)
                if np.array_equal(new, d):
                    break
                d[:] = new
        return dist

    def _line_of_sight_table(self) -> np.ndarray:
        """``los[a, b]``: the segment between the centres of cells a and b crosses no building."""
        n, S = self.n_cells, self.size
        road = np.flatnonzero(self.road)
        los = np.zeros((n, n), dtype=bool)
        samples = np.linspace(0.0, 1.0, 8 * S + 1)[1:-1]
        ra, ca = self.rows[road].astype(float), self.cols[road].astype(float)
        # every pair of road cells at once: (pairs, samples) points along the segment
        y = ra[:, None, None] + (ra[None, :, None] - ra[:, None, None]) * samples
        x = ca[:, None, None] + (ca[None, :, None] - ca[:, None, None]) * samples
        cells = np.floor(y + 0.5).astype(int) * S + np.floor(x + 0.5).astype(int)
        clear = ~self.building[cells].any(-1)
        los[np.ix_(road, road)] = clear
        return los

    def line_of_sight(self, a: int, b: int) -> bool:
        """Whether no building lies between the centres of cells ``a`` and ``b``."""
        return bool(self.los[a, b])

    def in_cone(self, cell: np.ndarray, heading: np.ndarray, target: np.ndarray,
                half_angle: float) -> np.ndarray:
        """Whether ``target`` cells lie inside the view cones (``half_angle`` degrees) of cars at
        ``cell`` with ``heading`` (broadcast over arrays)."""
        cell, heading, target = np.asarray(cell), np.asarray(heading), np.asarray(target)
        dy = self.rows[target] - self.rows[cell]
        dx = self.cols[target] - self.cols[cell]
        hy, hx = STEP[heading, 0], STEP[heading, 1]
        norm = np.hypot(dy, dx)
        cos = (dy * hy + dx * hx) / np.where(norm > 0, norm, 1.0)
        return (norm > 0) & (cos >= np.cos(np.deg2rad(half_angle)) - 1e-9)

    def sees_cells(self, cell: np.ndarray, heading: np.ndarray, target: np.ndarray,
                   half_angle: float) -> np.ndarray:
        """View cone and line of sight together (broadcast over arrays)."""
        cell, target = np.asarray(cell), np.asarray(target)
        return self.in_cone(cell, heading, target, half_angle) & self.los[cell, target]

    def visible(self, state: DrivingState, observer: int, half_angle: float) -> np.ndarray:
        """(n_cars,) which cars ``observer`` sees (itself excluded; cars that left are unseen)."""
        cell, head = np.array(state.cell), np.array(state.heading)
        v = self.sees_cells(cell[observer], head[observer], cell, half_angle)
        v &= np.array(state.active) & bool(state.active[observer])
        v[observer] = False
        return v

    # ------------------------------------------------------------------ dynamics
    def reset(self, seed: int, *, n_cars: int | None = None) -> DrivingState:
        """Random initial state: car 0 from the south, the others on distinct other approaches,
        each at a random distance along its approach lane. Deterministic given ``seed``."""
        n = self.n_agents if n_cars is None else n_cars
        rng = np.random.default_rng([seed, 11])
        entries = [0] + [int(h) for h in rng.permutation([1, 2, 3])[: n - 1]]
        cells, heads = [], []
        for h in entries:
            lane = self.approach[h]
            cells.append(int(lane[rng.integers(len(lane))]))
            heads.append(h)
        return DrivingState(tuple(cells), tuple(heads), tuple(entries), (True,) * n,
                            (FORWARD,) * n, (False,) * n, (True,) * n, False, 0)

    def move(self, cell: np.ndarray, heading: np.ndarray, action: np.ndarray):
        """Vectorised single-car moves: ``(next_cell, next_heading)`` (EXIT when leaving)."""
        return self.next_cell[cell, heading, action], self.next_heading[cell, heading, action]

    def collisions(self, cell0: np.ndarray, cell1: np.ndarray, active0: np.ndarray,
                   active1: np.ndarray) -> np.ndarray:
        """(n,) which cars collide in a step from ``cell0`` to ``cell1``: same end cell, or two cars
        swapping cells. ``active0``/``active1``: on the grid before / after the step."""
        same = (cell1[:, None] == cell1[None, :]) & active1[:, None] & active1[None, :]
        swap = ((cell1[:, None] == cell0[None, :]) & (cell0[:, None] == cell1[None, :])
                & active0[:, None] & active0[None, :] & active1[:, None] & active1[None, :])
        hit = same | swap
        np.fill_diagonal(hit, False)
        return hit.any(1)

    def step(self, state: DrivingState, actions) -> DrivingState:
        """Joint step: every active car moves at once; a collision ends the episode."""
        a = np.asarray(actions, dtype=int)
        n = len(state.cell)
        if a.shape != (n,) or ((a < 0) | (a >= N_ACTIONS)).any():
            raise ValueError(f"invalid actions {a.tolist()!r}; valid values: {n} actions in "
                             f"0..{N_ACTIONS - 1} = {ACTION_NAMES}")
        cell0, head0 = np.array(state.cell), np.array(state.heading)
        act0 = np.array(state.active)
        if state.crashed or not act0.any():
            return state._replace(t=state.t + 1)
        c1, h1 = self.move(cell0, head0, a)
        c1, h1 = np.where(act0, c1, cell0), np.where(act0, h1, head0)
        act1 = act0 & (c1 != EXIT)
        crash = bool(self.collisions(cell0, c1, act0, act1).any())
        c1 = np.where(act1, c1, cell0)
        return DrivingState(tuple(int(x) for x in c1), tuple(int(x) for x in h1), state.entry,
                            tuple(bool(x) for x in act1),
                            tuple(int(x) if act0[i] else state.last_action[i]
                                  for i, x in enumerate(a)),
                            tuple(bool(act0[i] and x == SIGNAL) for i, x in enumerate(a)),
                            tuple(bool(x) for x in (c1 != cell0) | (act0 & ~act1)),
                            crash, state.t + 1)

    def exit_distance(self, cell, heading, entry, goal) -> np.ndarray:
        """Moves still needed to leave on goal ``goal``'s side (0 for a car that has left)."""
        side = goal_exit(entry, goal)
        cell = np.asarray(cell)
        return np.where(cell == EXIT, 0.0, self.dist[side, np.maximum(cell, 0), heading])

    def goal_satisfied(self, state: DrivingState, goal_index: int) -> bool:
        """Car 0 has left the grid on goal ``goal_index``'s side."""
        if state.active[0]:
            return False
        return int(goal_exit(state.entry[0], goal_index)) == int(state.heading[0])

    def done(self, state: DrivingState) -> bool:
        """The episode is over: a collision, or car 0 has left."""
        return bool(state.crashed or not state.active[0])

    # ------------------------------------------------------------------ features
    def slots(self, state: DrivingState) -> np.ndarray:
        """Car index in each of the 4 approach slots relative to car 0 (self, left, ahead, right;
        -1: empty)."""
        out = np.full(4, -1)
        for i, e in enumerate(state.entry):
            out[relative_slot(state.entry[0], e)] = i
        return out

    def features(self, state: DrivingState, actions, next_state: DrivingState, *,
                 half_angle: float = 90.0) -> np.ndarray:
        """Per-step features (float32, fixed length for any number of cars) for recognition nets.

        For each of the 4 approach slots relative to car 0 (itself, from its left, ahead, from its
        right): present, is car 1 (the car car 0 has a cue about), active, row and column after
        the step, heading after (one-hot), the action (one-hot), signalled, seen by car 0 after the
        step, distance to the intersection; then whether the step ended in a collision, and the
        step counter. Cars that have left keep their last cell.
        """
        S = float(self.size)
        n = len(state.cell)
        cars = np.arange(n)
        slot = (np.array(state.entry) - state.entry[0]) % 4
        cell, head = np.array(next_state.cell), np.array(next_state.heading)
        f = np.zeros((4, 17), np.float32)
        f[slot, 0] = 1.0
        f[slot, 1] = cars == 1
        f[slot, 2] = next_state.active
        f[slot, 3], f[slot, 4] = self.rows[cell] / S, self.cols[cell] / S
        f[slot, 5 + head] = 1.0
        f[slot, 9 + np.asarray(actions, dtype=int)] = 1.0
        f[slot, 14] = next_state.signal
        f[slot, 15] = self.visible(next_state, 0, half_angle)
        r, c = self.rows[cell], self.cols[cell]
        f[slot, 16] = (np.maximum(0, np.abs(r - self.mid + 0.5) - 1.0)
                       + np.maximum(0, np.abs(c - self.mid + 0.5) - 1.0)) / S
        out = np.zeros(self.n_features, np.float32)
        out[:68] = f.ravel()
        out[-2] = float(next_state.crashed)
        out[-1] = next_state.t / float(self.config.max_steps)
        return out


def relative_slot(entry0: int, entry: int) -> int:
    """Slot of a car entering with ``entry`` seen from a car entering with ``entry0``.

    0 itself; 1 from its left (crossing from left to right); 2 oncoming; 3 from its right.
    """
    return (int(entry) - int(entry0)) % 4
