"""Training loop, replay buffer, method registry and cached runs for the GR2 experiments.

A *method* is named by a string:

* ``"GR2-L1"`` ... ``"GR2-Lk"`` — level-k GR2 (``"level-1"`` is an alias of ``"GR2-L1"``);
* ``"GR2-M"`` with ``level`` (default 3) and ``lam`` (default 1.5) — or ``"GR2-M3(1.5)"``;
* a ``"+opp"`` suffix on a GR2 name (``"GR2-L2+opp"``) fits rho to the others' rewards instead of
  the agent's own (``GR2Config.opponent_model="opponent"``, a nestlab variant);
* ``"DDPG"``, ``"MADDPG"`` — the baselines of :mod:`nestlab.recursive.baselines`;
* ``"level-0"`` — uniform play (no learning; the reference).

:func:`train` runs one method on a :class:`~nestlab.recursive.games.GameBatch` (several settings x
runs, all agents batched). Each iteration plays ``steps_per_iter`` joint actions (one per run),
stores them in the replay buffer and does as many gradient steps on replay batches
(GR2 appendix: ~400 iterations x 10 steps, batch 64). :func:`run_cached` wraps it in the suite's
content-addressed cache, storing the trained weights and the play history as tensors.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch

from nestlab import checks
from nestlab.recursive.baselines import DDPGConfig, DDPGLearner, uniform_actions
from nestlab.recursive.games import GameBatch
from nestlab.recursive.gr2 import GR2Config, GR2Learner

__all__ = ["CACHE_VERSION", "ReplayBuffer", "TrainResult", "final_window", "iterations_to_reach",
           "make_learner", "parse_method", "run_cached", "split_runs", "summarise", "train"]

CACHE_VERSION = "2"
_GR2_L = re.compile(r"^GR2-L(\d+)$")
_GR2_M = re.compile(r"^GR2-M(\d+)?(?:\(([\d.]+)\))?$")


class ReplayBuffer:
    """Ring buffer of joint actions and rewards, ``[capacity, R, n]`` each."""

    def __init__(self, capacity: int, n_runs: int, n_players: int) -> None:
        checks.integer("capacity", capacity, min=1, where="ReplayBuffer")
        checks.integer("n_runs", n_runs, min=1, where="ReplayBuffer")
        checks.integer("n_players", n_players, min=1, where="ReplayBuffer")
        self.actions = torch.zeros(capacity, n_runs, n_players)
        self.rewards = torch.zeros(capacity, n_runs, n_players)
        self.capacity, self.size, self.pos = int(capacity), 0, 0

    def __len__(self) -> int:
        return self.size

    def add(self, actions: torch.Tensor, rewards: torch.Tensor) -> None:
        """Store one joint step ``[R, n]``."""
        self.actions[self.pos] = actions
        self.rewards[self.pos] = rewards
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Uniform batch ``([B,R,n], [B,R,n])`` (with replacement)."""
        checks.integer("batch", batch, min=1, where="ReplayBuffer.sample()")
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample(): invalid buffer: it is empty; valid: at least "
                             "one added step before sampling")
        idx = torch.randint(0, self.size, (batch,), generator=generator)
        return self.actions[idx], self.rewards[idx]


def parse_method(name: str, **overrides: Any) -> tuple[str, Any]:
    """Return ``(kind, config)`` for a method name (see the module docstring).

    ``overrides`` are config fields (e.g. ``hidden=16``, ``lam=0.5``, ``level=3``).
    """
    checks.instance("name", name, str)
    if name == "level-1":
        name = "GR2-L1"
    if name.startswith("GR2") and name.endswith("+opp"):  # opponent-interest opponent model
        name = name[:-4]
        overrides = {"opponent_model": "opponent", **overrides}
    if name == "level-0":
        return "uniform", None
    m = _GR2_L.match(name)
    if m:
        return "gr2", GR2Config(**{"level": int(m.group(1)), "mode": "L", **overrides})
    m = _GR2_M.match(name)
    if m:
        base: dict[str, Any] = {"level": 3, "mode": "M", "lam": 1.5}
        if m.group(1):
            base["level"] = int(m.group(1))
        if m.group(2):
            base["lam"] = float(m.group(2))
        return "gr2", GR2Config(**{**base, **overrides})
    if name in ("DDPG", "MADDPG"):
        return "ddpg", DDPGConfig(**{"centralised": name == "MADDPG", **overrides})
    raise ValueError(f"unknown method {name!r}; valid choices: GR2-L<k> (k >= 1), "
                     "GR2-M[<k>][(<lam>)] (optionally with a '+opp' suffix), level-0, level-1, "
                     "DDPG, MADDPG")


def make_learner(name: str, n_runs: int, n_players: int, *, seed: int = 0, **overrides: Any):
    """Build the learner for method ``name`` (``None`` for ``"level-0"``)."""
    kind, cfg = parse_method(name, **overrides)
    if kind == "gr2":
        return GR2Learner(n_runs, n_players, cfg, seed=seed)
    if kind == "ddpg":
        return DDPGLearner(n_runs, n_players, cfg, seed=seed)
    return None


class TrainResult(NamedTuple):
    """``history[T, R, n]``: mean joint action played in each iteration; ``state``: weights."""

    history: np.ndarray
    state: dict[str, torch.Tensor]
    seconds: float


def train(games: GameBatch, method: str, *, n_iters: int = 400, steps_per_iter: int = 10,
          batch_size: int = 64, warmup: int | None = None, seed: int = 0, progress: bool = False,
          **overrides: Any) -> TrainResult:
    """Train ``method`` on every run of ``games`` at once (all agents batched).

    Args:
        games: settings x runs (:class:`GameBatch`).
        method: method name (see :func:`parse_method`).
        n_iters: iterations.
        steps_per_iter: environment steps and gradient steps per iteration.
        batch_size: replay batch size.
        warmup: environment steps before the first gradient step (default ``batch_size``).
        seed: seed of the initialisation and of every random draw.
        progress: show a tqdm bar.
        **overrides: learner config fields.
    """
    checks.instance("games", games, GameBatch)
    checks.integer("n_iters", n_iters, min=1)
    checks.integer("steps_per_iter", steps_per_iter, min=1)
    checks.integer("batch_size", batch_size, min=1)
    checks.integer("seed", seed, min=0)
    R, n = games.n_runs, games.n_players
    warmup = batch_size if warmup is None else checks.integer("warmup", warmup, min=0)
    learner = make_learner(method, R, n, seed=seed, **overrides)
    gen = torch.Generator().manual_seed(int(seed) + 1_000_003)
    scale = torch.as_tensor(games.reward_scale(), dtype=torch.float32)[:, None]
    buffer = ReplayBuffer(n_iters * steps_per_iter, R, n)
    history = np.zeros((n_iters, R, n), dtype=np.float32)
    it = range(n_iters)
    if progress:
        from tqdm.auto import tqdm  # local: tqdm.auto loads the notebook widgets

        it = tqdm(it, desc=method, leave=False)
    t0 = time.perf_counter()
    anneal = getattr(learner, "set_progress", None)
    for i in it:
        if anneal is not None:
            anneal(i / max(1, n_iters - 1))
        acc = torch.zeros(R, n)
        for _ in range(steps_per_iter):
            if learner is None:
                a = uniform_actions(R, n, gen)
            else:
                a = learner.act(gen)
            r = torch.as_tensor(games.rewards(a), dtype=torch.float32) * scale
            acc += a
            if learner is not None:
                buffer.add(a, r)
                if len(buffer) >= warmup:
                    learner.update(*buffer.sample(batch_size, gen), gen)
        history[i] = (acc / steps_per_iter).numpy()
    seconds = time.perf_counter() - t0
    state = {} if learner is None else {k: v.detach().clone() for k, v in learner.state_dict().items()}
    return TrainResult(history, state, seconds)


def run_cached(games: GameBatch, method: str, *, game_key: Any, seed: int = 0, n_iters: int = 400,
               steps_per_iter: int = 10, batch_size: int = 64, progress: bool = False,
               cache: bool = True, **overrides: Any) -> TrainResult:
    """:func:`train` through :func:`nestlab.cache.load_or_build` (weights + history as tensors).

    Args:
        game_key: JSON description of ``games`` (settings and runs per setting) for the cache key.
        cache: set ``False`` to always retrain.
    """
    checks.instance("games", games, GameBatch)
    checks.boolean("cache", cache)
    parse_method(method, **overrides)  # a bad method or override fails here, before any training
    config = {"method": method, "games": game_key, "runs_per_game": games.runs_per_game,
              "seed": seed, "n_iters": n_iters, "steps_per_iter": steps_per_iter,
              "batch_size": batch_size, "overrides": dict(sorted(overrides.items()))}

    def build():
        res = train(games, method, n_iters=n_iters, steps_per_iter=steps_per_iter,
                    batch_size=batch_size, seed=seed, progress=progress, **overrides)
        tensors = {f"state.{k}": v for k, v in res.state.items()}
        tensors["history"] = torch.from_numpy(res.history)
        return tensors, {"seconds": res.seconds}

    if not cache:
        tensors, info = build()
        hist = tensors["history"].numpy()
        return TrainResult(hist, {k[6:]: v for k, v in tensors.items() if k.startswith("state.")},
                           info["seconds"])
    from nestlab.cache import load_or_build  # local: the cache loads torch

    entry = load_or_build("recursive.train", config, build, version=CACHE_VERSION)
    hist = entry.tensors["history"].numpy()
    state = {k[6:]: v for k, v in entry.tensors.items() if k.startswith("state.")}
    return TrainResult(hist, state, float(entry.info.get("seconds", float("nan"))))


# ----------------------------------------------------------------------------------------------
# summaries
# ----------------------------------------------------------------------------------------------


def split_runs(history: np.ndarray, n_games: int) -> np.ndarray:
    """``[T, G*k, n] -> [G, T, k, n]`` (per game setting)."""
    history = checks.array("history", history, ndim=3, finite=False)
    T, R, n = history.shape
    n_games = checks.integer("n_games", n_games, min=1)
    if R % n_games:
        raise ValueError(f"invalid n_games {n_games}: history has {R} runs, not a multiple; valid: "
                         f"a divisor of {R}")
    k = R // n_games
    return history.reshape(T, n_games, k, n).transpose(1, 0, 2, 3)


def final_window(x: np.ndarray, frac: float = 0.1) -> np.ndarray:
    """The last ``frac`` of the time axis (axis 0), at least one step."""
    checks.real("frac", frac, min=0, max=1, inclusive=(False, True))
    if np.ndim(x) == 0 or len(x) == 0:
        raise ValueError(f"invalid x: shape {np.shape(x)}; valid: an array with at least one step "
                         "on axis 0")
    w = max(1, int(round(frac * x.shape[0])))
    return x[-w:]


def iterations_to_reach(curve: np.ndarray, threshold: float) -> float:
    """First iteration after which ``curve`` (distance, per iteration) stays below ``threshold``;
    ``nan`` if it never settles."""
    curve = checks.array("curve", curve, ndim=1, finite=False, min_size=0)
    checks.real("threshold", threshold)
    above = np.nonzero(curve >= threshold)[0]
    if len(above) == 0:
        return 0.0
    last = int(above[-1])
    return float(last + 1) if last + 1 < len(curve) else float("nan")


def summarise(curves: Sequence[np.ndarray] | np.ndarray, *, threshold: float,
              frac: float = 0.1) -> dict[str, float]:
    """Summaries of distance curves ``[runs, T]``: final distance (mean, std over runs), time
    fluctuation in the final window, success rate (final distance < threshold) and mean
    iterations to settle below ``threshold``."""
    c = checks.array("curves", curves, ndim=2, finite=False)
    checks.real("threshold", threshold)
    fin = final_window(c.T, frac)  # [w, runs]
    final = fin.mean(0)
    settle = np.array([iterations_to_reach(r, threshold) for r in c])
    return {"final_mean": float(final.mean()), "final_std": float(final.std()),
            "fluctuation": float(fin.std(0).mean()),
            "success": float((final < threshold).mean()),
            "settle_iters": float(np.nanmean(settle)) if np.any(np.isfinite(settle)) else float("nan")}
