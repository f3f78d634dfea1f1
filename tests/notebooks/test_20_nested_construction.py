"""20_nested_construction runs headless (smoke profile) and records meaningful headline numbers."""

import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


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


@pytest.fixture(scope="module")
def claims(run_smoke):
    run = run_smoke("20_nested_construction")
    return {c["claim"]: c for c in run.claims}


def test_claims_are_judged_from_the_recorded_numbers(claims, results):
    assert len(claims) == 5
    gap = claims["IS within 2 accuracy points of EI at <= 20 % of the hypothesis space"]
    g, se = results["accuracy_gap_pp"], results["accuracy_gap_se_pp"]
    assert gap["nestlab"] == pytest.approx(g, abs=0.01)
    assert gap["verdict"] == ("held" if g <= 2 else "partly" if g <= 2 + 2 * se else "not held")
    speed = claims["IS at least 5x faster per step than EI"]
    s = results["speedup_per_step"]
    assert speed["nestlab"] == pytest.approx(s, abs=1e-3)
    assert speed["verdict"] == ("held" if s >= 5 else "partly" if s >= 1 else "not held")
    nets = claims["IS beats the recognition networks alone"]
    wins = [results["is_accuracy_20pct"] > results[k] for k in ("nn_accuracy", "tomnet_accuracy")]
    assert nets["verdict"] == ("held" if all(wins) else "partly" if any(wins) else "not held")
    uni = claims["learned proposals beat uniform-proposal IS at the same K"]
    assert uni["nestlab"] == pytest.approx(
        100 * (results["is_accuracy_20pct"] - results["uniform_is_accuracy_20pct"]), abs=0.01)
    ess = claims["the ESS of the particles is an online uncertainty signal"]
    rho = results["ess_error_spearman"]
    assert ess["nestlab"] == pytest.approx(rho, abs=1e-3)
    assert ess["verdict"] == ("held" if rho >= 0.2 else "partly" if rho >= 0.1 else "not held")
    assert {c["section"] for c in claims.values()} == {"Paper-vs-nestlab"}


@pytest.mark.browser
def test_20_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "20_nested_construction")
