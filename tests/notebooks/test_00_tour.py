"""00_tour executes with the smoke profile and records the catalogue and the environment."""

import os

import pytest

from nestlab import runner
from tests.browser.pages import check_report

pytestmark = pytest.mark.notebooks


def test_tour_runs(run_smoke):
    run = run_smoke("00_tour")
    assert run.status == "ok", run.error
    assert run.results["n_notebooks"] == len(runner.discover())
    assert run.results["n_mechanisms"] == 4
    assert run.results["env.cpu_count"] == str(os.cpu_count())
    assert run.results["env.torch"].startswith("2.")


@pytest.mark.browser
def test_00_report_reads_offline_in_a_browser(run_smoke, browser):
    check_report(browser, run_smoke, "00_tour")
