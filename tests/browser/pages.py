"""The offline checks every published page must pass in Chromium (issue 11): no request beyond
``file:``/``data:``, no console error, every image decoded, math rendered (no raw ``$``, ``\\(``
or ``\\[`` left in the visible text); a full-page screenshot is kept next to the page."""

from __future__ import annotations

from pathlib import Path

__all__ = ["assert_reads_offline", "check_report"]


def assert_reads_offline(browser, path: Path) -> Path:
    """Open ``path`` with every other request blocked, assert the checks, return the screenshot."""
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

    try:
        page.route("**/*", block)
        page.goto(path.as_uri())
        assert remote == [], f"{path.name}: requests beyond file: {remote}"
        assert errors == [], f"{path.name}: console errors {errors}"
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)"), \
            f"{path.name}: an image did not decode"
        text = page.evaluate("document.body.innerText")
        raw = [t for t in ("$", "\\(", "\\[") if t in text]
        assert not raw, f"{path.name}: unrendered math markers {raw} in the text"
        shot = path.with_suffix(".png")
        page.screenshot(path=str(shot), full_page=True)
        return shot
    finally:
        page.close()


def check_report(browser, run_smoke, name: str) -> Path:
    """The smoke report of notebook ``name`` (run once per session by ``run_smoke``) reads offline."""
    run = run_smoke(name)
    assert run.status == "ok", run.error
    return assert_reads_offline(browser, run_smoke.out_dirs[name] / f"{name}.html")
