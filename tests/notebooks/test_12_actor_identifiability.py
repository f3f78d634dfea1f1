"""12_actor_identifiability: the mu0-beta ridge with one noise level; two noise levels bound it."""

import pytest

import nestlab
from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


def test_actor_identifiability_runs(run_smoke):
    run = run_smoke("12_actor_identifiability")
    assert run.status == "ok", run.error
    res = run.results
    assert res["corr_mu0_beta.one_noise"] < -0.8  # the ridge: larger prior median <-> smaller beta
    assert res["corr_mu0_beta.two_noise"] > res["corr_mu0_beta.one_noise"]
    # one noise level: beta's posterior is (nearly) its prior; two noise levels identify it
    assert res["contraction_beta.one_noise"] < 0.3
    assert res["contraction_beta.two_noise"] > res["contraction_beta.one_noise"] + 0.4
    # fixing beta or the two-noise design pins mu0 down better than one noise level alone
    assert res["sd_log_mu0.fixed_beta"] < 0.5 * res["sd_log_mu0.one_noise"]
    assert res["sd_log_mu0.two_noise"] < 0.7 * res["sd_log_mu0.one_noise"]
    assert res["contraction_alpha.two_noise"] > res["contraction_alpha.one_noise"]
    for study in ("effort", "asym"):
        gates = res[f"{study}.converged"]
        assert set(gates) == {"one_noise", "fixed_cost", "two_noise"}
        assert all(isinstance(v, bool) for v in gates.values())


def test_actor_identifiability_claims_follow_the_numbers(run_smoke):
    run = run_smoke("12_actor_identifiability")
    res, claims = run.results, {c["claim"]: c for c in run.claims}
    assert len(claims) == 5
    for name, study in (("beta", "effort"), ("alpha", "asym")):
        c = claims[f"mu0-{name}, one noise level: a strong ridge"]
        if res[f"{study}.converged"]["one_noise"]:
            assert c["nestlab"] == pytest.approx(res[f"corr_mu0_{name}.one_noise"])
            assert c["verdict"] == nestlab.judge(c["nestlab"], at_most=-0.9, partly_at_most=-0.7)
        else:  # an unconverged fit's number is never used
            assert c["nestlab"] is None and c["verdict"] == "not held"
        c = claims[f"mu0-{name}, two noise levels: the ridge is removed"]
        if not res[f"{study}.converged"]["two_noise"]:
            assert c["nestlab"] is None and c["verdict"] == "not held"
        elif res[f"corr_mu0_{name}.two_noise"] <= -0.5:
            assert c["verdict"] != "held"
    c = claims["fixing beta pins mu0 down"]
    gates = res["effort.converged"]
    if gates["one_noise"] and gates["fixed_cost"]:
        ratio = res["sd_log_mu0.fixed_beta"] / res["sd_log_mu0.one_noise"]
        assert c["nestlab"] == pytest.approx(ratio, rel=1e-3)
        assert c["verdict"] == nestlab.judge(ratio, at_most=0.25, partly_at_most=0.5)


@pytest.mark.browser
def test_12_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "12_actor_identifiability")
