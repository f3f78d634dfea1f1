"""11_actor_inference: network and closed-form posteriors agree; marginal vs latent ESS/s recorded."""

import pytest

import nestlab
from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


def test_actor_inference_runs(run_smoke):
    run = run_smoke("11_actor_inference")
    assert run.status == "ok", run.error
    res = run.results
    # the (smoke-trained) network policy gives nearly the closed-form posterior
    assert res["agreement.max_mean_diff_in_sd"] < 0.75
    cf, net = res["posterior_mean.closed_form"], res["posterior_mean.network"]
    assert abs(cf["mu0"] - 1.5) < 0.3 and abs(net["mu0"] - 1.5) < 0.3
    assert res["covers_truth_90.closed_form"]["mu0"] and res["covers_truth_90.closed_form"]["sigma0"]
    # both likelihoods sample; marginal and latent posteriors agree
    assert res["ess_per_second.marginal"] > 0 and res["ess_per_second.latent"] > 0
    assert res["marginal_vs_latent.max_mean_diff_in_sd"] < 0.75
    # the gate is recorded per fit
    assert set(res["converged"]) == {"closed_form", "network", "latent"}
    assert all(isinstance(v, bool) for v in res["converged"].values())
    # the compiled-once recovery study ran for both policies; its numbers come only from data
    # sets whose chain passed the gate (None when none did, as with the smoke profile's chains)
    for pol in ("analytic", "network"):
        gates = res[f"recovery.{pol}.converged"]
        assert len(gates) == 8 and all(isinstance(v, bool) for v in gates.values())
        cov = res[f"recovery.{pol}.coverage90"]
        assert set(cov) == {"mu0", "sigma0", "sigma_r"}
        if any(gates.values()):
            assert all(0 <= v <= 1 for v in cov.values())
            assert res[f"recovery.{pol}.mse"]["mu0"] < 1.0  # truths span U(2, 5): variance 0.75
        else:
            assert all(v is None for v in cov.values())


def test_actor_inference_claims_follow_the_numbers(run_smoke):
    run = run_smoke("11_actor_inference")
    res, claims = run.results, {c["claim"]: c for c in run.claims}
    assert len(claims) == 5
    ok = res["converged"]
    c = claims["The posterior with the network policy equals the closed-form posterior"]
    if ok["closed_form"] and ok["network"]:
        assert c["nestlab"] == pytest.approx(res["agreement.max_mean_diff_in_sd"])
        assert c["verdict"] == nestlab.judge(c["nestlab"], at_most=0.1, partly_at_most=0.25)
    else:  # an unconverged fit's number is never used
        assert c["nestlab"] is None and c["verdict"] == "not held"
    c = claims["min bulk ESS per second, closed form policy"]
    if ok["closed_form"]:
        assert c["nestlab"] == pytest.approx(res["ess_per_second.marginal"])
        assert c["verdict"] == nestlab.judge(c["nestlab"], at_least=1500, partly_at_least=750)
    else:
        assert c["nestlab"] is None and c["verdict"] == "not held"
    c = claims["90% intervals are calibrated over simulated data sets (closed form)"]
    if not any(res["recovery.analytic.converged"].values()):
        assert c["nestlab"] is None and c["verdict"] == "not held"


@pytest.mark.browser
def test_11_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "11_actor_inference")
