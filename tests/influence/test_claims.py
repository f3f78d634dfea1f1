"""nestlab.influence.claims: the notebooks' scoreboard rows, verdicts from the measured numbers."""

import numpy as np
import pandas as pd
import pytest

from nestlab.influence import claims as icl
from nestlab.influence import experiments as ex
from nestlab.influence import population as pop
from tests.influence.test_experiments import TINY


def _claims(capsys):
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("claim: ")]


def test_claim_training_verdicts_follow_the_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    run = ex.training_study(pop.StudyConfig(**TINY), [0, 1], n_permutations=10)
    ci = ex.correlation_intervals(run, n_boot=30)
    # an ablation row for the best estimator only, with numbers typed in
    abl = ex.Ablation(pd.DataFrame([{"setting": "entropy 0 (constant)", "estimator": ci.best, "r": 0.1,
                                     "low": -0.5, "high": 0.6, "mean rank all": 7.0}]), pd.DataFrame())
    capsys.readouterr()
    icl.claim_training(run, ci, abl)
    rows = _claims(capsys)
    assert len(rows) == 1 + len(ci.intervals) + 2
    loi = run.summary.loi["paper"]
    n = int(np.sum(loi[:, 0] > loi[:, -1]))
    assert f"| nestlab: {n}/2 games |" in rows[0]
    assert f"| {'held' if n >= 2 else 'not held'} (" in rows[0]  # held: every game, partly: 2 of 2
    best = next(r for r in rows if f"({ci.best} LoI)" in r)
    assert "ablation (entropy 0 (constant)): r = +0.10 [-0.50, +0.60]" in best
    c = ci.intervals[ci.best]
    want = "held" if (c.low > 0 and c.r >= 0.5) else "partly" if (c.low > 0 or c.r >= 0.5) else "not held"
    assert f"| {want}" in best
    rank = float(run.summary.rank["all"].mean())
    assert f"nestlab: {rank}" in rows[-1] or f"nestlab: {rank:g}" in rows[-1]
    with pytest.raises(TypeError, match="intervals"):
        icl.claim_training(run, ci.intervals, abl)
