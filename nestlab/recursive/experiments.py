"""The studies behind the GR2 notebooks 30-32 (Wen et al. 2020, Theorem 1 and Secs. 5.1-5.3).

Each driver runs a study and returns numpy arrays / dicts (``NamedTuple`` results) or tidy
``pandas.DataFrame`` tables, so that a notebook cell is one call, one plot or one ``record``.
The claims made from these numbers live in :mod:`nestlab.recursive.claims`.

The learners (:mod:`~nestlab.recursive.train`, ``gr2``, ``nets``) are imported inside the drivers
that train: they load torch (seconds), which notebook 30's dynamics never need.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.recursive import dynamics as dyn
from nestlab.recursive.games import (
    MATRIX_GAMES,
    REWARDS,
    BeautyContest,
    GameBatch,
    MaxOfTwoQuadratics,
    matrix_game,
)

__all__ = ["ABLATION_CELLS", "ABLATION_READINGS", "GAME_NAMES", "AblationStudy", "BeautyMethods",
           "BeautyResult", "DynamicsResult", "GamesResult", "ablation_convergence",
           "beauty_ablation", "beauty_ablation_study", "beauty_contest_experiment",
           "beauty_methods", "beauty_summary", "classical_level_k", "dynamics_experiment",
           "dynamics_table", "final_numbers", "final_positions", "games_curves",
           "games_experiment", "games_summary", "learned_vs_classical", "opponent_predictions",
           "opponent_table", "setting_label", "summary_field", "summary_table", "CURVE_LABELS",
           "OpponentTable"]

# ----------------------------------------------------------------------------------------------
# 30: learning dynamics
# ----------------------------------------------------------------------------------------------


class DynamicsResult(NamedTuple):
    """Trajectories ``traj[game][level]`` and a summary table ``summary[game][level]``."""

    traj: dict
    summary: dict


def dynamics_experiment(games: Sequence[str] = ("rotational", "matching_pennies"),
                        levels: Sequence[int] = (0, 1, 2, 3), *, zeta: float = 0.1,
                        dt: float = 0.01, n_steps: int = 3000,
                        start: Sequence[float] = (0.9, 0.5), n_check: int = 200,
                        seed: int = 0) -> DynamicsResult:
    """Integrate IGA and level-k dynamics (GR2 Theorem 1) and measure F and dF/dt.

    The summary holds, per game and level: ``F0``, ``F_final``, ``F_rel_change`` (max relative
    deviation of F along the path), ``final_distance`` to the centre, and ``max_dFdt`` / ``min_dFdt``
    over ``n_check`` random points of the unit square (numerical dF/dt, unprojected).
    """
    checks.choices("games", games, MATRIX_GAMES)
    for i, k in enumerate(checks.sequence("levels", levels, min_len=1)):
        checks.integer(f"levels[{i}]", k, min=0)
    checks.array("start", start, shape=(2,), min=0, max=1)
    checks.integer("n_check", n_check, min=1)
    checks.integer("seed", seed, min=0)
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0.02, 0.98, size=(n_check, 2))
    traj: dict = {}
    summary: dict = {}
    for name in games:
        g = matrix_game(name)
        traj[name], summary[name] = {}, {}
        for k in levels:
            tr = dyn.integrate(g, np.asarray(start, float), level=int(k), zeta=zeta, dt=dt,
                               n_steps=n_steps)
            rate = dyn.lyapunov_rate(g, pts, level=int(k), zeta=zeta)
            F0 = float(tr.F[0])
            traj[name][int(k)] = tr
            summary[name][int(k)] = {
                "F0": F0, "F_final": float(tr.F[-1]),
                "F_rel_change": float(np.max(np.abs(tr.F - F0)) / abs(F0)),
                "final_distance": float(dyn.distance_to_centre(g, tr.points[-1])),
                "max_dFdt": float(rate.max()), "min_dFdt": float(rate.min()),
            }
    return DynamicsResult(traj, summary)


def dynamics_table(res: DynamicsResult):
    """``res.summary`` as a tidy table: one row per game and level."""
    checks.instance("res", res, DynamicsResult)
    return pd.DataFrame([{"game": g, "level": k, **v} for g, d in res.summary.items()
                         for k, v in d.items()])


# ----------------------------------------------------------------------------------------------
# 31: beauty contest
# ----------------------------------------------------------------------------------------------


class BeautyResult(NamedTuple):
    """``numbers[method][setting]``: mean chosen number ``[runs, T]``; ``settings``: labels
    ``"p=0.7/abs"``; ``equilibrium[setting]``; ``seconds[method]``."""

    numbers: dict
    settings: list
    equilibrium: dict
    seconds: dict


def _check_methods(methods, hidden) -> None:
    """Every method name parses (before any training starts), and ``hidden`` is a width."""
    from nestlab.recursive.train import parse_method

    names = checks.sequence("methods", methods, min_len=1)
    checks.integer("hidden", hidden, min=1)
    for i, m in enumerate(names):
        checks.instance(f"methods[{i}]", m, str)
        parse_method(m, **({} if m == "level-0" else {"hidden": hidden}))


def _check_sizes(**sizes: Any) -> None:
    for name, v in sizes.items():
        checks.integer(name, v, min=1)


def setting_label(p: float, reward: str) -> str:
    """The label of one beauty-contest setting, ``"p=0.7/abs"``."""
    return f"p={p:g}/{reward}"


class BeautyMethods(NamedTuple):
    """Notebook 31's method names: ``levels`` (GR2-Lk), ``mixtures`` ``{lam: GR2-Mk(lam)}``,
    ``baselines`` and ``all`` (in that order)."""

    levels: list
    mixtures: dict
    baselines: list
    all: list


def beauty_methods(levels: Sequence[int], *, lams: Sequence[float] = (), mixture_level: int = 3,
                   baselines: Sequence[str] = ()) -> BeautyMethods:
    """The GR2-L``k`` names of ``levels``, GR2-M``mixture_level``(``lam``) of ``lams``, baselines."""
    for i, k in enumerate(checks.sequence("levels", levels)):
        checks.integer(f"levels[{i}]", k, min=1)
    checks.integer("mixture_level", mixture_level, min=1)
    lvl = [f"GR2-L{k}" for k in levels]
    mix = {float(lam): f"GR2-M{mixture_level}({lam:g})" for lam in checks.sequence("lams", lams)}
    base = list(checks.sequence("baselines", baselines))
    return BeautyMethods(lvl, mix, base, lvl + list(mix.values()) + base)


def classical_level_k(ps: Sequence[float], *, n_players: int = 10, depth: int = 5):
    """Classical level-k numbers (level 0 plays 50 on average) per p: a ``(level, p)`` table."""
    return pd.DataFrame({f"p={p:g}": BeautyContest(n_players, p).level_k_numbers(depth)
                         for p in checks.sequence("ps", ps, min_len=1)},
                        index=[f"level {k}" for k in range(depth + 1)])


def summary_field(summary: dict, key: str) -> dict:
    """``{method: {setting: summary[method][setting][key]}}`` of a beauty or games summary."""
    return {m: {s: v[key] for s, v in d.items()} for m, d in checks.mapping("summary", summary).items()}


def summary_table(summary: dict, *, column: str = "setting"):
    """A beauty or games summary as a tidy table: one row per method and ``column`` value."""
    return pd.DataFrame([{"method": m, column: s, **v}
                         for m, d in checks.mapping("summary", summary).items() for s, v in d.items()])


def _train_each(batch: GameBatch, methods: Sequence[str], *, game_key: Any, hidden: int,
                progress: bool, gr2_overrides: dict | None = None,
                **train: Any) -> Iterator[tuple[str, Any]]:
    """Yield ``(method, run)`` for each method trained on ``batch`` (cached; one batched call each).

    ``gr2_overrides`` are :class:`~nestlab.recursive.gr2.GR2Config` fields applied to the GR2
    methods only (the baselines and level-0 ignore them)."""
    from nestlab.recursive.train import run_cached

    it: Iterable[str] = methods
    if progress:
        from tqdm.auto import tqdm  # local: tqdm.auto loads the notebook widgets

        it = tqdm(methods, desc="methods")
    for m in it:
        over = {} if m == "level-0" else {"hidden": hidden}
        if gr2_overrides and (m.startswith("GR2") or m == "level-1"):
            over.update(gr2_overrides)
        yield m, run_cached(batch, m, game_key=game_key, **train, **over)


def beauty_contest_experiment(methods: Sequence[str], *, ps: Sequence[float] = (0.7, 1.1),
                              rewards: Sequence[str] = ("abs", "square"), n_players: int = 10,
                              n_runs: int = 3, n_iters: int = 100, steps_per_iter: int = 10,
                              batch_size: int = 64, seed: int = 0, hidden: int = 16,
                              cache: bool = True,
                              progress: bool = True, gr2: dict | None = None) -> BeautyResult:
    """Train every method on every (p, reward) setting x ``n_runs`` runs (one batched call per
    method) and return the mean chosen number per iteration.

    Args:
        methods: method names (:func:`nestlab.recursive.train.parse_method`), e.g.
            ``"GR2-L2"``, ``"GR2-M(0.5)"``, ``"DDPG"``.
        gr2: :class:`~nestlab.recursive.gr2.GR2Config` fields for the GR2 methods (e.g.
            ``{"level0": "replay", "aux_weight": 0.0}``); the baselines ignore them.
    """
    from nestlab.recursive.train import split_runs

    _check_methods(methods, hidden)
    gr2 = {} if gr2 is None else checks.mapping("gr2", gr2)
    if gr2:
        from nestlab.recursive.gr2 import GR2Config

        GR2Config(**gr2)  # bad fields or values fail before any training
    ps = [checks.real(f"ps[{i}]", p, min=0, inclusive=(False, True))
          for i, p in enumerate(checks.sequence("ps", ps, min_len=1))]
    checks.choices("rewards", rewards, REWARDS)
    _check_sizes(n_runs=n_runs, n_iters=n_iters, steps_per_iter=steps_per_iter,
                 batch_size=batch_size)
    games = [BeautyContest(n_players, float(p), r) for p in ps for r in rewards]
    labels = [setting_label(g.p, g.reward) for g in games]
    batch = GameBatch(games, n_runs)
    game_key = [{"n": g.n, "p": g.p, "reward": g.reward} for g in games]
    numbers: dict = {}
    seconds: dict = {}
    for m, res in _train_each(batch, methods, game_key=game_key, hidden=hidden, progress=progress,
                              seed=seed, n_iters=n_iters, steps_per_iter=steps_per_iter,
                              batch_size=batch_size, cache=cache, gr2_overrides=gr2):
        per = split_runs(50.0 * (res.history + 1.0), len(games))  # [G, T, runs, n]
        numbers[m] = {lab: per[i].mean(-1).T for i, lab in enumerate(labels)}  # [runs, T]
        seconds[m] = res.seconds
    eq = {lab: g.equilibrium_number() for lab, g in zip(labels, games, strict=True)}
    return BeautyResult(numbers, labels, eq, seconds)


def beauty_summary(res: BeautyResult, *, threshold: float = 5.0, frac: float = 0.1) -> dict:
    """``summary[method][setting]`` of distance-to-equilibrium curves (see
    :func:`nestlab.recursive.train.summarise`)."""
    from nestlab.recursive.train import summarise

    checks.instance("res", res, BeautyResult)
    checks.real("threshold", threshold, min=0, inclusive=(False, True))
    out: dict = {}
    for m, per in res.numbers.items():
        out[m] = {s: summarise(np.abs(c - res.equilibrium[s]), threshold=threshold, frac=frac)
                  for s, c in per.items()}
    return out


def final_numbers(res: BeautyResult, *, frac: float = 0.1) -> dict:
    """``{method: {setting: mean chosen number over the final window, averaged over runs}}``."""
    from nestlab.recursive.train import final_window

    return {m: {s: float(final_window(c.T, frac).mean()) for s, c in per.items()}
            for m, per in res.numbers.items()}


def learned_vs_classical(res: BeautyResult, *, ps: Sequence[float], rewards: Sequence[str],
                         levels: Sequence[int], n_players: int = 10, frac: float = 0.1):
    """Learned GR2-L``k`` final numbers (:func:`final_numbers`) next to the classical level-k ones."""
    fn = final_numbers(res, frac=frac)
    rows = []
    for p in ps:
        classical = BeautyContest(n_players, p).level_k_numbers(max(levels))
        for k in levels:
            rows.append({"p": p, "level": k, "classical level-k": classical[k],
                         **{f"GR2-L{k} {r}": fn[f"GR2-L{k}"][setting_label(p, r)] for r in rewards}})
    return pd.DataFrame(rows)


#: notebook 31's controlled ablation: one knob at a time away from the faithful default, and the
#: combination that comes closest. Each cell: GR2 config overrides (``gr2``) and/or a different
#: ``n_players`` / ``ps``; the reading of the paper each corresponds to is in ``ABLATION_READINGS``.
ABLATION_CELLS: dict[str, dict[str, Any]] = {
    "faithful": {},
    "level 0 = played actions": {"gr2": {"level0": "replay"}},
    "aux weight 0": {"gr2": {"aux_weight": 0.0}},
    "aux weight 5": {"gr2": {"aux_weight": 5.0}},
    "T 0.1 -> 0.001 annealed": {"gr2": {"temperature": 0.1, "temperature_final": 0.001}},
    "n = 3 players": {"n_players": 3},
    "p = 0.5 / 1.5": {"ps": (0.5, 1.5)},
    "level 0 = played + aux 5": {"gr2": {"level0": "replay", "aux_weight": 5.0}},
}
ABLATION_READINGS = {
    "faithful": "spec / paper Sec. 3: level 0 uniform on the action box, aux weight 1, T = 0.01, n = 10",
    "level 0 = played actions": "paper Sec. 4.2 read as 'level 0 is the agents' actual policy': the chain starts "
                                "from joint actions really played (replay buffer)",
    "aux weight 0": "no inter-level auxiliary loss (what the aux loss contributes)",
    "aux weight 5": "a stronger inter-level loss (the paper gives no weight)",
    "T 0.1 -> 0.001 annealed": "soft Q-learning with an annealed temperature (the authors' code anneals; the "
                               "paper is silent)",
    "n = 3 players": "fewer agents",
    "p = 0.5 / 1.5": "targets further from 1 (stronger pull to the equilibrium)",
    "level 0 = played + aux 5": "the two knobs that helped, together",
}


def beauty_ablation(cells: dict | None = None, *, methods: Sequence[str] = ("GR2-L1", "GR2-L2", "GR2-L3"),
                    ps: Sequence[float] = (0.7, 1.1), rewards: Sequence[str] = ("square",),
                    n_players: int = 10, n_runs: int = 2, n_iters: int = 60, steps_per_iter: int = 10,
                    batch_size: int = 64, seed: int = 0, hidden: int = 16, threshold: float = 5.0,
                    cache: bool = True, progress: bool = False):
    """The beauty contest under each ablation cell, same seeds and sizes; a tidy table.

    Args:
        cells: ``{label: {"gr2": {...}, "n_players": n, "ps": (...)}}`` (default
            :data:`ABLATION_CELLS`); missing keys take the arguments below.
        methods, ps, rewards, n_players, n_runs, n_iters, steps_per_iter, batch_size, seed, hidden:
            as :func:`beauty_contest_experiment`.
        threshold: distance that counts as converged.

    Returns:
        ``(table, seconds)``: a DataFrame with one row per cell x method x setting (``final_mean``,
        ``final_std``, ``settle_iters``, ``fluctuation``, ``converged`` = final distance below
        ``threshold`` in every run's mean) and ``{cell: wall seconds}``.
    """
    cells = ABLATION_CELLS if cells is None else checks.mapping("cells", cells)
    if not cells:
        raise ValueError("invalid cells: empty; valid: at least one {label: {...}}")
    for k, c in cells.items():
        checks.mapping(f"cells[{k!r}]", c, keys=("gr2", "n_players", "ps"))
    checks.real("threshold", threshold, min=0, inclusive=(False, True))
    rows, secs = [], {}
    for label, c in cells.items():
        t0 = time.perf_counter()
        res = beauty_contest_experiment(list(methods), ps=c.get("ps", ps), rewards=rewards,
                                        n_players=c.get("n_players", n_players), n_runs=n_runs,
                                        n_iters=n_iters, steps_per_iter=steps_per_iter,
                                        batch_size=batch_size, seed=seed, hidden=hidden, cache=cache,
                                        progress=progress, gr2=c.get("gr2"))
        secs[label] = time.perf_counter() - t0
        for m, per in beauty_summary(res, threshold=threshold).items():
            for s, v in per.items():
                rows.append({"cell": label, "method": m, "setting": s, **v,
                             "converged": bool(v["final_mean"] < threshold)})
    return pd.DataFrame(rows), secs


def ablation_convergence(table, *, methods: Sequence[str] = ("GR2-L1", "GR2-L2", "GR2-L3")):
    """Per ablation cell: worst final distance of each method over the settings, and whether
    every method converged in every setting (the claim "L1-L3 converge") or only some did.

    Returns a DataFrame indexed by cell: one column per method (worst final distance),
    ``n_converged`` / ``n_total`` (method x setting pairs below the threshold) and ``all``.
    """
    sub = table[table.method.isin(list(methods))]
    worst = sub.pivot_table(index="cell", columns="method", values="final_mean", aggfunc="max")
    out = worst.reindex(index=list(dict.fromkeys(sub.cell)), columns=list(methods))
    g = sub.groupby("cell", sort=False)["converged"]
    out["n_converged"] = g.sum().astype(int)
    out["n_total"] = g.size()
    out["all"] = out["n_converged"] == out["n_total"]
    return pd.DataFrame(out)


class AblationStudy(NamedTuple):
    """Notebook 31's ablation: the per-cell ``table`` (:func:`beauty_ablation`), ``convergence``
    (:func:`ablation_convergence` with each cell's ``reading``), wall ``seconds`` per cell,
    ``best_cell`` (most method x setting pairs converged, the faithful cell aside),
    ``best_learner`` (the same among the cells that change the learner only, not n or p) and
    ``best_learner_gr2`` (that cell's GR2 overrides, ``None`` for the faithful cell)."""

    table: Any
    convergence: Any
    seconds: dict
    best_cell: str
    best_learner: str
    best_learner_gr2: dict | None


def beauty_ablation_study(cells: dict | None = None, *,
                          methods: Sequence[str] = ("GR2-L1", "GR2-L2", "GR2-L3"),
                          **kwargs: Any) -> AblationStudy:
    """:func:`beauty_ablation` over ``cells`` and which cells converge best.

    Args:
        cells: as :func:`beauty_ablation`; their GR2 overrides are looked up in ``cells``.
        methods: the methods whose convergence is counted.
        **kwargs: the other arguments of :func:`beauty_ablation`.
    """
    cells = ABLATION_CELLS if cells is None else checks.mapping("cells", cells)
    table, secs = beauty_ablation(cells, methods=methods, **kwargs)
    conv = ablation_convergence(table, methods=methods)
    conv["reading"] = [ABLATION_READINGS.get(c, "") for c in conv.index]
    best_cell = conv.drop(index="faithful").n_converged.idxmax() if len(conv) > 1 else "faithful"
    # the variant re-run changes the learner only (n and p are the game's, not a reading of GR2)
    learner_cells = [c for c in conv.index if c != "faithful" and set(cells.get(c, {})) == {"gr2"}]
    best_learner = conv.loc[learner_cells].n_converged.idxmax() if learner_cells else "faithful"
    return AblationStudy(table, conv, secs, best_cell, best_learner,
                         cells.get(best_learner, {}).get("gr2"))


# ----------------------------------------------------------------------------------------------
# 32: matrix and differential games
# ----------------------------------------------------------------------------------------------

GAME_NAMES = ("stag_hunt", "rotational", "max_of_two_quadratics")


def _game(name: str):
    return MaxOfTwoQuadratics() if name == "max_of_two_quadratics" else matrix_game(name)


class GamesResult(NamedTuple):
    """``actions[method][game]``: mean played actions ``[runs, T, 2]`` in [-1, 1];
    ``states[method]``: trained weights; ``config``: what :func:`games_experiment` was given."""

    actions: dict
    games: list
    seconds: dict
    states: dict
    config: dict


def games_experiment(methods: Sequence[str], *, games: Sequence[str] = GAME_NAMES,
                     n_runs: int = 8, n_iters: int = 100, steps_per_iter: int = 10,
                     batch_size: int = 64, seed: int = 0, hidden: int = 16, cache: bool = True,
                     progress: bool = True) -> GamesResult:
    """Train each method on every game x ``n_runs`` runs (one batched call per method)."""
    from nestlab.recursive.train import split_runs

    _check_methods(methods, hidden)
    checks.choices("games", games, GAME_NAMES)
    _check_sizes(n_runs=n_runs, n_iters=n_iters, steps_per_iter=steps_per_iter,
                 batch_size=batch_size)
    gs = [_game(g) for g in games]
    batch = GameBatch(gs, n_runs)
    actions: dict = {}
    seconds: dict = {}
    states: dict = {}
    for m, res in _train_each(batch, methods, game_key=list(games), hidden=hidden,
                              progress=progress, seed=seed, n_iters=n_iters,
                              steps_per_iter=steps_per_iter, batch_size=batch_size, cache=cache):
        per = split_runs(res.history, len(gs))  # [G, T, runs, 2]
        actions[m] = {g: per[i].transpose(1, 0, 2) for i, g in enumerate(games)}
        seconds[m] = res.seconds
        states[m] = res.state
    config = {"n_runs": n_runs, "hidden": hidden}
    return GamesResult(actions, list(games), seconds, states, config)


def opponent_predictions(res: GamesResult, method: str, game: str, *,
                         grid: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)) -> dict[str, np.ndarray]:
    """What a trained GR2 method's opponent model rho predicts in a 2x2 game.

    Returns ``{"row": beta_hat [runs, len(grid)], "col": alpha_hat [runs, len(grid)]}``: the
    row players' predicted column probability for each own probability in ``grid``, and vice
    versa (deterministic rho means, as used inside the reasoning chain).
    """
    import torch  # local: see the module docstring

    from nestlab.recursive.gr2 import GR2Learner
    from nestlab.recursive.nets import split_gaussian
    from nestlab.recursive.train import make_learner

    checks.instance("res", res, GamesResult)
    checks.choice("method", method, list(res.states), where="opponent_predictions()")
    if game not in res.games:
        raise ValueError(f"opponent_predictions(): unknown game {game!r} (not in res.games); "
                         "valid choices: " + ", ".join(res.games))
    grid = checks.array("grid", grid, ndim=1, min=0, max=1)
    k = res.config["n_runs"]
    learner = make_learner(method, len(res.games) * k, 2, hidden=res.config["hidden"])
    if not isinstance(learner, GR2Learner):
        raise ValueError(f"opponent_predictions(): invalid method {method!r}: it has no opponent "
                         "model; valid choices: a GR2 method of res")
    learner.load_state_dict(res.states[method])
    g = res.games.index(game)
    agents = np.arange(2 * g * k, 2 * (g + 1) * k)
    x = torch.as_tensor(np.asarray(grid, dtype=np.float32) * 2 - 1).reshape(1, -1, 1)
    with torch.no_grad():
        mean, _ = split_gaussian(learner.rho(x.expand(learner.n_agents, -1, 1)))
    pred = ((torch.tanh(mean) + 1) / 2)[..., 0].numpy()[agents]
    return {"row": pred[0::2], "col": pred[1::2]}


def games_summary(res: GamesResult, *, frac: float = 0.1, stag_threshold: float = 0.9,
                  ne_threshold: float = 0.1, optimum_radius: float = 1.0) -> dict:
    """Per method and game: success rates and final distances.

    * stag hunt: success = both players' final probability of stag > ``stag_threshold``;
      ``final_distance`` = distance of (alpha, beta) to (1, 1);
    * rotational: ``final_distance`` to the mixed equilibrium (0.5, 0.5); success = below
      ``ne_threshold``; also the mean distance over the final window's iterations;
    * max of two quadratics: success = final position within ``optimum_radius`` of (5, 5); also
      the rate of ending near the local optimum (-5, -5).
    """
    from nestlab.recursive.train import final_window

    checks.instance("res", res, GamesResult)
    for name, v in (("stag_threshold", stag_threshold), ("ne_threshold", ne_threshold),
                    ("optimum_radius", optimum_radius)):
        checks.real(name, v, min=0, inclusive=(False, True))
    out: dict = {}
    for m, per in res.actions.items():
        out[m] = {}
        for g, a in per.items():
            fin = final_window(a.transpose(1, 0, 2), frac).mean(0)  # [runs, 2]
            if g == "max_of_two_quadratics":
                x = 10.0 * fin
                d_glob = np.hypot(x[:, 0] - 5, x[:, 1] - 5)
                d_loc = np.hypot(x[:, 0] + 5, x[:, 1] + 5)
                out[m][g] = {"success": float((d_glob < optimum_radius).mean()),
                             "local": float((d_loc < optimum_radius).mean()),
                             "final_distance": float(d_glob.mean())}
            else:
                p = (fin + 1.0) / 2.0
                if g == "stag_hunt":
                    d = np.hypot(p[:, 0] - 1, p[:, 1] - 1)
                    ok = (p > stag_threshold).all(-1)
                else:
                    eq = matrix_game(g).mixed_equilibrium()
                    d = np.hypot(p[:, 0] - eq[0], p[:, 1] - eq[1])
                    ok = d < ne_threshold
                out[m][g] = {"success": float(ok.mean()), "final_distance": float(d.mean()),
                             "final_distance_std": float(d.std())}
    return out


#: what notebook 32's learning curves show per game: ``{game: y-axis label}``
CURVE_LABELS = {"max_of_two_quadratics": "distance to (5, 5)", "stag_hunt": "mean P(stag)",
                "rotational": "distance to (0.5, 0.5)"}


def games_curves(res: GamesResult) -> dict[str, dict[str, np.ndarray]]:
    """Per game and method, the ``[runs, T]`` curve notebook 32 plots (:data:`CURVE_LABELS`):
    distance to (5, 5) (quadratics, actions scaled by 10), mean P(stag) (stag hunt), distance of
    the probabilities to (0.5, 0.5) (rotational)."""
    checks.instance("res", res, GamesResult)
    out: dict = {}
    for g in res.games:
        per = {m: a[g] for m, a in res.actions.items()}
        if g == "max_of_two_quadratics":
            out[g] = {m: np.hypot(10 * a[..., 0] - 5, 10 * a[..., 1] - 5) for m, a in per.items()}
        elif g == "stag_hunt":
            out[g] = {m: (a.mean(-1) + 1) / 2 for m, a in per.items()}
        else:
            p = {m: (a + 1) / 2 for m, a in per.items()}
            out[g] = {m: np.hypot(q[..., 0] - 0.5, q[..., 1] - 0.5) for m, q in p.items()}
    return out


def final_positions(res: GamesResult, *, frac: float = 0.1) -> dict[str, np.ndarray]:
    """Each method's final positions ``[runs, 2]`` in the max-of-two-quadratics game (actions
    x 10, mean over the last ``frac`` of the iterations); ``{}`` when the game was not played."""
    checks.instance("res", res, GamesResult)
    checks.real("frac", frac, min=0, max=1, inclusive=(False, True))
    g = "max_of_two_quadratics"
    if g not in res.games:
        return {}
    return {m: 10 * a[g][:, -max(1, int(a[g].shape[1] * frac)):].mean(1)
            for m, a in res.actions.items()}


class OpponentTable(NamedTuple):
    """Notebook 32's opponent-model probe: a tidy ``table`` and the ``recorded`` numbers
    ``{game: {method: {"row_predicts_beta": [...], "col_predicts_alpha": [...]}}}``."""

    table: Any
    recorded: dict


def opponent_table(res: GamesResult, *, methods: Sequence[str] = ("GR2-L2", "GR2-L2+opp"),
                   games: Sequence[str] = ("rotational", "stag_hunt"),
                   grid: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)) -> OpponentTable:
    """:func:`opponent_predictions` (means over runs) of those ``methods`` and 2x2 ``games``
    that ``res`` holds, one table row per game, method and player."""
    checks.instance("res", res, GamesResult)
    probe = [m for m in methods if m in res.states]
    rows, recorded = [], {}
    for g in [g for g in games if g in res.games]:
        for m in probe:
            p = opponent_predictions(res, m, g, grid=grid)
            recorded.setdefault(g, {})[m] = {"row_predicts_beta": p["row"].mean(0),
                                             "col_predicts_alpha": p["col"].mean(0)}
            for player, key in (("row: beta_hat(alpha)", "row"), ("col: alpha_hat(beta)", "col")):
                rows.append({"game": g, "method": m, "player": player,
                             **dict(zip(map(str, grid), p[key].mean(0), strict=True))})
    return OpponentTable(pd.DataFrame(rows), recorded)
