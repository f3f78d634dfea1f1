import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def run(run_smoke):
    run = run_smoke("32_gr2_games")
    assert run.status == "ok", run.error
    return run


def test_32_gr2_games_smoke(run):
    r = run.results
    games = r["games"]
    assert games == ["stag_hunt", "rotational", "max_of_two_quadratics"]
    for m in r["methods"]:
        for g in games:
            assert 0.0 <= r["success_rate"][m][g] <= 1.0
        # distances are bounded by the geometry of each game
        assert 0.0 <= r["final_distance"][m]["stag_hunt"] <= 2 ** 0.5 + 1e-9
        assert 0.0 <= r["final_distance"][m]["rotational"] <= 0.5 * 2 ** 0.5 + 1e-9
        assert 0.0 <= r["final_distance"][m]["max_of_two_quadratics"] <= 15 * 2 ** 0.5
        assert 0.0 <= r["local_optimum_rate"][m] <= 1.0
    # the opponent-model diagnostic: probabilities for both probed methods and both games
    for g in ("rotational", "stag_hunt"):
        for m in ("GR2-L2", "GR2-L2+opp"):
            p = r["opponent_predictions"][g][m]
            assert len(p["row_predicts_beta"]) == 5
            assert all(0.0 <= v <= 1.0 for v in p["row_predicts_beta"] + p["col_predicts_alpha"])


def _verdict(*conditions):
    return "held" if all(conditions) else "partly" if any(conditions) else "not held"


def test_32_claims_follow_the_recorded_rates(run):
    r, claims = run.results, {c["claim"]: c for c in run.claims}
    assert len(run.claims) == 5
    gr2 = [m for m in r["methods"] if m.startswith("GR2")]
    base = [m for m in r["methods"] if not m.startswith("GR2")]
    ok = r["success_rate"]
    stag = claims["stag hunt: GR2 reaches (stag, stag), more often than the baselines"]
    best_gr2, best_base = max(ok[m]["stag_hunt"] for m in gr2), max(ok[m]["stag_hunt"] for m in base)
    assert stag["nestlab"] == pytest.approx(best_gr2)
    assert stag["verdict"] == _verdict(best_gr2 >= 0.5, best_gr2 > best_base)
    rot = claims["rotational: GR2 converges to the mixed equilibrium (0.5, 0.5)"]
    closest = min(r["final_distance"][m]["rotational"] for m in gr2)
    assert rot["nestlab"] == pytest.approx(closest)
    assert rot["verdict"] == ("held" if closest <= 0.1 else "not held")
    every = claims["rotational: every GR2 variant converges to (0.5, 0.5)"]
    within = [r["final_distance"][m]["rotational"] < 0.1 for m in gr2]
    assert every["nestlab"] == f"{sum(within)} of {len(gr2)} within 0.1"
    assert every["verdict"] == _verdict(*within)
    named = max(ok[m]["max_of_two_quadratics"] for m in gr2 if m.startswith(("GR2-L3", "GR2-M")))
    quad = claims["max of two quadratics: GR2-L3 / GR2-M find the global optimum (5, 5)"]
    assert quad["nestlab"] == pytest.approx(named)
    assert quad["verdict"] == _verdict(named >= 0.5,
                                       named > max(ok[m]["max_of_two_quadratics"] for m in base))
    local = claims["max of two quadratics: the baselines fall into the local optimum (-5, -5)"]
    mean_local = sum(r["local_optimum_rate"][m] for m in base) / len(base)
    assert local["nestlab"] == pytest.approx(mean_local)
    assert local["verdict"] == ("held" if mean_local >= 0.5 else "not held")


@pytest.mark.browser
def test_32_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "32_gr2_games")
