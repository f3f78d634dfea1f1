"""Record headline numbers and paper-vs-nestlab claims inside a notebook; read them back outside it.

``record(name, value)`` emits one display output with the custom MIME type
:data:`MIME_TYPE` (holding ``{"name": ..., "value": ...}``) and a ``text/plain`` fallback,
so a person reading the notebook sees ``name = value`` while tests, the runner and the
report index read the structured value. Recorded values are JSON: numbers, strings,
booleans, ``None`` and (nested) lists/dicts of those; numpy/torch/JAX scalars and arrays
are converted. Non-finite floats are stored as ``None`` (JSON has no NaN). A record may carry a
human ``label`` and a ``unit`` for the report index's headline numbers (:func:`read_headlines`).

``claim(claim, paper=..., nestlab=..., verdict=...)`` emits one row of the reproduction
scoreboard (suite contract, ``../shared/spec/suite.md``) with the MIME type :data:`CLAIM_MIME`,
an HTML row and a ``text/plain`` fallback; :func:`read_claims` reads them back with the anchor of
the notebook section they stand in. The verdict comes from computed numbers through
:func:`judge` / :func:`judge_all`, never typed in a notebook.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat

from nestlab import checks

__all__ = [
    "CLAIM_KEYS",
    "CLAIM_MIME",
    "MIME_TYPE",
    "VERDICTS",
    "claim",
    "judge",
    "judge_all",
    "read_claims",
    "read_headlines",
    "read_results",
    "record",
    "section_anchor",
    "to_jsonable",
]

MIME_TYPE = "application/vnd.nestlab.record+json"
CLAIM_MIME = "application/vnd.nestlab.claim+json"
#: the verdicts of a claim, best first
VERDICTS = ("held", "partly", "not held")
#: the keys of a stored claim (``read_claims`` adds ``section``, the anchor of its section)
CLAIM_KEYS = ("claim", "paper", "nestlab", "verdict", "note")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def to_jsonable(value: Any, *, name: str = "value", keep_nonfinite: bool = False,
                where: str | None = None) -> Any:
    """``value`` in plain JSON types: numbers, strings, booleans, ``None``, lists and dicts.

    numpy / torch / JAX scalars and arrays are converted (without importing any of them), tuples
    become lists and mapping keys strings.

    Args:
        value: what to convert.
        name: how an error message names ``value`` (nested parts as ``name['key'][0]``).
        keep_nonfinite: keep NaN and +-inf as floats (:func:`json.dumps` writes them as the bare
            tokens ``NaN``, ``Infinity``, which no string, number or ``null`` can produce: the
            cache's keys tell them apart). Default: ``None``, as JSON has no NaN (reports).
        where: the public function to name first in an error message (``"record()"``).

    Raises:
        TypeError: a part that is none of those types (naming its path in ``value``).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if keep_nonfinite or math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, name=f"{name}[{k!r}]", keep_nonfinite=keep_nonfinite,
                                    where=where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, name=f"{name}[{i}]", keep_nonfinite=keep_nonfinite, where=where)
                for i, v in enumerate(value)]
    if hasattr(value, "tolist") and callable(value.tolist):
        return to_jsonable(value.tolist(), name=name, keep_nonfinite=keep_nonfinite, where=where)
    if hasattr(value, "item") and callable(value.item):
        return to_jsonable(value.item(), name=name, keep_nonfinite=keep_nonfinite, where=where)
    raise TypeError(f"{where + ': ' if where else ''}invalid type for {name}: "
                    f"{type(value).__name__} ({checks.describe(value)}); valid types: numbers, "
                    "strings, booleans, None, or lists/dicts of those")


def _emit(bundle: dict[str, Any], text: str) -> None:
    """Display a MIME bundle in IPython; in plain Python print its text only."""
    # local: IPython costs a few tenths of a second, and ``import nestlab`` must stay cheap
    from IPython import get_ipython

    if get_ipython() is None:  # plain Python: only the human-readable line
        print(text)
        return
    from IPython.display import display

    display(bundle, raw=True)


def record(name: str, value: Any, *, label: str | None = None, unit: str | None = None) -> Any:
    """Record a headline number (or small JSON value) under ``name`` in the current notebook.

    Args:
        name: identifier-like key (letters, digits, ``_ . -``; not starting with a digit).
        value: JSON-convertible value.
        label: a human label; a labelled record is a headline number of the report index
            (``"IS accuracy gap"``); ``None``: not a headline.
        unit: the unit shown after the value (``"ms"``, ``"%"``, ``"points"``).

    Returns:
        The stored (JSON-converted) value.

    Raises:
        ValueError: an invalid ``name``, or an empty ``label``.
        TypeError: a ``name`` that is not text, a value that is not JSON-convertible (naming its
            part), a ``label``/``unit`` that is not text.
    """
    where = "record()"
    checks.instance("name", name, str, where=where)
    if not _NAME_RE.match(name):
        raise ValueError(f"{where}: invalid name {name!r}; valid values: letters, digits, '_', "
                         "'.', '-', starting with a letter or '_'")
    payload: dict[str, Any] = {"name": name}
    if label is not None:
        payload["label"] = checks.text("label", label, where=where)
    if unit is not None:
        payload["unit"] = checks.instance("unit", unit, str, where=where)
    stored = to_jsonable(value, name=name, where=where)
    payload["value"] = stored
    _emit({MIME_TYPE: payload, "text/plain": f"{name} = {stored!r}"}, f"{name} = {stored!r}")
    return stored


def _shown(value: Any) -> str:
    """How a paper or nestlab value of a claim reads (numbers to 4 significant digits)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return "–" if value is None else str(value)


def judge(value: Any, *, at_least: float | None = None, at_most: float | None = None,
          partly_at_least: float | None = None, partly_at_most: float | None = None) -> str:
    """The verdict of a claim from a computed number: inside the paper's bounds or not.

    ``held`` when ``at_least <= value <= at_most`` (a missing bound is open), ``partly`` when
    outside those but inside the looser ``partly_*`` bounds (given only where a near miss is
    meaningful), else ``not held``. A missing or non-finite value (``None``, NaN) is ``not held``.

    Args:
        value: the number nestlab computed.
        at_least, at_most: the bounds within which the paper's claim holds (at least one).
        partly_at_least, partly_at_most: looser bounds for ``partly`` (default: the strict ones).

    Returns:
        One of :data:`VERDICTS`.

    Raises:
        ValueError: no bound given, or a non-finite bound.
        TypeError: a value or bound that is not a real number.
    """
    where = "judge()"
    if at_least is None and at_most is None:
        raise ValueError(f"{where}: invalid bounds: neither at_least nor at_most given; valid values: "
                         "at least one real bound")
    bounds = {k: checks.finite_or_none(k, v, where=where) for k, v in
              {"at_least": at_least, "at_most": at_most, "partly_at_least": partly_at_least,
               "partly_at_most": partly_at_most}.items()}
    if value is None:
        return "not held"
    x = checks.real("value", value, finite=False, where=where) if not (
        isinstance(value, float) and math.isnan(value)) else math.nan
    if math.isnan(x):
        return "not held"

    def inside(lo: float | None, hi: float | None) -> bool:
        return (lo is None or x >= lo) and (hi is None or x <= hi)

    if inside(bounds["at_least"], bounds["at_most"]):
        return "held"
    lo = bounds["partly_at_least"] if partly_at_least is not None else bounds["at_least"]
    hi = bounds["partly_at_most"] if partly_at_most is not None else bounds["at_most"]
    if (partly_at_least is not None or partly_at_most is not None) and inside(lo, hi):
        return "partly"
    return "not held"


def judge_all(conditions: Any) -> str:
    """The verdict of a claim made of several computed tests: all pass, some pass, or none.

    Args:
        conditions: a non-empty sequence (or mapping: its values) of booleans, each a computed test
            of one part of the claim (``final_distance < 1e-2`` for each game, say).

    Returns:
        ``held`` if all are true, ``partly`` if some are, ``not held`` if none is.

    Raises:
        TypeError: not a sequence of booleans.
        ValueError: empty.
    """
    values = list(conditions.values()) if isinstance(conditions, Mapping) else conditions
    flags = [checks.boolean(f"conditions[{i}]", v, where="judge_all()")
             for i, v in enumerate(checks.sequence("conditions", values, min_len=1, where="judge_all()"))]
    return "held" if all(flags) else "partly" if any(flags) else "not held"


_CLAIM_STYLE = {"held": "#117733", "partly": "#aa7700", "not held": "#bb2222"}


def claim(claim: str, *, paper: Any, nestlab: Any, verdict: str, note: str = "") -> None:
    """State one claim of the paper against nestlab's number: a row of the reproduction scoreboard.

    Renders the row in the notebook (HTML with a ``text/plain`` fallback) and stores it under
    :data:`CLAIM_MIME`; the runner writes every claim of a notebook into ``results.json``
    (top-level ``"claims"``) and the report index shows them grouped by paper.

    Args:
        claim: what the paper claims, in a few words (``"IS within 2 points of EI"``).
        paper: the paper's number or statement (text or a number).
        nestlab: nestlab's number from this run (text or a number).
        verdict: one of :data:`VERDICTS`, from :func:`judge` / :func:`judge_all` (never typed in).
        note: an optional remark (a caveat, what differs from the paper's protocol).

    Returns nothing (a claim as a cell's last line shows only its row); :func:`read_claims` reads
    the stored claims back.

    Raises:
        ValueError: an empty ``claim`` or a verdict outside :data:`VERDICTS`.
        TypeError: a ``claim``/``note`` that is not text, a ``paper``/``nestlab`` value that is
            not text, a number, a bool or ``None``.
    """
    where = "claim()"
    row = {"claim": checks.text("claim", claim, where=where)}
    for key, value in (("paper", paper), ("nestlab", nestlab)):
        # numpy/torch scalars become numbers first; arrays and containers are refused
        plain = to_jsonable(value) if hasattr(value, "item") and getattr(value, "ndim", 0) == 0 \
            else value
        checks.instance(key, plain, (str, int, float, bool, type(None)), where=where)
        row[key] = to_jsonable(plain)
    row["verdict"] = checks.choice("verdict", verdict, VERDICTS, where=where)
    row["note"] = checks.instance("note", note, str, where=where)
    text = (f"claim: {row['claim']} | paper: {_shown(row['paper'])} | nestlab: "
            f"{_shown(row['nestlab'])} | {row['verdict']}" + (f" ({note})" if note else ""))
    esc = html.escape
    cells = "".join(f"<td style='padding:.25rem .6rem'>{esc(_shown(row[k]))}</td>"
                    for k in ("claim", "paper", "nestlab"))
    page = (f"<table class='nestlab-claim'><tr>{cells}<td style='padding:.25rem .6rem;"
            f"font-weight:600;color:{_CLAIM_STYLE[row['verdict']]}'>{esc(row['verdict'])}</td>"
            f"<td style='padding:.25rem .6rem;color:#555'>{esc(note)}</td></tr></table>")
    _emit({CLAIM_MIME: row, "text/html": page, "text/plain": text}, text)


def _load(notebook: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path) else notebook


def _payloads(nb: nbformat.NotebookNode, mime: str) -> Iterator[tuple[int, Any]]:
    """(cell index, parsed payload) of every output of type ``mime``, in order."""
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if mime in data:
                payload = data[mime]
                if isinstance(payload, str):  # some writers serialise JSON MIME data as text
                    try:
                        payload = json.loads(payload)
                    except ValueError:
                        pass
                yield index, payload


def section_anchor(heading: str) -> str:
    """The ``id`` nbconvert gives a markdown heading (its text, spaces as ``-``, URL-quoted).

    Markdown emphasis, code ticks and link targets are dropped first, as the rendered text has
    none of them.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lstrip("#").strip())
    text = re.sub(r"[*`]|(?<!\w)_|_(?!\w)", "", text)
    return quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def read_claims(notebook: str | Path | nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Every claim stated with :func:`claim` in an executed notebook, in order.

    Each is a dict with :data:`CLAIM_KEYS` plus ``section``: the anchor (:func:`section_anchor`)
    of the last markdown heading above its cell (``""`` if none), for a link into the report.

    Raises:
        ValueError: a claim output that is not what :func:`claim` writes, naming the cell.
    """
    nb = _load(notebook)
    headings: list[str] = []
    for cell in nb.cells:
        last = ""
        if cell.get("cell_type") == "markdown":
            for line in cell.source.splitlines():
                if re.match(r"#{1,6}\s", line):
                    last = section_anchor(line)
        headings.append(last)
    claims = []
    for index, payload in _payloads(nb, CLAIM_MIME):
        ok = isinstance(payload, dict) and set(payload) == set(CLAIM_KEYS) \
            and isinstance(payload.get("claim"), str) and payload.get("verdict") in VERDICTS \
            and isinstance(payload.get("note"), str)
        if not ok:
            raise ValueError(f"read_claims(): cell {index} holds a malformed {CLAIM_MIME} output "
                             f"{str(payload)[:80]!r}; valid values: an object with keys "
                             f"{', '.join(CLAIM_KEYS)} and a verdict in {', '.join(VERDICTS)}, "
                             "as nestlab.claim writes")
        section = next((h for h in reversed(headings[:index]) if h), "")
        claims.append({**{k: payload[k] for k in CLAIM_KEYS}, "section": section})
    return claims


def read_headlines(notebook: str | Path | nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The labelled records of an executed notebook (``record(..., label=...)``), in order.

    Returns:
        ``[{"name", "label", "unit", "value"}, ...]``, a later record of a name replacing the
        earlier one in place; ``unit`` is ``""`` when none was given.
    """
    found: dict[str, dict[str, Any]] = {}
    for _, payload in _payloads(_load(notebook), MIME_TYPE):
        if isinstance(payload, dict) and isinstance(payload.get("label"), str) \
                and isinstance(payload.get("name"), str):
            unit = payload.get("unit")
            found[payload["name"]] = {"name": payload["name"], "label": payload["label"],
                                      "unit": unit if isinstance(unit, str) else "",
                                      "value": payload.get("value")}
    return list(found.values())


def read_results(notebook: str | Path | nbformat.NotebookNode) -> dict[str, Any]:
    """Return every value recorded in an executed notebook, in order (later wins).

    Args:
        notebook: path to an ``.ipynb`` file, or an already loaded notebook node.

    Raises:
        ValueError: a record output that is not ``{"name": str, "value": ...}`` (written by
            something other than :func:`record`), naming the cell.
    """
    results: dict[str, Any] = {}
    for index, payload in _payloads(_load(notebook), MIME_TYPE):
        if not (isinstance(payload, dict) and isinstance(payload.get("name"), str)
                and "value" in payload):
            raise ValueError(f"read_results(): cell {index} holds a malformed {MIME_TYPE} "
                             f"output {str(payload)[:80]!r}; valid values: "
                             '{"name": str, "value": JSON}, as nestlab.record writes')
        results[payload["name"]] = payload["value"]
    return results
