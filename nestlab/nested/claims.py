"""The nested-reasoning claims of notebooks 20 and 21 (Jha et al. 2024, Sec. 5; spec
``nested-reasoning.md`` Sec. 4): headline numbers and scoreboard.

The ``record_*`` functions record a study's headline numbers in the running notebook
(``nestlab.record``) and the ``claim_*`` functions state its scoreboard rows (``nestlab.claim``),
every verdict computed from the numbers by ``nestlab.judge`` / ``nestlab.judge_all``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

import nestlab
from nestlab import checks
from nestlab.nested.driving import N_HYP

__all__ = ["claim_construction", "claim_driving", "proposal_table", "record_construction",
           "record_driving", "record_joint"]

#: the Construction headline numbers recorded under another name
_CONSTRUCTION_HEAD = {"ei_accuracy": "ei_accuracy", "is_accuracy": "is_accuracy_20pct",
                      "is_k": "is_k_20pct", "is_fraction": "is_fraction",
                      "accuracy_gap_pp": "accuracy_gap_pp",
                      "accuracy_gap_se_pp": "accuracy_gap_se_pp",
                      "speedup_per_step": "speedup_per_step",
                      "evaluation_ratio": "evaluation_ratio", "ei_ms_per_step": "ei_ms_per_step",
                      "is_ms_per_step": "is_ms_per_step"}
_DRIVING_HEAD = ("min_k_within_2pp", "ei_accuracy", "accuracy_gap_pp", "accuracy_gap_se_pp",
                 "speedup_per_step", "ei_ms_per_step", "is_ms_per_step", "evaluation_ratio",
                 "rollout_ratio", "ei_signal_accuracy", "is_signal_accuracy")
_JOINT = ("is_accuracy", "accuracy_gap_pp", "accuracy_gap_se_pp", "is_ms_per_step")
_GENERAL = {"4 cars": "four_cars", "inattentive": "inattentive"}


def _by_goals(scaling: pd.DataFrame, method: str, column: str) -> dict:
    s = scaling[scaling.method == method]
    return dict(zip(s.n_goals.astype(str), s[column], strict=True))


def record_construction(head: Mapping, summary: pd.DataFrame, scaling: pd.DataFrame, *,
                        n_hyp: int) -> None:
    """Record notebook 20's headline numbers: ``head`` (:func:`~.experiments.headline`), the
    other methods' accuracies at its K (``summary``: :func:`~.experiments.summary`), the mean
    ESS there, the time scaling by |G| and whether the paper's target (within 2 points, >= 5x)
    is met."""
    checks.mapping("head", head, required=_CONSTRUCTION_HEAD)
    checks.frame("summary", summary, ("method", "k", "acc", "kl", "ess", "steps"))
    checks.frame("scaling", scaling, ("method", "n_goals", "ms_per_step", "evals_per_step"))
    checks.integer("n_hyp", n_hyp, min=2)
    acc = summary.set_index(["method", "k"]).acc
    for key, name in _CONSTRUCTION_HEAD.items():
        nestlab.record(name, head[key])
    k = head["is_k"]
    nestlab.record("topk_accuracy_20pct", float(acc.loc[("topk", k)]))
    nestlab.record("uniform_is_accuracy_20pct", float(acc.loc[("uniform_is", k)]))
    for m in ("nn", "tomnet", "uniform"):
        nestlab.record(f"{m}_accuracy", float(acc.loc[(m, 0)]))
    is_ = summary[summary.method == "is"]
    nestlab.record("is_full_space_kl", float(is_[is_.k == n_hyp].kl.iloc[0]))
    nestlab.record("ess_mean_at_k", float(is_[is_.k == k].ess.iloc[0]))
    for m in ("ei", "is"):
        nestlab.record(f"{m}_ms_per_step_by_goals", _by_goals(scaling, m, "ms_per_step"))
    for m in ("ei", "is"):
        nestlab.record(f"{m}_terms_per_step_by_goals", _by_goals(scaling, m, "evals_per_step"))
    nestlab.record("n_test_steps", int(summary[summary.method == "ei"].steps.iloc[0]))
    nestlab.record("target_met", bool(head["accuracy_gap_pp"] <= 2
                                      and head["speedup_per_step"] >= 5))


def record_joint(head_joint: Mapping) -> None:
    """Record the joint-proposal run's headline (notebook 20, section 5) as ``joint_*``."""
    checks.mapping("head_joint", head_joint, required=_JOINT)
    nestlab.record("joint_is_accuracy_20pct", head_joint["is_accuracy"])
    for key in _JOINT[1:]:
        nestlab.record(f"joint_{key}", head_joint[key])


def proposal_table(head: Mapping, head_joint: Mapping) -> pd.DataFrame:
    """The paired (default) and joint level-2 proposals side by side: accuracy, gap, its SE and
    ms per step."""
    checks.mapping("head", head, required=_JOINT)
    checks.mapping("head_joint", head_joint, required=_JOINT)
    return pd.DataFrame({"paired (default)": {k: head[k] for k in _JOINT},
                         "joint": {k: head_joint[k] for k in _JOINT}})


def claim_construction(head: Mapping, summary: pd.DataFrame, uncertainty: Mapping, *,
                       n_hyp: int, k: int) -> None:
    """Notebook 20's scoreboard: IS within 2 points of EI at <= 20 % of the space, >= 5x faster
    per step, above the networks alone and above uniform-proposal IS, and the ESS as an
    uncertainty signal (Spearman over the steps at ``k`` particles)."""
    checks.mapping("head", head, required=_CONSTRUCTION_HEAD)
    checks.frame("summary", summary, ("method", "k", "acc"))
    checks.mapping("uncertainty", uncertainty, required=("spearman",))
    checks.integer("n_hyp", n_hyp, min=2)
    checks.integer("k", k, min=1)
    acc = summary.set_index(["method", "k"]).acc
    nn, tomnet, uni = (float(acc.loc[m]) for m in [("nn", 0), ("tomnet", 0),
                                                   ("uniform_is", head["is_k"])])
    gap, se = head["accuracy_gap_pp"], head["accuracy_gap_se_pp"]
    ours = head["is_accuracy"]
    nestlab.claim("IS within 2 accuracy points of EI at <= 20 % of the hypothesis space",
                  paper="within 2 points", nestlab=round(gap, 2),
                  verdict=nestlab.judge(gap, at_most=2.0, partly_at_most=2.0 + 2 * se),
                  note=f"EI − IS in points at K = {head['is_k']} of {n_hyp} "
                       f"({head['is_fraction']:.0%}), ± {se:.1f} SE over episodes")
    _claim_speedup(head, "IS at least 5x faster per step than EI",
                   f"likelihood terms per step EI / IS {head['evaluation_ratio']:.1f}x")
    nestlab.claim("IS beats the recognition networks alone",
                  paper="IS above the KL-trained and ToMnet-style networks",
                  nestlab=round(100 * (ours - max(nn, tomnet)), 2),
                  verdict=nestlab.judge_all([ours > nn, ours > tomnet]),
                  note=f"points above the better network; IS {ours:.3f}, KL-trained {nn:.3f}, "
                       f"ToMnet-style {tomnet:.3f}")
    nestlab.claim("learned proposals beat uniform-proposal IS at the same K",
                  paper="the networks make few particles enough",
                  nestlab=round(100 * (ours - uni), 2), verdict=nestlab.judge_all([ours > uni]),
                  note=f"points; IS {ours:.3f}, uniform IS {uni:.3f} at K = {head['is_k']}")
    _claim_ess(uncertainty, k)


def _claim_speedup(head: Mapping, claim: str, counts: str) -> None:
    """The paper's ">= 5x faster per step" claim, both domains (wall time, measured in the run)."""
    nestlab.claim(claim, paper=">= 5x", nestlab=round(head["speedup_per_step"], 3),
                  verdict=nestlab.judge(head["speedup_per_step"], at_least=5.0,
                                        partly_at_least=1.0),
                  note=f"EI {head['ei_ms_per_step']:.2f} vs IS {head['is_ms_per_step']:.2f} ms "
                       f"per step (shared CPUs); {counts}")


def _claim_ess(uncertainty: Mapping, k: int) -> None:
    nestlab.claim("the ESS of the particles is an online uncertainty signal",
                  paper="ESS signals uncertainty", nestlab=round(uncertainty["spearman"], 3),
                  verdict=nestlab.judge(uncertainty["spearman"], at_least=0.2,
                                        partly_at_least=0.1),
                  note=f"Spearman(ESS, error) over the steps at K = {k}")


def _by_k(acc: pd.DataFrame, method: str, column: str, ks: Sequence[int]) -> dict:
    return {str(k): float(acc.loc[(method, k), column]) for k in ks}


def record_driving(head: Mapping, table: pd.DataFrame, general: pd.DataFrame,
                   scaling: pd.DataFrame, *, ks: Sequence[int], k_small: int) -> None:
    """Record notebook 21's headline numbers: ``head`` (:func:`~.driving_experiments.headline`),
    accuracies and times by K (``table``: :func:`~.driving_experiments.accuracy_table`), the
    numbers at the paper's budget ``k_small``, the time scaling by hypothesis count, both
    generalisation tests (``general``) and whether the target (<= 9 of 72 within 2 points,
    >= 5x) is met."""
    checks.mapping("head", head, required=(*_DRIVING_HEAD, "is_accuracy"))
    checks.frame("table", table, ("method", "k", "acc", "goal_acc", "kl", "ess", "ms_per_step",
                                  "steps"))
    checks.frame("general", general, ("test", "method", "acc"))
    checks.frame("scaling", scaling, ("method", "n_hyp", "ms_per_step"))
    checks.integer("k_small", k_small, min=1, max=N_HYP)
    acc = table.set_index(["method", "k"])
    g = general.set_index(["test", "method"])
    for key in _DRIVING_HEAD:
        nestlab.record(key, head[key])
    nestlab.record("is_accuracy_at_min_k", head["is_accuracy"])
    for m in ("is", "topk", "uniform_is"):
        nestlab.record(f"{m}_accuracy_by_k", _by_k(acc, m, "acc", ks))
    nestlab.record("is_ms_per_step_by_k", _by_k(acc, "is", "ms_per_step", ks))
    nestlab.record("k_small", k_small)
    nestlab.record("is_accuracy_k_small", float(acc.loc[("is", k_small), "acc"]))
    nestlab.record("speedup_k_small", float(acc.loc[("ei", N_HYP), "ms_per_step"]
                                            / acc.loc[("is", k_small), "ms_per_step"]))
    nestlab.record("ei_goal_accuracy", float(acc.loc[("ei", N_HYP), "goal_acc"]))
    nestlab.record("is_goal_accuracy_by_k", _by_k(acc, "is", "goal_acc", ks))
    for m in ("nn", "tomnet", "uniform"):
        nestlab.record(f"{m}_accuracy", float(acc.loc[(m, 0), "acc"]))
    nestlab.record("is_full_space_kl", float(acc.loc[("is", N_HYP), "kl"]))
    nestlab.record("ess_mean_k_small", float(acc.loc[("is", k_small), "ess"]))
    for m in ("ei", "is"):
        s = scaling[scaling.method == m]
        nestlab.record(f"{m}_ms_per_step_by_hypotheses",
                       dict(zip(s.n_hyp.astype(str), s.ms_per_step, strict=True)))
    for test, tag in _GENERAL.items():
        for m in ("ei", "is", "uniform_is", "nn", "tomnet"):
            nestlab.record(f"{tag}_{m}_accuracy", float(g.loc[(test, m), "acc"]))
    nestlab.record("n_test_steps", int(acc.loc[("ei", N_HYP), "steps"]))
    nestlab.record("target_met", bool(head["min_k_within_2pp"] is not None
                                      and head["min_k_within_2pp"] <= 9
                                      and head["speedup_per_step"] >= 5))


def claim_driving(head: Mapping, table: pd.DataFrame, general: pd.DataFrame,
                  uncertainty: Mapping, *, k_small: int) -> None:
    """Notebook 21's scoreboard: IS within 2 points of EI with about 6-9 of 72 particles, >= 5x
    faster per step there, IS at ``k_small`` above uniform IS and the networks alone, both
    generalisation tests and the ESS as an uncertainty signal."""
    checks.mapping("head", head, required=_DRIVING_HEAD)
    checks.frame("table", table, ("method", "k", "acc"))
    checks.frame("general", general, ("test", "method", "acc"))
    checks.mapping("uncertainty", uncertainty, required=("spearman",))
    checks.integer("k_small", k_small, min=1, max=N_HYP)
    acc = table.set_index(["method", "k"])
    g = general.set_index(["test", "method"])
    is_k, uni, nn, tomnet = (float(acc.loc[m, "acc"]) for m in [
        ("is", k_small), ("uniform_is", k_small), ("nn", 0), ("tomnet", 0)])
    nestlab.claim("IS within 2 points of EI with about 6-9 of 72 particles",
                  paper="about 6-9 of 72", nestlab=head["min_k_within_2pp"],
                  verdict=nestlab.judge(head["min_k_within_2pp"], at_most=9),
                  note=f"smallest K run with EI − IS <= 2 points (next action); gap there "
                       f"{head['accuracy_gap_pp']:+.1f} ± {head['accuracy_gap_se_pp']:.1f} SE")
    _claim_speedup(head, "IS at least 5x faster per step than EI at that K",
                   f"likelihoods EI / IS {head['evaluation_ratio']:.1f}x, car-0 look-aheads "
                   f"{head['rollout_ratio']:.2f}x")
    nestlab.claim(f"IS (K = {k_small}) beats uniform IS and the networks alone",
                  paper="IS > the rest", nestlab=round(is_k, 4),
                  verdict=nestlab.judge_all([is_k > uni, is_k > nn, is_k > tomnet]),
                  note=f"next-action accuracy; uniform IS {uni:.3f}, KL-trained network "
                       f"{nn:.3f}, ToMnet-style {tomnet:.3f}")
    for test, what in (("4 cars", "a 4-car world (networks trained on 3)"),
                       ("inattentive", "an inattentive driver")):
        ei_g, is_g = float(g.loc[(test, "ei"), "acc"]), float(g.loc[(test, "is"), "acc"])
        gap_g = 100 * (ei_g - is_g)
        nestlab.claim(f"the proposals generalise to {what}", paper="IS generalises",
                      nestlab=round(gap_g, 2), verdict=nestlab.judge(gap_g, at_most=2.0),
                      note=f"EI − IS (K = {k_small}) in points; EI {ei_g:.3f}, IS {is_g:.3f}")
    _claim_ess(uncertainty, k_small)
