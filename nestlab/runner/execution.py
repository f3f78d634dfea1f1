"""Headless execution of planned notebooks with papermill, one failure never stopping the others.

* :func:`execute` runs one :class:`~nestlab.runner.catalogue.RunPlan` into a folder and writes
  ``NAME.ipynb``, ``NAME.html`` (:func:`~nestlab.runner.export.to_html`) and
  ``NAME.results.json`` (recorded values, status, runtime, parameters, package versions, and the
  SHA-256 of the two reports). A notebook that raises is reported as failed with the exception
  and the cell.
* :func:`run_notebooks` validates the whole request first (plans, ``timeout``, the output
  folder — before any kernel starts), sweeps stale temporary files, then executes each notebook
  into its own staging folder and publishes its three files together
  (:mod:`nestlab.runner.publication`), rebuilding ``index.html`` after each.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

from nestlab import checks
from nestlab.paths import CACHE_ENV_VAR, DEFAULT_CACHE_DIR, project_root
from nestlab.record import read_claims, read_headlines, read_results, to_jsonable
from nestlab.runner.catalogue import RunPlan, plan_runs
from nestlab.runner.errors import UsageError
from nestlab.runner.export import report_header, to_html
from nestlab.runner.files import check_out_dir, folder_lock
from nestlab.runner.publication import Staging, fault_point, publish, sweep
from nestlab.runner.site import headline_thumbnail, sha256_file

__all__ = [
    "VERSIONED_PACKAGES",
    "NotebookRun",
    "check_timeout",
    "describe_run",
    "execute",
    "package_versions",
    "prepare_out",
    "run_notebooks",
]

VERSIONED_PACKAGES = ("nestlab", "numpy", "scipy", "torch", "jax", "numpyro", "arviz",
                      "matplotlib", "papermill", "nbconvert")


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
    checksums: dict[str, str] = field(default_factory=dict)
    claims: list[dict[str, Any]] = field(default_factory=list)
    headlines: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    thumbnail: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the notebook ran to the end and its reports were written."""
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` content (plain JSON types)."""
        return to_jsonable({
            "name": self.name, "status": self.status, "runtime_s": round(self.runtime_s, 3),
            "parameters": self.parameters, "profile": self.profile, "results": self.results,
            "error": self.error, "outputs": self.outputs, "checksums": self.checksums,
            "versions": self.versions, "started_at": self.started_at,
            "claims": self.claims, "headlines": self.headlines, "title": self.title,
            "thumbnail": self.thumbnail,
        })


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
def _kernel_environment(extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """Environment the kernel inherits: headless flag, absolute cache folder, quiet debugger.

    ``extra`` adds variables (thread counts of a parallel run, :mod:`nestlab.runner.parallel`).
    """
    wanted = {"NESTLAB_HEADLESS": "1",
              CACHE_ENV_VAR: os.environ.get(CACHE_ENV_VAR, str(project_root() / DEFAULT_CACHE_DIR)),
              "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(extra or {})}
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


def check_timeout(timeout: Any) -> int | None:
    """``timeout`` as seconds per cell (a positive integer) or ``None``; else :class:`UsageError`."""
    if timeout is None:
        return None
    try:
        return checks.integer("timeout", timeout, min=1)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{exc} (seconds per cell; None for no limit)") from None


def execute(
    plan: RunPlan,
    out_dir: str | Path,
    *,
    progress: bool = True,
    timeout: int | None = None,
    kernel_name: str | None = None,
    env: Mapping[str, str] | None = None,
    html: bool = True,
    show_code: bool = False,
) -> NotebookRun:
    """Execute one planned notebook and write its ``.ipynb``, ``.html`` and ``.results.json``.

    The files are written straight into ``out_dir`` (a staging folder, for
    :func:`run_notebooks`); the ``.results.json`` is written last and names the other two with
    their SHA-256. Never raises for a failure inside the notebook: the run is returned (and
    written) with ``status="failed"`` and the error's name, message and cell. ``env`` adds
    environment variables for the kernel (e.g. ``OMP_NUM_THREADS`` of a parallel run);
    ``html=False`` skips the HTML report (sweep runs, :mod:`nestlab.runner.sweeps`); its code
    inputs are folded behind a toggle unless ``show_code``.

    Raises:
        UsageError: ``timeout`` is not ``None`` or a positive integer.
    """
    import papermill as pm  # papermill loads jupyter_client and friends: only when executing

    timeout = check_timeout(timeout)
    out = Path(out_dir)
    name = plan.info.name
    nb_path = out / f"{name}.ipynb"
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    error = None
    executed: nbformat.NotebookNode | None = None
    try:
        # files a notebook writes beside its report (``$NESTLAB_OUT_DIR``) land in ``out_dir``
        with _kernel_environment({"NESTLAB_OUT_DIR": str(out.resolve()), **(env or {})}):
            executed = pm.execute_notebook(
                str(plan.info.path), str(nb_path), parameters=dict(plan.parameters),
                cwd=str(plan.info.path.parent), progress_bar=progress, log_output=False,
                execution_timeout=timeout, kernel_name=kernel_name,
            )
    except Exception as exc:  # noqa: BLE001 — any failure is reported, never propagated
        try:
            executed = nbformat.read(str(nb_path), as_version=4)
        except Exception:  # noqa: BLE001 — no readable output notebook: report without it
            executed = None
            nb_path.unlink(missing_ok=True)
        error = _failure_from_notebook(executed, exc)
    runtime = time.perf_counter() - t0
    run = NotebookRun(name=name, status="ok" if error is None else "failed", runtime_s=runtime,
                      parameters={**plan.info.parameters, **plan.parameters},
                      profile=plan.profile, error=error, versions=package_versions(),
                      started_at=started, title=plan.info.title)
    if executed is not None:
        try:
            run.results = read_results(executed)
            run.claims = read_claims(executed)
            run.headlines = read_headlines(executed)
            run.thumbnail = headline_thumbnail(executed)
        except ValueError as exc:  # a foreign output under nestlab's MIME type fails this run only
            run.status = "failed"
            run.error = run.error or {"ename": "ValueError", "evalue": str(exc)}
        run.outputs["notebook"] = nb_path.name
    if executed is not None and html:
        try:
            html_path = out / f"{name}.html"
            with open(html_path, "w", encoding="utf-8") as fh:
                fh.write(to_html(nb_path, header=report_header(plan), show_code=show_code))
            run.outputs["html"] = html_path.name
        except Exception as exc:  # noqa: BLE001 — a failed export fails the run, not the others
            (out / f"{name}.html").unlink(missing_ok=True)
            run.status = "failed"
            run.error = run.error or {"ename": type(exc).__name__,
                                      "evalue": f"HTML conversion failed: {exc}"}
    run.checksums = {fname: sha256_file(out / fname) for fname in run.outputs.values()}
    with open(out / f"{name}.results.json", "w", encoding="utf-8") as fh:
        json.dump(run.to_json(), fh, indent=2)
    return run


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


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
    show_code: bool = False,
) -> list[NotebookRun]:
    """Validate, then execute each notebook in turn; one failure never stops the others.

    Args:
        names, profile, overrides, notebooks: the request (see
            :func:`~nestlab.runner.catalogue.plan_runs`).
        out_dir: the reports folder (created if missing).
        progress: print progress to stderr.
        timeout: seconds per cell (a positive integer), or ``None`` for no limit.
        build_index: rebuild ``<out_dir>/index.html`` after each notebook.
        show_code: export the reports with code inputs open (default: folded behind a toggle).

    Raises:
        UsageError: before any kernel starts, for an invalid request, ``timeout`` or output folder.
    """
    plans = plan_runs(names, profile=profile, overrides=overrides, notebooks=notebooks)
    timeout = check_timeout(timeout)
    out = prepare_out(plans, out_dir, progress=progress)
    runs = []
    for i, plan in enumerate(plans, 1):
        label = f"[{i}/{len(plans)}] {plan.info.name}"
        shown = ", ".join(f"{k}={v!r}" for k, v in plan.parameters.items())
        _say(progress, f"{label} ... running{f' ({shown})' if shown else ''}")
        with folder_lock(out):
            staging = Staging.create(out, plan.info.name)
        with staging:
            run = execute(plan, staging.path, progress=progress, timeout=timeout,
                          show_code=show_code)
            fault_point("executed")
            publish(out, staging, index=build_index)
        runs.append(run)
        _say(progress, describe_run(label, run))
    return runs


def describe_run(label: str, run: NotebookRun) -> str:
    """The line printed when a run ends: ``LABEL: failed in 1.2 s — ValueError: ... (cell In [3])``."""
    msg = f"{label}: {run.status} in {run.runtime_s:.1f} s"
    if run.error:
        msg += f" — {run.error.get('ename')}: {str(run.error.get('evalue'))[:200]}"
        if "cell" in run.error:
            msg += f" (cell In [{run.error['cell']}])"
    return msg


def prepare_out(plans: Sequence[RunPlan], out_dir: str | Path, *, progress: bool = True) -> Path:
    """Check a reports folder for these plans, create it and sweep its stale temporary files.

    Raises:
        UsageError: the folder cannot be written, holds one of the notebooks themselves, or has
            a folder where a report file must go — before any kernel starts.
    """
    check_out_dir(out_dir)
    clash = [p.info.path for p in plans
             if (Path(out_dir) / p.info.path.name).resolve() == p.info.path.resolve()]
    if clash:
        raise UsageError(f"invalid out_dir {str(out_dir)!r}: it holds the notebook {clash[0].name} "
                         "itself, which its executed copy would overwrite; valid values: a folder "
                         "other than the notebooks folder")
    targets = [f"{p.info.name}{s}" for p in plans for s in (".ipynb", ".html", ".results.json")]
    blocked = [t for t in [*targets, "index.html"] if (Path(out_dir) / t).is_dir()]
    if blocked:
        raise UsageError(f"invalid out_dir {str(out_dir)!r}: {blocked[0]} there is a folder, where "
                         "a report file must go; valid values: a folder whose report names are free "
                         "or files")
    out = check_out_dir(out_dir, create=True)
    with folder_lock(out):
        swept = sweep(out)
    if swept:
        _say(progress, f"removed stale temporary files from {out}: {', '.join(swept)}")
    return out
