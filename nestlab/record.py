"""Record headline numbers inside a notebook and read them back outside it.

``record(name, value)`` emits one display output with the custom MIME type
:data:`MIME_TYPE` (holding ``{"name": ..., "value": ...}``) and a ``text/plain`` fallback,
so a person reading the notebook sees ``name = value`` while tests, the runner and the
report index read the structured value. Recorded values are JSON: numbers, strings,
booleans, ``None`` and (nested) lists/dicts of those; numpy/torch/JAX scalars and arrays
are converted. Non-finite floats are stored as ``None`` (JSON has no NaN).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["MIME_TYPE", "read_results", "record", "to_jsonable"]

MIME_TYPE = "application/vnd.nestlab.record+json"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def to_jsonable(value: Any) -> Any:
    """Convert ``value`` into plain JSON types (raises ``TypeError`` if impossible)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    # numpy / torch / jax scalars and arrays, without importing any of them
    if hasattr(value, "tolist") and callable(value.tolist):
        return to_jsonable(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        return to_jsonable(value.item())
    raise TypeError(
        f"record(): cannot store a value of type {type(value).__name__}; "
        "use numbers, strings, booleans, None, or lists/dicts of those"
    )


def record(name: str, value: Any) -> Any:
    """Record a headline number (or small JSON value) under ``name`` in the current notebook.

    Args:
        name: identifier-like key (letters, digits, ``_ . -``; not starting with a digit).
        value: JSON-convertible value.

    Returns:
        The stored (JSON-converted) value.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"record(): invalid name {name!r}; use letters, digits, '_', '.', '-' "
            "and start with a letter or '_'"
        )
    stored = to_jsonable(value)
    text = f"{name} = {stored!r}"
    from IPython import get_ipython

    if get_ipython() is None:  # plain Python: only the human-readable line
        print(text)
        return stored
    from IPython.display import display

    display({MIME_TYPE: {"name": name, "value": stored}, "text/plain": text}, raw=True)
    return stored


def read_results(notebook: str | Path | nbformat.NotebookNode) -> dict[str, Any]:
    """Return every value recorded in an executed notebook, in order (later wins).

    Args:
        notebook: path to an ``.ipynb`` file, or an already loaded notebook node.

    Raises:
        ValueError: a record output that is not ``{"name": str, "value": ...}`` (written by
            something other than :func:`record`), naming the cell.
    """
    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook
    results: dict[str, Any] = {}
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if MIME_TYPE in data:
                payload = data[MIME_TYPE]
                try:
                    if isinstance(payload, str):  # some writers serialise JSON MIME data as text
                        payload = json.loads(payload)
                    ok = isinstance(payload, dict) and isinstance(payload.get("name"), str) \
                        and "value" in payload
                except ValueError:
                    ok = False
                if not ok:
                    raise ValueError(f"read_results(): cell {index} holds a malformed {MIME_TYPE} "
                                     f"output {str(payload)[:80]!r}; valid values: "
                                     '{"name": str, "value": JSON}, as nestlab.record writes')
                results[payload["name"]] = payload["value"]
    return results
