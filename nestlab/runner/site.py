"""The report site: ``<out>/index.html`` — the reproduction scoreboard and one card per notebook.

The index is built from the ``*.results.json`` files of a folder alone (suite spec, publishing):
above, the **reproduction scoreboard** — every claim of every notebook (``nestlab.claim``),
grouped by paper, with the paper's number, nestlab's, the verdict, a link to the notebook
section, and totals per paper; below, a **card** per notebook (title, paper, status, runtime,
profile, a thumbnail of the figure tagged ``headline``, 3–6 labelled headline numbers, link);
then every recorded value in a folded table. A notebook whose convergence records
(:func:`unconverged_fits`: a record named ``converged`` or ending in ``.converged``) hold a
``False`` carries a red flag on its card, "k of n fits not converged", naming the fits; its
scoreboard rows stay (the notebook already withheld those fits' numbers from its claims) and say so.

:func:`load_runs` reads every results file and never trusts one: a file that is not a JSON
object with the runner's fields and types (``[]``, binary, a string where a number belongs,
missing fields) is listed as ``unreadable`` with the reason; a run whose published ``.ipynb`` /
``.html`` are missing or are not the files its results describe (their SHA-256 differs — a newer
or an interrupted publication) is listed as ``incomplete``; so is a notebook's ``.ipynb`` or
``.html`` without any results file. Only a consistent, complete report shows as ``ok``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from nestlab.runner.catalogue import NOTEBOOK_RE
from nestlab.runner.files import atomic_write_text, check_out_dir, folder_lock

__all__ = [
    "MAX_RESULTS_BYTES",
    "PAPERS",
    "STATUSES",
    "THUMBNAIL_WIDTH",
    "headline",
    "headline_numbers",
    "headline_thumbnail",
    "list_sweeps",
    "load_runs",
    "read_run",
    "render_index",
    "render_scoreboard",
    "render_sweeps",
    "sha256_file",
    "unconverged_fits",
    "write_index",
]

STATUSES = ("ok", "failed", "incomplete")
MAX_RESULTS_BYTES = 50 * 2**20
THUMBNAIL_WIDTH = 360
#: the paper a notebook tests, by the first digit of its number (the four mechanisms of
#: ``suite.md``; ``nestlab.about.MECHANISMS`` holds the same papers, a test keeps them in step)
PAPERS: dict[str, tuple[str, str]] = {
    "1": ("Straub et al. 2025 — Inverse decision-making using neural amortized Bayesian actors",
          "2409.03710"),
    "2": ("Jha et al. 2024 — Neural amortized inference for nested multi-agent reasoning",
          "2308.11071"),
    "3": ("Wen et al. 2020 — Generalized recursive reasoning (GR2)", "1901.09216"),
    "4": ("Chen et al. 2024 — Quantifying agent interaction in MARL (Level of Influence)",
          "2310.07218"),
}

_NONE = type(None)
_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,), "status": (str,), "runtime_s": (int, float, _NONE),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {
    "parameters": (dict,), "profile": (str, _NONE), "results": (dict,), "error": (dict, _NONE),
    "outputs": (dict,), "versions": (dict,), "started_at": (str,), "checksums": (dict,),
    "claims": (list,), "headlines": (list,), "title": (str,), "thumbnail": (str, _NONE),
}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _problem(stem: str, data: Any) -> str | None:
    """Why a parsed results file cannot be listed as written (``None``: it can)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    for key in _FIELDS:
        if key not in data:
            return f"missing field {key!r}"
    for key, types in {**_FIELDS, **_OPTIONAL}.items():
        if key in data and (not isinstance(data[key], types) or isinstance(data[key], bool)):
            names = " or ".join("null" if t is _NONE else t.__name__ for t in types)
            return f"field {key!r} is {type(data[key]).__name__}, expected {names}"
    if data["name"] != stem:
        return f"field 'name' is {data['name']!r} but the file is {stem}.results.json"
    if data["status"] not in STATUSES:
        return f"field 'status' is {data['status']!r}, expected one of {', '.join(STATUSES)}"
    for label, fname in data.get("outputs", {}).items():
        if not isinstance(fname, str) or "/" in fname or "\\" in fname or fname.startswith("."):
            return f"outputs[{label!r}] is {fname!r}, not a file name of the folder"
    if not all(isinstance(v, str) for v in data.get("checksums", {}).values()):
        return "field 'checksums' holds a non-text value"
    err = data.get("error")
    if err is not None and not all(isinstance(k, str) for k in err):
        return "field 'error' has non-text keys"
    for i, c in enumerate(data.get("claims", [])):
        if not isinstance(c, dict) or not all(isinstance(c.get(k), str) for k in ("claim", "verdict")):
            return f"claims[{i}] is not a claim object (claim, paper, nestlab, verdict, note)"
    for i, h in enumerate(data.get("headlines", [])):
        if not isinstance(h, dict) or not isinstance(h.get("label"), str):
            return f"headlines[{i}] is not a headline object (name, label, unit, value)"
    thumb = data.get("thumbnail")
    if thumb is not None and not thumb.startswith("data:image/png;base64,"):
        return "field 'thumbnail' is not an embedded PNG (data:image/png;base64,...)"
    return None


def _unreadable(stem: str, reason: str) -> dict[str, Any]:
    return {"name": stem, "status": "unreadable",
            "error": {"ename": "UnreadableResults", "evalue": f"{stem}.results.json: {reason}"}}


def read_run(path: str | Path) -> dict[str, Any]:
    """One results file as a run dict; ``status`` is ``unreadable`` / ``incomplete`` when it must be.

    Never raises for the file's content (see the module docstring).
    """
    path = Path(path)
    stem = path.name.removesuffix(".results.json")
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            return _unreadable(stem, f"larger than {MAX_RESULTS_BYTES} bytes")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return _unreadable(stem, f"{type(exc).__name__}: {exc}"[:300])
    problem = _problem(stem, data)
    if problem is not None:
        return _unreadable(stem, problem)
    checksums = data.get("checksums", {})
    for fname in data.get("outputs", {}).values():
        target = path.parent / fname
        why = None
        if not target.is_file():
            why = f"{fname} is missing"
        elif fname in checksums:
            try:
                if sha256_file(target) != checksums[fname]:
                    why = f"{fname} is not the file this run published (a newer or interrupted publication)"
            except OSError as exc:
                why = f"{fname} cannot be read ({exc})"
        if why is not None:
            return {**data, "status": "incomplete",
                    "error": {"ename": "IncompleteReport", "evalue": f"{why}; run {stem} again"}}
    return data


def load_runs(out_dir: str | Path) -> list[dict[str, Any]]:
    """Every ``*.results.json`` of a reports folder (and orphaned reports), sorted by notebook name."""
    folder = Path(out_dir)
    runs = {p.name.removesuffix(".results.json"): read_run(p)
            for p in sorted(folder.glob("*.results.json")) if not p.name.startswith(".")}
    for p in sorted(folder.glob("*.ipynb")) + sorted(folder.glob("*.html")):
        if NOTEBOOK_RE.match(p.stem) and p.stem not in runs:
            runs[p.stem] = {"name": p.stem, "status": "incomplete", "runtime_s": None,
                            "error": {"ename": "IncompleteReport",
                                      "evalue": f"{p.name} has no {p.stem}.results.json; run {p.stem} again"}}
    return [runs[k] for k in sorted(runs)]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict):
        text = json.dumps(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return str(value)


def _flatten(results: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in results.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")
        elif not isinstance(value, list):
            yield name, value


def headline(results: Mapping[str, Any], *, limit: int = 8) -> list[tuple[str, str]]:
    """The first ``limit`` recorded scalar values (dicts flattened to dotted keys), formatted."""
    rows = []
    for name, value in _flatten(results):
        rows.append((name, _fmt(value)))
        if len(rows) == limit:
            break
    return rows


def headline_thumbnail(nb: Any, *, width: int = THUMBNAIL_WIDTH) -> str | None:
    """The headline figure of an executed notebook as a small embedded PNG (``data:`` URI).

    The headline figure is the first PNG output of the first code cell tagged ``headline``
    (:data:`~nestlab.runner.export.HEADLINE_TAG`); without such a cell, the notebook's first
    PNG output. It is shrunk to ``width`` pixels wide. ``None``: the notebook has no figure.
    """
    from nestlab.runner.export import HEADLINE_TAG

    def pngs(cells: Any) -> Iterator[str]:
        for cell in cells:
            for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else ():
                data = out.get("data", {}).get("image/png")
                if isinstance(data, str):
                    yield data

    tagged = [c for c in nb.cells if HEADLINE_TAG in c.get("metadata", {}).get("tags", [])]
    found = next(pngs(tagged), None) or next(pngs(nb.cells), None)
    if found is None:
        return None
    try:
        from PIL import Image  # matplotlib's own dependency; loaded only when publishing

        img = Image.open(io.BytesIO(base64.b64decode(found)))
        if img.width > width:
            img = img.resize((width, max(1, round(img.height * width / img.width))),
                             Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        found = base64.b64encode(buf.getvalue()).decode("ascii")
    except Exception:  # noqa: BLE001 — an undecodable image gets no thumbnail, the run goes on
        return None
    return f"data:image/png;base64,{found}"


def headline_numbers(run: Mapping[str, Any], *, limit: int = 6) -> list[tuple[str, str]]:
    """The card's headline numbers: ``(label, value with unit)``, at most ``limit``.

    The records the notebook labelled (``record(..., label=, unit=)``) come first; with fewer than
    three, the first recorded scalars fill up to three under their record names.
    """
    rows = []
    for h in run.get("headlines", []) if isinstance(run.get("headlines"), list) else []:
        if isinstance(h, dict) and isinstance(h.get("label"), str):
            unit = h.get("unit") if isinstance(h.get("unit"), str) else ""
            rows.append((h["label"], f"{_fmt(h.get('value'))}{' ' + unit if unit else ''}"))
    if len(rows) < 3:
        labelled = {h.get("name") for h in run.get("headlines", []) if isinstance(h, dict)}
        results = run.get("results") if isinstance(run.get("results"), dict) else {}
        rows += [(k, v) for k, v in headline(results, limit=3 + len(labelled))
                 if k not in labelled][:3 - len(rows)]
    return rows[:limit]


def _gates(value: Any, path: str) -> Iterator[tuple[str, bool]]:
    """Every boolean inside a convergence record, with its dotted path (``fits.converged.a``)."""
    if isinstance(value, bool):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _gates(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _gates(item, f"{path}[{i}]")


def unconverged_fits(results: Any) -> tuple[list[str], int]:
    """The fits a notebook recorded as not converged, and how many fits it recorded a gate for.

    The contract (``conventions`` of the suite): a record named ``converged`` or ending in
    ``.converged`` holds a fit's convergence gate as a bool, or several as a dict
    ``{fit name: bool}`` (or a list, or nested containers of those). Every ``False`` in it is a fit
    that did not converge; values that are not bools (``None``: a gate that could not be computed)
    are not counted.

    Args:
        results: the ``results`` of a run (record name -> value); anything else counts as none.

    Returns:
        ``(failing, n)``: the dotted names of the fits whose gate is ``False`` (``converged``,
        ``sj.converged.subject_1``, ``fits.converged[2]``), in record order, and the number of
        gates found.
    """
    if not isinstance(results, Mapping):
        return [], 0
    gates = [g for name, value in results.items()
             if isinstance(name, str) and (name == "converged" or name.endswith(".converged"))
             for g in _gates(value, name)]
    return [name for name, ok in gates if not ok], len(gates)


def _flag(run: Mapping[str, Any]) -> str:
    """The red flag of a card (HTML), or ``""`` when every recorded fit converged."""
    failing, n = unconverged_fits(run.get("results"))
    if not failing:
        return ""
    esc = html.escape
    names = "".join(f"<li><code>{esc(f)}</code></li>" for f in failing)
    return (f"<div class='flag' role='alert'><b>&#9873; {len(failing)} of {n} fits not converged"
            f"</b> (r&#770; &gt; 1.01, ESS &lt; 400 or divergences): their numbers are not used "
            f"for any claim.<ul>{names}</ul></div>")


def _paper(name: str) -> tuple[str, str]:
    return PAPERS.get(name[:1], ("Other notebooks", ""))


_VERDICT_CLASS = {"held": "held", "partly": "partly", "not held": "notheld"}


def render_scoreboard(runs: Sequence[Mapping[str, Any]]) -> str:
    """HTML of the reproduction scoreboard: every claim, grouped by paper, with totals per paper."""
    esc = html.escape
    by_paper: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for run in runs:
        claims = run.get("claims") if isinstance(run.get("claims"), list) else []
        for c in claims:
            if isinstance(c, dict):
                by_paper.setdefault(str(run.get("name", "?")), []).append((run, c))
    if not by_paper:
        return "<section id='scoreboard'><h2>Reproduction scoreboard</h2><p>No claims recorded yet.</p></section>"
    groups: dict[str, list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for name in sorted(by_paper):
        groups.setdefault(name[:1], []).extend(by_paper[name])
    parts = ["<section id='scoreboard'><h2>Reproduction scoreboard</h2>"]
    total = {v: 0 for v in _VERDICT_CLASS}
    for series in sorted(groups):
        title, arxiv = _paper(series)
        rows, counts = [], {v: 0 for v in _VERDICT_CLASS}
        for run, c in groups[series]:
            verdict = str(c.get("verdict"))
            counts[verdict] = counts.get(verdict, 0) + 1
            name = str(run.get("name", "?"))
            outputs = run.get("outputs") if isinstance(run.get("outputs"), dict) else {}
            target = outputs.get("html") if run.get("status") in ("ok", "failed") else None
            section = c.get("section") if isinstance(c.get("section"), str) else ""
            link = (f'<a href="{esc(str(target))}{"#" + esc(section) if section else ""}">{esc(name)}</a>'
                    if target else esc(name))
            note = f"<div class='note'>{esc(str(c.get('note')))}</div>" if c.get("note") else ""
            failing, n_fits = unconverged_fits(run.get("results"))
            if failing:
                link += (f" <span class='flag-mark' title='{len(failing)} of {n_fits} fits of this "
                         f"notebook not converged'>&#9873; {len(failing)} of {n_fits} fits not "
                         "converged</span>")
            rows.append(f"<tr><td>{esc(str(c.get('claim')))}{note}</td><td>{esc(_fmt_claim(c.get('paper')))}"
                        f"</td><td>{esc(_fmt_claim(c.get('nestlab')))}</td>"
                        f"<td class='v-{_VERDICT_CLASS.get(verdict, 'notheld')}'>{esc(verdict)}</td>"
                        f"<td>{link}</td></tr>")
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        n = sum(counts.values())
        summary = (f"{counts.get('held', 0)} of {n} held, {counts.get('partly', 0)} partly, "
                   f"{counts.get('not held', 0)} not held")
        cite = f" (arXiv {esc(arxiv)})" if arxiv else ""
        parts.append(f"<h3>{esc(title)}{cite}</h3><p class='totals' data-series='{esc(series)}'>"
                     f"{summary}</p><table class='claims'><thead><tr><th>claim</th><th>paper</th>"
                     f"<th>nestlab</th><th>verdict</th><th>notebook</th></tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
    n = sum(total.values())
    parts.insert(1, f"<p class='totals'>All papers: {total['held']} of {n} claims held, "
                    f"{total['partly']} partly, {total['not held']} not held.</p>")
    parts.append("</section>")
    return "".join(parts)


def _fmt_claim(value: Any) -> str:
    return "–" if value is None else _fmt(value)


def _run_fields(run: Mapping[str, Any]) -> tuple[str, str, Any, str]:
    """A run's name, status, HTML link and runtime text, as its card and its table row show them.

    Only an ``ok`` or ``failed`` run has a link (an incomplete one's HTML may be stale).
    """
    name = str(run.get("name", "?"))
    status = str(run.get("status", "?"))
    outputs = run.get("outputs") if isinstance(run.get("outputs"), dict) else {}
    link = outputs.get("html") if status in ("ok", "failed") else None
    runtime = run.get("runtime_s")
    return name, status, link, f"{runtime:.1f} s" if isinstance(runtime, int | float) else "–"


def _pairs_html(pairs: Sequence[tuple[str, str]]) -> str:
    """``(label, value)`` pairs as a ``<dl>``; nothing for no pairs."""
    esc = html.escape
    return ("<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)
            + "</dl>") if pairs else ""


def _error_html(err: Any) -> str:
    """``ename in cell In [N]: evalue`` of a run's error (escaped), or nothing without one."""
    if not (isinstance(err, dict) and err):
        return ""
    esc = html.escape
    where = f" in cell In [{err['cell']}]" if "cell" in err else ""
    return f"<b>{esc(str(err.get('ename')))}</b>{esc(where)}: {esc(str(err.get('evalue'))[:500])}"


def _card(run: Mapping[str, Any]) -> str:
    esc = html.escape
    name, status, link, runtime_text = _run_fields(run)
    title = run.get("title") if isinstance(run.get("title"), str) and run.get("title") else name
    thumb = run.get("thumbnail") if status in ("ok", "failed") else None
    img = (f'<img class="thumb" src="{esc(str(thumb))}" alt="Headline figure of {esc(title)}">'
           if isinstance(thumb, str) else "")
    dl = _pairs_html(headline_numbers(run) if status in ("ok", "failed") else [])
    error = _error_html(run.get("error"))
    err_html = f"<div class='error'>{error}</div>" if error else ""
    heading = f'<a href="{esc(str(link))}">{esc(title)}</a>' if link else esc(title)
    paper = _paper(name)[0]
    return (f"<article class='card' id='card-{esc(name)}'><h3>{heading}</h3>"
            f"<p class='meta'>{esc(name)} · {esc(paper)}</p>"
            f"<p class='meta'><span class='{esc(status)}'>{esc(status)}</span> · {runtime_text} · "
            f"profile {esc(str(run.get('profile') or 'default'))}</p>{_flag(run)}{img}{dl}{err_html}"
            "</article>")


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;
text-align:left;vertical-align:top;font-size:.92rem}th{background:#f5f5f5}
.ok{color:#117733;font-weight:600}.failed,.unreadable,.incomplete{color:#bb2222;font-weight:600}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;background:#fff4f4;padding:.4rem;margin:.3rem 0}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:0 .8rem}dt{color:#555}dd{margin:0}
.meta{color:#666;font-size:.85rem;margin:.2rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
.card{border:1px solid #ddd;border-radius:6px;padding:.8rem}.card h3{margin:.1rem 0 .3rem;font-size:1.05rem}
.thumb{width:100%;height:auto;border:1px solid #eee;margin:.4rem 0}
.error{color:#bb2222;font-size:.85rem;margin-top:.4rem}
.v-held{color:#117733;font-weight:600}.v-partly{color:#aa7700;font-weight:600}
.v-notheld{color:#bb2222;font-weight:600}.note{color:#666;font-size:.8rem}
.totals{font-weight:600}
.flag{color:#fff;background:#bb2222;border-radius:4px;padding:.4rem .6rem;margin:.4rem 0;font-size:.85rem}
.flag ul{margin:.2rem 0 0 1.1rem;padding:0}.flag code{color:#fff}
.flag-mark{color:#bb2222;font-weight:600;font-size:.8rem;white-space:nowrap}
"""


def render_index(runs: Sequence[Mapping[str, Any]], *, title: str = "nestlab reports") -> str:
    """HTML of the report index: the scoreboard, a card per notebook, then every recorded value.

    Only an ``ok`` or ``failed`` run links to its HTML (an incomplete one may be stale); failed,
    incomplete and unreadable notebooks keep their card, with their error.
    """
    esc = html.escape
    rows = []
    for run in runs:
        name, status, link, runtime_cell = _run_fields(run)
        name_cell = f'<a href="{esc(str(link))}">{esc(name)}</a>' if link else esc(name)
        results = run.get("results") if isinstance(run.get("results"), dict) else {}
        head_cell = _pairs_html(headline(results) if status in ("ok", "failed") else [])
        err = run.get("error")
        if isinstance(err, dict) and err:
            head_cell += f"<div>{_error_html(err)}</div>"
            if err.get("cell_source"):
                head_cell += f"<pre>{esc(str(err['cell_source'])[:800])}</pre>"
        prof = run.get("profile") or "default"
        rows.append(f'<tr><td>{name_cell}</td><td class="{esc(status)}">{esc(status)}</td>'
                    f"<td>{runtime_cell}</td><td>{esc(str(prof))}</td><td>{head_cell}</td></tr>")
    n_ok = sum(r.get("status") == "ok" for r in runs)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    versions = next((r.get("versions") for r in runs
                     if r.get("status") == "ok" and isinstance(r.get("versions"), dict)), {}) or {}
    vers = ", ".join(f"{k} {v}" for k, v in versions.items() if k != "platform")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{esc(title)}</h1>"
            f"<p class='meta'>{n_ok} of {len(runs)} notebooks ok · index built {stamp}"
            f"{' · ' + esc(vers) if vers else ''}</p>"
            f"{render_scoreboard(runs)}<section id='notebooks'><h2>Notebooks</h2><div class='cards'>"
            f"{''.join(_card(r) for r in runs)}</div></section>"
            "<details id='values'><summary>Every recorded value</summary><table><thead><tr><th>notebook</th><th>status</th><th>runtime</th><th>profile</th>"
            f"<th>recorded values</th></tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
            "</body></html>\n")


def write_index(out_dir: str | Path, *, lock: bool = True) -> Path:
    """Rebuild ``<out_dir>/index.html`` from the results there (atomically, under the folder lock).

    Args:
        out_dir: an existing reports folder.
        lock: take the folder lock; ``False`` only for a caller that already holds it.

    Raises:
        UsageError: ``out_dir`` is not an existing, writable folder.
    """
    folder = check_out_dir(out_dir, must_exist=True)
    if not lock:
        return atomic_write_text(folder / "index.html", _with_sweeps(folder))
    with folder_lock(folder):
        return atomic_write_text(folder / "index.html", _with_sweeps(folder))


def _with_sweeps(folder: Path) -> str:
    page = render_index(load_runs(folder))
    section = render_sweeps(list_sweeps(folder))
    return page.replace("</body>", section + "</body>", 1) if section else page


def list_sweeps(out_dir: str | Path) -> list[dict[str, Any]]:
    """The sweeps of a reports folder: each ``sweeps/NAME/ID/sweep.json`` that reads as an object.

    Never raises for a file's content: an unreadable ``sweep.json`` is listed by its folder only.
    """
    found = []
    for meta in sorted(Path(out_dir).glob("sweeps/*/*/sweep.json")):
        try:
            data = json.loads(meta.read_bytes()[:MAX_RESULTS_BYTES].decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            data = {"summary": "sweep.json unreadable"}
        found.append({**data, "path": f"sweeps/{meta.parent.parent.name}/{meta.parent.name}"})
    return found


def render_sweeps(sweeps: Sequence[Mapping[str, Any]]) -> str:
    """The index's "Sweeps" section: a link to each ``sweep.html`` with its grid and counts."""
    if not sweeps:
        return ""
    esc = html.escape
    rows = []
    for sw in sweeps:
        path = str(sw["path"])
        counts = " · ".join(f"{sw[k]} {k}" for k in ("runs", "ok", "failed")
                            if isinstance(sw.get(k), int) and not isinstance(sw.get(k), bool))
        rows.append(f"<tr><td><a href='{esc(path, quote=True)}/sweep.html'>{esc(path)}</a></td>"
                    f"<td>{esc(str(sw.get('summary', '')))}</td><td>{esc(counts)}</td>"
                    f"<td>{esc(str(sw.get('updated', '')))}</td></tr>")
    return ("<h2 id='sweeps'>Sweeps</h2><table><thead><tr><th>sweep</th><th>grid</th>"
            "<th>runs</th><th>updated</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")
