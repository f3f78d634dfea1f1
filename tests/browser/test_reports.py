"""Published reports in a real browser: offline, no console errors, images decoded, math rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from nestlab import runner
from tests.browser.pages import assert_reads_offline

pytestmark = pytest.mark.browser
HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "notebooks"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    runner.run_notebooks(["09_report"], out_dir=out, notebooks=HERE / "notebooks", progress=False)
    runner.run_notebooks(["01_square", "02_broken"], profile="smoke", out_dir=out,
                         notebooks=FIXTURES, progress=False)
    return out


@pytest.mark.parametrize("page_name", ["index.html", "09_report.html", "01_square.html", "02_broken.html"])
def test_page_loads_offline(browser, site_dir, page_name):
    shot = assert_reads_offline(browser, site_dir / page_name)
    print(f"screenshot: {shot}")


@pytest.mark.parametrize(("html", "match"), [
    ("<p>energy $E = mc^2$</p>", "unrendered math"),
    ('<img src="https://example.org/x.png" alt="x">', "requests beyond file"),
    ("<script>console.error('boom')</script>", "console errors"),
])
def test_the_offline_check_catches_what_it_looks_for(browser, tmp_path, html, match):
    page = tmp_path / "bad.html"
    page.write_text(f"<!doctype html><html><body>{html}</body></html>")
    with pytest.raises(AssertionError, match=match):
        assert_reads_offline(browser, page)
