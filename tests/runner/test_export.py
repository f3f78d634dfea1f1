"""nestlab.runner: claims and headlines in results.json; the offline, self-contained HTML export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nestlab import runner

REPORT_NOTEBOOKS = Path(__file__).parents[1] / "browser" / "notebooks"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The fixture notebook with math, a headline figure and claims, run once into a folder."""
    out = tmp_path_factory.mktemp("report")
    (run,) = runner.run_notebooks(["09_report"], out_dir=out, notebooks=REPORT_NOTEBOOKS,
                                  progress=False)
    assert run.ok, run.error
    return out


def test_claims_and_headlines_stored_in_results_json(published):
    data = json.loads((published / "09_report.results.json").read_text())
    assert data["claims"] == [
        {"claim": "sum formula", "paper": 10, "nestlab": 10, "verdict": "held", "note": "fixture",
         "section": "Claims"},
        {"claim": "slope positive", "paper": "> 0", "nestlab": 2.0, "verdict": "partly", "note": "",
         "section": "Claims"},
    ]
    assert data["headlines"] == [
        {"name": "total", "label": "sum of 1..n", "unit": "", "value": 10},
        {"name": "slope", "label": "slope", "unit": "per step", "value": 2.0},
    ]
    assert data["results"] == {"total": 10, "slope": 2.0}
    assert runner.read_run(published / "09_report.results.json")["status"] == "ok"


def test_claim_sections_are_anchors_of_the_report(published):
    page = (published / "09_report.html").read_text()
    for c in json.loads((published / "09_report.results.json").read_text())["claims"]:
        assert f'id="{c["section"]}"' in page
