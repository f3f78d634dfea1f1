"""41_loi_training runs the small training study with the smoke profile."""

import math

import pytest


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
