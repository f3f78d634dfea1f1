"""All-or-nothing publication of a notebook's reports (``.ipynb``, ``.html``, ``.results.json``).

A run executes into a private, hidden staging folder ``<out>/.staging-NAME-XXXX/`` (its
``.lock`` held with ``flock`` while the run lives). :func:`publish` then, under the folder lock
(:func:`~nestlab.runner.files.folder_lock`):

1. replaces ``NAME.results.json`` by a tombstone (status ``incomplete``) — from here on the index
   can no longer call the old reports ``ok``;
2. removes the old ``NAME.ipynb`` / ``NAME.html`` and rebuilds the index;
3. moves the new ``.ipynb`` and ``.html`` in (``os.replace``), then any other file the notebook
   wrote into its staging folder under its own name (``NAME.<anything>``, e.g. notebook 15's
   ``.nc`` posteriors: the kernel gets the staging folder as ``$NESTLAB_OUT_DIR``), replacing
   the old run's such files, and the new ``.results.json``
   last — it names the files it belongs with and their SHA-256, so it is the commit point.

A ``kill -9`` at any moment therefore leaves either the complete old reports, or an
``incomplete`` notebook, or the complete new reports — never a new notebook beside an old HTML
that the index reports ``ok``. :func:`sweep` (run at the start of every run, under the lock)
removes staging folders whose owner is gone and hidden temporary files (``.NAME.*``).
Published files get the mode a plain ``open()`` gives (``0644`` under the usual umask).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from nestlab.runner.files import LOCK_NAME, atomic_write_text, file_mode, folder_lock
from nestlab.runner.site import write_index

__all__ = ["FAULT_ENV", "STAGING_PREFIX", "Staging", "fault_point", "publish", "sweep", "tombstone"]

STAGING_PREFIX = ".staging-"
#: test hook: ``NESTLAB_FAULT_KILL_AT=<point>`` kills the process (SIGKILL) at that point of a
#: publication, to test that a crash never leaves an inconsistent report (see :func:`fault_point`)
FAULT_ENV = "NESTLAB_FAULT_KILL_AT"
_TEMP_RE = re.compile(r"^\.(?:\d\d_[A-Za-z0-9_]+|index\.html)\..+|^\..+\.tmp$")
_SUFFIXES = (".ipynb", ".html")


def _extras(folder: Path, name: str) -> list[str]:
    """Suffixes of the files ``NAME.<suffix>`` in ``folder`` beyond the three reports."""
    standard = {*_SUFFIXES, ".results.json"}
    return sorted(p.name[len(name):] for p in folder.glob(f"{glob_escape(name)}.*")
                  if p.is_file() and p.name[len(name):] not in standard)


def fault_point(point: str) -> None:
    """Kill this process with SIGKILL if ``$NESTLAB_FAULT_KILL_AT`` names ``point`` (tests only).

    Points, in order: ``staged``, ``tombstone``, ``invalidated``, ``moved.ipynb``,
    ``moved.html``, ``published``.
    """
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


class Staging:
    """A private staging folder for one notebook's outputs, alive while its lock is held.

    Create it with :meth:`create` (under the folder lock, so a concurrent :func:`sweep` never
    sees it half made); :meth:`close` removes it.
    """

    def __init__(self, path: Path, name: str, fd: int):
        self.path, self.name, self._fd = path, name, fd

    @classmethod
    def create(cls, out_dir: str | Path, name: str) -> Staging:
        """Make ``<out>/.staging-NAME-XXXX/`` and hold its lock (call under the folder lock)."""
        path = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=out_dir))
        fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return cls(path, name, fd)

    def file(self, suffix: str) -> Path:
        """Where the staged ``NAME<suffix>`` lives."""
        return self.path / f"{self.name}{suffix}"

    def close(self) -> None:
        """Remove the staging folder and release its lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _staging_alive(folder: Path) -> bool:
    try:
        fd = os.open(folder / ".lock", os.O_RDWR)
    except OSError:
        return False  # made under the folder lock with its lock file: no lock file, no owner
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def sweep(out_dir: str | Path) -> list[str]:
    """Remove dead staging folders and hidden temporary files of a reports folder (call locked).

    Returns:
        The names removed.
    """
    removed = []
    for entry in sorted(Path(out_dir).iterdir()):
        name = entry.name
        if name == LOCK_NAME or not name.startswith("."):
            continue
        if name.startswith(STAGING_PREFIX) and entry.is_dir() and not entry.is_symlink():
            if not _staging_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(name)
        elif _TEMP_RE.match(name) and (entry.is_file() or entry.is_symlink()):
            entry.unlink(missing_ok=True)
            removed.append(name)
    return removed


def tombstone(name: str) -> dict[str, Any]:
    """The results written over a notebook's old ones while its new reports are moved in."""
    return {"name": name, "status": "incomplete", "runtime_s": None, "results": {}, "outputs": {},
            "error": {"ename": "IncompletePublication",
                      "evalue": f"new reports of {name} were being published when the run stopped; "
                                f"run {name} again"}}


def publish(out_dir: str | Path, staging: Staging, *, index: bool = True) -> list[str]:
    """Replace a notebook's reports by the staged ones, all together (see the module docstring).

    The staged ``NAME.results.json`` must already name its outputs and their checksums.

    Args:
        out_dir: the reports folder.
        staging: the notebook's :class:`Staging` holding ``NAME.results.json`` and any of
            ``NAME.ipynb`` / ``NAME.html``.
        index: rebuild ``index.html`` (after invalidating, and after publishing).

    Returns:
        The file names published.
    """
    out = Path(out_dir)
    name = staging.name
    results = staging.file(".results.json")
    if not results.is_file():
        raise FileNotFoundError(f"publish(): {results} was not staged")
    mode = file_mode()
    staged = [suffix for suffix in _SUFFIXES if staging.file(suffix).is_file()]
    staged += _extras(staging.path, name)
    for suffix in (*staged, ".results.json"):
        os.chmod(staging.file(suffix), mode)
    with folder_lock(out):
        fault_point("staged")
        atomic_write_text(out / f"{name}.results.json", json.dumps(tombstone(name), indent=2))
        fault_point("tombstone")
        for suffix in (*_SUFFIXES, *_extras(out, name)):
            (out / f"{name}{suffix}").unlink(missing_ok=True)
        if index:
            write_index(out, lock=False)
        fault_point("invalidated")
        for suffix in staged:
            os.replace(staging.file(suffix), out / f"{name}{suffix}")
            fault_point(f"moved{suffix}")
        os.replace(results, out / f"{name}.results.json")
        fault_point("published")
        if index:
            write_index(out, lock=False)
    return [f"{name}{s}" for s in (*staged, ".results.json")]
