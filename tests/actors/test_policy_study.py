"""nestlab.actors.policy_study: notebook 10's records, claims and explorer."""

from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest

from nestlab.actors import policy_study as PS
from nestlab.record import CLAIM_MIME, MIME_TYPE

matplotlib.use("Agg")


def _study(rel):
    """A study of three families with typed accuracies (no training)."""
    acc = pd.DataFrame({
        "cost": ["quadratic", "absolute", "linex"], "relative_rmse": rel,
        "worst_relative_rmse": [2 * r for r in rel], "train_seconds": [1.0, 2.0, 3.0],
        "worst_region": ["sigma in [0.1, 0.2]"] * 3}).set_index("cost")
    policies = {"quadratic": SimpleNamespace(info={"seconds_to_target": 4.5}),
                "absolute": SimpleNamespace(info={}), "linex": SimpleNamespace(info={})}
    return PS.PolicyStudy(policies, acc, 200)


@pytest.fixture
def shown(monkeypatch):
    """The MIME bundles record() and claim() display, as a kernel would receive them."""
    bundles = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw: bundles.append(bundle))
    return bundles


def test_records_are_the_accuracy_table(shown):
    PS.record_policy_study(_study([0.005, 0.03, 0.015]))
    got = {b[MIME_TYPE]["name"]: b[MIME_TYPE]["value"] for b in shown}
    assert got["rel_rmse.absolute"] == 0.03 and got["worst_rel_rmse.linex"] == 0.03
    assert got["train_seconds"] == {"quadratic": 1.0, "absolute": 2.0, "linex": 3.0}
    assert got["seconds_to_1pct.quadratic"] == 4.5
    assert PS.max_closed_form_rmse(_study([0.005, 0.03, 0.015])) == 0.03  # quadratic, absolute
    assert PS.max_closed_form_rmse(_study([0.005, 0.03, 0.015])._replace(
        accuracy=_study([0.005, 0.03, 0.015]).accuracy.loc[["linex"]])) is None
    assert list(got)[:2] == ["rel_rmse.quadratic", "worst_rel_rmse.quadratic"]


def test_claim_verdicts_follow_the_targets(shown):
    # closed form: held <= 1 %, partly <= 2 %; numerical solver (linex): held <= 2 %, partly <= 4 %
    PS.claim_policy_study(_study([0.01, 0.015, 0.05]))
    rows = [b[CLAIM_MIME] for b in shown]
    assert [r["verdict"] for r in rows] == ["held", "partly", "not held", "held"]
    assert rows[0]["paper"] == PS.PAPER_QUADRATIC_RMSE and rows[0]["nestlab"] == 0.01
    assert "numerical" in rows[2]["claim"] and "after 200 steps" in rows[2]["note"]
    assert rows[3]["nestlab"] == 4.5  # seconds to 1 %, within the paper's ~10 minutes


def test_action_explorer_draws_without_a_network():
    show = PS.action_explorer({})
    assert show() is None
    ax = matplotlib.pyplot.gcf().axes[0]
    assert ax.get_title() == "quadratic_effort" and len(ax.lines) == 2  # reference + a = m
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize(("costs", "exc", "words"), [
    (["quadratic", "bogus"], ValueError, ["costs[1]", "'bogus'"]),
    (["quadratic", "quadratic"], ValueError, ["costs", "twice"]),
    ("quadratic", TypeError, ["costs"]),
])
def test_policy_study_refuses_bad_costs_before_training(costs, exc, words):
    with pytest.raises(exc) as info:
        PS.policy_study(costs)
    for w in words:
        assert w in str(info.value)
