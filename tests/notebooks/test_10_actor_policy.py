"""10_actor_policy executes with the smoke profile and records each family's network accuracy."""

import pytest

from nestlab.actors import COSTS
from tests.browser.pages import check_report

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


def test_actor_policy_claims_follow_the_accuracy(run_smoke):
    run = run_smoke("10_actor_policy")
    res, claims = run.results, {c["claim"]: c for c in run.claims}
    assert len(claims) == len(COSTS) + 1
    for cost, spec in COSTS.items():
        closed = spec.closed_form is not None
        c = claims[f"{cost}: the network matches the {'closed-form' if closed else 'numerical'} optimal action"]
        rel, target = res[f"rel_rmse.{cost}"], 0.01 if closed else 0.02
        assert c["nestlab"] == pytest.approx(rel)
        assert c["verdict"] == ("held" if rel <= target else "partly" if rel <= 2 * target else "not held")
    t = claims["quadratic: 1 % accuracy within about 10 minutes of training"]
    assert t["nestlab"] == res["seconds_to_1pct.quadratic"]
    assert t["verdict"] == ("held" if t["nestlab"] is not None and t["nestlab"] <= 600 else "not held")


@pytest.mark.browser
def test_10_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "10_actor_policy")
