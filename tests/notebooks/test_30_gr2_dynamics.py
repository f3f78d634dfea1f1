import pytest

pytestmark = pytest.mark.notebooks


def test_30_gr2_dynamics_smoke(run_smoke):
    run = run_smoke("30_gr2_dynamics")
    assert run.status == "ok", run.error
    r = run.results
    for g in ("rotational", "matching_pennies"):
        assert r[f"{g}.iga_max_abs_dFdt"] < 1e-9          # IGA conserves F
        assert r[f"{g}.iga_F_rel_change"] < 1e-4
        assert r[f"{g}.level1_max_dFdt"] < 0              # level 1 strictly decreases F
        assert r[f"{g}.level1_theory_error"] < 1e-9       # matches 2 zeta u_r u_c F
        d = r[f"{g}.final_distance"]
        assert d["0"] > 0.1                               # IGA keeps orbiting
        assert max(d[k] for k in ("1", "2", "3")) < 0.05  # levels 1-3 spiral in
    assert r["prisoners_dilemma.proposition_holds"] is True
    assert r["claims_held"] == r["claims_total"] == 8
