"""Browser fixtures: Debian's Chromium through Playwright, every non-``file:`` request blocked."""

from __future__ import annotations

import shutil

import pytest

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (skipped with the reason when there is none)."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium); Playwright's own download cannot work here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()
