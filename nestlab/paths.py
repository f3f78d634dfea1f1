"""Where nestlab finds things on disk: the project root, the notebooks and the real data.

Real data sets are never part of the project. They are read by path from, in order:
``$NESTLAB_DATA`` if set, else ``<project root>/../shared/data`` (the layout of a
development checkout and of CI).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from nestlab import checks

DATA_ENV_VAR = "NESTLAB_DATA"
#: the environment variable that moves the training cache (:mod:`nestlab.cache`)
CACHE_ENV_VAR = "NESTLAB_CACHE"
#: the cache folder (relative to the working directory) when the variable is not set
DEFAULT_CACHE_DIR = ".nestlab-cache"

__all__ = ["CACHE_ENV_VAR", "DATA_ENV_VAR", "DEFAULT_CACHE_DIR", "data_dir", "notebooks_dir",
           "project_root"]


def project_root() -> Path:
    """The checkout that holds this package (the folder with ``pyproject.toml``)."""
    return Path(__file__).resolve().parent.parent


def notebooks_dir() -> Path:
    """The folder of the numbered notebooks."""
    return project_root() / "notebooks"


def data_dir(name: str | None = None, *, must_exist: bool = True) -> Path:
    """The real-data folder, or its sub-folder ``name`` (e.g. ``"loi"``).

    Raises:
        FileNotFoundError: if ``must_exist`` and the folder is absent, with where it was looked for.
        TypeError, ValueError: ``name`` not a plain relative folder name (``"loi"``,
            ``"qu-shi-2026/raw"``): empty, absolute, or climbing out with ``..``.
    """
    if name is not None:
        checks.instance("name", name, str)
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if not name or name.startswith(("/", "\\")) or ".." in parts or ":" in name:
            raise ValueError(f"invalid name {name!r}; valid values: a folder inside the data folder, "
                             "such as 'loi' (relative, no '..')")
    checks.boolean("must_exist", must_exist)
    env = os.environ.get(DATA_ENV_VAR)
    base = Path(env) if env else project_root().parent / "shared" / "data"
    path = base / name if name else base
    if must_exist and not path.is_dir():
        raise FileNotFoundError(
            f"data folder {str(path)!r} not found. Set ${DATA_ENV_VAR} to the folder that holds "
            "the data sets (loi/, qu-shi-2026/, sohn-jazayeri-2021/); see README.md, 'Real data'."
        )
    return path
