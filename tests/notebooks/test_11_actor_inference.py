"""11_actor_inference: network and closed-form posteriors agree; marginal vs latent ESS/s recorded."""

import pytest

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
    # the compiled-once recovery study ran for both policies with sane coverage
    for pol in ("analytic", "network"):
        cov = res[f"recovery.{pol}.coverage90"]
        assert set(cov) == {"mu0", "sigma0", "sigma_r"}
        assert all(0 <= v <= 1 for v in cov.values())
        assert res[f"recovery.{pol}.mse"]["mu0"] < 1.0  # truths span U(2, 5): variance 0.75
