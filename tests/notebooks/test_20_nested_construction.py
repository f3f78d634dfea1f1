"""20_nested_construction runs headless (smoke profile) and records meaningful headline numbers."""

import pytest


@pytest.fixture(scope="module")
def results(run_smoke):
    run = run_smoke("20_nested_construction")
    assert run.status == "ok", run.error
    return run.results


def test_headline_numbers_recorded(results):
    for key in ("ei_accuracy", "is_accuracy_20pct", "accuracy_gap_pp", "speedup_per_step",
                "is_k_20pct", "target_met"):
        assert key in results
    assert 0.0 <= results["is_accuracy_20pct"] <= 1.0
    assert results["is_fraction"] <= 0.2 + 1e-9
    assert results["accuracy_gap_pp"] == pytest.approx(
        100 * (results["ei_accuracy"] - results["is_accuracy_20pct"]))
    assert results["speedup_per_step"] > 0
    assert results["accuracy_gap_se_pp"] >= 0
    assert isinstance(results["target_met"], bool)


def test_exact_inference_beats_chance(results):
    # EI is Bayes-optimal under the generative model: clearly above the 50 % of guessing
    assert results["ei_accuracy"] > 0.6
    assert results["uniform_accuracy"] == pytest.approx(0.5)


def test_full_space_importance_sampling_is_exact(results):
    assert results["is_full_space_kl"] < 1e-8


def test_ess_and_costs_in_range(results):
    assert 1.0 <= results["ess_mean_at_k"] <= results["is_k_20pct"]
    # IS evaluates fewer (hypothesis, step) likelihoods per step than enumeration
    assert results["evaluation_ratio"] > 1.0
    assert set(results["ei_ms_per_step_by_goals"]) == set(results["is_ms_per_step_by_goals"])


def test_nested_cost_multiplies_for_exact_inference(results):
    # every level-2 hypothesis carries its own level-1 belief: |G| + |G|^2 + 2|G| terms per step
    ei = results["ei_terms_per_step_by_goals"]
    for g, terms in ei.items():
        assert terms == pytest.approx(int(g) * (int(g) + 3))
    # IS forms far fewer terms, and the saving grows with the space
    is_ = results["is_terms_per_step_by_goals"]
    ratios = [ei[g] / is_[g] for g in sorted(ei, key=int)]
    assert ratios[0] > 1.5 and ratios[-1] > ratios[0]
