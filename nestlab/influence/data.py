"""Loader for the evaluation returns published with Chen et al. (arXiv 2310.07218 / RLC 2024).

The files live outside the project, under ``nestlab.paths.data_dir("loi")`` (see its
``README.md``): ``arxiv/`` (1 ego x 5 Bob seeds), ``rlc/`` (3 egos x 3 Bob seeds),
``tournament/`` (SP5 / PP3 / PP5 against held-out partners) and ``eval_sp5/`` (SP5 agents
at every generation against the held-out partners). Every loader validates keys and shapes
and refuses anything else with a ``ValueError`` naming the expected axes. Files are opened
with ``allow_pickle=False``.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

GAMES = ("chicken", "pure_coordination", "prisoners_dilemma", "stag_hunt")
GAME_TITLES = {"chicken": "Chicken", "pure_coordination": "Pure coordination",
               "prisoners_dilemma": "Prisoner's dilemma", "stag_hunt": "Stag hunt"}
MAPS = ("S", "M", "L", "O")
MAP_TITLES = {"S": "Small", "M": "Medium", "L": "Large", "O": "Obstacle"}
VERSIONS = ("arxiv", "rlc")
TOURNAMENT_METHODS = ("SP5", "PP3", "PP5")
#: Bob checkpoints (training generations) of every LoI file.
BOB_CHECKPOINTS = (0, 2, 4, 6, 8, 12, 16, 20, 24)

#: expected shapes of the ``rewards`` arrays, with axis names for error messages
LOI_SHAPES = {
    "arxiv": ((1, 4, 5, 9, 6, 2), "(ego_run=1, ego_checkpoint=4, bob_seed=5, bob_checkpoint=9, episode=6, player=2)"),
    "rlc": ((3, 4, 3, 9, 6, 2), "(ego_run=3, ego_checkpoint=4, bob_seed=3, bob_checkpoint=9, episode=6, player=2)"),
}
TOURNAMENT_SHAPES = {"SP5": (5, 4, 20), "PP3": (3, 4, 10), "PP5": (5, 4, 10)}
TOURNAMENT_AXES = "(n_ego: SP5 5 / PP3 3 / PP5 5, held_out_partner=4, episode: SP5 20 / PP 10)"
EVAL_SP5_SHAPE = (5, 25, 4, 3)
EVAL_SP5_AXES = "(sp5_seed=5, sp5_generation=25, held_out_partner=4, episode=3)"


class LoILog(NamedTuple):
    """One LoI evaluation file.

    Attributes:
        rewards: ``(ego_run, ego_checkpoint, bob_seed, bob_checkpoint, episode, player)``.
        checkpoints: Bob training generations (axis 3).
        path: the file read.
    """

    rewards: np.ndarray
    checkpoints: np.ndarray
    path: Path

    def ego_blocks(self) -> np.ndarray:
        """Ego (player 0) returns as blocks ``(ego_run, ego_checkpoint, bob_seed, n_bobs, n_episodes)``."""
        return self.rewards[..., 0]

    def bob_returns(self) -> np.ndarray:
        """Bob's (player 1) returns, same axes as :meth:`ego_blocks`."""
        return self.rewards[..., 1]


def _root(root: str | Path | None) -> Path:
    if root is not None:
        path = Path(root)
        if not path.is_dir():
            raise FileNotFoundError(f"LoI data folder {str(path)!r} not found")
        return path
    from nestlab.paths import data_dir

    return data_dir("loi")


def _check(name: str, value: str, valid) -> None:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; choose one of {tuple(valid)}")


def _load_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} not found")
    with np.load(path, allow_pickle=False) as npz:
        missing = [k for k in keys if k not in npz.files]
        if missing:
            raise ValueError(f"{path.name}: missing key(s) {missing}; found {list(npz.files)}")
        return {k: np.asarray(npz[k]) for k in keys}


def validate_loi_rewards(rewards, version: str) -> np.ndarray:
    """Check a LoI ``rewards`` array against the layout of ``version`` ("arxiv" | "rlc")."""
    _check("version", version, VERSIONS)
    arr = np.asarray(rewards)
    shape, axes = LOI_SHAPES[version]
    if arr.shape != shape:
        raise ValueError(f"{version} LoI rewards must have shape {shape} {axes}; got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{version} LoI rewards must be finite floats; got dtype {arr.dtype}")
    return arr.astype(float)


def validate_tournament(rewards, method: str) -> np.ndarray:
    """Check a tournament ``rewards`` array of ``method`` ("SP5" | "PP3" | "PP5")."""
    _check("method", method, TOURNAMENT_METHODS)
    arr = np.asarray(rewards)
    if arr.shape != TOURNAMENT_SHAPES[method]:
        raise ValueError(f"{method} tournament rewards must have shape {TOURNAMENT_SHAPES[method]} "
                         f"{TOURNAMENT_AXES}; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{method} tournament rewards contain non-finite values")
    return arr.astype(float)


def loi_file(game: str, map_: str, *, version: str = "arxiv", run: str | None = None,
             root: str | Path | None = None) -> Path:
    """Path of a LoI file. ``run`` ("5M" | "5M_2") defaults to the run the paper used:
    ``5M`` for Pure coordination in the arXiv version, ``5M_2`` otherwise (data README)."""
    _check("game", game, GAMES)
    _check("map", map_, MAPS)
    _check("version", version, VERSIONS)
    if run is None:
        run = "5M" if (version == "arxiv" and game == "pure_coordination") else "5M_2"
    _check("run", run, ("5M", "5M_2") if version == "arxiv" else ("5M_2",))
    return _root(root) / version / f"{game}_{map_}_{run}.npz"


def load_loi_log(game: str, map_: str, *, version: str = "arxiv", run: str | None = None,
                 root: str | Path | None = None, path: str | Path | None = None) -> LoILog:
    """Load and validate one LoI evaluation file (by ``game``/``map_`` or an explicit ``path``)."""
    _check("version", version, VERSIONS)
    p = Path(path) if path is not None else loi_file(game, map_, version=version, run=run, root=root)
    d = _load_npz(p, ("rewards", "checkpoints"))
    rewards = validate_loi_rewards(d["rewards"], version)
    ck = d["checkpoints"]
    if ck.shape != (rewards.shape[3],):
        raise ValueError(f"{p.name}: 'checkpoints' must have shape ({rewards.shape[3]},) "
                         f"(one generation per Bob checkpoint); got {ck.shape}")
    return LoILog(rewards, ck, p)


def load_tournament(game: str, map_: str, method: str, *, root: str | Path | None = None,
                    path: str | Path | None = None) -> np.ndarray:
    """Tournament returns ``(n_ego, held_out_partner, episode)`` of one method in one scenario."""
    _check("method", method, TOURNAMENT_METHODS)
    if path is None:
        _check("game", game, GAMES)
        _check("map", map_, MAPS)
        path = _root(root) / "tournament" / f"{game}_{map_}_{method}.npz"
    return validate_tournament(_load_npz(Path(path), ("rewards",))["rewards"], method)


def tournament_samples(game: str, map_: str, *, root: str | Path | None = None) -> dict[str, np.ndarray]:
    """Per-method samples as the paper uses them: mean over held-out partners, flattened
    (100 SP / 30 PP3 / 50 PP5 per scenario). Keys ``"SP"``, ``"PP3"``, ``"PP5"``."""
    out = {}
    for method in TOURNAMENT_METHODS:
        key = "SP" if method == "SP5" else method
        out[key] = load_tournament(game, map_, method, root=root).mean(axis=1).ravel()
    return out


def load_eval_sp5(game: str, map_: str, *, root: str | Path | None = None,
                  path: str | Path | None = None) -> np.ndarray:
    """SP5 agents' returns ``(seed, generation, held_out_partner, episode)`` (Chicken and
    Prisoner's dilemma only)."""
    if path is None:
        _check("game", game, ("chicken", "prisoners_dilemma"))
        _check("map", map_, MAPS)
        path = _root(root) / "eval_sp5" / f"{game}_{map_}_SP5.npz"
    arr = _load_npz(Path(path), ("rewards",))["rewards"]
    if arr.shape != EVAL_SP5_SHAPE:
        raise ValueError(f"eval_sp5 rewards must have shape {EVAL_SP5_SHAPE} {EVAL_SP5_AXES}; got {arr.shape}")
    return arr.astype(float)
