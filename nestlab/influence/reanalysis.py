"""Re-analysis of the authors' published logs (Chen et al., arXiv 2310.07218 and RLC 2024).

Everything here is computed from the ``.npz`` files (see :mod:`nestlab.influence.data`); the
paper's printed numbers live in :data:`PAPER` only so that notebooks can put them side by side.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.stats import f_oneway

from nestlab import checks
from nestlab.influence import allocation as alloc
from nestlab.influence.data import (
    BOB_CHECKPOINTS,
    EVAL_SP5_GAMES,
    GAMES,
    MAPS,
    VERSIONS,
    load_eval_sp5,
    load_loi_log,
    load_tournament,
    tournament_samples,
)
from nestlab.influence.loi import ESTIMATORS, loi

REFERENCES = ("eval_sp5", "tournament")

__all__ = ["PAPER", "PAPER_ALLOCATION_OVERRIDES", "REFERENCES", "AllocationRow", "LabelCheck",
           "LoITable", "all_samples", "allocation_study", "data_root", "loi_table",
           "map_label_check", "per_ego_run_loi", "relabel", "tournament_anova", "tournament_means"]


def data_root(data_path: str | Path) -> str | Path | None:
    """A notebook's ``data_path`` parameter as the loaders' ``root``: ``""`` means the default
    (``nestlab.paths.data_dir("loi")``, i.e. ``None``)."""
    checks.instance("data_path", data_path, (str, Path))
    return None if str(data_path) == "" else data_path

#: numbers printed in the paper (arXiv version, Table 1 / Fig. 4 / Sec. 5.3), for comparison only
PAPER = {
    "loi_arxiv": {
        "chicken": (1.291, 1.364, 1.438, 1.227),
        "pure_coordination": (1.117, 1.071, 0.975, 0.976),
        "prisoners_dilemma": (1.377, 1.385, 1.180, 1.100),
        "stag_hunt": (1.397, 1.431, 1.424, 1.063),
    },
    "gain_percent": {"chicken": 4.0, "pure_coordination": 4.2, "prisoners_dilemma": 1.1,
                     "stag_hunt": 3.0},
    "p_value": {"chicken": 2.1e-4, "pure_coordination": 2.4e-7, "prisoners_dilemma": 0.45,
                "stag_hunt": 8.6e-3},
    "pd_loi_gain_r": 0.94,
    "pd_loi_gain_p": 0.06,
}

#: The allocation the paper evaluated, where it differs from its own rule. For Pure
#: coordination the rule gives SP to L (LoI 0.9752, the minimum) but the authors' analysis
#: notebook (resource_allocation.ipynb at 012ae75) overrides the rule's output by hand and
#: assigns SP to O (LoI 0.9762); the published +4.2 % (p = 2.4e-7) is for that allocation.
PAPER_ALLOCATION_OVERRIDES = {"pure_coordination": ("PP5", "PP3", "PP3", "SP")}


class LoITable(NamedTuple):
    """LoI of 4 games x 4 maps.

    Attributes:
        values: ``(game, map)`` scenario LoI.
        dropped_fraction: ``(game, map)`` share of returns outside the histogram range.
        p_values: ``(game, map)`` permutation p-values (``null_corrected`` only, else NaN).
        estimator: name of the estimator.
    """

    values: np.ndarray
    dropped_fraction: np.ndarray
    p_values: np.ndarray
    estimator: str

    def as_dict(self, decimals: int | None = None) -> dict[str, list[float]]:
        """``{game: [S, M, L, O]}``, optionally rounded."""
        v = self.values if decimals is None else np.round(self.values, decimals)
        return {g: [float(x) for x in v[i]] for i, g in enumerate(GAMES)}


def loi_table(*, version: str = "arxiv", estimator: str = "paper", run: str | None = None,
              n_permutations: int = 200, seed: int = 0, root: str | Path | None = None) -> LoITable:
    """LoI of every scenario of one version of the logs (blocks = ego run x checkpoint x Bob seed)."""
    checks.choice("version", version, VERSIONS)
    checks.choice("estimator", estimator, ESTIMATORS)
    checks.integer("n_permutations", n_permutations, min=1)
    checks.integer("seed", seed, min=0)
    vals = np.zeros((len(GAMES), len(MAPS)))
    dropped = np.zeros_like(vals)
    pvals = np.full_like(vals, np.nan)
    for i, g in enumerate(GAMES):
        for j, m in enumerate(MAPS):
            est = loi(load_loi_log(g, m, version=version, run=run, root=root).ego_blocks(),
                      estimator=estimator, n_permutations=n_permutations, seed=seed)
            vals[i, j] = est.value
            dropped[i, j] = est.n_dropped / est.n_values
            if est.p_value is not None:
                pvals[i, j] = est.p_value
    return LoITable(vals, dropped, pvals, estimator)


def per_ego_run_loi(game: str, map_: str, *, root: str | Path | None = None) -> np.ndarray:
    """RLC LoI of each of the three ego runs separately (the HEAD notebook prints the last)."""
    blocks = load_loi_log(game, map_, version="rlc", root=root).ego_blocks()
    return np.array([loi(b).value for b in blocks])


def all_samples(*, root: str | Path | None = None) -> dict[str, list[dict[str, np.ndarray]]]:
    """Tournament samples ``{game: [per map {"SP", "PP3", "PP5"} -> returns]}``."""
    return {g: [tournament_samples(g, m, root=root) for m in MAPS] for g in GAMES}


class AllocationRow(NamedTuple):
    """One game's allocation study."""

    game: str
    rule: tuple[str, ...]
    evaluated: tuple[str, ...]
    top30: alloc.Comparison
    all_samples: alloc.Comparison
    rule_top30: alloc.Comparison
    rank_top30: alloc.RankResult
    rank_all: alloc.RankResult


def allocation_study(loi_values: dict[str, np.ndarray] | np.ndarray, samples, *,
                     overrides: dict[str, tuple[str, ...]] | None = None, k: int = 30) -> list[AllocationRow]:
    """Per game: the rule's allocation, the evaluated one (rule unless overridden), both protocols,
    and its rank among all budget-equal allocations under each protocol."""
    overrides = checks.mapping("overrides", overrides or {}, keys=GAMES)
    for g, a in overrides.items():
        checks.choices(f"overrides[{g!r}]", a, alloc.METHODS)
    checks.integer("k", k, min=1)
    if isinstance(loi_values, dict):
        checks.mapping("loi_values", loi_values, required=GAMES)
    else:
        checks.array("loi_values", loi_values, ndim=2, shape=(len(GAMES), None))
    checks.mapping("samples", samples, required=GAMES)
    rows = []
    for i, g in enumerate(GAMES):
        lv = loi_values[g] if isinstance(loi_values, dict) else np.asarray(loi_values)[i]
        rule = alloc.allocate_by_loi(lv)
        ev = tuple(overrides.get(g, rule))
        s = samples[g]
        rows.append(AllocationRow(
            g, rule, ev,
            alloc.compare_allocation(s, ev, protocol="top30", k=k),
            alloc.compare_allocation(s, ev, protocol="all"),
            alloc.compare_allocation(s, rule, protocol="top30", k=k),
            alloc.rank_allocation(s, ev, protocol="top30", k=k),
            alloc.rank_allocation(s, ev, protocol="all"),
        ))
    return rows


def tournament_means(samples) -> np.ndarray:
    """Mean tournament return ``(game, map, method)`` with methods SP, PP3, PP5."""
    return np.array([[[np.mean(s[mth]) for mth in alloc.METHODS] for s in samples[g]] for g in GAMES])


def tournament_anova(samples) -> np.ndarray:
    """One-way ANOVA p-value over SP / PP3 / PP5 per ``(game, map)``."""
    return np.array([[f_oneway(*(s[m] for m in alloc.METHODS)).pvalue for s in samples[g]]
                     for g in GAMES])


# --- the map-label question -------------------------------------------------------------------

class LabelCheck(NamedTuple):
    """Fit of every relabelling of one game's arXiv files to independent logs.

    Attributes:
        permutations: ``perm[j]`` = true map index of the file labelled ``MAPS[j]``.
        rms: RMS mismatch (return units) of Bob's returns with the reference, per permutation.
        best: the best-fitting permutation.
        rms_stored: RMS of the stored labels (identity permutation).
        reference: ``"eval_sp5"`` or ``"tournament"``.
    """

    permutations: list[tuple[int, ...]]
    rms: np.ndarray
    best: tuple[int, ...]
    rms_stored: float
    reference: str


def _bob_vs_reference(game: str, *, reference: str, run: str | None, root, version: str = "arxiv"):
    """Bob's mean returns per labelled map, and the independent reference per true map."""
    bobs, refs = [], []
    ck = list(BOB_CHECKPOINTS)
    for m in MAPS:
        r = load_loi_log(game, m, version=version, run=run, root=root).bob_returns()
        # ego run 0 = SP_eval; ego checkpoints gens 18 (index 0) and 24 (index 3)
        bob = r[0][[0, 3]].mean(-1)  # (2 partner gens, seed, bob checkpoint)
        if reference == "eval_sp5":
            e = load_eval_sp5(game, m, root=root)[:, ck][:, :, [2, 3]].mean(-1)  # (seed, ck, 2)
            n = min(bob.shape[1], e.shape[0])
            ref = np.moveaxis(e, -1, 0)[:, :n]
            bobs.append(bob[:, :n].ravel())
        else:
            t = load_tournament(game, m, "SP5", root=root)[:, [2, 3]].mean(-1)  # (seed, 2)
            n = min(bob.shape[1], t.shape[0])
            ref = t.T[:, :n]
            bobs.append(bob[:, :n, -1].ravel())
        refs.append(ref.ravel())
    return bobs, refs


def map_label_check(game: str, *, reference: str = "eval_sp5", version: str = "arxiv",
                    run: str | None = None, root: str | Path | None = None) -> LabelCheck:
    """Which map labelling of a game's LoI files agrees with independent logs of the same agents.

    Bob (player 1) in the LoI files is SP5 seed s at generation g against SP_eval at
    generations 18 and 24; the same pairings appear in ``eval_sp5`` (90 numbers per map) and
    ``tournament/*_SP5`` (10 per map, generation 24). For each of the 24 permutations of map
    letters the RMS mismatch between the two is computed.
    """
    checks.choice("reference", reference, REFERENCES)
    checks.choice("game", game, EVAL_SP5_GAMES if reference == "eval_sp5" else GAMES)
    checks.choice("version", version, VERSIONS)
    bobs, refs = _bob_vs_reference(game, reference=reference, run=run, root=root, version=version)
    perms = list(itertools.permutations(range(len(MAPS))))
    rms = np.array([np.sqrt(np.mean(np.concatenate([bobs[j] - refs[p[j]] for j in range(len(MAPS))]) ** 2))
                    for p in perms])
    best = perms[int(np.argmin(rms))]
    return LabelCheck(perms, rms, best, float(rms[0]), reference)


def relabel(values, permutation) -> np.ndarray:
    """Re-order per-map values (in stored-label order) by true map: ``out[perm[j]] = values[j]``."""
    values = checks.array("values", values, ndim=1)
    perm = checks.sequence("permutation", permutation, min_len=values.size, max_len=values.size)
    if sorted(int(p) if isinstance(p, int | np.integer) else -1 for p in perm) != list(range(values.size)):
        raise ValueError(f"invalid permutation {tuple(perm)!r}; valid values: a permutation of "
                         f"0..{values.size - 1} (one entry per value)")
    out = np.empty(len(permutation))
    for j, p in enumerate(permutation):
        out[p] = values[j]
    return out
