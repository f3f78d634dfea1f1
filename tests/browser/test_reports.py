"""Published reports in a real browser: offline, no console errors, images decoded, math rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from nestlab import runner

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
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, remote = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def block(route):
        if not route.request.url.startswith(("file:", "data:")):
            remote.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", block)
    page.goto((site_dir / page_name).as_uri())
    assert remote == [] and errors == []
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    text = page.evaluate("document.body.innerText")
    assert "$" not in text and "\\(" not in text and "\\[" not in text
    shot = site_dir / f"{page_name}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    page.close()
