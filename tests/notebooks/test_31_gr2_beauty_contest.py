import pytest

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
