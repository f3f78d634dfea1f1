"""The Construction domain (Jha et al. 2024, Sec. 5.1; CPU-sized after the spec, Sec. 2).

Two agents in a walled gridworld of coloured blocks. Alice (agent 0, level 0) wants one pair of
blocks next to each other; Bob (agent 1, level 1) helps or hinders her. Actions: up, down, left,
right, put-down, stop. Rules:

* moving into a wall or onto the other agent leaves the agent where it is (agents block each
  other);
* moving onto a block empty-handed picks it up (the agent carries it from then on); moving onto a
  block while carrying one is blocked;
* put-down leaves the carried block on the agent's cell (no-op when empty-handed);
* agents act in a fixed order within a step (Alice, then Bob), so a step is deterministic.

A goal ``(i, j)`` holds when blocks ``i`` and ``j`` both lie on the ground in 4-adjacent cells.
Cells are indexed ``row * (width + 2) + col`` on the grid including its border walls.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from nestlab import checks

__all__ = ["ACTION_NAMES", "BIG", "DOWN", "LEFT", "MAX_BLOCKS", "MAX_SIDE", "MIN_BLOCKS", "MIN_SIDE",
           "MOVES", "PUT_DOWN", "RIGHT", "STOP", "UP", "Construction", "ConstructionConfig",
           "ConstructionState"]

UP, DOWN, LEFT, RIGHT, PUT_DOWN, STOP = range(6)
ACTION_NAMES = ("up", "down", "left", "right", "put-down", "stop")
MOVES = {UP: (-1, 0), DOWN: (1, 0), LEFT: (0, -1), RIGHT: (0, 1)}
MIN_BLOCKS, MAX_BLOCKS = 3, 10
MIN_SIDE, MAX_SIDE = 4, 20
BIG = 1000.0  # "unreachable" distance (finite so that arithmetic stays finite)


@dataclass(frozen=True)
class ConstructionConfig:
    """Size of a Construction world.

    Args:
        width: interior columns (walls are added around), default 8.
        height: interior rows, default 8.
        n_blocks: number of coloured blocks, 3..10 (the paper sweeps 5..10; |G| = C(n, 2)).
        max_steps: episode length cap (episodes run until Alice's goal holds or this cap).
        walls: extra interior wall cells as ``(row, col)`` in interior coordinates (0-based).
    """

    width: int = 8
    height: int = 8
    n_blocks: int = 6
    max_steps: int = 20
    walls: tuple[tuple[int, int], ...] = field(default=())

    def __post_init__(self) -> None:
        w = "ConstructionConfig"
        for name in ("width", "height"):
            checks.integer(name, getattr(self, name), min=MIN_SIDE, max=MAX_SIDE, where=w)
        checks.integer("n_blocks", self.n_blocks, min=MIN_BLOCKS, max=MAX_BLOCKS, where=w)
        checks.integer("max_steps", self.max_steps, min=1, where=w)
        walls = checks.sequence("walls", self.walls, where=w)
        for i, cell in enumerate(walls):
            pair = checks.sequence(f"walls[{i}]", cell, min_len=2, max_len=2, where=w)
            r = checks.integer(f"walls[{i}][0] (row)", pair[0], where=w)
            c = checks.integer(f"walls[{i}][1] (col)", pair[1], where=w)
            if not (0 <= r < self.height and 0 <= c < self.width):
                raise ValueError(f"{w}: invalid walls[{i}] {tuple(pair)!r}: wall lies outside the "
                                 f"{self.height}x{self.width} interior; valid range: 0 <= row < "
                                 f"{self.height}, 0 <= col < {self.width}")
        self._check_connected()
        free = self.width * self.height - len({(int(a), int(b)) for a, b in self.walls})
        # blocks are placed pairwise non-adjacent: at most about half the free cells can hold one
        capacity = (free - 2) // 2
        if self.n_blocks > capacity:
            raise ValueError(
                f"ConstructionConfig: {self.n_blocks} blocks do not fit apart on a "
                f"{self.height}x{self.width} interior with {len(self.walls)} walls "
                f"(at most {capacity}); use fewer blocks or a larger grid")


    def _check_connected(self) -> None:
        """Refuse walls that split the free cells: a block or agent placed in another region
        could never be reached, so goals would be unreachable from the start."""
        wall = {(int(r), int(c)) for r, c in self.walls}
        free = [(r, c) for r in range(self.height) for c in range(self.width) if (r, c) not in wall]
        if len(free) < 2:
            raise ValueError(f"ConstructionConfig: invalid walls: {len(wall)} walls leave "
                             f"{len(free)} free cell(s) of the {self.height}x{self.width} interior; "
                             "valid: walls that leave room for the agents and blocks")
        seen = {free[0]}
        frontier = [free[0]]
        while frontier:
            r, c = frontier.pop()
            for nb in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if nb not in seen and nb not in wall and 0 <= nb[0] < self.height \
                        and 0 <= nb[1] < self.width:
                    seen.add(nb)
                    frontier.append(nb)
        if len(seen) < len(free):
            cut = next(cell for cell in free if cell not in seen)
            raise ValueError(
                f"ConstructionConfig: invalid walls: they split the {self.height}x{self.width} "
                f"interior into separate regions ({len(free) - len(seen)} of {len(free)} free "
                f"cells, e.g. {cut}, cannot be reached from {free[0]}), so blocks and goals could "
                "be unreachable from the start; valid: walls that leave every free cell connected")


class ConstructionState(NamedTuple):
    """Immutable world state.

    Attributes:
        agent_pos: cell of each agent (Alice, Bob).
        holding: block index carried by each agent, or -1.
        block_pos: cell of each block (a carried block shares its carrier's cell).
        t: step counter.
    """

    agent_pos: tuple[int, int]
    holding: tuple[int, int]
    block_pos: tuple[int, ...]
    t: int = 0


class Construction:
    """The Construction domain (implements :class:`~nestlab.nested.domains.base.Domain`).

    Args:
        config: world size; defaults to :class:`ConstructionConfig` ``()`` (8x8, 6 blocks).
    """

    n_agents = 2
    action_names = ACTION_NAMES

    def __init__(self, config: ConstructionConfig | None = None) -> None:
        self.config = config if config is not None else ConstructionConfig()
        c = self.config
        self.W, self.H = c.width + 2, c.height + 2
        self.n_cells = self.W * self.H
        wall = np.zeros((self.H, self.W), dtype=bool)
        wall[0, :] = wall[-1, :] = wall[:, 0] = wall[:, -1] = True
        for r, col in c.walls:
            wall[r + 1, col + 1] = True
        self.wall = wall.ravel()
        self.rows, self.cols = np.divmod(np.arange(self.n_cells), self.W)
        self.free_cells = np.flatnonzero(~self.wall)
        self.n_blocks = c.n_blocks
        self.goals = tuple(itertools.combinations(range(c.n_blocks), 2))
        self.goal_i = np.array([g[0] for g in self.goals])
        self.goal_j = np.array([g[1] for g in self.goals])
        self.dist = self._all_pairs_bfs()
        # 4 neighbours of every cell (walls included; validity checked by callers)
        offs = np.array([-self.W, self.W, -1, 1])
        nb = np.arange(self.n_cells)[:, None] + offs[None, :]
        self.neighbours = np.clip(nb, 0, self.n_cells - 1)
        self.diameter = float(self.dist[np.ix_(self.free_cells, self.free_cells)].max())
        self.n_features = 8 + 2 * (self.n_blocks + 1) + 3 * self.n_blocks + 4 * self.n_blocks \
            + len(self.goals) + 12
        # features' lookup tables: every cell's (row, col) scaled, the distances scaled (the same
        # products :meth:`features` formed per call, so the features are unchanged bit for bit)
        self._scale = 1.0 / max(self.W, self.H)
        self._rc_scaled = np.stack([self.rows, self.cols], 1) * self._scale       # (cells, 2)
        self._dist_scaled = self.dist * (1.0 / self.diameter)

    # ------------------------------------------------------------------ geometry
    def cell(self, row: int, col: int) -> int:
        """Cell index of interior coordinates ``(row, col)`` (0-based)."""
        return (row + 1) * self.W + (col + 1)

    def coords(self, cell: int) -> tuple[int, int]:
        """Interior coordinates ``(row, col)`` of a cell."""
        return int(self.rows[cell]) - 1, int(self.cols[cell]) - 1

    def _all_pairs_bfs(self) -> np.ndarray:
        """Shortest-path distances between all cells around the walls (BFS); walls -> BIG."""
        n = self.n_cells
        dist = np.full((n, n), BIG)
        for src in self.free_cells:
            d = dist[src]
            d[src] = 0.0
            frontier = [int(src)]
            k = 0
            while frontier:
                k += 1
                nxt = []
                for u in frontier:
                    for v in (u - self.W, u + self.W, u - 1, u + 1):
                        if not self.wall[v] and d[v] == BIG:
                            d[v] = k
                            nxt.append(v)
                frontier = nxt
        return dist

    def adjacent(self, a: int, b: int) -> bool:
        """Whether two cells are 4-neighbours."""
        return abs(int(self.rows[a]) - int(self.rows[b])) + abs(int(self.cols[a]) - int(self.cols[b])) == 1

    # ------------------------------------------------------------------ dynamics
    def reset(self, seed: int) -> ConstructionState:
        """Random initial state: blocks pairwise non-adjacent, agents on other free cells.

        Deterministic given ``seed``.
        """
        rng = np.random.default_rng(seed)
        for _ in range(1000):
            order = rng.permutation(self.free_cells)
            blocks: list[int] = []
            for cell in order:
                if all(not self.adjacent(int(cell), b) for b in blocks):
                    blocks.append(int(cell))
                if len(blocks) == self.n_blocks:
                    break
            if len(blocks) < self.n_blocks:
                continue
            rest = [int(c) for c in order if int(c) not in blocks]
            if len(rest) < 2:
                continue
            agents = rng.choice(rest, size=2, replace=False)
            return ConstructionState((int(agents[0]), int(agents[1])), (-1, -1), tuple(blocks), 0)
        raise ValueError(f"Construction.reset: invalid n_blocks {self.n_blocks}: no placement of "
                         f"them apart on the {self.config.height}x{self.config.width} interior "
                         "in 1000 tries; valid: fewer blocks or a larger grid")

    def move_agent(self, state: ConstructionState, agent: int, action: int) -> ConstructionState:
        """Apply one agent's action with the other agent standing still."""
        pos, hold, blocks = list(state.agent_pos), list(state.holding), list(state.block_pos)
        if action == PUT_DOWN:
            hold[agent] = -1
        elif action in MOVES:
            dr, dc = MOVES[action]
            target = pos[agent] + dr * self.W + dc
            other = pos[1 - agent]
            if not self.wall[target] and target != other:
                on_ground = [b for b in range(self.n_blocks)
                             if blocks[b] == target and b not in hold]
                if on_ground and hold[agent] >= 0:
                    pass  # carrying a block: cannot enter a block's cell
                else:
                    if on_ground:
                        hold[agent] = on_ground[0]
                    pos[agent] = target
                    if hold[agent] >= 0:
                        blocks[hold[agent]] = target
        elif action != STOP:
            raise ValueError(f"unknown action {action!r}; valid: 0..5 = {ACTION_NAMES}")
        return ConstructionState(tuple(pos), tuple(hold), tuple(blocks), state.t)

    def step(self, state: ConstructionState, actions: tuple[int, int]) -> ConstructionState:
        """Joint step: Alice's action is applied first, then Bob's."""
        s = self.move_agent(state, 0, int(actions[0]))
        s = self.move_agent(s, 1, int(actions[1]))
        return s._replace(t=state.t + 1)

    def on_ground(self, state: ConstructionState) -> np.ndarray:
        """Boolean mask of blocks lying on the ground (not carried)."""
        m = np.ones(self.n_blocks, dtype=bool)
        for h in state.holding:
            if h >= 0:
                m[h] = False
        return m

    def goal_satisfied(self, state: ConstructionState, goal_index: int) -> bool:
        """Blocks ``i, j`` of the goal lie on the ground in adjacent cells."""
        i, j = self.goals[goal_index]
        if i in state.holding or j in state.holding:
            return False
        return self.adjacent(state.block_pos[i], state.block_pos[j])

    # ------------------------------------------------------------------ features
    def features(self, state: ConstructionState, actions: tuple[int, int],
                 next_state: ConstructionState) -> np.ndarray:
        """Per-step features for recognition networks (Sec. 4.2: autoregressive over steps).

        Agent positions before/after, what each agent carries, block positions and carried
        flags, each agent's distance to each block and its change over the step, pairwise
        block distances and both actions (one-hot).
        """
        n = self.n_blocks
        f = np.zeros(self.n_features)
        pos = np.array(state.agent_pos + next_state.agent_pos)                   # before, after
        f[:8] = self._rc_scaled[pos].ravel()
        o = 8
        hold = next_state.holding
        f[o + hold[0] + 1] = 1.0
        f[o + n + 2 + hold[1]] = 1.0
        o += 2 * (n + 1)
        bp, bp0 = np.array(next_state.block_pos), np.array(state.block_pos)
        f[o:o + 2 * n] = self._rc_scaled[bp].T.ravel()                           # rows, cols
        o += 2 * n
        for h in hold:  # carried flags
            if h >= 0:
                f[o + h] = 1.0
        o += n
        d_after = self.dist[pos[2:, None], bp[None, :]]                         # (2 agents, n)
        d_before = self.dist[pos[:2, None], bp0[None, :]]
        per_agent = f[o:o + 4 * n].reshape(2, 2, n)   # per agent: scaled distance, its change
        per_agent[:, 0] = self._dist_scaled[pos[2:, None], bp[None, :]]
        per_agent[:, 1] = d_before - d_after
        o += 4 * n
        ng = len(self.goals)
        f[o:o + ng] = self._dist_scaled[bp[self.goal_i], bp[self.goal_j]]
        o += ng
        f[o + int(actions[0])] = 1.0
        f[o + 6 + int(actions[1])] = 1.0
        return f.astype(np.float32)
