"""10_actor_policy executes with the smoke profile and records each family's network accuracy."""

import pytest

from nestlab.actors import COSTS

pytestmark = pytest.mark.notebooks


def test_actor_policy_runs(run_smoke):
    run = run_smoke("10_actor_policy")
    assert run.status == "ok", run.error
    res = run.results
    for cost in COSTS:
        rel = res[f"rel_rmse.{cost}"]
        # smoke training is a few hundred steps: accurate to a few (tens of) percent, never garbage
        assert 0 < rel < 0.3, (cost, rel)
        assert res[f"worst_rel_rmse.{cost}"] >= rel
    # the closed-form families are already good after the short smoke training
    assert res["max_rel_rmse_closed_form"] < 0.08
    assert set(res["train_seconds"]) == set(COSTS)
