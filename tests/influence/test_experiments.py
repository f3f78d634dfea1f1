"""nestlab.influence.experiments: each notebook section records its numbers and returns its table."""

import numpy as np
import pytest

from nestlab.influence import experiments as ex
from nestlab.influence import population as pop
from nestlab.influence import reanalysis as ra
from nestlab.influence.data import GAMES, MAPS
from tests.influence.spec_values import SPEC_LOI_ARXIV

TINY = dict(games=("chicken", "stag_hunt"), meet_probs=(1.0, 0.6, 0.1), n_rounds=6, n_generations=4,
            iters_per_generation=2, batch_episodes=4, n_sp_seeds=2, loi_episodes=6)


def _records(capsys) -> dict:
    """Records printed in plain Python (``name = value``), in order; later ones win."""
    out = {}
    for line in capsys.readouterr().out.splitlines():
        if " = " in line and not line.startswith("claim: "):
            name, value = line.split(" = ", 1)
            out[name] = value
    return out


def test_short_labels():
    assert ex.allocation_short_labels([("SP", "PP3", "PP5", "PP3")]) == ["S353"]
    assert ex.permutation_labels([(1, 0, 2, 3), (0, 1, 2, 3)]) == ["MSLO", "SMLO"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("NESTLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
    cfg = pop.StudyConfig(**TINY)
    yield ex.training_study(cfg, [0, 1], n_permutations=10)
    mp.undo()


def test_training_study_sections_record_what_they_show(run, capsys):
    summary = run.summary
    assert len(run.studies) == 2 and run.train_seconds >= 0
    t = ex.loi_by_strength(run)
    rec = _records(capsys)
    assert t.shape == (2, 4 * 3) and t.loc["Chicken", ("paper", "p=1.0")] == summary.loi["paper"][0, 0]
    assert rec["loi_strong_gt_weak.paper"] == str(int(np.sum(summary.loi["paper"][:, 0] > summary.loi["paper"][:, -1])))
    w = ex.weak_interaction(run)
    assert list(w.index) == ["Chicken", "Stag hunt"] and w["p"].between(0, 1).all()
    gc = ex.gain_correlation(run)
    rec = _records(capsys)
    assert rec["loi_gain_r"] == repr(summary.correlation["paper"][0])
    assert gc.gain.shape == (2, 3) and "pooled r (relative gain)" in gc.correlation.columns
    ci = ex.correlation_intervals(run, n_boot=30, seed=0)
    assert ci.best in ci.intervals and list(ci.frame.index) == list(ci.intervals)
    a = ex.allocation_summary(run)
    assert list(a.index.get_level_values("protocol")) == ["top30", "all"] * 2
    abl = ex.entropy_ablation_study(run, ci, [0.0], n_permutations=10, n_boot=30)
    assert list(abl.frame.columns) == ex.ABLATION_COLUMNS
    assert abl.frame.setting.iloc[0].endswith("(main)") and len(abl.frame) == 2 * len(ci.intervals)
    explore = ex.scenario_explorer(run.studies, game="stag_hunt", n_permutations=10)
    explore(game="stag_hunt", meet_prob=0.1, replicate=5)  # a replicate past the end: the last
    assert "null p = " in capsys.readouterr().out
    with pytest.raises(ValueError, match="game"):
        ex.scenario_explorer(run.studies, game="go")


def test_payoff_table():
    t = ex.payoff_table(["stag_hunt"])
    assert t.loc["row payoff", "Stag hunt"] == "[[4.0, 0.0], [2.0, 2.0]]"


@pytest.fixture(scope="module")
def root(shared_data):
    return shared_data / "loi"


@pytest.mark.data
def test_reanalysis_sections_reproduce_the_spec(root, capsys):
    rep = ex.loi_reproduction(root=root)
    rec = _records(capsys)
    assert rep.n_match == 16 and rec["loi.arxiv.n_match_3dp"] == "16"
    assert rec["loi.arxiv.chicken.S"] == repr(round(float(rep.table.values[0, 0]), 6))
    assert rep.frame.loc["Chicken", ("paper", "S")] == SPEC_LOI_ARXIV["chicken"][0]
    samples = ra.all_samples(root=root)
    study = ex.allocation_reproduction(rep.table, samples)
    assert [r.game for r in study.rows] == list(GAMES) and len(study.frame) == 4
    corr = ex.correlations(rep.table, samples)
    assert round(corr.by_game["prisoners_dilemma"][0], 2) == 0.94
    assert list(corr.tournament.index) == list(MAPS)
    by_est = ex.allocation_by_estimator({"paper": rep.table.values, "null_corrected": rep.table.values - 1.0},
                                        samples)
    assert by_est.n_same == 4  # a common shift does not change the mean ± sd rule
    prot = ex.protocol_dependence(study.rows, samples)
    assert (prot["rank top-30 (of 12)"] <= prot["rank top-30 (of 19)"]).all()
    null, observed = ex.scenario_null("chicken", "S", n_permutations=20, root=root)
    assert null.shape == (20,) and observed > null.mean()
