"""Shared test fixtures: seeding, real-data location, and smoke-profile notebook runs."""

from __future__ import annotations

import os
import random
import shutil

import numpy as np
import pytest
from hypothesis import settings

from nestlab.paths import data_dir

# Property tests draw the same examples on every run (seeded like everything else), so a
# submission's CI cannot fail on an example no earlier run drew. NESTLAB_HYPOTHESIS=explore
# draws new ones (to hunt for bugs; a failure prints the example to turn into a plain test).
settings.register_profile("seeded", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("NESTLAB_HYPOTHESIS", "seeded"))


@pytest.fixture(autouse=True)
def _seed_everything():
    """Every test starts from the same seeds (numpy, random, torch if loaded)."""
    random.seed(0)
    np.random.seed(0)
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
    yield


@pytest.fixture(scope="session")
def shared_data():
    """Path of ``../shared/data``; the test is skipped cleanly if it is absent."""
    try:
        return data_dir()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def run_smoke(tmp_path_factory):
    """``run_smoke(name)`` executes notebook ``name`` once per session with the smoke profile.

    Returns the runner's :class:`nestlab.runner.NotebookRun` (``status``, ``results``,
    ``runtime_s``, ``error``, ``outputs``); ``run_smoke.out_dirs[name]`` is its report folder.
    """
    from nestlab.runner import run_notebooks

    memo: dict = {}
    out_dirs: dict = {}

    def _run(name: str):
        if name not in memo:
            out = out_dirs[name] = tmp_path_factory.mktemp(f"smoke-{name}")
            (memo[name],) = run_notebooks([name], profile="smoke", out_dir=out, progress=False,
                                          build_index=False)
        return memo[name]

    _run.out_dirs = out_dirs
    return _run


# Debian's Chromium through Playwright, for tests/browser and the notebook reports (issue 11)
BROWSER_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (skipped with the reason when there is none)."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium); Playwright's own download cannot work here")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=BROWSER_ARGS)
        yield b
        b.close()

