"""12_actor_identifiability: the mu0-beta ridge with one noise level, weaker with two."""

import pytest

pytestmark = pytest.mark.notebooks


def test_actor_identifiability_runs(run_smoke):
    run = run_smoke("12_actor_identifiability")
    assert run.status == "ok", run.error
    res = run.results
    one, two = res["corr_mu0_beta.one_noise"], res["corr_mu0_beta.two_noise"]
    assert one < -0.7  # the ridge: larger prior median <-> smaller beta
    assert abs(two) < abs(one) - 0.1  # the two-noise design weakens it
    # fixing beta or the two-noise design pins mu0 down better than one noise level alone
    assert res["sd_log_mu0.fixed_beta"] < res["sd_log_mu0.one_noise"]
    assert res["sd_log_mu0.two_noise"] < res["sd_log_mu0.one_noise"]
    assert abs(res["corr_mu0_alpha.one_noise"]) > abs(res["corr_mu0_alpha.two_noise"])
