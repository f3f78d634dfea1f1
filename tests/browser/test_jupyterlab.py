"""JupyterLab for real: a notebook run from the page, an ipywidgets slider moved with the keyboard.

Starts ``jupyter lab`` from this environment on a free port with a token, on a temporary root
holding a tiny notebook (a slider through ``nestlab.plots.interactive``, as every mechanism
notebook's knobs), with its own empty HOME, Jupyter and IPython folders. Chromium opens the
notebook, runs all cells from the Run menu, and the test checks that the slider renders and that
pressing the right arrow on its handle changes the printed output (a round trip through the
kernel). The server is shut down through its API. A screenshot is kept under pytest's tmp dir.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from nestlab.plots import HEADLESS_ENV_VAR

pytestmark = pytest.mark.browser

SOURCE = '''\
import ipywidgets as widgets

from nestlab.plots import interactive


def show(n=3):
    print(f"square of {n} = {n * n}")


interactive(show, n=widgets.IntSlider(value=3, min=0, max=10, description="n"));
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 — our own localhost server
            return r.status
    except (urllib.error.URLError, OSError):
        return 0


@pytest.fixture
def lab(tmp_path):
    """A running JupyterLab server on a temporary root: ``(base URL, token, root, process)``."""
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed in this environment")
    pytest.importorskip("ipywidgets", reason="ipywidgets is not installed in this environment")
    root = tmp_path / "root"
    state = tmp_path / "state"
    for d in ("home", "config", "data", "runtime", "ipython", "cache"):
        (state / d).mkdir(parents=True)
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A slider"), nbformat.v4.new_code_cell(SOURCE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "slider.ipynb"))
    # user settings of this server only: start the notebook's kernel without asking, fetch no news
    settings = state / "lab-settings"
    for ext, name, body in (("notebook-extension", "tracker", '{"autoStartDefaultKernel": true}'),
                            ("apputils-extension", "notification",
                             '{"fetchNews": "false", "checkForUpdates": false}')):
        (settings / "@jupyterlab" / ext).mkdir(parents=True, exist_ok=True)
        (settings / "@jupyterlab" / ext / f"{name}.jupyterlab-settings").write_text(body)
    token = secrets.token_hex(16)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    env.pop(HEADLESS_ENV_VAR, None)  # a person at the page: real widgets
    env.update(HOME=str(state / "home"), XDG_CONFIG_HOME=str(state / "config"),
               XDG_DATA_HOME=str(state / "data"), XDG_CACHE_HOME=str(state / "cache"),
               XDG_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config" / "jupyter"),
               JUPYTER_DATA_DIR=str(state / "data" / "jupyter"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime" / "jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"), IPYTHONDIR=str(state / "ipython"), MPLCONFIGDIR=str(state / "config" / "matplotlib"),
               # the kernel imports nestlab from this checkout, whatever the cwd
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                           env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    log = open(tmp_path / "jupyterlab.log", "wb")  # noqa: SIM115 — closed after the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
         "--ServerApp.port_retries=0", "--ServerApp.terminals_enabled=False",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),  # CI runs as root
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while _get(f"{base}/api/status?token={token}") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"jupyter lab did not start (exit {proc.poll()}):\n"
                            + (tmp_path / "jupyterlab.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        yield base, token, root, proc
    finally:
        # clean shutdown through the API (kernels included); kill only if it hangs
        req = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                     headers={"Authorization": f"token {token}"})
        answered = False
        try:
            with urllib.request.urlopen(req, timeout=5):  # noqa: S310 — our own localhost server
                answered = True
        except (urllib.error.URLError, OSError):
            pass
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            code = None
        log.close()
    assert answered and code == 0, (f"jupyter lab did not shut down cleanly (API answered: {answered}, "
                                    f"exit status {code}); log: {tmp_path / 'jupyterlab.log'}")


def test_jupyterlab_runs_a_notebook_and_its_slider_changes_the_output(browser, lab, tmp_path):
    base, token, _root, proc = lab
    started = time.monotonic()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    remote: list[str] = []

    def offline(route):  # nothing beyond this server and the page's own data
        url = route.request.url
        if url.startswith((base, "data:", "blob:", "about:")):
            route.continue_()
        else:
            remote.append(url)
            route.abort()

    page.route("**/*", offline)
    page.set_default_timeout(45_000)
    try:
        page.goto(f"{base}/lab/tree/slider.ipynb?token={token}")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
        # the kernel must be up before "Run All Cells"
        page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName",
                     has_text="Python 3").wait_for()
        page.locator(".jp-NotebookPanel-toolbar").get_by_text(re.compile("Idle")).first.wait_for(
            state="attached")
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        slider = page.locator(".jp-OutputArea .widget-slider").first
        error = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
        slider.or_(error).first.wait_for()
        assert error.count() == 0, f"the cell failed: {error.first.inner_text()[-800:]}"
        output = page.locator(".jp-OutputArea-output", has_text="square of")
        output.get_by_text("square of 3 = 9").wait_for()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        output.get_by_text("square of 4 = 16").wait_for()
        assert page.locator(".jp-OutputArea-output", has_text="square of 3 = 9").count() == 0
        assert slider.locator(".widget-readout").inner_text().strip() == "4"
    finally:
        shot = tmp_path / "jupyterlab.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}; {time.monotonic() - started:.1f} s in the page")
        page.close()
    assert remote == [], f"requests beyond the server: {remote[:5]}"
    assert proc.poll() is None  # still running here; the fixture shuts it down
