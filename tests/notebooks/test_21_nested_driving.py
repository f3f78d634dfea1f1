"""21_nested_driving runs headless (smoke profile) and records meaningful headline numbers."""

import pytest

from tests.browser.pages import check_report

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


@pytest.fixture(scope="module")
def claims(run_smoke):
    run = run_smoke("21_nested_driving")
    return {c["claim"]: c for c in run.claims}


def test_claims_are_judged_from_the_recorded_numbers(claims, results):
    assert len(claims) == 6
    k = claims["IS within 2 points of EI with about 6-9 of 72 particles"]
    assert k["nestlab"] == results["min_k_within_2pp"]
    assert k["verdict"] == ("held" if results["min_k_within_2pp"] <= 9 else "not held")
    speed = claims["IS at least 5x faster per step than EI at that K"]
    s = results["speedup_per_step"]
    assert speed["verdict"] == ("held" if s >= 5 else "partly" if s >= 1 else "not held")
    ks = results["k_small"]
    rest = claims[f"IS (K = {ks}) beats uniform IS and the networks alone"]
    is_acc = results["is_accuracy_k_small"]
    wins = [is_acc > results["uniform_is_accuracy_by_k"][str(ks)], is_acc > results["nn_accuracy"],
            is_acc > results["tomnet_accuracy"]]
    assert rest["nestlab"] == pytest.approx(is_acc, abs=1e-4)
    assert rest["verdict"] == ("held" if all(wins) else "partly" if any(wins) else "not held")
    for tag, what in (("four_cars", "a 4-car world (networks trained on 3)"),
                      ("inattentive", "an inattentive driver")):
        c = claims[f"the proposals generalise to {what}"]
        gap = 100 * (results[f"{tag}_ei_accuracy"] - results[f"{tag}_is_accuracy"])
        assert c["nestlab"] == pytest.approx(gap, abs=0.01)
        assert c["verdict"] == ("held" if gap <= 2 else "not held")
    rho = results["ess_error_spearman"]
    ess = claims["the ESS of the particles is an online uncertainty signal"]
    assert ess["verdict"] == ("held" if rho >= 0.2 else "partly" if rho >= 0.1 else "not held")


@pytest.mark.browser
def test_21_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "21_nested_driving")
