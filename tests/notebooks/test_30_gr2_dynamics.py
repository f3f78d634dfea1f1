import pytest

from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks

GAMES = ("rotational", "matching_pennies")


def test_30_gr2_dynamics_smoke(run_smoke):
    run = run_smoke("30_gr2_dynamics")
    assert run.status == "ok", run.error
    r = run.results
    for g in GAMES:
        assert r[f"{g}.iga_max_abs_dFdt"] < 1e-9          # IGA conserves F
        assert r[f"{g}.iga_F_rel_change"] < 1e-4
        assert r[f"{g}.level1_max_dFdt"] < 0              # level 1 strictly decreases F
        assert r[f"{g}.level1_theory_error"] < 1e-9       # matches 2 zeta u_r u_c F
        d = r[f"{g}.final_distance"]
        assert d["0"] > 0.1                               # IGA keeps orbiting
        assert max(d[k] for k in ("1", "2", "3")) < 0.05  # levels 1-3 spiral in
    assert r["prisoners_dilemma.proposition_holds"] is True


def test_30_claims_follow_the_recorded_numbers(run_smoke):
    run = run_smoke("30_gr2_dynamics")
    r, claims = run.results, {c["claim"]: c for c in run.claims}
    # per game: IGA, the closed form, levels 1-3; the Proposition for two games
    assert len(run.claims) == len(claims) == 2 * 5 + 2
    for g in GAMES:
        iga = claims[f"{g}: IGA conserves F and cycles"]
        assert iga["nestlab"] == pytest.approx(r[f"{g}.iga_F_rel_change"])
        assert iga["verdict"] == ("held" if r[f"{g}.iga_F_rel_change"] <= 1e-3 else "not held")
        assert claims[f"{g}: level-1 dF/dt = 2ζ u_r u_c F < 0"]["nestlab"] == pytest.approx(
            r[f"{g}.level1_theory_error"])
        for k in ("1", "2", "3"):
            c = claims[f"{g}: level-{k} play spirals into (0.5, 0.5)"]
            assert c["nestlab"] == pytest.approx(r[f"{g}.final_distance"][k])
    for g in ("stag_hunt", "prisoners_dilemma"):
        c = claims[f"{g}: once a level plays a pure equilibrium, every higher level does"]
        assert c["nestlab"] == "4 of 4 starts"
        assert c["verdict"] == ("held" if r[f"{g}.proposition_holds"] else "partly")
    # at smoke size (1000 steps, t = 10) the theorem still holds everywhere
    assert {c["verdict"] for c in run.claims} == {"held"}
    assert all(c["section"] == "Paper-vs-nestlab" for c in run.claims)


@pytest.mark.browser
def test_30_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "30_gr2_dynamics")
