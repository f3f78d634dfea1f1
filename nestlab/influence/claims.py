"""The LoI notebooks' scoreboards (Chen et al., arXiv 2310.07218, Secs. 4-5): ``nestlab.claim`` rows.

Each function states one notebook's claims of the paper against the numbers its studies
(:mod:`nestlab.influence.experiments`) measured; every verdict is computed from those numbers
by ``nestlab.judge`` / ``nestlab.judge_all``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import nestlab
from nestlab import checks
from nestlab.influence import experiments as ex
from nestlab.influence import reanalysis as ra
from nestlab.influence.data import GAME_TITLES, MAPS

__all__ = ["claim_reanalysis", "claim_training"]


def claim_reanalysis(reproduction: ex.Reproduction, rows: Sequence[ra.AllocationRow],
                     corr: ex.Correlations, bias: ex.EstimatorBias,
                     by_estimator: ex.EstimatorAllocations, labels: ex.LabelQuestion,
                     rlc: ex.RLCStudy, *, n_permutations: int) -> None:
    """Notebook 40's scoreboard: a published number counts as reproduced when nestlab's value,
    printed at the paper's precision, is the paper's; the re-analysis rows test whether a claim
    survives a protocol or estimator that does not favour it (p < 0.05 where the paper reports
    significance)."""
    for name, v, t in (("reproduction", reproduction, ex.Reproduction), ("corr", corr, ex.Correlations),
                       ("bias", bias, ex.EstimatorBias), ("labels", labels, ex.LabelQuestion),
                       ("by_estimator", by_estimator, ex.EstimatorAllocations), ("rlc", rlc, ex.RLCStudy)):
        checks.instance(name, v, t)
    P = ra.PAPER
    n_match = reproduction.n_match
    nestlab.claim("the 16 arXiv LoI values (4 games x 4 maps)", paper="16 values, 3 decimals", nestlab=n_match,
                  verdict=nestlab.judge(n_match, at_least=16, partly_at_least=1),
                  note="recomputed from the authors' logs; equal at 3 decimals")
    for r in rows:
        nestlab.claim(f"{GAME_TITLES[r.game]}: LoI-guided allocation beats uniform PP3 (top-30 protocol)",
                      paper=f"+{P['gain_percent'][r.game]:.1f} %, p = {P['p_value'][r.game]:.1e}",
                      nestlab=round(100 * r.top30.gain, 2),
                      verdict=nestlab.judge_all([f"{100 * r.top30.gain:.1f}" == f"{P['gain_percent'][r.game]:.1f}",
                                                 f"{r.top30.p_value:.1e}" == f"{P['p_value'][r.game]:.1e}"]),
                      note=f"gain in % of the SP mean, p = {r.top30.p_value:.1e}; allocation {' '.join(r.evaluated)}")
    for r in rows:
        significant = P["p_value"][r.game] < 0.05
        nestlab.claim(f"{GAME_TITLES[r.game]}: the gain survives using all samples (not each method's 30 best)",
                      paper=f"+{P['gain_percent'][r.game]:.1f} %" + (" (significant)" if significant else " (n.s.)"),
                      nestlab=round(100 * r.all_samples.gain, 2),
                      verdict=nestlab.judge_all([r.all_samples.gain > 0]
                                                + ([r.all_samples.gain > 0 and r.all_samples.p_value < 0.05]
                                                   if significant else [])),
                      note=f"all-samples gain in %, p = {r.all_samples.p_value:.1e}; rank {r.rank_all.rank} of "
                           f"{r.rank_all.n_candidates} allocations")
    r_pd, p_pd = corr.by_game["prisoners_dilemma"]
    nestlab.claim("Prisoner's dilemma: LoI correlates with the population gain",
                  paper=f"r = {P['pd_loi_gain_r']} (p = {P['pd_loi_gain_p']})", nestlab=round(r_pd, 4),
                  verdict=nestlab.judge_all([f"{r_pd:.2f}" == f"{P['pd_loi_gain_r']:.2f}",
                                             f"{p_pd:.2f}" == f"{P['pd_loi_gain_p']:.2f}"]),
                  note=f"p = {p_pd:.3f} over the four maps")
    nestlab.claim("the evaluated allocations are the mean ± sd rule's", paper="the rule's allocation, all 4 games",
                  nestlab=f"{sum(r.rule == r.evaluated for r in rows)} of 4",
                  verdict=nestlab.judge_all([r.rule == r.evaluated for r in rows]),
                  note="Pure coordination: the authors' notebook sets SP on map O by hand; the rule gives SP to L")
    n_sig = int((bias.null_corrected.p_values < 0.05).sum())
    nestlab.claim("the plug-in LoI is above its small-sample null", paper="LoI measures interaction", nestlab=n_sig,
                  verdict=nestlab.judge(n_sig, at_least=16, partly_at_least=1),
                  note=f"scenarios of 16 with p < 0.05 ({n_permutations} label shuffles); the plug-in's null mean "
                       f"alone is {bias.null_mean.min():.2f}–{bias.null_mean.max():.2f} nats")
    n_same = by_estimator.n_same
    nestlab.claim("the LoI allocation survives removing the estimator's bias", paper="(implied: LoI ranks the maps)",
                  nestlab=f"{n_same} of 4 games", verdict=nestlab.judge(n_same, at_least=4, partly_at_least=1),
                  note="allocation from the null-corrected LoI equal to the plug-in's")
    identity = tuple(range(len(MAPS)))
    stored = [c.best == identity for c in labels.checks.values()]
    nestlab.claim("the arXiv LoI files carry the right map labels", paper="(implied by Table 1)",
                  nestlab=f"{sum(stored)} of 4 games", verdict=nestlab.judge_all(stored),
                  note=f"Bob's returns fit independent logs best under the stored labels; an inference from "
                       f"the data (arXiv vs RLC r = {rlc.r_versions:.2f} stored, {labels.r_relabelled:.2f} relabelled)")


def claim_training(run: ex.TrainingStudy, intervals: ex.Intervals, ablation: ex.Ablation) -> None:
    """Notebook 41's scoreboard: LoI rises with interaction strength; LoI predicts the
    population-play gain (per estimator: held = r >= 0.5 and the bootstrap interval above 0,
    partly = one of the two); the LoI-guided allocation beats uniform PP3 and ranks among the
    best budget-equal allocations (each with the ablation's number for the best estimator)."""
    checks.instance("run", run, ex.TrainingStudy)
    checks.instance("intervals", intervals, ex.Intervals)
    checks.instance("ablation", ablation, ex.Ablation)
    summary, games = run.summary, run.studies[0].config.games
    best, abl = intervals.best, ablation.rows
    strong_gt_weak = int(np.sum(summary.loi["paper"][:, 0] > summary.loi["paper"][:, -1]))
    off = abl[abl.estimator == best].iloc[0] if len(abl) else None
    abl_note = (f"; ablation ({off.setting}): r = {off.r:+.2f} [{off.low:+.2f}, {off.high:+.2f}]"
                if off is not None else "")
    nestlab.claim("LoI rises with interaction strength", paper="higher LoI where agents interact more",
                  nestlab=f"{strong_gt_weak}/{len(games)} games",
                  verdict=nestlab.judge(strong_gt_weak, at_least=len(games), partly_at_least=len(games) // 2 + 1),
                  note="plug-in LoI at meeting probability 1.0 above that at 0.1, replicate means")
    for name, c in intervals.intervals.items():
        nestlab.claim(f"LoI predicts the population-play gain ({name} LoI)",
                      paper="r = 0.94 (p = 0.06), Prisoner's dilemma",
                      nestlab=f"r = {c.r:+.2f} [{c.low:+.2f}, {c.high:+.2f}]",
                      verdict=nestlab.judge_all([c.low > 0, c.r >= 0.5]),
                      note=f"pooled over 16 scenarios, {len(run.studies)} replicates, 95 % two-stage bootstrap; "
                           "held = r >= 0.5 and interval above 0, partly = one of the two"
                           + (f"; best estimator: {best}" if name == best else "")
                           + (abl_note if name == best else ""))
    top30 = summary.allocation_gain["top30"]
    nestlab.claim("LoI-guided allocation beats uniform PP3 (top-30)", paper="+1.1 to +4.2 %, 3/4 significant",
                  nestlab=100 * float(top30.mean()),
                  verdict=nestlab.judge(float(np.mean(top30 > 0)), at_least=0.75, partly_at_least=0.5),
                  note=f"mean gain in %; positive in {int(np.sum(top30 > 0))}/{top30.size} game x replicate cases")
    rank_all = float(summary.rank["all"].mean())
    nestlab.claim("LoI-guided allocation is among the best budget-equal ones", paper="implied (not reported)",
                  nestlab=rank_all, verdict=nestlab.judge(rank_all, at_most=5.0, partly_at_most=9.5),
                  note=f"mean rank of 19, all-samples protocol (top-30: {summary.rank['top30'].mean():.1f}); "
                       "10 = a random pick"
                       + (f"; ablation ({off.setting}): {off['mean rank all']:.1f}" if off is not None else ""))
