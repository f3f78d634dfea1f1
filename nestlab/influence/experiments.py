"""The studies behind the LoI notebooks 40 and 41 (Chen et al., arXiv 2310.07218, Secs. 4-5).

Each function runs one section of a notebook from :mod:`~nestlab.influence.reanalysis` (the
published logs, notebook 40) or :mod:`~nestlab.influence.population` (the training study,
notebook 41), records its headline numbers in the running notebook (``nestlab.record``) and
returns a ``NamedTuple`` with the numbers and the tidy ``pandas.DataFrame`` the notebook shows.
The scoreboard rows made from them are in :mod:`nestlab.influence.claims`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import nestlab
from nestlab import checks
from nestlab.influence import allocation as alloc
from nestlab.influence import population as pop
from nestlab.influence import reanalysis as ra
from nestlab.influence.data import GAME_TITLES, GAMES, MAPS, load_loi_log
from nestlab.influence.games import PAYOFFS
from nestlab.influence.loi import ESTIMATORS, loi, loi_all, permutation_null
from nestlab.influence.plots import plot_block_returns

__all__ = ["AllocationStudy", "Correlations", "EstimatorBias", "EstimatorAllocations",
           "LabelQuestion", "Reproduction", "RLCStudy", "allocation_by_estimator",
           "allocation_reproduction", "allocation_short_labels", "correlations",
           "estimator_bias", "label_question", "loi_explorer", "loi_reproduction",
           "permutation_labels", "protocol_dependence", "record_loi_table",
           "relabelled_allocation", "rlc_study", "scenario_null",
           # notebook 41
           "ABLATION_COLUMNS", "Ablation", "GainCorrelation", "Intervals", "TrainingStudy",
           "allocation_summary", "correlation_intervals", "entropy_ablation_study",
           "gain_correlation", "loi_by_strength", "payoff_table", "scenario_explorer",
           "training_study", "weak_interaction"]


def _frame(values: np.ndarray) -> pd.DataFrame:
    """A ``(game, map)`` array as a table indexed by game title, one column per map."""
    return pd.DataFrame(values, index=[GAME_TITLES[g] for g in GAMES], columns=list(MAPS))


def record_loi_table(table: ra.LoITable, version: str) -> None:
    """Record ``loi.{version}.{game}.{map}`` (6 decimals) of every scenario."""
    checks.instance("table", table, ra.LoITable)
    for i, g in enumerate(GAMES):
        for j, m in enumerate(MAPS):
            nestlab.record(f"loi.{version}.{g}.{m}", round(float(table.values[i, j]), 6))


# --- 1 · the LoI table -------------------------------------------------------------------------

class Reproduction(NamedTuple):
    """The arXiv LoI ``table``, how many of the 16 values equal the paper's at 3 decimals
    (``n_match``) and the ``frame`` of both side by side."""

    table: ra.LoITable
    n_match: int
    frame: pd.DataFrame


def loi_reproduction(*, root: str | Path | None = None) -> Reproduction:
    """The paper's estimator on the arXiv logs against the paper's Table 1.

    Records ``loi.arxiv.*``, ``loi.arxiv.n_match_3dp`` and ``loi.arxiv.max_dropped_fraction``.
    """
    arxiv = ra.loi_table(version="arxiv", root=root)
    record_loi_table(arxiv, "arxiv")
    paper = np.array([ra.PAPER["loi_arxiv"][g] for g in GAMES])
    n_match = int((np.round(arxiv.values, 3) == paper).sum())
    nestlab.record("loi.arxiv.n_match_3dp", n_match)
    nestlab.record("loi.arxiv.max_dropped_fraction", float(arxiv.dropped_fraction.max()))
    return Reproduction(arxiv, n_match,
                        pd.concat({"nestlab": _frame(arxiv.values), "paper": _frame(paper)}, axis=1))


# --- 2 · the allocation and the four p-values ---------------------------------------------------

class AllocationStudy(NamedTuple):
    """:func:`~nestlab.influence.reanalysis.allocation_study` ``rows`` and their ``frame``."""

    rows: list
    frame: pd.DataFrame


def allocation_reproduction(loi_table: ra.LoITable, samples, *, k: int = 30) -> AllocationStudy:
    """The published allocation study (the paper's overrides), next to the paper's numbers.

    Records ``p_value.{game}``, ``gain_percent.{game}`` (3 decimals) and ``rule_p_value.{game}``.
    """
    rows = ra.allocation_study(loi_table.as_dict(), samples,
                               overrides=ra.PAPER_ALLOCATION_OVERRIDES, k=k)
    frame = pd.DataFrame([{
        "game": GAME_TITLES[r.game], "rule": " ".join(r.rule), "evaluated": " ".join(r.evaluated),
        "gain top-30 (%)": 100 * r.top30.gain, "p top-30": r.top30.p_value,
        "paper gain (%)": ra.PAPER["gain_percent"][r.game], "paper p": ra.PAPER["p_value"][r.game],
        "rule's own gain (%)": 100 * r.rule_top30.gain, "rule's own p": r.rule_top30.p_value,
    } for r in rows]).set_index("game")
    for r in rows:
        nestlab.record(f"p_value.{r.game}", r.top30.p_value)
        nestlab.record(f"gain_percent.{r.game}", round(100 * r.top30.gain, 3))
        nestlab.record(f"rule_p_value.{r.game}", r.rule_top30.p_value)
    return AllocationStudy(rows, frame)


class Correlations(NamedTuple):
    """LoI-gain correlation ``by_game`` ``{game: (r, p)}`` (the paper's Fig. 4 is the
    Prisoner's dilemma) and the ``tournament`` frame of mean returns with ANOVA p-values."""

    by_game: dict
    tournament: pd.DataFrame


def correlations(loi_table: ra.LoITable, samples) -> Correlations:
    """LoI of the four maps against the PP5 - SP gain, per game; tournament means and ANOVA.

    Records ``pd_loi_gain_r`` / ``pd_loi_gain_p``, ``loi_gain_r_by_game`` (4 decimals) and
    ``tournament_anova_p.{game}``.
    """
    by_game = {g: alloc.loi_gain_correlation(loi_table.values[i],
                                             [alloc.population_gain(s) for s in samples[g]])
               for i, g in enumerate(GAMES)}
    nestlab.record("pd_loi_gain_r", by_game["prisoners_dilemma"][0])
    nestlab.record("pd_loi_gain_p", by_game["prisoners_dilemma"][1])
    nestlab.record("loi_gain_r_by_game", {g: round(v[0], 4) for g, v in by_game.items()})
    means = ra.tournament_means(samples)
    anova = ra.tournament_anova(samples)
    for i, g in enumerate(GAMES):
        nestlab.record(f"tournament_anova_p.{g}", [float(x) for x in anova[i]])
    frame = pd.DataFrame({GAME_TITLES[g]: [" / ".join(f"{x:.2f}" for x in means[i, j])
                                           + f"  (ANOVA p = {anova[i, j]:.1e})" for j in range(len(MAPS))]
                          for i, g in enumerate(GAMES)}, index=list(MAPS)).rename_axis("SP5 / PP3 / PP5")
    return Correlations(by_game, frame)


# --- 3 · the RLC version -------------------------------------------------------------------------

class RLCStudy(NamedTuple):
    """The RLC LoI ``table``, its correlation with the arXiv one (``r_versions``), the allocation
    ``rows`` it gives and the ``frame`` of both."""

    table: ra.LoITable
    r_versions: float
    rows: list
    frame: pd.DataFrame


def rlc_study(arxiv: ra.LoITable, samples, *, k: int = 30,
              root: str | Path | None = None) -> RLCStudy:
    """The journal version's LoI (3 egos x 3 Bob seeds) and its allocation.

    Records ``loi.rlc.*`` and ``r_arxiv_vs_rlc``.
    """
    rlc = ra.loi_table(version="rlc", root=root)
    record_loi_table(rlc, "rlc")
    r_versions = float(np.corrcoef(arxiv.values.ravel(), rlc.values.ravel())[0, 1])
    nestlab.record("r_arxiv_vs_rlc", r_versions)
    rows = ra.allocation_study(rlc.as_dict(), samples, k=k)
    frame = _frame(rlc.values)
    frame["allocation (RLC LoI)"] = [" ".join(r.rule) for r in rows]
    frame["gain top-30 (%)"] = [100 * r.top30.gain for r in rows]
    frame["p top-30"] = [r.top30.p_value for r in rows]
    return RLCStudy(rlc, r_versions, rows, frame)


# --- 4 · estimator bias ---------------------------------------------------------------------------

class EstimatorBias(NamedTuple):
    """Every estimator's LoI ``tables`` ``{estimator: (game, map)}``, the ``null_corrected``
    table (with p-values), the plug-in's permutation ``null_mean`` and the ``frame`` of the
    null mean, the corrected LoI and the p-values."""

    tables: dict
    null_corrected: ra.LoITable
    null_mean: np.ndarray
    frame: pd.DataFrame


def estimator_bias(arxiv: ra.LoITable, *, n_permutations: int = 200, seed: int = 0,
                   root: str | Path | None = None) -> EstimatorBias:
    """The arXiv LoI under every estimator, and how much of the plug-in is its null.

    Records ``null_mean_range``, ``null_corrected_range``, ``n_significant_005`` and ``knn_range``.
    """
    tables = {"paper": arxiv.values}
    full = {name: ra.loi_table(version="arxiv", estimator=name, n_permutations=n_permutations,
                               seed=seed, root=root) for name in ESTIMATORS if name != "paper"}
    tables.update({name: t.values for name, t in full.items()})
    null_tab = full["null_corrected"]
    null_mean = arxiv.values - null_tab.values
    nestlab.record("null_mean_range", [float(null_mean.min()), float(null_mean.max())])
    nestlab.record("null_corrected_range", [float(null_tab.values.min()), float(null_tab.values.max())])
    nestlab.record("n_significant_005", int((null_tab.p_values < 0.05).sum()))
    nestlab.record("knn_range", [float(tables["knn"].min()), float(tables["knn"].max())])
    frame = pd.concat({"null mean": _frame(null_mean), "LoI − null": _frame(null_tab.values),
                       "p": _frame(null_tab.p_values)}, axis=1)
    return EstimatorBias(tables, null_tab, null_mean, frame)


class EstimatorAllocations(NamedTuple):
    """Per game and estimator the rule's allocation and its gains (``frame``), and in how many
    games the null-corrected LoI gives the plug-in's allocation (``n_same``)."""

    frame: pd.DataFrame
    n_same: int


def allocation_by_estimator(tables: Mapping[str, np.ndarray], samples, *,
                            k: int = 30) -> EstimatorAllocations:
    """The mean ± sd rule applied to each estimator's LoI, under both protocols.

    Records ``n_games_same_allocation_null_corrected`` and ``null_corrected_gain_percent``.
    """
    out: dict = {}
    for name, tab in checks.mapping("tables", tables, required=("paper", "null_corrected")).items():
        for i, g in enumerate(GAMES):
            a = alloc.allocate_by_loi(tab[i])
            out[(GAME_TITLES[g], name)] = {
                "allocation": " ".join(a),
                "gain top-30 (%)": 100 * alloc.compare_allocation(samples[g], a, protocol="top30", k=k).gain,
                "gain all (%)": 100 * alloc.compare_allocation(samples[g], a, protocol="all").gain}
    n_same = int(sum(out[(GAME_TITLES[g], "null_corrected")]["allocation"]
                     == out[(GAME_TITLES[g], "paper")]["allocation"] for g in GAMES))
    nestlab.record("n_games_same_allocation_null_corrected", n_same)
    nestlab.record("null_corrected_gain_percent",
                   {g: round(out[(GAME_TITLES[g], "null_corrected")]["gain top-30 (%)"], 3) for g in GAMES})
    return EstimatorAllocations(pd.DataFrame(out).T.unstack(level=1), n_same)


def scenario_null(game: str, map_: str, *, n_permutations: int = 200, seed: int = 0,
                  root: str | Path | None = None) -> tuple[np.ndarray, float]:
    """One scenario's permutation null of the plug-in LoI (mean over blocks per permutation)
    and its observed plug-in LoI."""
    blocks = load_loi_log(game, map_, version="arxiv", root=root).ego_blocks()
    null = permutation_null(blocks, n_permutations=n_permutations, seed=seed)
    return null.reshape(n_permutations, -1).mean(axis=1), loi(blocks).value


# --- 5 · protocol dependence ----------------------------------------------------------------------

def protocol_dependence(rows: Sequence[ra.AllocationRow], samples, *, k: int = 30) -> pd.DataFrame:
    """Top-30 vs all-samples gains and p-values, and the rank of the evaluated allocation among
    the 19 budget-equal ones (and among the 12 with one SP), per game.

    Records ``all_samples_gain_percent.{game}``, ``all_samples_p.{game}``,
    ``rank_top30.{game}``, ``rank_all.{game}`` and ``n_candidates``.
    """
    rows = checks.sequence("rows", rows, min_len=1)
    one_swap = [a for a in alloc.enumerate_allocations(len(MAPS)) if a.count("SP") == 1]
    out = []
    for r in rows:
        rank12 = alloc.rank_allocation(samples[r.game], r.evaluated, protocol="top30", k=k,
                                       candidates=one_swap)
        out.append({"game": GAME_TITLES[r.game], "allocation": " ".join(r.evaluated),
                    "top-30 gain (%)": 100 * r.top30.gain, "top-30 p": r.top30.p_value,
                    "all-samples gain (%)": 100 * r.all_samples.gain, "all-samples p": r.all_samples.p_value,
                    "rank top-30 (of 19)": r.rank_top30.rank, "rank top-30 (of 12)": rank12.rank,
                    "rank all (of 19)": r.rank_all.rank})
        nestlab.record(f"all_samples_gain_percent.{r.game}", round(100 * r.all_samples.gain, 3))
        nestlab.record(f"all_samples_p.{r.game}", r.all_samples.p_value)
        nestlab.record(f"rank_top30.{r.game}", r.rank_top30.rank)
        nestlab.record(f"rank_all.{r.game}", r.rank_all.rank)
    nestlab.record("n_candidates", rows[0].rank_top30.n_candidates)
    return pd.DataFrame(out).set_index("game")


def allocation_short_labels(candidates: Sequence[Sequence[str]]) -> list[str]:
    """``("SP", "PP3", "PP5", "PP3") -> "S353"``: one letter per scenario (S, 3, 5)."""
    return ["".join(m[0] if m == "SP" else m[-1] for m in a) for a in candidates]


def permutation_labels(permutations: Sequence[Sequence[int]]) -> list[str]:
    """``(1, 0, 2, 3) -> "MSLO"``: the true map of each stored label, in label order."""
    return ["".join(MAPS[i] for i in p) for p in permutations]


# --- 6 · the map-label question --------------------------------------------------------------------

class LabelQuestion(NamedTuple):
    """:class:`~nestlab.influence.reanalysis.LabelCheck` per game of the arXiv (``checks``) and
    RLC (``checks_rlc``) files, the arXiv LoI ``relabelled`` by the best fit, its correlation with
    the RLC LoI (``r_relabelled``) and the ``frame`` of the fits."""

    checks: dict
    checks_rlc: dict
    relabelled: np.ndarray
    r_relabelled: float
    frame: pd.DataFrame


def _reference(game: str) -> str:
    # eval_sp5 exists for two games only; the others are matched to the tournament logs
    return "eval_sp5" if game in ("chicken", "prisoners_dilemma") else "tournament"


def label_question(arxiv: ra.LoITable, rlc: ra.LoITable, *,
                   root: str | Path | None = None) -> LabelQuestion:
    """Which map labelling of each game's files fits independent logs of the same agents.

    Records ``label_rms_best``, ``label_rms_stored``, ``n_games_relabelled``,
    ``n_games_rlc_relabelled`` and ``r_arxiv_vs_rlc_relabelled``.
    """
    fits = {g: ra.map_label_check(g, reference=_reference(g), root=root) for g in GAMES}
    fits_rlc = {g: ra.map_label_check(g, reference=_reference(g), version="rlc", root=root)
                for g in GAMES}
    relabelled = np.array([ra.relabel(arxiv.values[i], fits[g].best) for i, g in enumerate(GAMES)])
    r_relab = float(np.corrcoef(relabelled.ravel(), rlc.values.ravel())[0, 1])
    identity = tuple(range(len(MAPS)))
    nestlab.record("label_rms_best", {g: round(c.rms.min(), 3) for g, c in fits.items()})
    nestlab.record("label_rms_stored", {g: round(c.rms_stored, 3) for g, c in fits.items()})
    nestlab.record("n_games_relabelled", int(sum(c.best != identity for c in fits.values())))
    nestlab.record("n_games_rlc_relabelled", int(sum(c.best != identity for c in fits_rlc.values())))
    nestlab.record("r_arxiv_vs_rlc_relabelled", r_relab)
    frame = pd.DataFrame({
        "reference": [fits[g].reference for g in GAMES],
        "file S/M/L/O is really": ["/".join(MAPS[i] for i in fits[g].best) for g in GAMES],
        "RMS best": [fits[g].rms.min() for g in GAMES],
        "RMS stored": [fits[g].rms_stored for g in GAMES],
        "RLC best fit": ["/".join(MAPS[i] for i in fits_rlc[g].best) for g in GAMES],
    }, index=[GAME_TITLES[g] for g in GAMES])
    return LabelQuestion(fits, fits_rlc, relabelled, r_relab, frame)


def relabelled_allocation(relabelled: np.ndarray, samples, *, k: int = 30) -> AllocationStudy:
    """The allocation study on the relabelled arXiv LoI.

    Records ``relabelled_gain_percent.{game}`` (3 decimals).
    """
    relabelled = checks.array("relabelled", relabelled, shape=(len(GAMES), len(MAPS)))
    rows = ra.allocation_study({g: relabelled[i] for i, g in enumerate(GAMES)}, samples, k=k)
    frame = pd.DataFrame({"allocation (relabelled LoI)": [" ".join(r.rule) for r in rows],
                          "top-30 gain (%)": [100 * r.top30.gain for r in rows],
                          "top-30 p": [r.top30.p_value for r in rows],
                          "all-samples gain (%)": [100 * r.all_samples.gain for r in rows]},
                         index=[GAME_TITLES[g] for g in GAMES])
    for r in rows:
        nestlab.record(f"relabelled_gain_percent.{r.game}", round(100 * r.top30.gain, 3))
    return AllocationStudy(rows, frame)


# --- 7 · explore ----------------------------------------------------------------------------------

def loi_explorer(samples, *, seed: int = 0, k: int = 30, n_permutations: int = 100,
                 root: str | Path | None = None):
    """``explore(game, version, estimator, protocol)``: print one game's LoI of the four maps,
    the allocation the rule makes from them and its gain over uniform PP3."""

    def explore(game: str = "chicken", version: str = "arxiv", estimator: str = "paper",
                protocol: str = "top30") -> None:
        t = ra.loi_table(version=version, estimator=estimator, n_permutations=n_permutations,
                         seed=seed, root=root)
        i = GAMES.index(checks.choice("game", game, GAMES))
        a = alloc.allocate_by_loi(t.values[i])
        c = alloc.compare_allocation(samples[game], a, protocol=protocol, k=k)
        print(f"{GAME_TITLES[game]}, {version}, {estimator}: LoI S/M/L/O = {np.round(t.values[i], 3)}")
        print(f"allocation {a}: gain {100 * c.gain:+.1f} % of SP mean, p = {c.p_value:.2g} ({protocol})")

    return explore


# ==================================================================================================
# notebook 41: the training study
# ==================================================================================================

def payoff_table(games: Sequence[str]) -> pd.DataFrame:
    """The row player's payoff matrix of each study game."""
    return pd.DataFrame({GAME_TITLES[g]: [str(np.asarray(PAYOFFS[g]).tolist())] for g in games},
                        index=["row payoff"])


def _frame_by_strength(values: np.ndarray, config) -> pd.DataFrame:
    return pd.DataFrame(values, index=[GAME_TITLES[g] for g in config.games],
                        columns=[f"p={p}" for p in config.meet_probs])


class TrainingStudy(NamedTuple):
    """Notebook 41's replicates: the ``studies`` (:func:`~nestlab.influence.population.run_replicates`),
    their ``summary`` (:func:`~nestlab.influence.population.summarise_replicates`) and the wall
    seconds of training + evaluation (``train_seconds``) and of the analysis (``analysis_seconds``)."""

    studies: list
    summary: Any
    train_seconds: float
    analysis_seconds: float


def training_study(config, seeds: Sequence[int], *, n_permutations: int = 200, cache: bool = True,
                   progress: bool = False) -> TrainingStudy:
    """Train (or load) and evaluate one study per seed, then analyse them.

    Records ``train_eval_seconds``, ``analysis_seconds``, ``train_seconds_uncached`` and
    ``n_cache_hits``.
    """
    t0 = time.perf_counter()
    studies = pop.run_replicates(config, seeds, cache=cache, progress=progress)
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary = pop.summarise_replicates(studies, n_permutations=n_permutations)
    t_analyse = time.perf_counter() - t0
    nestlab.record("train_eval_seconds", t_train)
    nestlab.record("analysis_seconds", t_analyse)
    nestlab.record("train_seconds_uncached", sum(s.train_seconds for s in studies))
    nestlab.record("n_cache_hits", sum(s.cache_hit for s in studies))
    return TrainingStudy(studies, summary, t_train, t_analyse)


def loi_by_strength(run: TrainingStudy) -> pd.DataFrame:
    """Every estimator's replicate-mean LoI per game and interaction strength.

    Records ``loi.{estimator}`` (4 decimals), ``loi_monotone.{estimator}`` (games whose LoI does
    not rise by more than 0.02 from one strength to the next weaker one) and
    ``loi_strong_gt_weak.{estimator}`` (games with LoI at the strongest above the weakest).
    """
    checks.instance("run", run, TrainingStudy)
    summary, config = run.summary, run.studies[0].config
    games = config.games
    for name, tab in summary.loi.items():
        nestlab.record(f"loi.{name}", {g: [round(float(x), 4) for x in tab[i]] for i, g in enumerate(games)})
        nestlab.record(f"loi_monotone.{name}",
                       int(sum(np.all(np.diff(tab[i]) <= 0.02) for i in range(len(games)))))
        nestlab.record(f"loi_strong_gt_weak.{name}", int(np.sum(tab[:, 0] > tab[:, -1])))
    return pd.concat({name: _frame_by_strength(tab, config) for name, tab in summary.loi.items()}, axis=1)


def weak_interaction(run: TrainingStudy) -> pd.DataFrame:
    """Replicate 0's plug-in LoI against its permutation null at the weakest and the strongest
    interaction.

    Records ``weak_plugin_minus_null_max``, ``weak_plugin_over_null_ratio``,
    ``n_weak_significant`` and ``n_strong_significant``.
    """
    checks.instance("run", run, TrainingStudy)
    a0 = run.summary.analyses[0]
    null_mean = a0.loi["paper"] - a0.loi["null_corrected"]
    nestlab.record("weak_plugin_minus_null_max", float(np.max(np.abs(a0.loi["null_corrected"][:, -1]))))
    nestlab.record("weak_plugin_over_null_ratio", float(np.mean(a0.loi["paper"][:, -1] / null_mean[:, -1])))
    nestlab.record("n_weak_significant", int(np.sum(a0.p_values[:, -1] < 0.05)))
    nestlab.record("n_strong_significant", int(np.sum(a0.p_values[:, 0] < 0.05)))
    return pd.DataFrame({"plug-in": a0.loi["paper"][:, -1], "null mean": null_mean[:, -1],
                         "LoI - null": a0.loi["null_corrected"][:, -1], "p": a0.p_values[:, -1],
                         "strong: LoI - null": a0.loi["null_corrected"][:, 0], "strong: p": a0.p_values[:, 0]},
                        index=[GAME_TITLES[g] for g in run.studies[0].config.games])


class GainCorrelation(NamedTuple):
    """The PP5 - SP ``gain`` table per game and strength and the LoI-gain ``correlation`` table
    per estimator (pooled and within each game)."""

    gain: pd.DataFrame
    correlation: pd.DataFrame


def gain_correlation(run: TrainingStudy) -> GainCorrelation:
    """The population-play gain and its correlation with every estimator's LoI.

    Records ``gain``, ``gain_rel``, ``loi_gain_r`` / ``loi_gain_p`` (plug-in), ``loi_gain_r.{est}``,
    ``loi_gain_r_by_game.{est}``, ``loi_gain_r_replicates`` and ``abs_gain_rel_strong_minus_weak``.
    """
    checks.instance("run", run, TrainingStudy)
    summary, config = run.summary, run.studies[0].config
    games = config.games
    nestlab.record("gain", {g: [round(float(x), 4) for x in summary.gain[i]] for i, g in enumerate(games)})
    nestlab.record("gain_rel", {g: [round(float(x), 4) for x in summary.gain_rel[i]] for i, g in enumerate(games)})
    r, p = summary.correlation["paper"]
    nestlab.record("loi_gain_r", r)
    nestlab.record("loi_gain_p", p)
    for name, (rr, _) in summary.correlation.items():
        nestlab.record(f"loi_gain_r.{name}", rr)
    for name, per in summary.correlation_by_game.items():
        nestlab.record(f"loi_gain_r_by_game.{name}", {g: v[0] for g, v in per.items()})
    nestlab.record("loi_gain_r_replicates", summary.replicate_r["paper"])
    abs_gain = np.abs(summary.gain_rel)
    nestlab.record("abs_gain_rel_strong_minus_weak", float(np.mean(abs_gain[:, 0] - abs_gain[:, -1])))
    corr = pd.DataFrame({name: {"pooled r (relative gain)": summary.correlation[name][0],
                                "pooled p": summary.correlation[name][1],
                                **{f"r within {GAME_TITLES[g]}": v[0]
                                   for g, v in summary.correlation_by_game[name].items()}}
                         for name in summary.loi}).T
    return GainCorrelation(_frame_by_strength(summary.gain, config), corr)


class Intervals(NamedTuple):
    """Bootstrap ``intervals`` ``{estimator: CorrelationInterval}``, the ``best`` estimator and
    the ``frame`` of the intervals."""

    intervals: dict
    best: str
    frame: pd.DataFrame


def correlation_intervals(run: TrainingStudy, *, n_boot: int = 2000, seed: int = 0) -> Intervals:
    """Two-stage bootstrap interval of the LoI-gain r per estimator.

    Records ``loi_gain_r_ci.{estimator}``, ``loi_gain_best_estimator`` and ``final_policy_entropy``.
    """
    checks.instance("run", run, TrainingStudy)
    ci = pop.replicate_correlations(run.summary.analyses, n_boot=n_boot, seed=seed)
    best = pop.best_estimator(ci)
    for name, c in ci.items():
        nestlab.record(f"loi_gain_r_ci.{name}", {"r": c.r, "low": c.low, "high": c.high,
                                                 "excludes_zero": c.excludes_zero})
    nestlab.record("loi_gain_best_estimator", best)
    nestlab.record("final_policy_entropy", float(np.mean([s.final_entropy for s in run.studies])))
    return Intervals(ci, best, pd.DataFrame([c._asdict() for c in ci.values()], index=list(ci)))


def allocation_summary(run: TrainingStudy) -> pd.DataFrame:
    """Per game and protocol: the LoI-guided allocations, their mean gain over uniform PP3, how
    many replicates gain (significantly) and the mean rank among the budget-equal allocations.

    Records ``allocation_gain_percent.{protocol}``, ``allocation_mean_rank.{protocol}`` and
    ``allocation_frac_positive.{protocol}``.
    """
    checks.instance("run", run, TrainingStudy)
    summary, games = run.summary, run.studies[0].config.games
    rows = []
    for i, g in enumerate(games):
        for prot in alloc.PROTOCOLS:
            gains = summary.allocation_gain[prot][:, i]
            rows.append({"game": GAME_TITLES[g], "protocol": prot,
                         "allocations": ", ".join(sorted({" ".join(a.allocations[g][0]) for a in summary.analyses})),
                         "mean gain (%)": 100 * gains.mean(), "replicates with gain > 0": int(np.sum(gains > 0)),
                         "replicates with p < 0.05 and gain > 0":
                             int(np.sum((gains > 0) & (summary.allocation_p[prot][:, i] < 0.05))),
                         "mean rank (of 19)": summary.rank[prot][:, i].mean()})
    for prot in alloc.PROTOCOLS:
        nestlab.record(f"allocation_gain_percent.{prot}",
                       {g: round(100 * float(summary.allocation_gain[prot][:, i].mean()), 3) for i, g in enumerate(games)})
        nestlab.record(f"allocation_mean_rank.{prot}", float(summary.rank[prot].mean()))
        nestlab.record(f"allocation_frac_positive.{prot}", float(np.mean(summary.allocation_gain[prot] > 0)))
    return pd.DataFrame(rows).set_index(["game", "protocol"])


ABLATION_COLUMNS = ["setting", "estimator", "r", "low", "high", "excludes_zero", "mean rank top30",
                    "mean rank all", "final policy entropy", "mean |relative gain|"]


class Ablation(NamedTuple):
    """The entropy ablation's per-setting ``rows`` (:func:`~nestlab.influence.population.entropy_ablation`)
    and the ``frame`` with the main learner's rows first."""

    rows: pd.DataFrame
    frame: pd.DataFrame


def entropy_ablation_study(run: TrainingStudy, intervals: Intervals, coefs: Sequence[float], *,
                           n_permutations: int = 200, n_boot: int = 2000,
                           cache: bool = True) -> Ablation:
    """The same seeds with the entropy bonus held at each of ``coefs``, next to the main learner.

    Records ``ablation`` (one record per setting x estimator) and ``ablation_seconds``.
    """
    checks.instance("run", run, TrainingStudy)
    config = run.studies[0].config
    seeds = [s.config.seed for s in run.studies]
    configs = {f"entropy {c:g} (constant)": replace(config, entropy_coef=c, entropy_final=None)
               for c in checks.sequence("coefs", coefs)}
    t0 = time.perf_counter()
    abl, _ = pop.entropy_ablation(configs, seeds, n_permutations=n_permutations, n_boot=n_boot, cache=cache)
    summary = run.summary
    schedule = f"{config.entropy_coef:g}" + ("" if config.entropy_final is None
                                              else f" -> {config.entropy_final:g}")
    main = pd.DataFrame([{"setting": f"entropy {schedule} (main)",
                          "estimator": n, **c._asdict(),
                          "mean rank top30": float(summary.rank["top30"].mean()),
                          "mean rank all": float(summary.rank["all"].mean()),
                          "final policy entropy": float(np.mean([s.final_entropy for s in run.studies])),
                          "mean |relative gain|": float(np.mean(np.abs(summary.gain_rel)))}
                         for n, c in intervals.intervals.items()])
    frame = pd.concat([main, abl], ignore_index=True)[ABLATION_COLUMNS]
    nestlab.record("ablation", frame.to_dict(orient="records"))
    nestlab.record("ablation_seconds", time.perf_counter() - t0)
    return Ablation(abl, frame)


def scenario_explorer(studies: Sequence, *, seed: int = 0, n_permutations: int = 100,
                      game: str = "stag_hunt"):
    """``explore(game, meet_prob, replicate)``: the ego's returns against each Bob checkpoint of
    one scenario (box plot) and every estimator of its LoI; ``game`` is the one shown first."""
    studies = checks.sequence("studies", studies, min_len=1)
    config = studies[0].config
    first = checks.choice("game", game, config.games)

    def explore(game: str = first, meet_prob: float = config.meet_probs[0],
                replicate: int = 0) -> None:
        st = studies[min(replicate, len(studies) - 1)]
        c = config.games.index(game) * len(config.meet_probs) + config.meet_probs.index(meet_prob)
        est = loi_all(st.blocks[c], n_permutations=n_permutations, seed=seed)
        bobs = st.config.generations(pop.PAPER_BOB_GENERATIONS)
        plot_block_returns(st.blocks[c], bobs, title=f"{GAME_TITLES[game]}, meeting probability {meet_prob}")
        plt.show()  # the figure above the printed estimates, as in a notebook cell
        print(", ".join(f"{k}: {v.value:.3f}" for k, v in est.items()),
              f"(null p = {est['null_corrected'].p_value:.3f})")

    return explore
