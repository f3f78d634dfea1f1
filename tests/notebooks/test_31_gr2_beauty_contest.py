import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks

CLAIMS = {"L1-L3 converge", "L4 noisier", "square faster than abs", "lambda=1.5 best"}


def test_31_gr2_beauty_contest_smoke(run_smoke):
    run = run_smoke("31_gr2_beauty_contest")
    assert run.status == "ok", run.error
    r = run.results
    settings = r["settings"]
    assert settings == ["p=0.7/abs", "p=0.7/square", "p=1.1/abs", "p=1.1/square"]
    methods = r["methods"]
    assert {"GR2-L1", "GR2-L4", "GR2-M3(1.5)", "DDPG", "MADDPG", "level-0"} <= set(methods)
    for m in methods:
        for s in settings:
            assert 0.0 <= r["final_distance"][m][s] <= 100.0
            assert 0.0 <= r["success_rate"][m][s] <= 1.0
    # uniform level-0 play averages 50: distance ~50 from either equilibrium (0 or 100)
    for s in settings:
        assert 35.0 < r["final_distance"]["level-0"][s] < 65.0
    assert set(r["claims"]) == CLAIMS and all(isinstance(v, bool) for v in r["claims"].values())
    assert r["best_gr2_method"].startswith("GR2")


def test_31_claims_name_their_ablation_and_follow_the_numbers(run_smoke):
    run = run_smoke("31_gr2_beauty_contest")
    r = run.results
    claims = {c["claim"]: c for c in run.claims}
    assert all(c["verdict"] in ("held", "partly", "not held") for c in claims.values())
    cells = r["ablation_converged"]
    assert "faithful" in cells and len(cells) == 8 and r["best_variant"] in cells
    best = r["best_variant"]
    assert cells[best][0] == max(v[0] for k, v in cells.items() if k != "faithful")
    faithful = claims["GR2-L1..L3 converge to the equilibrium (faithful: uniform level 0)"]
    assert "ablation" in faithful["note"]
    variant = claims[f"GR2-L1..L3 converge, best ablation reading ({best})"]
    worst = r["ablation_worst_final"][best]
    flags = [worst[m] < 5.0 for m in ("GR2-L1", "GR2-L2", "GR2-L3")]
    assert variant["verdict"] == ("held" if all(flags) else "partly" if any(flags) else "not held")
    assert any(k.startswith("square reward converges faster than abs (") and r["best_learner_variant"] in k for k in claims)
    assert set(r["variant_final_distance"]) >= {"GR2-L1", "GR2-L2", "GR2-L3", "GR2-M3(1.5)"}


@pytest.mark.browser
def test_31_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "31_gr2_beauty_contest")
