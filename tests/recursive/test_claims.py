"""nestlab.recursive.claims: the numbers behind notebooks 30 and 32's claims, against oracles."""

import math

import numpy as np
import pytest

from nestlab.recursive import claims as rc
from nestlab.recursive.games import matrix_game
from tests.refusals import assert_refused


@pytest.mark.parametrize("game", ["rotational", "matching_pennies"])
def test_level1_rate_matches_theorem_1(game):
    # Theorem 1: dF/dt = 2 zeta u_r u_c F at level 1; the numerical rate agrees to round-off
    assert rc.level1_theory_error(game, zeta=0.1, n_check=100, seed=1) < 1e-12


def test_level1_theory_error_at_zero_look_ahead_and_refusals():
    # at zeta = 0 level 1 is IGA (dF/dt = 0) and the closed form 2 zeta u_r u_c F is 0 too
    assert rc.level1_theory_error("rotational", zeta=0.0, n_check=10) == 0.0
    assert_refused(ValueError, lambda: rc.level1_theory_error("chess"), "game", "chess", "rotational")
    assert_refused(ValueError, lambda: rc.level1_theory_error("rotational", n_check=0), "n_check")


def test_proposition_in_the_prisoners_dilemma():
    # defect is dominant: level 1 defects from any start and every higher level repeats it
    check = rc.proposition_check("prisoners_dilemma", depth=5)
    eq = matrix_game("prisoners_dilemma").pure_equilibria()
    assert len(eq) == 1
    for start, chain in check.chains.items():
        assert len(chain) == 6 and chain[0] == start
        assert all(p == eq[0] for p in chain[1:])
        assert check.first_nash[start] in (0, 1) and check.holds[start]
    assert check.reached == 4


def test_proposition_in_the_stag_hunt_miscoordinated_start_never_reaches_an_equilibrium():
    check = rc.proposition_check("stag_hunt", depth=6)
    eqs = set(matrix_game("stag_hunt").pure_equilibria())
    for start in [(0, 0), (1, 1)]:
        assert start in eqs and check.first_nash[start] == 0 and check.holds[start]
    for start in [(0, 1), (1, 0)]:  # best responses swap the off-diagonal profiles forever
        assert check.first_nash[start] is None and check.holds[start]  # vacuously
        assert set(check.chains[start]) == {(0, 1), (1, 0)}
    assert check.reached == 2


def _summary():
    return {
        "GR2-L2": {"stag_hunt": {"success": 1.0}, "rotational": {"final_distance": 0.6},
                   "max_of_two_quadratics": {"success": 0.25, "local": 0.25}},
        "GR2-L3": {"stag_hunt": {"success": 0.5}, "rotational": {"final_distance": 0.05},
                   "max_of_two_quadratics": {"success": 0.0, "local": 0.5}},
        "DDPG": {"stag_hunt": {"success": 0.125}, "rotational": {"final_distance": 0.4},
                 "max_of_two_quadratics": {"success": 0.125, "local": 0.75}},
        "MADDPG": {"stag_hunt": {"success": 0.5}, "rotational": {"final_distance": 0.3},
                   "max_of_two_quadratics": {"success": 0.375, "local": 0.25}},
    }


def test_games_claims_picks_the_best_of_each_side():
    out = rc.games_claims(_summary())
    assert out["stag_hunt"]["gr2"] == rc.Best("GR2-L2", 1.0)
    assert out["stag_hunt"]["baseline"] == rc.Best("MADDPG", 0.5)
    rot = out["rotational"]
    assert rot["gr2"] == rc.Best("GR2-L3", 0.05) and rot["baseline"] == rc.Best("MADDPG", 0.3)
    assert rot["within"] == {"GR2-L2": False, "GR2-L3": True}
    q = out["max_of_two_quadratics"]
    assert q["gr2"] == rc.Best("GR2-L2", 0.25) and q["named"] == rc.Best("GR2-L3", 0.0)
    assert q["baseline"] == rc.Best("MADDPG", 0.375)
    assert q["baseline_local"] == pytest.approx(0.5)


def test_games_claims_only_for_games_present_and_refusals():
    only = {m: {"stag_hunt": v["stag_hunt"]} for m, v in _summary().items()}
    assert set(rc.games_claims(only)) == {"stag_hunt"}
    assert_refused(ValueError, lambda: rc.games_claims({"GR2-L2": _summary()["GR2-L2"]}),
                   "summary", "baseline")
    assert_refused(ValueError, lambda: rc.games_claims(_summary(), ne_threshold=0), "ne_threshold")
    best = rc.best_method(_summary(), ["GR2-L9"], "stag_hunt", "success")
    assert best.method is None and math.isnan(best.value)
    assert np.isfinite(rc.best_method(_summary(), ["DDPG"], "stag_hunt", "success").value)


def test_beauty_claims_logic():
    def entry(final, fluct, settle):
        return {"final_mean": final, "final_std": 0.0, "fluctuation": fluct, "success": float(final < 5),
                "settle_iters": settle}

    summary = {f"GR2-L{k}": {"p=0.7/abs": entry(1, 0.1, 30), "p=0.7/square": entry(1, 0.1, 10)} for k in (1, 2, 3)}
    summary["GR2-L4"] = {"p=0.7/abs": entry(3, 1.0, 30), "p=0.7/square": entry(3, 1.0, 20)}
    summary["GR2-M3(0.5)"] = {"p=0.7/abs": entry(9, 0, 1), "p=0.7/square": entry(9, 0, 1)}
    summary["GR2-M3(1.5)"] = {"p=0.7/abs": entry(2, 0, 1), "p=0.7/square": entry(2, 0, 1)}
    c = rc.beauty_claims(summary, lam_methods={0.5: "GR2-M3(0.5)", 1.5: "GR2-M3(1.5)"})
    assert all(v["held"] for v in c.values()) and len(c) == 4
    summary["GR2-L2"]["p=0.7/abs"] = entry(20, 0.1, float("nan"))
    c = rc.beauty_claims(summary, lam_methods={0.5: "GR2-M3(0.5)", 1.5: "GR2-M3(1.5)"})
    assert not c["L1-L3 converge"]["held"]


def test_beauty_claims_return_the_numbers_behind_each_claim():
    def entry(final, fluct, settle):
        return {"final_mean": final, "final_std": 0.0, "fluctuation": fluct, "success": float(final < 5),
                "settle_iters": settle}

    summary = {"GR2-L1": {"p=0.7/abs": entry(12, 0.2, float("nan")), "p=0.7/square": entry(1, 0.2, 10)},
               "GR2-L2": {"p=0.7/abs": entry(2, 0.2, 40), "p=0.7/square": entry(1, 0.2, 20)},
               "GR2-L4": {"p=0.7/abs": entry(3, 0.8, 30), "p=0.7/square": entry(3, 0.8, 20)},
               "GR2-M3(0.5)": {"p=0.7/abs": entry(4, 0, 1), "p=0.7/square": entry(6, 0, 1)},
               "GR2-M3(1.5)": {"p=0.7/abs": entry(6, 0, 1), "p=0.7/square": entry(7, 0, 1)}}
    c = rc.beauty_claims(summary, levels=("GR2-L1", "GR2-L2"), lam_methods={0.5: "GR2-M3(0.5)", 1.5: "GR2-M3(1.5)"})
    cv = c["L1-L3 converge"]
    assert cv["worst"] == {"GR2-L1": 12, "GR2-L2": 2} and (cv["n_converged"], cv["n_total"]) == (3, 4)
    assert c["L4 noisier"]["ratio"] == pytest.approx(4.0)
    # square settles at (10 + 20) / 2 = 15, abs at 40 (the unsettled L1 run is left out)
    assert (c["square faster than abs"]["square"], c["square faster than abs"]["abs"]) == (15, 40)
    assert c["square faster than abs"]["ratio"] == pytest.approx(15 / 40)
    lam = c["lambda=1.5 best"]
    assert lam["best"] == 0.5 and lam["margin"] == pytest.approx(6.5 - 5.0) and not lam["held"]


# --- records and scoreboard rows (plain Python prints each as one text line) -------------------

def _lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_record_and_claim_dynamics_follow_the_measured_numbers(capsys):
    from nestlab.recursive import experiments as ex

    res = ex.dynamics_experiment(["rotational"], [0, 1, 2], n_steps=300, n_check=20)
    theory = rc.record_dynamics(res, zeta=0.1, n_check=20, seed=0)
    rec = _lines(capsys)
    assert theory["rotational"] == rc.level1_theory_error("rotational", zeta=0.1, n_check=20, seed=0)
    assert [r.split(" = ")[0] for r in rec] == [
        "rotational.iga_max_abs_dFdt", "rotational.iga_F_rel_change", "rotational.level1_max_dFdt",
        "rotational.level1_theory_error", "rotational.final_distance"]
    assert rec[1] == f"rotational.iga_F_rel_change = {res.summary['rotational'][0]['F_rel_change']!r}"
    props = rc.proposition_checks(["prisoners_dilemma"], depth=4)
    assert props["prisoners_dilemma"].all_hold
    rc.claim_dynamics(res, theory, props, zeta=0.1, dt=0.01, n_steps=300, n_check=20)
    claims = _lines(capsys)
    # IGA, level-1 closed form, levels 1 and 2 converge, the Proposition
    assert len(claims) == 5 and all(c.startswith("claim: ") for c in claims)
    assert claims[0].startswith("claim: rotational: IGA conserves F and cycles") and "| held" in claims[0]
    d2 = res.summary["rotational"][2]["final_distance"]  # t = 3: not yet within 1e-2
    assert ("| held" in claims[3]) == (d2 < 1e-2 and res.summary["rotational"][2]["max_dFdt"] <= 0)
    assert "4 of 4 starts" in claims[4]


def test_claim_games_verdicts_from_the_summary(capsys):
    rc.claim_games(_summary())
    claims = _lines(capsys)
    assert len(claims) == 5
    # stag hunt: best GR2 (GR2-L2, 1.0) >= 0.5 and above the best baseline (0.5): held
    assert claims[0].startswith("claim: stag hunt") and "| held" in claims[0]
    # rotational: closest GR2 0.05 <= 0.1 held; GR2-L2 at 0.6 is not within: partly
    assert "| held" in claims[1] and "1 of 2 within 0.1" in claims[2] and "| partly" in claims[2]
    # quadratics: named GR2-L3 0.0 fails both tests; baselines' local rate (0.75 + 0.25) / 2 = 0.5
    assert "| not held" in claims[3] and "| held" in claims[4] and "DDPG, MADDPG" in claims[4]


def test_record_games_and_beauty_record_the_summary_fields(capsys):
    table = rc.record_games(_summary_with_distances(), methods=["GR2-L2", "DDPG"],
                            games=["stag_hunt", "max_of_two_quadratics"])
    names = [r.split(" = ")[0] for r in _lines(capsys)]
    assert names == ["success_rate", "final_distance", "local_optimum_rate", "methods", "games"]
    assert len(table) == 4 and set(table.columns) >= {"method", "game", "success"}


def _summary_with_distances():
    return {m: {"stag_hunt": {"success": 0.5, "final_distance": 0.1},
                "max_of_two_quadratics": {"success": 0.5, "local": 0.25, "final_distance": 3.0}}
            for m in ("GR2-L2", "DDPG")}
