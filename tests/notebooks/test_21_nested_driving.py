"""21_nested_driving runs headless (smoke profile) and records meaningful headline numbers."""

import pytest

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def results(run_smoke):
    run = run_smoke("21_nested_driving")
    assert run.status == "ok", run.error
    return run.results


def test_headline_numbers_recorded(results):
    for key in ("min_k_within_2pp", "speedup_per_step", "ei_accuracy", "accuracy_gap_pp",
                "four_cars_is_accuracy", "inattentive_is_accuracy", "target_met"):
        assert key in results
    # K = 72 is always run and IS there is EI, so some K qualifies
    assert 1 <= results["min_k_within_2pp"] <= 72
    assert results["accuracy_gap_pp"] <= 2 + 1e-9
    assert results["accuracy_gap_pp"] == pytest.approx(
        100 * (results["ei_accuracy"] - results["is_accuracy_at_min_k"]))
    assert results["speedup_per_step"] > 0
    assert isinstance(results["target_met"], bool)


def test_full_space_importance_sampling_is_exact(results):
    assert results["is_full_space_kl"] < 1e-8
    assert results["is_accuracy_by_k"]["72"] == pytest.approx(results["ei_accuracy"])


def test_accuracies_are_probabilities(results):
    for key in ("ei_accuracy", "ei_signal_accuracy", "nn_accuracy", "tomnet_accuracy",
                "uniform_accuracy", "four_cars_ei_accuracy", "four_cars_is_accuracy",
                "inattentive_ei_accuracy", "inattentive_is_accuracy"):
        assert 0.0 <= results[key] <= 1.0, key
    # EI predicts car 0's next action from its model: well above picking 1 of 5 actions
    assert results["ei_accuracy"] > 0.4


def test_ess_and_costs_in_range(results):
    assert 1.0 <= results["ess_mean_k_small"] <= results["k_small"]
    # IS forms fewer (hypothesis, step) likelihoods per step than enumerating all 72
    assert results["evaluation_ratio"] >= 1.0
    assert set(results["ei_ms_per_step_by_hypotheses"]) == {"3", "9", "24", "72"}
