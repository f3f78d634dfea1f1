"""12_actor_identifiability: the mu0-beta ridge with one noise level; two noise levels bound it."""

import pytest

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
