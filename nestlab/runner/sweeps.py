"""Parameter sweeps: one notebook over a grid of values, resumable, with ``sweep.csv`` and ``sweep.html``.

Runner contract, ``../shared/spec/suite.md`` (``nestlab sweep NAME -p KEY SPEC ...``). A SPEC is

* a comma list, ``0.1,0.2`` (commas inside ``[...]`` / ``{...}`` belong to one value);
* or, for an int or float parameter, a half-open integer range ``START:STOP`` / ``START:STOP:STEP``
  (``0:100`` is 0, 1, ..., 99 — Python's ``range``);
* or one value, which then is fixed for every run.

Several ``-p`` form the product grid. Every value is checked by its parameter's declaration
(:func:`~nestlab.runner.params.check_value`, through :func:`~nestlab.runner.catalogue.plan_runs`
for unknown names) before any kernel starts: the same refusals as ``nestlab run``, plus an empty
range or a value given twice.

Layout (``<sweep-id>`` is a hash of the notebook name, profile and grid, so running the same sweep
again lands in the same folder)::

    OUT/sweeps/NAME/<sweep-id>/
        sweep.json          what was asked, the runs, when
        runs/<run-key>/     NAME.ipynb, NAME.results.json (NAME.html with --html)
        sweep.csv           one row per run: parameters, status, runtime, scalar results flattened
        sweep.html          per-metric n/mean/sd/quantiles, a plot per metric, the failures

A run's key hashes the notebook's content and the run's full parameters, so a run is done when
its folder holds an ``ok`` report (:func:`~nestlab.runner.site.read_run`: checksums verified):
re-running the sweep skips it; a failed run is run again; an edited notebook makes new keys.
Each run is published all-or-nothing into its own folder
(:mod:`nestlab.runner.publication`) by the parallel loop (:mod:`nestlab.runner.parallel`).
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import hashlib
import html
import io
import itertools
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from nestlab.record import to_jsonable
from nestlab.runner.catalogue import NotebookInfo, RunPlan, plan_runs
from nestlab.runner.errors import UsageError
from nestlab.runner.execution import NotebookRun, check_timeout
from nestlab.runner.files import atomic_write_text, check_out_dir, folder_lock
from nestlab.runner.parallel import Job, check_jobs, execute_jobs, make_backend
from nestlab.runner.params import ParamSpec, check_value
from nestlab.runner.publication import sweep as sweep_stale
from nestlab.runner.site import read_run, write_index

__all__ = [
    "MAX_RUNS",
    "REPLICATE_RE",
    "Axis",
    "SweepPlan",
    "SweepResult",
    "SweepRun",
    "parse_spec",
    "plan_sweep",
    "render_sweep_html",
    "run_key",
    "run_sweep",
    "sweep_rows",
    "write_sweep_csv",
]

#: the most runs one sweep may have (a typo like 0:10000000 is refused, not queued)
MAX_RUNS = 10_000
#: parameters that only replicate a run (plotted as a histogram, not as an axis)
REPLICATE_RE = re.compile(r"(?:^|_)(?:seed|rep|replicate|repeat)s?(?:$|_)")
_RANGE_RE = re.compile(r"\s*([+-]?[0-9]+)\s*:\s*([+-]?[0-9]+)\s*(?::\s*([+-]?[0-9]+)\s*)?")


@dataclass(frozen=True)
class Axis:
    """One ``-p KEY SPEC`` of a sweep: the values (checked) and how to show them."""

    key: str
    values: tuple[Any, ...]
    text: str

    @property
    def varies(self) -> bool:
        return len(self.values) > 1


class SweepRun(NamedTuple):
    """One point of the grid: its key, the grid values, the validated plan."""

    key: str
    values: dict[str, Any]
    plan: RunPlan


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the notebook, its axes and every run."""

    info: NotebookInfo
    profile: str | None
    axes: tuple[Axis, ...]
    runs: tuple[SweepRun, ...]
    sweep_id: str

    def summary(self) -> str:
        """``100 runs: seed=0..99`` (``×`` between axes)."""
        grid = " × ".join(f"{a.key}={a.text}" for a in self.axes) or "the defaults"
        n = len(self.runs)
        return f"{n} run{'s' if n != 1 else ''}: {grid}"


class SweepResult(NamedTuple):
    """What :func:`run_sweep` did: the sweep folder, rows of ``sweep.csv``, runs executed, skipped."""

    path: Path
    rows: list[dict[str, Any]]
    executed: list[NotebookRun]
    skipped: int

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["status"] != "ok"]


# ----------------------------------------------------------------------------- the grammar


def _split_top(text: str) -> list[str]:
    """Split at commas that are not inside brackets or braces."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _numeric(spec: ParamSpec) -> bool:
    return spec.kind in ("int", "float") or (
        spec.kind == "choice" and bool(spec.choices)
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in spec.choices))


def parse_spec(key: str, text: Any, spec: ParamSpec, *, where: str = "") -> tuple[tuple[Any, ...], str]:
    """The values of one ``-p KEY SPEC`` (each checked by ``spec``) and how to show them.

    Raises:
        UsageError: an empty range or list element, a zero step, a repeated value, more than
            :data:`MAX_RUNS` values, or a value the parameter refuses.
    """
    prefix = f"{where}: " if where else ""
    if not isinstance(text, str):
        values = [check_value(key, spec, text, where=where)]
        return tuple(values), repr(values[0])
    m = _RANGE_RE.fullmatch(text) if _numeric(spec) else None
    if m:
        start, stop = int(m.group(1)), int(m.group(2))
        step = int(m.group(3)) if m.group(3) is not None else 1
        if step <= 0:
            raise UsageError(f"{prefix}invalid range {text!r} for {key}: step {step}; valid values: "
                             "START:STOP or START:STOP:STEP with STEP >= 1 (half-open, like range)")
        raw = range(start, stop, step)
        if len(raw) == 0:
            raise UsageError(f"{prefix}empty range {text!r} for {key}: START:STOP is half-open, so "
                             f"STOP must be above START (e.g. {start}:{start + 1} is {start} alone)")
        if len(raw) > MAX_RUNS:
            raise UsageError(f"{prefix}range {text!r} for {key} has {len(raw)} values; valid: at "
                             f"most {MAX_RUNS} runs per sweep")
        values = [check_value(key, spec, v, where=where) for v in raw]
        last = raw[-1]
        shown = f"{start}..{last}" + (f" step {step}" if step != 1 else "")
        return tuple(values), shown
    items = _split_top(text)
    if any(not item for item in items):
        raise UsageError(f"{prefix}invalid sweep values {text!r} for {key}: an empty element; valid "
                         "values: a comma list (0.1,0.2), a range START:STOP[:STEP], or one value")
    if len(items) > MAX_RUNS:
        raise UsageError(f"{prefix}{len(items)} values for {key}; valid: at most {MAX_RUNS}")
    values = [check_value(key, spec, item, where=where) for item in items]
    seen: list[Any] = []
    for item, v in zip(items, values, strict=True):
        if v in seen and not (isinstance(v, float) and math.isnan(v)):
            raise UsageError(f"{prefix}value {item!r} of {key} is given twice in {text!r}; "
                             "give each value once")
        seen.append(v)
    return tuple(values), ",".join(items)


def _hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else
                      json.dumps(to_jsonable(part), sort_keys=True).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def run_key(notebook: bytes, parameters: Mapping[str, Any]) -> str:
    """The key of one run: a hash of the notebook's bytes and its full parameters (16 hex)."""
    return _hash(notebook, dict(parameters))[:16]


def plan_sweep(
    name: str,
    grid: Sequence[tuple[str, Any]],
    *,
    profile: str | None = None,
    notebooks: str | Path | None = None,
) -> SweepPlan:
    """Validate a sweep request: every run of the product grid, before any kernel starts.

    Args:
        name: one notebook.
        grid: ``(KEY, SPEC)`` pairs, in order (the first varies slowest).
        profile: a profile applied under the grid.
        notebooks: the notebooks folder (default: the suite's).

    Raises:
        UsageError: what ``nestlab run`` refuses (unknown notebook, profile or parameter, a value
            of the wrong type or out of range), an empty range, a repeated value or key, a grid
            of more than :data:`MAX_RUNS` runs.
    """
    if not isinstance(name, str):
        raise UsageError(f"invalid notebook name {name!r}; a sweep runs one notebook")
    pairs = [tuple(p) if isinstance(p, tuple | list) and len(p) == 2 else p for p in grid]
    (base,) = plan_runs([name], profile=profile, notebooks=notebooks)
    info = base.info
    # unknown or repeated keys: exactly run's refusals (each key given its valid default)
    plan_runs([name], profile=profile, notebooks=notebooks,
              overrides=[(p[0], info.parameters.get(p[0], "0")) if isinstance(p, tuple) else p
                         for p in pairs])
    base_params = {k: v for k, v in base.parameters.items() if k not in dict(pairs)}
    axes = []
    for key, text in pairs:
        values, shown = parse_spec(key, text, info.specs[key], where=f"notebook {info.name!r} (-p)")
        axes.append(Axis(key, values, shown))
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_RUNS:
        raise UsageError(f"the grid has {total} runs; valid: at most {MAX_RUNS} per sweep")
    content = info.path.read_bytes()
    runs = []
    for combo in itertools.product(*(a.values for a in axes)):
        values = dict(zip((a.key for a in axes), combo, strict=True))
        params = {**base_params, **values}
        plan = RunPlan(info, params, profile)
        runs.append(SweepRun(run_key(content, {**info.parameters, **params}), values, plan))
    sweep_id = _hash(info.name, profile, [(a.key, list(a.values)) for a in axes])[:12]
    return SweepPlan(info, profile, tuple(axes), tuple(runs), sweep_id)


# ----------------------------------------------------------------------------- results


def _flatten(results: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in results.items():
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{prefix}{key}.")
        elif value is None or isinstance(value, bool | int | float | str):
            yield f"{prefix}{key}", value


def sweep_rows(plan: SweepPlan, sweep_dir: str | Path) -> list[dict[str, Any]]:
    """One row per run of ``plan`` from what its folder holds (``missing`` if not run yet)."""
    rows = []
    for run in plan.runs:
        data = read_run(Path(sweep_dir) / "runs" / run.key / f"{plan.info.name}.results.json") \
            if (Path(sweep_dir) / "runs" / run.key / f"{plan.info.name}.results.json").exists() \
            else {"status": "missing", "error": {"ename": "NotRun", "evalue": "not run yet"}}
        row: dict[str, Any] = {"run": run.key, **run.values, "status": data.get("status", "?"),
                               "runtime_s": data.get("runtime_s")}
        results = data.get("results") if isinstance(data.get("results"), dict) else {}
        row["_results"] = dict(_flatten(results))
        err = data.get("error") if isinstance(data.get("error"), dict) else None
        row["error"] = "" if not err or row["status"] == "ok" else (
            f"{err.get('ename')}: {str(err.get('evalue'))[:300]}"
            + (f" (cell In [{err['cell']}])" if "cell" in err else ""))
        outputs = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
        row["_link"] = (f"runs/{run.key}/{outputs['html']}" if "html" in outputs
                        else f"runs/{run.key}/{outputs['notebook']}" if "notebook" in outputs
                        else None)
        rows.append(row)
    return rows


def _metric_names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(k for r in rows for k in r["_results"]))


def write_sweep_csv(plan: SweepPlan, rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """``sweep.csv``: run, the grid parameters, status, runtime_s, every scalar result, error."""
    metrics = _metric_names(rows)
    header = ["run", *(a.key for a in plan.axes), "status", "runtime_s", *metrics, "error"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r["run"], *(r[a.key] for a in plan.axes), r["status"],
                         "" if r["runtime_s"] is None else r["runtime_s"],
                         *("" if r["_results"].get(m) is None else r["_results"][m]
                           for m in metrics), r["error"]])
    return atomic_write_text(path, buf.getvalue())


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _stats(values: Sequence[float]) -> dict[str, float]:
    import numpy as np  # numpy loads in ~0.1 s: only when there is something to summarise

    a = np.asarray(values, dtype=float)
    q = np.quantile(a, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {"n": len(a), "mean": float(a.mean()), "sd": float(a.std(ddof=1)) if len(a) > 1 else
            math.nan, "min": float(a.min()), "q05": q[0], "q25": q[1], "median": q[2], "q75": q[3],
            "q95": q[4], "max": float(a.max())}


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plot(plan: SweepPlan, rows: Sequence[Mapping[str, Any]], metric: str) -> tuple[str, str] | None:
    """A plot of one metric over the ok runs (data URI, alt text); ``None`` with under 2 points."""
    import numpy as np

    from nestlab.plots import figure  # matplotlib: only when a page is drawn

    pts = [r for r in rows if r["status"] == "ok" and _is_number(r["_results"].get(metric))]
    if len(pts) < 2:
        return None
    axes = [a for a in plan.axes if a.varies and not REPLICATE_RE.search(a.key)]
    y = np.array([r["_results"][metric] for r in pts], dtype=float)
    fig, ax = figure(width=5.2, height=3.4)
    if len(axes) == 2:
        a, b = axes
        grid = np.full((len(a.values), len(b.values)), np.nan)
        for i, va in enumerate(a.values):
            for j, vb in enumerate(b.values):
                sel = [v for r, v in zip(pts, y, strict=True) if r[a.key] == va and r[b.key] == vb]
                if sel:
                    grid[i, j] = float(np.mean(sel))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(b.values)), [str(v) for v in b.values])
        ax.set_yticks(range(len(a.values)), [str(v) for v in a.values])
        ax.set_xlabel(b.key)
        ax.set_ylabel(a.key)
        fig.colorbar(im, ax=ax, label=f"mean {metric}")
        alt = (f"heatmap of the mean of {metric} over {a.key} (rows: {a.text}) and {b.key} "
               f"(columns: {b.text}), {len(pts)} runs")
    elif len(axes) == 1:
        (a,) = axes
        xs = list(a.values)
        numeric = all(_is_number(v) for v in xs)
        pos = [float(v) for v in xs] if numeric else list(range(len(xs)))
        means, sds = [], []
        for v in xs:
            sel = np.array([yy for r, yy in zip(pts, y, strict=True) if r[a.key] == v])
            means.append(sel.mean() if len(sel) else np.nan)
            sds.append(sel.std(ddof=1) if len(sel) > 1 else 0.0)
        means, sds = np.array(means), np.array(sds)
        ax.plot(pos, means, marker="o", label="mean")
        ax.fill_between(pos, means - sds, means + sds, alpha=0.25, label="± 1 sd")
        if not numeric:
            ax.set_xticks(pos, [str(v) for v in xs])
        ax.set_xlabel(a.key)
        ax.set_ylabel(metric)
        ax.legend(frameon=False)
        alt = (f"mean of {metric} (line) with a band of ± one standard deviation along {a.key} "
               f"({a.text}), {len(pts)} runs")
    else:
        ax.hist(y, bins=min(30, max(5, int(math.sqrt(len(y))) + 1)))
        ax.set_xlabel(metric)
        ax.set_ylabel("runs")
        over = " × ".join(f"{a.key}={a.text}" for a in plan.axes if a.varies) or "the runs"
        alt = f"histogram of {metric} over {len(pts)} runs ({over})"
    return _png(fig), alt


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:.35rem .55rem;text-align:right;
font-size:.9rem}th{background:#f5f5f5}td.l,th.l{text-align:left}.failed,.missing{color:#bb2222;font-weight:600}
figure{display:inline-block;margin:.5rem 1rem .5rem 0}figcaption{font-size:.85rem;color:#555;max-width:470px}
.meta{color:#666;font-size:.85rem}code{font-family:ui-monospace,Menlo,Consolas,monospace}
"""


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def render_sweep_html(plan: SweepPlan, rows: Sequence[Mapping[str, Any]]) -> str:
    """``sweep.html``: the grid, per-metric statistics and plots (embedded PNG), the failures."""
    esc = html.escape
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] != "ok"]
    metrics = [m for m in _metric_names(ok) if any(_is_number(r["_results"].get(m)) for r in ok)]
    cols = ("n", "mean", "sd", "min", "q05", "q25", "median", "q75", "q95", "max")
    stat_rows, figures = [], []
    for m in metrics:
        vals = [r["_results"][m] for r in ok if _is_number(r["_results"].get(m))]
        st = _stats(vals)
        stat_rows.append(f"<tr><td class='l'><code>{esc(m)}</code></td>"
                         + "".join(f"<td>{esc(_fmt(st[c]))}</td>" for c in cols) + "</tr>")
        drawn = _plot(plan, rows, m)
        if drawn is not None:
            uri, alt = drawn
            figures.append(f"<figure><img src='{uri}' alt='{esc(alt, quote=True)}'>"
                           f"<figcaption>{esc(alt)}</figcaption></figure>")
    fail_rows = []
    for r in bad:
        params = ", ".join(f"{a.key}={r[a.key]!r}" for a in plan.axes)
        link = f"<a href='{esc(r['_link'], quote=True)}'>{esc(r['run'])}</a>" if r["_link"] else \
            esc(r["run"])
        fail_rows.append(f"<tr><td class='l'>{link}</td><td class='l'>{esc(params)}</td>"
                         f"<td class='l {esc(r['status'])}'>{esc(r['status'])}</td>"
                         f"<td class='l'>{esc(r['error'])}</td></tr>")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = f"sweep of {plan.info.name}"
    stats_html = ("<table><thead><tr><th class='l'>metric</th>"
                  + "".join(f"<th>{c}</th>" for c in cols) + "</tr></thead><tbody>"
                  + "".join(stat_rows) + "</tbody></table>") if stat_rows else \
        "<p>No numeric results recorded by an ok run yet.</p>"
    fails_html = ("<table><thead><tr><th class='l'>run</th><th class='l'>parameters</th>"
                  "<th class='l'>status</th><th class='l'>error</th></tr></thead><tbody>"
                  + "".join(fail_rows) + "</tbody></table>") if fail_rows else "<p>None.</p>"
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{esc(title)}</h1>"
            f"<p>{esc(plan.summary())}{' · profile ' + esc(plan.profile) if plan.profile else ''}"
            f" · <b>{len(ok)} ok</b>, {len(bad)} failed or not run · "
            "<a href='sweep.csv'>sweep.csv</a></p>"
            f"<p class='meta'>sweep {esc(plan.sweep_id)} · built {stamp}</p>"
            f"<h2>Metrics</h2>{stats_html}<h2>Plots</h2>{''.join(figures) or '<p>None.</p>'}"
            f"<h2>Failures</h2>{fails_html}</body></html>\n")


def _write_summary(plan: SweepPlan, sweep_dir: Path) -> list[dict[str, Any]]:
    rows = sweep_rows(plan, sweep_dir)
    with folder_lock(sweep_dir):
        write_sweep_csv(plan, rows, sweep_dir / "sweep.csv")
        atomic_write_text(sweep_dir / "sweep.html", render_sweep_html(plan, rows))
        meta = {"notebook": plan.info.name, "sweep_id": plan.sweep_id, "profile": plan.profile,
                "summary": plan.summary(), "grid": {a.key: list(a.values) for a in plan.axes},
                "runs": len(rows), "ok": sum(r["status"] == "ok" for r in rows),
                "failed": sum(r["status"] not in ("ok", "missing") for r in rows),
                "notebook_sha256": hashlib.sha256(plan.info.path.read_bytes()).hexdigest(),
                "updated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
        atomic_write_text(sweep_dir / "sweep.json", json.dumps(to_jsonable(meta), indent=2))
    return rows


def run_sweep(
    name: str,
    grid: Sequence[tuple[str, Any]],
    *,
    profile: str | None = None,
    notebooks: str | Path | None = None,
    out_dir: str | Path = "reports",
    jobs: int = 1,
    scheduler: str | None = None,
    tls_ca: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    html: bool = False,
    timeout: int | None = None,
    progress: bool = True,
) -> SweepResult:
    """Run a sweep (see the module docstring); completed runs are skipped.

    ``sweep.csv``, ``sweep.html`` and the reports index are rewritten at the end — also when the
    sweep is interrupted, then with the runs published so far (run it again to resume).

    Raises:
        UsageError: before any kernel starts, see :func:`plan_sweep`; a bad ``jobs``,
            ``timeout``, output folder or scheduler.
    """
    plan = plan_sweep(name, grid, profile=profile, notebooks=notebooks)
    timeout = check_timeout(timeout)
    jobs = check_jobs(jobs)
    check_out_dir(out_dir, name="--out")
    print(plan.summary(), file=sys.stderr, flush=True)
    out = check_out_dir(out_dir, name="--out", create=True)
    sweep_dir = out / "sweeps" / plan.info.name / plan.sweep_id
    todo, skipped = [], 0
    for run in plan.runs:
        run_dir = sweep_dir / "runs" / run.key
        results = run_dir / f"{plan.info.name}.results.json"
        if results.is_file() and read_run(results).get("status") == "ok":
            skipped += 1
            continue
        todo.append(run)
    if skipped and progress:
        print(f"{skipped} of {len(plan.runs)} runs done already (skipped); {len(todo)} to run",
              file=sys.stderr, flush=True)
    backend = make_backend(jobs, scheduler=scheduler, timeout=timeout, tls_ca=tls_ca,
                           tls_cert=tls_cert, tls_key=tls_key, progress=progress) if todo else None
    work = []
    for i, run in enumerate(todo, 1):
        run_dir = sweep_dir / "runs" / run.key
        run_dir.mkdir(parents=True, exist_ok=True)
        with folder_lock(run_dir):
            sweep_stale(run_dir)
        work.append(Job(run.plan, run_dir, f"[{i}/{len(todo)}] {plan.info.name}", html=html))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    executed: list[NotebookRun] = []
    try:
        if backend is not None:
            if progress:
                print(f"running on {backend.describe()}", file=sys.stderr, flush=True)
            executed = execute_jobs(work, backend, progress=progress)
    finally:
        rows = _write_summary(plan, sweep_dir)
        write_index(out)
    if progress:
        print(f"sweep: {sweep_dir / 'sweep.html'}", file=sys.stderr, flush=True)
    return SweepResult(sweep_dir, rows, executed, skipped)
