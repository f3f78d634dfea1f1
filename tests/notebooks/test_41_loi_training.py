"""41_loi_training runs the small training study with the smoke profile."""

import math

import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def run(run_smoke):
    r = run_smoke("41_loi_training")
    assert r.status == "ok", r.error
    return r.results


def test_loi_values_are_in_range_and_track_interaction(run):
    for g, vals in run["loi.paper"].items():
        assert len(vals) == 4 and all(0.0 <= v <= math.log(9) for v in vals), g
    assert run["loi_strong_gt_weak.paper"] >= 3
    assert run["loi_strong_gt_weak.knn"] >= 3


def test_plugin_sits_at_its_null_when_interaction_is_weak(run):
    assert 0.8 < run["weak_plugin_over_null_ratio"] < 1.2
    assert run["weak_plugin_minus_null_max"] < 0.1


def test_correlation_and_allocation_recorded(run):
    assert -1.0 <= run["loi_gain_r"] <= 1.0 and 0.0 <= run["loi_gain_p"] <= 1.0
    assert set(run["loi_gain_r_by_game.paper"]) == {"chicken", "prisoners_dilemma", "stag_hunt",
                                                    "pure_coordination"}
    for prot in ("top30", "all"):
        assert 0.0 <= run[f"allocation_frac_positive.{prot}"] <= 1.0
        assert 1.0 <= run[f"allocation_mean_rank.{prot}"] <= 19.0


def test_correlation_intervals_per_estimator_and_ablation(run):
    ests = {"paper", "miller_madow", "null_corrected", "knn"}
    for e in ests:
        c = run[f"loi_gain_r_ci.{e}"]
        assert -1.0 <= c["low"] <= c["r"] <= c["high"] <= 1.0 or math.isnan(c["r"])
        assert c["excludes_zero"] == (c["low"] > 0 or c["high"] < 0)
    assert run["loi_gain_best_estimator"] in ests
    best = max(ests, key=lambda e: run[f"loi_gain_r_ci.{e}"]["r"])
    assert run["loi_gain_best_estimator"] == best
    settings = {row["setting"] for row in run["ablation"]}
    assert len(settings) == 2 and any("(main)" in s for s in settings)
    main = [r for r in run["ablation"] if "(main)" in r["setting"]]
    off = [r for r in run["ablation"] if "(main)" not in r["setting"]]
    # the entropy bonus keeps the main learner's policies more random than the plain learner's
    assert main[0]["final policy entropy"] > off[0]["final policy entropy"]


def test_claims_follow_the_recorded_numbers(run_smoke):
    r = run_smoke("41_loi_training")
    claims = {c["claim"]: c for c in r.claims}
    assert len(claims) == 7 and all(c["note"] for c in claims.values())
    for e in ("paper", "miller_madow", "null_corrected", "knn"):
        c = r.results[f"loi_gain_r_ci.{e}"]
        flags = [c["low"] > 0, c["r"] >= 0.5]
        want = "held" if all(flags) else "partly" if any(flags) else "not held"
        assert claims[f"LoI predicts the population-play gain ({e} LoI)"]["verdict"] == want
    rank = r.results["allocation_mean_rank.all"]
    want = "held" if rank <= 5 else "partly" if rank <= 9.5 else "not held"
    assert claims["LoI-guided allocation is among the best budget-equal ones"]["verdict"] == want


@pytest.mark.browser
def test_41_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "41_loi_training")
