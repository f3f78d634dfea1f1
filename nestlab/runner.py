"""Headless execution of the numbered notebooks and publication of HTML reports.

The runner contract (``../shared/spec/suite.md``):

* :func:`discover` finds ``notebooks/NN_name.ipynb`` and reads each notebook's ``parameters``
  cell (plain literals) as its parameters and defaults.
* :func:`plan_runs` resolves names, a profile (``notebooks/profiles/<profile>.yaml``) and
  ``-p KEY VALUE`` overrides, and refuses — before any kernel starts — unknown notebook names,
  unknown profiles, unknown parameters and values of the wrong type (:class:`UsageError`).
* :func:`execute` runs one notebook with papermill and writes ``NAME.ipynb``, ``NAME.html``
  (nbconvert, lab template, images embedded, readable offline) and ``NAME.results.json``
  (recorded values, status, runtime, parameters, package versions). A notebook that raises is
  reported as failed with the exception and the cell; it never stops the others.
* :func:`build_index` rebuilds ``index.html`` from every ``*.results.json`` in the folder.

Every file is written atomically (temporary file in the same folder, then :func:`os.replace`).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import html
import json
import os
import platform
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
import yaml

from nestlab.paths import notebooks_dir as _default_notebooks_dir
from nestlab.paths import project_root
from nestlab.record import read_results, to_jsonable

NOTEBOOK_RE = re.compile(r"^\d\d_[A-Za-z0-9_]+$")
VERSIONED_PACKAGES = ("nestlab", "numpy", "scipy", "torch", "jax", "numpyro", "arviz",
                      "matplotlib", "papermill", "nbconvert")
_MISSING = object()


class UsageError(ValueError):
    """A request the runner refuses before starting any kernel (CLI exit status 2)."""


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the suite and its parameters (name -> default value)."""

    name: str
    path: Path
    parameters: dict[str, Any]
    title: str = ""


@dataclass(frozen=True)
class RunPlan:
    """A validated request to execute one notebook."""

    info: NotebookInfo
    parameters: dict[str, Any]  # only the values that differ from the notebook's own cell
    profile: str | None


@dataclass
class NotebookRun:
    """The outcome of executing one notebook."""

    name: str
    status: str  # "ok" | "failed"
    runtime_s: float
    parameters: dict[str, Any]
    profile: str | None
    results: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    started_at: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return to_jsonable({
            "name": self.name, "status": self.status, "runtime_s": round(self.runtime_s, 3),
            "parameters": self.parameters, "profile": self.profile, "results": self.results,
            "error": self.error, "outputs": self.outputs, "versions": self.versions,
            "started_at": self.started_at,
        })


# ----------------------------------------------------------------------------- discovery


def parse_parameters(source: str) -> dict[str, Any]:
    """Parse a ``parameters`` cell: ``NAME = literal`` lines (comments and blank lines allowed).

    Raises:
        ValueError: if the cell holds anything but assignments of literals to plain names.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"parameters cell is not valid Python: {exc}") from exc
    params: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            raise ValueError(f"parameters cell line {node.lineno}: only `name = literal` assignments are allowed")
        try:
            params[target] = ast.literal_eval(value)
        except ValueError as exc:
            raise ValueError(f"parameters cell: {target} is not a plain literal") from exc
    return params


def _notebook_title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def read_notebook_info(path: Path) -> NotebookInfo:
    """Read one notebook's name, parameters (from the cell tagged ``parameters``) and title."""
    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    return NotebookInfo(path.stem, path, parse_parameters(cells[0].source), _notebook_title(nb))


def discover(directory: str | Path | None = None) -> dict[str, NotebookInfo]:
    """All notebooks ``NN_name.ipynb`` of ``directory`` (default: the suite's), sorted by name."""
    folder = Path(directory) if directory is not None else _default_notebooks_dir()
    found: dict[str, NotebookInfo] = {}
    for path in sorted(folder.glob("*.ipynb")):
        if NOTEBOOK_RE.match(path.stem):
            found[path.stem] = read_notebook_info(path)
    return found


def available_profiles(directory: str | Path | None = None) -> list[str]:
    """Profile names: the ``*.yaml`` files in ``<notebooks>/profiles``."""
    folder = Path(directory) if directory is not None else _default_notebooks_dir()
    return sorted(p.stem for p in (folder / "profiles").glob("*.yaml"))


def load_profile(profile: str, directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Per-notebook overrides of a profile (``{notebook: {parameter: value}}``)."""
    folder = Path(directory) if directory is not None else _default_notebooks_dir()
    choices = available_profiles(folder)
    if profile not in choices:
        raise UsageError(f"unknown profile {profile!r}; valid profiles: {', '.join(choices) or '(none)'}")
    data = yaml.safe_load((folder / "profiles" / f"{profile}.yaml").read_text()) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict | type(None)) for v in data.values()):
        raise UsageError(f"profile {profile!r} must map notebook names to {{parameter: value}} mappings")
    return {str(k): dict(v or {}) for k, v in data.items()}


# ----------------------------------------------------------------------------- validation


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def coerce_value(name: str, key: str, default: Any, value: Any) -> Any:
    """Check ``value`` against the type of the notebook's default; return it coerced.

    Strings from the command line are read as YAML scalars first (``3`` -> int, ``0.5`` -> float,
    ``true`` -> bool, ``[1, 2]`` -> list). An int is accepted where a float is expected.

    Raises:
        UsageError: if the type does not match.
    """
    if isinstance(value, str) and not isinstance(default, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            pass
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list | tuple)
        value = type(default)(value) if ok else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise UsageError(
            f"parameter {key!r} of notebook {name!r} expects {_type_name(default)} "
            f"(default {default!r}), got {value!r} ({_type_name(value)})"
        )
    return value


def _check_keys(info: NotebookInfo, keys: Iterable[str], origin: str) -> None:
    unknown = [k for k in keys if k not in info.parameters]
    if unknown:
        valid = ", ".join(f"{k}={v!r}" for k, v in info.parameters.items())
        raise UsageError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for notebook {info.name!r} ({origin}); valid parameters: {valid}"
        )


def plan_runs(
    names: Sequence[str] = (),
    *,
    profile: str | None = None,
    overrides: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
    notebooks: str | Path | None = None,
) -> list[RunPlan]:
    """Validate a run request and return one :class:`RunPlan` per notebook.

    Args:
        names: notebook names (``"10_actor_policy"``; a trailing ``.ipynb`` is allowed); empty
            means every notebook.
        profile: a profile name (``smoke``, ``paper``) or ``None`` for the notebooks' defaults.
        overrides: ``KEY -> VALUE`` applied to every selected notebook after the profile; each key
            must be a parameter of each selected notebook.
        notebooks: the notebooks folder (default: the suite's).

    Raises:
        UsageError: unknown notebook, profile or parameter, or a value of the wrong type.
    """
    catalogue = discover(notebooks)
    if not catalogue:
        raise UsageError(f"no notebooks found in {notebooks or _default_notebooks_dir()}")
    wanted = [n.removesuffix(".ipynb") for n in names] or list(catalogue)
    unknown = [n for n in wanted if n not in catalogue]
    if unknown:
        raise UsageError(
            f"unknown notebook{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid notebooks: {', '.join(catalogue)}"
        )
    prof = load_profile(profile, notebooks if notebooks is not None else None) if profile else {}
    pairs = list(overrides.items()) if isinstance(overrides, Mapping) else list(overrides)
    plans = []
    for name in dict.fromkeys(wanted):
        info = catalogue[name]
        params: dict[str, Any] = {}
        from_profile = prof.get(name, {})
        _check_keys(info, from_profile, f"profile {profile!r}")
        for key, value in from_profile.items():
            params[key] = coerce_value(name, key, info.parameters[key], value)
        _check_keys(info, [k for k, _ in pairs], "-p")
        for key, value in pairs:
            params[key] = coerce_value(name, key, info.parameters[key], value)
        plans.append(RunPlan(info, params, profile))
    return plans


# ----------------------------------------------------------------------------- atomic writes


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


# ----------------------------------------------------------------------------- execution


def package_versions() -> dict[str, str]:
    """Versions of the packages that determine a run, plus Python, platform and core count."""
    out = {"python": platform.python_version(), "platform": platform.platform(),
           "cpu_count": str(os.cpu_count())}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _failure_from_notebook(nb: nbformat.NotebookNode | None, exc: BaseException) -> dict[str, Any]:
    """Exception name/value and the failing cell (index and source) of an executed notebook."""
    error: dict[str, Any] = {"ename": getattr(exc, "ename", type(exc).__name__),
                             "evalue": str(getattr(exc, "evalue", exc))[:2000]}
    if nb is not None:
        for idx, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    error.update(ename=out.get("ename", error["ename"]),
                                 evalue=str(out.get("evalue", ""))[:2000],
                                 cell=cell.get("execution_count") or idx,
                                 cell_source=cell.source[:1500])
                    return error
    error["traceback"] = "".join(traceback.format_exception(exc))[-3000:]
    return error


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Environment the kernel inherits: headless flag, absolute cache folder, quiet debugger."""
    wanted = {"NESTLAB_HEADLESS": "1",
              "NESTLAB_CACHE": os.environ.get("NESTLAB_CACHE", str(project_root() / ".nestlab-cache")),
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def to_html(notebook_path: str | Path) -> str:
    """Render an executed notebook as self-contained HTML (lab template, images embedded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_filename(str(notebook_path))
    # require.js only serves live widget/JS outputs, which an offline report cannot show anyway
    return re.sub(r'<script src="https://[^"]*require[^"]*"></script>\s*', "", body)


def execute(
    plan: RunPlan,
    out_dir: str | Path,
    *,
    progress: bool = True,
    timeout: int | None = None,
    kernel_name: str | None = None,
) -> NotebookRun:
    """Execute one planned notebook and write its ``.ipynb``, ``.html`` and ``.results.json``.

    Never raises for a failure inside the notebook: the run is returned (and written) with
    ``status="failed"`` and the error's name, message and cell.
    """
    import papermill as pm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = plan.info.name
    final_nb = out / f"{name}.ipynb"
    fd, tmp_nb = tempfile.mkstemp(prefix=f".{name}.", suffix=".ipynb", dir=out)
    os.close(fd)
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    error = None
    executed: nbformat.NotebookNode | None = None
    try:
        try:
            with _kernel_environment():
                executed = pm.execute_notebook(
                    str(plan.info.path), tmp_nb, parameters=dict(plan.parameters),
                    cwd=str(plan.info.path.parent), progress_bar=progress, log_output=False,
                    execution_timeout=timeout, kernel_name=kernel_name,
                )
        except Exception as exc:  # noqa: BLE001 — any failure is reported, never propagated
            try:
                executed = nbformat.read(tmp_nb, as_version=4)
            except Exception:  # noqa: BLE001
                executed = None
            error = _failure_from_notebook(executed, exc)
        runtime = time.perf_counter() - t0
        run = NotebookRun(name=name, status="ok" if error is None else "failed", runtime_s=runtime,
                          parameters={**plan.info.parameters, **plan.parameters},
                          profile=plan.profile, error=error, versions=package_versions(),
                          started_at=started)
        if executed is not None:
            run.results = read_results(executed)
            os.replace(tmp_nb, final_nb)
            run.outputs["notebook"] = final_nb.name
            try:
                atomic_write_text(out / f"{name}.html", to_html(final_nb))
                run.outputs["html"] = f"{name}.html"
            except Exception as exc:  # noqa: BLE001
                run.status = "failed"
                run.error = run.error or {"ename": type(exc).__name__,
                                          "evalue": f"HTML conversion failed: {exc}"}
    finally:
        if os.path.exists(tmp_nb):
            os.unlink(tmp_nb)
    atomic_write_text(out / f"{name}.results.json", json.dumps(run.to_json(), indent=2))
    return run


def run_notebooks(
    names: Sequence[str] = (),
    *,
    profile: str | None = None,
    overrides: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
    out_dir: str | Path = "reports",
    notebooks: str | Path | None = None,
    progress: bool = True,
    timeout: int | None = None,
    build_index: bool = True,
) -> list[NotebookRun]:
    """Validate, then execute each notebook in turn; one failure never stops the others.

    Raises:
        UsageError: before any kernel starts, for an invalid request (see :func:`plan_runs`).
    """
    plans = plan_runs(names, profile=profile, overrides=overrides, notebooks=notebooks)
    runs = []
    for i, plan in enumerate(plans, 1):
        label = f"[{i}/{len(plans)}] {plan.info.name}"
        if progress:
            shown = ", ".join(f"{k}={v!r}" for k, v in plan.parameters.items())
            print(f"{label} ... running{f' ({shown})' if shown else ''}", file=sys.stderr, flush=True)
        run = execute(plan, out_dir, progress=progress, timeout=timeout)
        runs.append(run)
        if progress:
            msg = f"{label}: {run.status} in {run.runtime_s:.1f} s"
            if run.error:
                msg += f" — {run.error.get('ename')}: {str(run.error.get('evalue'))[:200]}"
                if "cell" in run.error:
                    msg += f" (cell In [{run.error['cell']}])"
            print(msg, file=sys.stderr, flush=True)
        if build_index:
            write_index(out_dir)
    return runs


# ----------------------------------------------------------------------------- index


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


def load_runs(out_dir: str | Path) -> list[dict[str, Any]]:
    """Every readable ``*.results.json`` of a reports folder, sorted by notebook name."""
    runs = []
    for path in sorted(Path(out_dir).glob("*.results.json")):
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            runs.append({"name": path.name.removesuffix(".results.json"), "status": "unreadable",
                         "error": {"ename": type(exc).__name__, "evalue": str(exc)}})
    return runs


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;
text-align:left;vertical-align:top;font-size:.92rem}th{background:#f5f5f5}
.ok{color:#117733;font-weight:600}.failed,.unreadable{color:#bb2222;font-weight:600}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;background:#fff4f4;padding:.4rem;margin:.3rem 0}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:0 .8rem}dt{color:#555}dd{margin:0}
.meta{color:#666;font-size:.85rem}
"""


def render_index(runs: Sequence[Mapping[str, Any]], *, title: str = "nestlab reports") -> str:
    """HTML of the report index: one row per notebook (status, runtime, headline numbers, link)."""
    esc = html.escape
    rows = []
    for run in runs:
        name = str(run.get("name", "?"))
        status = str(run.get("status", "?"))
        link = run.get("outputs", {}).get("html") if isinstance(run.get("outputs"), dict) else None
        name_cell = f'<a href="{esc(link)}">{esc(name)}</a>' if link else esc(name)
        runtime = run.get("runtime_s")
        runtime_cell = f"{runtime:.1f} s" if isinstance(runtime, int | float) else "–"
        heads = headline(run.get("results") or {})
        head_cell = ("<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in heads)
                     + "</dl>") if heads else ""
        err = run.get("error")
        if err:
            where = f" in cell In [{err['cell']}]" if "cell" in err else ""
            head_cell += (f"<div><b>{esc(str(err.get('ename')))}</b>{esc(where)}: "
                          f"{esc(str(err.get('evalue'))[:500])}</div>")
            if err.get("cell_source"):
                head_cell += f"<pre>{esc(err['cell_source'][:800])}</pre>"
        prof = run.get("profile") or "default"
        rows.append(f'<tr><td>{name_cell}</td><td class="{esc(status)}">{esc(status)}</td>'
                    f"<td>{runtime_cell}</td><td>{esc(prof)}</td><td>{head_cell}</td></tr>")
    n_ok = sum(r.get("status") == "ok" for r in runs)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    versions = next((r.get("versions") for r in runs if r.get("versions")), {}) or {}
    vers = ", ".join(f"{k} {v}" for k, v in versions.items() if k != "platform")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{esc(title)}</h1>"
            f"<p class='meta'>{n_ok} of {len(runs)} notebooks ok · index built {stamp}"
            f"{' · ' + esc(vers) if vers else ''}</p>"
            "<table><thead><tr><th>notebook</th><th>status</th><th>runtime</th><th>profile</th>"
            f"<th>headline numbers</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</body></html>\n")


def write_index(out_dir: str | Path) -> Path:
    """Rebuild ``<out_dir>/index.html`` from the ``*.results.json`` files there (atomically)."""
    return atomic_write_text(Path(out_dir) / "index.html", render_index(load_runs(out_dir)))
