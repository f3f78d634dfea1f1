"""The one place the suite imports ArviZ (suite spec, "Environment": a later move to ArviZ 1.x
touches this package only)."""

from __future__ import annotations

import warnings
from types import ModuleType

__all__ = ["ARVIZ_DAILY_NOTICE", "import_arviz"]

#: ArviZ 0.23 warns once a day per user at import (a stamp file in the user cache) that a
#: refactor is coming. It says nothing about this suite's calls, and a warning whose appearance
#: depends on what the machine did earlier that day must not reach reports or tests.
ARVIZ_DAILY_NOTICE = r"(?s)\s*ArviZ is undergoing a major refactor"


def import_arviz() -> ModuleType:
    """The ``arviz`` module, imported on first use with its daily notice silenced."""
    # imported lazily: arviz (xarray, netCDF) costs ~1 s, and most of the package never needs it
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=ARVIZ_DAILY_NOTICE, category=FutureWarning)
        import arviz

    return arviz
