"""Loader for the evaluation returns published with Chen et al. (arXiv 2310.07218 / RLC 2024).

The files live outside the project, under ``nestlab.paths.data_dir("loi")`` (see its
``README.md``): ``arxiv/`` (1 ego x 5 Bob seeds), ``rlc/`` (3 egos x 3 Bob seeds),
``tournament/`` (SP5 / PP3 / PP5 against held-out partners) and ``eval_sp5/`` (SP5 agents
at every generation against the held-out partners). Every loader validates keys and shapes
and refuses anything else with a ``ValueError`` naming the file and the expected axes. Files
are opened with ``allow_pickle=False`` (nothing is ever unpickled): a file that is not a readable
``.npz`` archive — truncated, corrupt, a renamed ``.npy``, object arrays — is refused with a
``ValueError`` naming the file and the problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from nestlab import checks
from nestlab.paths import data_dir

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


__all__ = ["BOB_CHECKPOINTS", "EVAL_SP5_AXES", "EVAL_SP5_SHAPE", "GAMES", "GAME_TITLES", "LOI_SHAPES",
           "LoILog", "MAPS", "MAP_TITLES", "TOURNAMENT_AXES", "TOURNAMENT_METHODS",
           "TOURNAMENT_SHAPES", "VERSIONS", "load_eval_sp5", "load_loi_log", "load_tournament",
           "loi_file", "tournament_samples", "validate_eval_sp5", "validate_loi_rewards",
           "validate_tournament"]

EVAL_SP5_GAMES = ("chicken", "prisoners_dilemma")


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
        path = checks.path("root", root, must_exist=False)
        if not path.is_dir():
            raise FileNotFoundError(f"invalid root {str(path)!r}: LoI data folder not found")
        return path
    return data_dir("loi")


def _scenario_file(path: str | Path | None, root: str | Path | None, folder: str, game: str,
                   map_: str, method: str, *, games: tuple[str, ...]) -> Path:
    """``path`` if given, else ``<root>/<folder>/<game>_<map_>_<method>.npz`` (game among ``games``)."""
    if path is None:
        checks.choice("game", game, games)
        checks.choice("map_", map_, MAPS)
        path = _root(root) / folder / f"{game}_{map_}_{method}.npz"
    return checks.path("path", path, must_exist=False)


def _where(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _load_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of an ``.npz`` archive; never unpickles, never leaks a zip error."""
    path = checks.path("path", path, must_exist=False)
    if not path.is_file():
        raise FileNotFoundError(f"invalid path {str(path)!r}: "
                                f"{'not found' if not path.exists() else 'is not a file'}")
    # The file is opened here (not by np.load) so that it is closed whatever np.load raises.
    # Damaged bytes make zipfile / numpy's header parser raise many unrelated types (BadZipFile,
    # zlib.error, EOFError, SyntaxError and tokenize.TokenError from the .npy header, MemoryError
    # from a mangled shape, ...): every one is a bad file, reported as a ValueError naming it.
    with open(path, "rb") as fh:
        try:
            npz = np.load(fh, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 — see above
            raise ValueError(f"invalid path {str(path)!r}: not a readable .npz archive "
                             f"({type(exc).__name__}: {exc}); valid: a NumPy .npz file with keys "
                             f"{', '.join(keys)}") from None
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError(f"invalid path {str(path)!r}: a single .npy array, not an .npz "
                             f"archive; valid: a NumPy .npz file with keys {', '.join(keys)}")
        with npz:
            return _read_members(npz, path, keys)


def _read_members(npz, path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    missing = [k for k in keys if k not in npz.files]
    if missing:
        raise ValueError(f"invalid path {str(path)!r}: missing key(s) {missing}; found "
                         f"{list(npz.files)}; valid: keys {', '.join(keys)}")
    out = {}
    for k in keys:
        try:
            out[k] = np.asarray(npz[k])
        except Exception as exc:  # noqa: BLE001 — any reader error is a bad file (_load_npz)
            raise ValueError(f"invalid path {str(path)!r}: key {k!r} is unreadable "
                             f"({type(exc).__name__}: {exc}); valid: an uncorrupted numeric "
                             "array (object arrays are never unpickled)") from None
    return out


def _check_rewards(arr, shape: tuple[int, ...], axes: str, what: str, path: Path | None,
                   name: str = "rewards") -> np.ndarray:
    """Shape, numeric dtype and finiteness of a rewards array (``path`` named if from a file)."""
    where = _where(path)
    if isinstance(arr, np.ndarray) and arr.dtype.kind not in "iuf":
        # a bad dtype in a file is a bad file (ValueError); a bad argument is a TypeError
        exc = ValueError if path is not None else TypeError
        raise exc(f"{where + ': ' if where else ''}invalid type for {name}: array of "
                  f"{arr.dtype}; valid types: array of float ({what})")
    arr = checks.array(name, arr, dtype="float", finite=False, min_size=0, where=where)
    if arr.shape != shape:
        raise ValueError(f"{where + ': ' if where else ''}invalid {name}: {what} must have shape "
                         f"{shape} {axes}; got {arr.shape}")
    return checks.array(name, arr, where=where)


def validate_loi_rewards(rewards, version: str, *, path: Path | None = None) -> np.ndarray:
    """Check a LoI ``rewards`` array against the layout of ``version`` ("arxiv" | "rlc").

    Raises:
        ValueError: unknown version, wrong shape, NaN/inf values (naming ``path`` if given).
        TypeError: not an array of numbers.
    """
    checks.choice("version", version, VERSIONS)
    shape, axes = LOI_SHAPES[version]
    return _check_rewards(rewards, shape, axes, f"{version} LoI rewards", path)


def validate_tournament(rewards, method: str, *, path: Path | None = None) -> np.ndarray:
    """Check a tournament ``rewards`` array of ``method`` ("SP5" | "PP3" | "PP5")."""
    checks.choice("method", method, TOURNAMENT_METHODS)
    return _check_rewards(rewards, TOURNAMENT_SHAPES[method], TOURNAMENT_AXES,
                          f"{method} tournament rewards", path)


def validate_eval_sp5(rewards, *, path: Path | None = None) -> np.ndarray:
    """Check an ``eval_sp5`` ``rewards`` array ``(seed, generation, held_out_partner, episode)``."""
    return _check_rewards(rewards, EVAL_SP5_SHAPE, EVAL_SP5_AXES, "eval_sp5 rewards", path)


def loi_file(game: str, map_: str, *, version: str = "arxiv", run: str | None = None,
             root: str | Path | None = None) -> Path:
    """Path of a LoI file. ``run`` ("5M" | "5M_2") defaults to the run the paper used:
    ``5M`` for Pure coordination in the arXiv version, ``5M_2`` otherwise (data README)."""
    checks.choice("game", game, GAMES)
    checks.choice("map_", map_, MAPS)
    checks.choice("version", version, VERSIONS)
    if run is None:
        run = "5M" if (version == "arxiv" and game == "pure_coordination") else "5M_2"
    checks.choice("run", run, ("5M", "5M_2") if version == "arxiv" else ("5M_2",))
    return _root(root) / version / f"{game}_{map_}_{run}.npz"


def load_loi_log(game: str, map_: str, *, version: str = "arxiv", run: str | None = None,
                 root: str | Path | None = None, path: str | Path | None = None) -> LoILog:
    """Load and validate one LoI evaluation file (by ``game``/``map_`` or an explicit ``path``).

    Raises:
        FileNotFoundError: the file or the data folder is missing.
        ValueError: unknown game/map/version/run; a file that is not a readable ``.npz``, lacks a
            key, or holds arrays of the wrong shape, dtype or non-finite values (naming the file).
    """
    checks.choice("version", version, VERSIONS)
    p = (checks.path("path", path, must_exist=False) if path is not None
         else loi_file(game, map_, version=version, run=run, root=root))
    d = _load_npz(p, ("rewards", "checkpoints"))
    rewards = validate_loi_rewards(d["rewards"], version, path=p)
    ck = d["checkpoints"]
    if ck.shape != (rewards.shape[3],):
        raise ValueError(f"{p}: invalid checkpoints: must have shape ({rewards.shape[3]},) "
                         f"(one generation per Bob checkpoint); got {ck.shape}")
    if ck.dtype.kind not in "iu" or np.any(ck < 0):
        raise ValueError(f"{p}: invalid checkpoints {checks.describe(ck)} of dtype {ck.dtype}; "
                         "valid values: non-negative integer training generations")
    return LoILog(rewards, ck, p)


def load_tournament(game: str, map_: str, method: str, *, root: str | Path | None = None,
                    path: str | Path | None = None) -> np.ndarray:
    """Tournament returns ``(n_ego, held_out_partner, episode)`` of one method in one scenario.

    Raises:
        FileNotFoundError, ValueError: as :func:`load_loi_log`.
    """
    checks.choice("method", method, TOURNAMENT_METHODS)
    p = _scenario_file(path, root, "tournament", game, map_, method, games=GAMES)
    return validate_tournament(_load_npz(p, ("rewards",))["rewards"], method, path=p)


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
    Prisoner's dilemma only).

    Raises:
        FileNotFoundError, ValueError: as :func:`load_loi_log` (NaN/inf and non-numeric dtypes
            are refused too).
    """
    p = _scenario_file(path, root, "eval_sp5", game, map_, "SP5", games=EVAL_SP5_GAMES)
    return validate_eval_sp5(_load_npz(p, ("rewards",))["rewards"], path=p)
