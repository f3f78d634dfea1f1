"""nestlab.diagnostics.backend: the one ArviZ import."""

import os
import subprocess
import sys


def test_arviz_import_is_silent_on_a_fresh_user_state(tmp_path):
    """ArviZ's once-a-day notice never surfaces through nestlab, even as the day's first import."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = "from nestlab.diagnostics.backend import import_arviz; import_arviz()"
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the stamp was written, i.e. arviz really ran its daily check in this empty state
    assert list((tmp_path / "cache").rglob("daily_warning"))
