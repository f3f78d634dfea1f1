import pytest

pytestmark = pytest.mark.notebooks


def test_32_gr2_games_smoke(run_smoke):
    run = run_smoke("32_gr2_games")
    assert run.status == "ok", run.error
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
    assert set(r["claims"]) == {"stag hunt", "rotational", "rotational (every GR2 variant)",
                                "max of two quadratics"}
    assert all(isinstance(v, bool) for v in r["claims"].values())
    # the opponent-model diagnostic: probabilities for both probed methods and both games
    for g in ("rotational", "stag_hunt"):
        for m in ("GR2-L2", "GR2-L2+opp"):
            p = r["opponent_predictions"][g][m]
            assert len(p["row_predicts_beta"]) == 5
            assert all(0.0 <= v <= 1.0 for v in p["row_predicts_beta"] + p["col_predicts_alpha"])
