"""Learning dynamics of level-k gradient play in 2x2 games (GR2 Sec. 4, Theorem 1).

For a 2x2 game (see :class:`~nestlab.recursive.games.MatrixGame`) with first-action
probabilities ``(alpha, beta)`` the payoff gradients are ``dr/dalpha = u_r beta + b_r`` and
``dc/dbeta = u_c alpha + b_c``.

* Level 0 is infinitesimal gradient ascent (IGA):
  ``d[alpha, beta]/dt = [[0, u_r], [u_c, 0]] [alpha, beta] + [b_r, b_c]``.
* A level-k player with look-ahead ``zeta`` takes the gradient at the point its level-(k-1)
  opponent is about to move to: ``g_r^k = u_r (beta + zeta g_c^{k-1}) + b_r`` and
  ``g_c^k = u_c (alpha + zeta g_r^{k-1}) + b_c``, with ``g^0`` the IGA gradients. For k = 1 this is
  the spec's ``U = [[zeta u_r u_c, u_r], [u_c, zeta u_r u_c]]`` with offset
  ``[zeta u_r b_c + b_r, zeta u_c b_r + b_c]``. The recursion stays affine, so
  :func:`level_k_system` returns ``(U_k, c_k)`` with ``d[alpha, beta]/dt = U_k [alpha, beta] + c_k``.

With ``(x, y)`` the offsets from the centre ``(alpha*, beta*) = (-b_c/u_c, -b_r/u_r)`` the
Lyapunov function of Theorem 1 is ``F = (u_c x^2 - u_r y^2) / 2``. We multiply it by
``sign(u_c)`` so it is positive definite whenever ``u_r u_c < 0`` (then
``F = (|u_c| x^2 + |u_r| y^2) / 2``): IGA conserves it and level 1 gives
``dF/dt = 2 zeta u_r u_c F < 0`` (the same holds for k = 2; for k = 3 when
``zeta^2 |u_r u_c| < 1``).

Trajectories are integrated with classical RK4 (:func:`integrate`), optionally projected onto
the unit square as in projected IGA.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nestlab import checks
from nestlab.recursive.games import MatrixGame

__all__ = ["Trajectory", "centre", "distance_to_centre", "integrate", "level_k_system",
           "lyapunov", "lyapunov_rate", "lyapunov_rate_theory", "pure_level_k_chain", "rk4_step",
           "velocity"]


class Trajectory(NamedTuple):
    """An integrated trajectory: ``t[T+1]``, ``points[T+1, ..., 2]`` and ``F[T+1, ...]``."""

    t: np.ndarray
    points: np.ndarray
    F: np.ndarray


def _check_level(level: int, zeta: float) -> None:
    checks.integer("level", level, min=0)
    checks.real("zeta", zeta, min=0)  # the look-ahead step


def _check_game(game) -> None:
    checks.instance("game", game, MatrixGame)


def _check_points(z, name: str = "z", *, finite: bool = True) -> np.ndarray:
    """Points ``(..., 2)``; ``finite=False`` lets NaN/inf through (evaluating a trajectory that
    diverged is a question with an answer, not a bad input)."""
    if finite:
        z = checks.array(name, z)
    else:
        if isinstance(z, str | bytes) or z is None:
            raise TypeError(f"invalid type for {name}: {type(z).__name__} ({checks.describe(z)}); "
                            "valid types: array of float")
        try:
            arr = np.asarray(z)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"invalid {name}: not a regular array ({exc})") from None
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"invalid type for {name}: array of {arr.dtype} ({checks.describe(z)}); "
                            "valid types: array of float")
        z = arr.astype(float)
    if z.ndim == 0 or z.shape[-1] != 2:
        raise ValueError(f"invalid {name}: shape {z.shape}; valid shape: (..., 2) (alpha, beta)")
    return z


def level_k_system(game: MatrixGame, level: int, *, zeta: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Affine vector field ``(U, c)`` of level-``level`` gradient play (GR2 Theorem 1).

    Args:
        game: the 2x2 game.
        level: 0 for IGA, k >= 1 for level-k look-ahead.
        zeta: look-ahead step of the anticipated opponent update.

    Returns:
        ``U`` (2x2) and ``c`` (2,) with ``d[alpha, beta]/dt = U [alpha, beta] + c``.
    """
    _check_level(level, zeta)
    ur, br, uc, bc = game.u_r, game.b_r, game.u_c, game.b_c
    # gradients as affine maps of z = (alpha, beta): g(z) = G z + h
    gr = (np.array([0.0, ur]), br)
    gc = (np.array([uc, 0.0]), bc)
    for _ in range(level):
        # row: u_r (beta + zeta g_c) + b_r ; column: u_c (alpha + zeta g_r) + b_c
        new_gr = (np.array([0.0, ur]) + zeta * ur * gc[0], br + zeta * ur * gc[1])
        new_gc = (np.array([uc, 0.0]) + zeta * uc * gr[0], bc + zeta * uc * gr[1])
        gr, gc = new_gr, new_gc
    U = np.stack([gr[0], gc[0]])
    c = np.array([gr[1], gc[1]], dtype=float)
    return U, c


def velocity(game: MatrixGame, z: np.ndarray, *, level: int = 0, zeta: float = 0.1,
             project: bool = True) -> np.ndarray:
    """``d[alpha, beta]/dt`` at points ``z[..., 2]``.

    With ``project`` the component that would leave the unit square at its boundary is set to 0
    (projected gradient dynamics).
    """
    _check_game(game)
    z = _check_points(z)
    checks.boolean("project", project)
    return _velocity(game, z, level=level, zeta=zeta, project=project)


def _velocity(game: MatrixGame, z: np.ndarray, *, level: int, zeta: float,
              project: bool) -> np.ndarray:
    # unchecked: integrate() calls it every step, where a diverging (unprojected) trajectory
    # may legitimately leave the finite numbers
    U, c = level_k_system(game, level, zeta=zeta)
    v = z @ U.T + c
    if project:
        out_low = (z <= 0.0) & (v < 0)
        out_high = (z >= 1.0) & (v > 0)
        v = np.where(out_low | out_high, 0.0, v)
    return v


def centre(game: MatrixGame) -> tuple[float, float]:
    """The stationary point ``(alpha*, beta*) = (-b_c/u_c, -b_r/u_r)`` of the dynamics."""
    _check_game(game)
    if game.u_r == 0 or game.u_c == 0:
        raise ValueError(f"centre(): invalid game {game.name!r}: u_r = {game.u_r:g}, u_c = "
                         f"{game.u_c:g}, no isolated centre; valid: a game with u_r != 0 and u_c != 0")
    return -game.b_c / game.u_c, -game.b_r / game.u_r


def lyapunov(game: MatrixGame, z: np.ndarray) -> np.ndarray:
    """Theorem-1 Lyapunov function ``F = sign(u_c) (u_c x^2 - u_r y^2) / 2`` at ``z[..., 2]``."""
    a0, b0 = centre(game)
    z = _check_points(z, finite=False)
    x, y = z[..., 0] - a0, z[..., 1] - b0
    return np.sign(game.u_c) * (game.u_c * x**2 - game.u_r * y**2) / 2.0


def lyapunov_rate(game: MatrixGame, z: np.ndarray, *, level: int = 0, zeta: float = 0.1) -> np.ndarray:
    """``dF/dt = grad F . velocity`` (unprojected) at points ``z[..., 2]``."""
    a0, b0 = centre(game)
    z = _check_points(z, finite=False)
    x, y = z[..., 0] - a0, z[..., 1] - b0
    s = np.sign(game.u_c)
    v = _velocity(game, z, level=level, zeta=zeta, project=False)
    return s * (game.u_c * x * v[..., 0] - game.u_r * y * v[..., 1])


def lyapunov_rate_theory(game: MatrixGame, z: np.ndarray, *, zeta: float = 0.1) -> np.ndarray:
    """Closed form of Theorem 1 for level 1 (and 2): ``dF/dt = 2 zeta u_r u_c F``."""
    checks.real("zeta", zeta, min=0)
    return 2.0 * zeta * game.u_r * game.u_c * lyapunov(game, z)


def rk4_step(f, z: np.ndarray, dt: float) -> np.ndarray:
    """One classical Runge-Kutta step of ``dz/dt = f(z)``."""
    k1 = f(z)
    k2 = f(z + 0.5 * dt * k1)
    k3 = f(z + 0.5 * dt * k2)
    k4 = f(z + dt * k3)
    return z + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate(game: MatrixGame, z0, *, level: int = 0, zeta: float = 0.1, dt: float = 0.01,
              n_steps: int = 2000, project: bool = True) -> Trajectory:
    """Integrate level-k dynamics from ``z0[..., 2]`` with RK4.

    Args:
        game: 2x2 game.
        z0: start point(s) ``(alpha, beta)`` in the unit square, shape ``[..., 2]``.
        level: 0 (IGA) or k >= 1.
        zeta: look-ahead.
        dt: step size (> 0).
        n_steps: number of steps (>= 1).
        project: clip to the unit square (projected dynamics).

    Returns:
        :class:`Trajectory` with ``points[n_steps + 1, ..., 2]`` and ``F`` along it.
    """
    _check_game(game)
    _check_level(level, zeta)
    checks.real("dt", dt, min=0, inclusive=(False, True), where="integrate()")
    checks.integer("n_steps", n_steps, min=1, where="integrate()")
    z = _check_points(z0, "z0")
    if np.any((z < 0) | (z > 1)):
        raise ValueError(f"invalid z0 {checks.describe(z.tolist())}: (alpha, beta) are "
                         "probabilities; valid range: values 0 <= value <= 1")

    def f(p):
        return _velocity(game, p, level=level, zeta=zeta, project=project)

    pts = [z]
    for _ in range(n_steps):
        z = rk4_step(f, z, dt)
        if project:
            z = np.clip(z, 0.0, 1.0)
        pts.append(z)
    points = np.stack(pts)
    t = dt * np.arange(n_steps + 1)
    return Trajectory(t, points, lyapunov(game, points))


def distance_to_centre(game: MatrixGame, z: np.ndarray) -> np.ndarray:
    """Euclidean distance of ``z[..., 2]`` from the centre ``(alpha*, beta*)``."""
    a0, b0 = centre(game)
    z = _check_points(z, finite=False)
    return np.hypot(z[..., 0] - a0, z[..., 1] - b0)


def pure_level_k_chain(game: MatrixGame, k_max: int, *, level0: tuple[int, int] = (0, 0)) -> list[tuple[int, int]]:
    """Pure-strategy level-k play: level k of each player best-responds to level k-1 of the other.

    Returns ``[(row_k, col_k) for k = 0..k_max]`` (0 = first action). GR2's Proposition: once
    level k is a Nash equilibrium, every higher level plays it too.
    """
    _check_game(game)
    checks.integer("k_max", k_max, min=0, where="pure_level_k_chain()")
    lv = checks.sequence("level0", level0, min_len=2, max_len=2, where="pure_level_k_chain()")
    for i, a in enumerate(lv):
        checks.integer(f"level0[{i}]", a, min=0, max=1, where="pure_level_k_chain()")
    out = [tuple(int(v) for v in level0)]
    for _ in range(k_max):
        r, c = out[-1]
        out.append((game.best_response(0, c), game.best_response(1, r)))
    return out
