"""File primitives of a reports folder: atomic writes with a normal file mode, and the folder lock.

* :func:`atomic_write_text` writes through a hidden temporary file in the same folder and
  :func:`os.replace`, so a reader sees the old file or the new one, never half of one; the file
  gets the mode a plain ``open()`` would give (``0666`` less the umask: ``0644`` usually).
  :func:`replacing` is that temporary file and rename alone, for writers that take a file name
  (:mod:`nestlab.cache` writes its safetensors entries through it).
* :func:`folder_lock` holds an exclusive ``fcntl.flock`` on ``<folder>/.nestlab.lock`` so that
  concurrent ``nestlab run``\\ s into one folder publish and rebuild the index one at a time (the
  kernel releases the lock when a holder dies, even by ``kill -9``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nestlab.runner.errors import UsageError

__all__ = ["LOCK_NAME", "atomic_write_text", "check_out_dir", "file_mode", "folder_lock",
           "replacing"]

LOCK_NAME = ".nestlab.lock"


def file_mode() -> int:
    """The mode ``open(path, "w")`` would create a file with: ``0o666`` less the process umask."""
    try:  # Linux >= 4.7 reports the umask without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it straight back
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    The folder must exist. The file gets :func:`file_mode` (``mkstemp`` alone would leave 0600).
    """
    path = Path(path)
    with replacing(path) as (fd, _):
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), file_mode())
    return path


@contextlib.contextmanager
def replacing(path: str | Path, *, prefix: str | None = None) -> Iterator[tuple[int, str]]:
    """A fresh temporary file beside ``path`` that replaces ``path`` when the block succeeds.

    The ``with`` block gets ``(fd, name)`` of a new ``mkstemp`` file (mode ``0600``) in
    ``path``'s folder, hidden as ``<prefix>XXXX.tmp``, and owns the open descriptor ``fd``
    (it must close it). When the block ends without an exception the file is moved onto
    ``path`` with :func:`os.replace` (atomic on POSIX: a reader sees the old file or the new
    one); whatever happens, the temporary file is gone afterwards.

    Args:
        path: the file to write; its folder must exist.
        prefix: the temporary file's name prefix (default: ``.<path's name>.``).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}." if prefix is None else prefix,
                               suffix=".tmp", dir=path.parent)
    try:
        yield fd, tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def folder_lock(folder: str | Path) -> Iterator[Path]:
    """Hold the exclusive lock of a reports folder for the ``with`` block (blocks until free).

    Not re-entrant: a holder must not take it again (a second ``open`` would wait on itself).
    """
    lock = Path(folder) / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, file_mode())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield lock
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _refuse(name: str, path: Any, why: str) -> UsageError:
    return UsageError(f"invalid {name} {str(path)!r}: {why}; valid values: a folder that exists "
                      "or can be created, and that this user can write")


def check_out_dir(out_dir: str | os.PathLike, *, name: str = "out_dir", create: bool = False,
                  must_exist: bool = False) -> Path:
    """Check a reports folder before any kernel starts; optionally create it and probe a write.

    Without ``create`` nothing is written: an existing ``out_dir`` must be a writable folder, a
    missing one must lie under a writable folder (no file on the way). With ``create`` the folder
    is made and a temporary file is written and removed in it, so a refusal that ``os.access``
    cannot see (a read-only mount, root on ``/proc``) is caught too.

    Args:
        out_dir: the folder.
        name: how the message names it (``--out`` for the command line).
        create: make the folder (with its parents) and probe a write.
        must_exist: refuse a folder that does not exist.

    Raises:
        UsageError: empty, not a path, a file, under a file, or not writable.
    """
    if not isinstance(out_dir, str | os.PathLike):
        raise UsageError(f"invalid type for {name}: {type(out_dir).__name__} ({out_dir!r}); "
                         "valid types: str or os.PathLike")
    if not str(out_dir).strip():
        raise _refuse(name, out_dir, "empty path")
    if "\0" in str(out_dir):
        raise _refuse(name, out_dir, "contains a NUL character")
    path = Path(out_dir)
    if path.exists():
        if not path.is_dir():
            raise _refuse(name, out_dir, "it is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise _refuse(name, out_dir, "the folder is not writable")
    elif must_exist:
        raise _refuse(name, out_dir, "no such folder")
    else:
        parent = path.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise _refuse(name, out_dir, f"{str(parent)!r} is a file, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise _refuse(name, out_dir, f"cannot create it: {str(parent)!r} is not writable")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=path, prefix=".nestlab-probe."):
                pass
        except OSError as exc:
            raise _refuse(name, out_dir, f"cannot write there ({type(exc).__name__}: "
                                         f"{exc.strerror or exc})") from None
    return path
