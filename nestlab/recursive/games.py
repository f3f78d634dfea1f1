"""Stateless games used by GR2 (Wen et al., IJCAI 2020, Sec. 5 and appendix).

Every game takes **actions in [-1, 1]** (the squashed output of a learner) and maps them to
its own action space:

* :class:`BeautyContest` — Keynes p-beauty contest, ``x = 50 (a + 1)`` in [0, 100];
* :class:`MatrixGame` — 2x2 matrix games in the continuous relaxation, ``alpha = (a + 1) / 2``
  is the probability of the first action and the reward is the expected payoff;
* :class:`MaxOfTwoQuadratics` — the differential game with actions ``10 a`` in [-10, 10].

The matrix games' payoffs are GR2's; :data:`nestlab.influence.games.PAYOFFS` holds the LoI
study's repeated games, whose stag hunt has other payoffs.

``rewards(actions)`` is vectorised over any leading batch axes: ``actions[..., n_players]``
(a torch tensor or a numpy array) returns rewards of the same shape and type.
:class:`GameBatch` stacks several games with the same number of players so that runs with
different settings (``p``, reward type, payoffs) train in one batched call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nestlab import checks

__all__ = ["MATRIX_GAMES", "REWARDS", "BeautyContest", "GameBatch", "MatrixGame",
           "MaxOfTwoQuadratics", "matching_pennies", "matrix_game", "prisoners_dilemma",
           "rotational", "stag_hunt"]

REWARDS = ("abs", "square")


def _xp(x: Any):
    """The array module of ``x`` (torch or numpy)."""
    if type(x).__module__.startswith("torch"):
        import torch  # local: x is a tensor, so torch is loaded already; numpy users never pay for it

        return torch
    return np


def _clip(x: Any, lo: float, hi: float) -> Any:
    return x.clamp(lo, hi) if hasattr(x, "clamp") else np.clip(x, lo, hi)


def _check_last_dim(actions: Any, n: int, name: str) -> None:
    if actions.shape[-1] != n:
        raise ValueError(f"{name}.rewards(): invalid actions: shape {tuple(actions.shape)}; valid "
                         f"shape: (..., {n}) (last dimension {n}, one per player)")


# ----------------------------------------------------------------------------------------------
# Keynes p-beauty contest
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BeautyContest:
    """The Keynes p-beauty contest (GR2 Sec. 5.1).

    Each of ``n`` players picks ``a_i`` in [-1, 1], i.e. the number ``x_i = 50 (a_i + 1)`` in
    [0, 100]; the target is ``p * mean(x)`` (the mean includes the player itself) and the reward
    is ``-|x_i - target|`` (``"abs"``) or ``-(x_i - target)^2`` (``"square"``).

    Args:
        n: number of players (>= 2).
        p: target multiplier (> 0).
        reward: ``"abs"`` or ``"square"``.
    """

    n: int = 10
    p: float = 0.7
    reward: str = "abs"

    def __post_init__(self) -> None:
        w = "BeautyContest"
        checks.integer("n", self.n, min=2, where=w)  # players
        checks.real("p", self.p, min=0, inclusive=(False, True), where=w)
        checks.choice("reward", self.reward, REWARDS, where=w)

    @property
    def n_players(self) -> int:
        return self.n

    @property
    def name(self) -> str:
        return f"beauty(p={self.p:g},{self.reward})"

    @property
    def default_reward_scale(self) -> float:
        """Scale applied by learners: rewards of size ~1 at a deviation of 10 numbers."""
        return 0.1 if self.reward == "abs" else 0.01

    @staticmethod
    def numbers(actions: Any) -> Any:
        """Map actions in [-1, 1] to numbers in [0, 100]."""
        return 50.0 * (_clip(actions, -1.0, 1.0) + 1.0)

    def rewards(self, actions: Any) -> Any:
        """Rewards ``[..., n]`` for actions ``[..., n]`` in [-1, 1]."""
        _check_last_dim(actions, self.n, "BeautyContest")
        x = self.numbers(actions)
        target = self.p * x.mean(-1, keepdims=True) if _xp(x) is np else self.p * x.mean(-1, keepdim=True)
        d = x - target
        return -abs(d) if self.reward == "abs" else -(d * d)

    def equilibrium_number(self) -> float:
        """The unique Nash equilibrium number: 0 for p < 1, 100 for p > 1.

        Raises:
            ValueError: for p == 1, where every common number is an equilibrium.
        """
        if self.p < 1:
            return 0.0
        if self.p > 1:
            return 100.0
        raise ValueError("BeautyContest: invalid p 1: every common number is an equilibrium; "
                         "valid values: p < 1 (equilibrium 0) or p > 1 (equilibrium 100)")

    def equilibrium(self) -> np.ndarray:
        """The equilibrium joint action in [-1, 1]^n."""
        return np.full(self.n, self.equilibrium_number() / 50.0 - 1.0)

    def best_response_number(self, others_mean: float) -> float:
        """Number maximising the reward given the mean of the other ``n - 1`` numbers."""
        others_mean = checks.real("others_mean", others_mean, min=0, max=100)
        s = (self.n - 1) * others_mean
        return float(np.clip(self.p * s / (self.n - self.p), 0.0, 100.0))

    def level_k_numbers(self, k_max: int, *, level0: float = 50.0) -> np.ndarray:
        """Classical level-k numbers: level 0 plays ``level0`` on average, level k best-responds
        to everyone else playing level k-1."""
        k_max = checks.integer("k_max", k_max, min=0)
        out = [checks.real("level0", level0, min=0, max=100)]
        for _ in range(k_max):
            out.append(self.best_response_number(out[-1]))
        return np.array(out)


# ----------------------------------------------------------------------------------------------
# 2x2 matrix games (continuous relaxation)
# ----------------------------------------------------------------------------------------------


def _curvature(m: np.ndarray) -> float:
    """``m11 - m12 - m21 + m22`` of a 2x2 payoff matrix (GR2 Sec. 4's ``u_r`` / ``u_c``)."""
    return float(m[0, 0] - m[0, 1] - m[1, 0] + m[1, 1])


@dataclass(frozen=True)
class MatrixGame:
    """A two-player, two-action game in its continuous relaxation (GR2 Sec. 4 and 5.2).

    Action ``a`` in [-1, 1] gives ``alpha = (a + 1) / 2``, the probability of the first action
    (row: ``alpha``, column: ``beta``); rewards are expected payoffs
    ``r(alpha, beta) = [alpha, 1-alpha] R [beta, 1-beta]^T``.

    The theory of GR2 Sec. 4 uses ``u_r = r11 - r12 - r21 + r22``, ``b_r = r12 - r22``,
    ``u_c = c11 - c12 - c21 + c22``, ``b_c = c21 - c22``, so that
    ``dr/dalpha = u_r beta + b_r`` and ``dc/dbeta = u_c alpha + b_c``.

    Args:
        row: 2x2 payoffs of the row player (``row[i][j]``: row plays i, column plays j).
        col: 2x2 payoffs of the column player, same indexing.
        name: label.
    """

    row: tuple[tuple[float, float], tuple[float, float]]
    col: tuple[tuple[float, float], tuple[float, float]]
    name: str = "matrix"

    def __post_init__(self) -> None:
        for label in ("row", "col"):
            # 2x2: two actions per player
            m = checks.array(label, getattr(self, label), shape=(2, 2), where="MatrixGame")
            object.__setattr__(self, label, tuple(tuple(float(v) for v in r) for r in m))

    n_players = 2
    default_reward_scale = 1.0

    @property
    def R(self) -> np.ndarray:
        return np.asarray(self.row)

    @property
    def C(self) -> np.ndarray:
        return np.asarray(self.col)

    @property
    def u_r(self) -> float:
        return _curvature(self.R)

    @property
    def b_r(self) -> float:
        return float(self.R[0, 1] - self.R[1, 1])

    @property
    def u_c(self) -> float:
        return _curvature(self.C)

    @property
    def b_c(self) -> float:
        return float(self.C[1, 0] - self.C[1, 1])

    @staticmethod
    def probabilities(actions: Any) -> Any:
        """Map actions in [-1, 1] to probabilities of the first action."""
        return (_clip(actions, -1.0, 1.0) + 1.0) / 2.0

    def expected_payoffs(self, alpha: Any, beta: Any) -> tuple[Any, Any]:
        """Expected payoffs ``(row, col)`` for first-action probabilities ``alpha``, ``beta``."""
        (r11, r12), (r21, r22) = self.row
        (c11, c12), (c21, c22) = self.col
        a1, b1 = alpha, beta
        a2, b2 = 1 - alpha, 1 - beta
        r = a1 * b1 * r11 + a1 * b2 * r12 + a2 * b1 * r21 + a2 * b2 * r22
        c = a1 * b1 * c11 + a1 * b2 * c12 + a2 * b1 * c21 + a2 * b2 * c22
        return r, c

    def rewards(self, actions: Any) -> Any:
        """Rewards ``[..., 2]`` (row, column) for actions ``[..., 2]`` in [-1, 1]."""
        _check_last_dim(actions, 2, "MatrixGame")
        p = self.probabilities(actions)
        r, c = self.expected_payoffs(p[..., 0], p[..., 1])
        xp = _xp(p)
        return xp.stack([r, c], -1) if xp is not np else np.stack([r, c], -1)

    def has_interior_equilibrium(self) -> bool:
        """True if the game has a unique fully mixed equilibrium (``u_r * u_c < 0``)."""
        if self.u_r * self.u_c >= 0:
            return False
        a, b = -self.b_c / self.u_c, -self.b_r / self.u_r
        return 0 < a < 1 and 0 < b < 1

    def mixed_equilibrium(self) -> tuple[float, float] | None:
        """The fully mixed equilibrium ``(alpha*, beta*) = (-b_c/u_c, -b_r/u_r)`` or ``None``."""
        if self.u_r == 0 or self.u_c == 0:
            return None
        a, b = -self.b_c / self.u_c, -self.b_r / self.u_r
        if 0 < a < 1 and 0 < b < 1:
            return float(a), float(b)
        return None

    def pure_equilibria(self) -> list[tuple[int, int]]:
        """Pure Nash equilibria as (row action, column action), 0 = first action."""
        R, C = self.R, self.C
        out = []
        for i in range(2):
            for j in range(2):
                if R[i, j] >= R[1 - i, j] and C[i, j] >= C[i, 1 - j]:
                    out.append((i, j))
        return out

    def best_response(self, player: int, other_action: int) -> int:
        """Pure best response (0 or 1) of ``player`` (0 row, 1 column) to a pure action."""
        checks.choice("player", player, (0, 1), where="best_response()")  # 0 row, 1 column
        checks.integer("other_action", other_action, min=0, max=1, where="best_response()")
        if player == 0:
            col = self.R[:, other_action]
            return int(np.argmax(col))
        return int(np.argmax(self.C[other_action, :]))


def stag_hunt() -> MatrixGame:
    """Stag hunt: first action = stag; (stag, stag) is payoff dominant, (hare, hare) risk dominant."""
    return MatrixGame(((4, 1), (3, 2)), ((4, 3), (1, 2)), "stag_hunt")


def prisoners_dilemma() -> MatrixGame:
    """Prisoner's dilemma: first action = cooperate; (defect, defect) is the only equilibrium."""
    return MatrixGame(((3, 1), (4, 2)), ((3, 4), (1, 2)), "prisoners_dilemma")


def rotational() -> MatrixGame:
    """The rotational ("wolf") game of GR2 Sec. 5.2: mixed equilibrium (0.5, 0.5)."""
    return MatrixGame(((0, 3), (1, 2)), ((3, 2), (0, 1)), "rotational")


def matching_pennies() -> MatrixGame:
    """Matching pennies (zero-sum): mixed equilibrium (0.5, 0.5)."""
    return MatrixGame(((1, -1), (-1, 1)), ((-1, 1), (1, -1)), "matching_pennies")


MATRIX_GAMES = {"stag_hunt": stag_hunt, "prisoners_dilemma": prisoners_dilemma,
                "rotational": rotational, "matching_pennies": matching_pennies}


def matrix_game(name: str) -> MatrixGame:
    """Look up a named matrix game (see :data:`MATRIX_GAMES`)."""
    checks.choice("name", name, MATRIX_GAMES, where="matrix_game()")
    return MATRIX_GAMES[name]()


# ----------------------------------------------------------------------------------------------
# Max of two quadratics
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaxOfTwoQuadratics:
    """The cooperative differential game of GR2 Sec. 5.3 (actions in [-10, 10]).

    ``f1 = 0.8 (-(a1+5)^2/3 - (a2+5)^2/3)``, ``f2 = -(a1-5)^2 - (a2-5)^2 + 10``,
    ``r1 = r2 = max(f1, f2)``: global optimum 10 at (5, 5) with a narrow basin, local optimum 0
    at (-5, -5) with a wide one.
    """

    n_players = 2
    default_reward_scale = 0.1
    name = "max_of_two_quadratics"
    global_optimum = (5.0, 5.0)
    local_optimum = (-5.0, -5.0)

    @staticmethod
    def positions(actions: Any) -> Any:
        """Map actions in [-1, 1] to positions in [-10, 10]."""
        return 10.0 * _clip(actions, -1.0, 1.0)

    @staticmethod
    def surface(x1: Any, x2: Any) -> Any:
        """The shared reward ``max(f1, f2)`` at positions ``(x1, x2)``."""
        f1 = 0.8 * (-((x1 + 5) ** 2) / 3 - ((x2 + 5) ** 2) / 3)
        f2 = 1.0 * (-((x1 - 5) ** 2) - (x2 - 5) ** 2) + 10
        xp = _xp(f1)
        return xp.maximum(f1, f2)

    def rewards(self, actions: Any) -> Any:
        """Shared rewards ``[..., 2]`` for actions ``[..., 2]`` in [-1, 1]."""
        _check_last_dim(actions, 2, "MaxOfTwoQuadratics")
        x = self.positions(actions)
        r = self.surface(x[..., 0], x[..., 1])
        xp = _xp(r)
        return xp.stack([r, r], -1)


# ----------------------------------------------------------------------------------------------
# Several settings in one batch
# ----------------------------------------------------------------------------------------------


class GameBatch:
    """Several games with the same number of players, ``runs_per_game`` runs each.

    ``rewards(actions)`` takes ``actions[R, n]`` with ``R = len(games) * runs_per_game`` (runs of
    game g occupy rows ``g * runs_per_game ... (g + 1) * runs_per_game - 1``) and returns raw
    rewards; ``reward_scale()`` gives each row's learner scale.
    """

    def __init__(self, games: Sequence[Any], runs_per_game: int) -> None:
        games = checks.sequence("games", games, min_len=1, where="GameBatch")
        for i, g in enumerate(games):
            if not (hasattr(g, "n_players") and callable(getattr(g, "rewards", None))):
                raise TypeError(f"GameBatch: invalid type for games[{i}]: {type(g).__name__} "
                                f"({checks.describe(g)}); valid types: a game (BeautyContest, "
                                "MatrixGame, MaxOfTwoQuadratics)")
        ns = {g.n_players for g in games}
        if len(ns) != 1:
            raise ValueError(f"GameBatch: invalid games: players per game {sorted(ns)}; valid: all "
                             "games with the same number of players")
        checks.integer("runs_per_game", runs_per_game, min=1, where="GameBatch")
        self.games = games
        self.runs_per_game = int(runs_per_game)
        self.n_players = ns.pop()

    @property
    def n_runs(self) -> int:
        return len(self.games) * self.runs_per_game

    def rewards(self, actions: Any) -> Any:
        if actions.shape[0] != self.n_runs:
            raise ValueError(f"GameBatch.rewards(): invalid actions: {actions.shape[0]} runs on axis 0; "
                             f"valid: {self.n_runs} runs")
        k = self.runs_per_game
        parts = [g.rewards(actions[i * k:(i + 1) * k]) for i, g in enumerate(self.games)]
        xp = _xp(parts[0])
        return xp.cat(parts, 0) if xp is not np else np.concatenate(parts, 0)

    def reward_scale(self) -> np.ndarray:
        """Per-run reward scale, shape ``[R]``."""
        return np.repeat([float(g.default_reward_scale) for g in self.games], self.runs_per_game)
