"""14_actor_cost_comparison: PSIS-LOO ranks cost families; the design decides what it can tell."""

import pytest

pytestmark = pytest.mark.notebooks

SMOKE_FAMILIES = {"quadratic_effort", "absolute_effort"}  # smoke.yaml


def test_actor_cost_comparison_runs(run_smoke):
    run = run_smoke("14_actor_cost_comparison")
    assert run.status == "ok", run.error
    res = run.results
    # worked example: absolute + effort (beta = 0.6) saturates for large stimuli, which no
    # homogeneous family (here quadratic + effort) can mimic -> it wins clearly
    assert res["worked.winner"] == res["worked.true_family"] == "absolute_effort"
    assert res["worked.true_rank"] == 0
    assert set(res["worked.elpd_diff"]) == SMOKE_FAMILIES
    assert res["worked.elpd_diff"]["absolute_effort"] == 0
    assert min(v for k, v in res["worked.elpd_diff"].items() if k != "absolute_effort") > 5
    assert res["worked.margin_in_dse"] > 2
    assert abs(sum(res["worked.weight"].values()) - 1) < 1e-6
    # simulation study: one data set per family, a full confusion matrix
    n = res["study.n_datasets_per_family"]
    conf = res["study.confusion"]
    assert set(conf) == SMOKE_FAMILIES
    assert all(sum(row.values()) == n for row in conf.values())
    assert 0 <= res["study.accuracy"] <= 1
    # (which family wins a random-truth data set is not asserted: e.g. absolute + effort with
    # beta near 1 is nearly absolute, which quadratic + effort mimics; smoke networks are coarse)
    assert set().union(*conf.values()) <= SMOKE_FAMILIES
    assert 0 <= res["study.fraction_fits_with_high_k"] <= 1
    assert res["study.seconds.compile_total"] > 0
    assert set(res["study.seconds.run_per_dataset"]) == SMOKE_FAMILIES
    assert set(res["design.accuracy"]) == {"two_noise", "one_noise"}
