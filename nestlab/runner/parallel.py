"""Parallel execution of planned notebooks: N local worker processes, or a Dask cluster.

Runner contract, ``../shared/spec/suite.md`` (``--jobs N [--scheduler ADDRESS|local]``). Every
run executes, as in a serial run, into its own staging folder
(:class:`~nestlab.runner.publication.Staging`) and is published all together or not at all
(:func:`~nestlab.runner.publication.publish`) by *this* process, under the folder lock; workers
only ever write into staging folders. So a worker that dies, a Ctrl-C or a ``kill -9`` of the
runner leaves the old reports or the new ones, never half of them, and the index (written once,
at the end — also after an interruption) lists what is really there.

Backends (one interface: ``capacity``, ``submit``, ``wait``, ``cancel``, ``close``):

* :class:`Inline` — in this process, one at a time (``--jobs 1``);
* :class:`LocalProcesses` — one fresh worker process per run, at most N at once, each starting
  its own kernel; a worker that dies (killed, out of memory) fails that run only;
* :class:`~nestlab.runner.dask_backend.DaskBackend` — runs submitted to a ``distributed``
  cluster (:mod:`nestlab.runner.dask_backend`).

Threads: N kernels on C cores each get ``max(1, C // N)`` threads (:func:`thread_env`:
``OMP_NUM_THREADS`` — which torch reads at start — the BLAS variables and
``NESTLAB_HOST_DEVICES``), so N × threads ≤ cores; a variable the user set is kept.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_sentinels
from pathlib import Path
from typing import Any

from nestlab import checks
from nestlab.runner.catalogue import RunPlan, plan_runs
from nestlab.runner.errors import UsageError
from nestlab.runner.execution import (
    NotebookRun,
    check_timeout,
    describe_run,
    execute,
    package_versions,
    prepare_out,
)
from nestlab.runner.files import folder_lock
from nestlab.runner.publication import Staging, publish
from nestlab.runner.site import write_index

__all__ = [
    "SYNTHETIC_FAILURES",
    "THREAD_VARIABLES",
    "Inline",
    "Job",
    "LocalProcesses",
    "available_cores",
    "check_jobs",
    "execute_jobs",
    "failed_run",
    "kernel_threads",
    "make_backend",
    "run_parallel",
    "thread_env",
]

#: variables that bound a kernel's threads (torch reads OMP_NUM_THREADS when it starts)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NESTLAB_HOST_DEVICES")
#: ``ename`` of a failure this process made up for a run that never reported back
SYNTHETIC_FAILURES = ("WorkerDied", "KilledWorker", "ClusterError", "KernelStartError")
#: seconds between two progress lines while notebooks run
HEARTBEAT_S = 15.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def kernel_threads(jobs: int, cores: int | None = None) -> int:
    """Threads per kernel when ``jobs`` kernels share ``cores``: ``max(1, cores // jobs)``."""
    return max(1, (cores or available_cores()) // jobs)


def thread_env(threads: int, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The kernel variables for ``threads`` threads; a variable already set in ``environ`` is kept."""
    environ = os.environ if environ is None else environ
    return {k: environ.get(k, str(threads)) for k in THREAD_VARIABLES}


def check_jobs(jobs: Any) -> int:
    """``jobs`` as a positive integer (at most 256), else :class:`UsageError`."""
    try:
        return checks.integer("jobs", jobs, min=1, max=256)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{exc} (worker processes)") from None


@dataclass(frozen=True)
class Job:
    """One run to execute: its plan, the reports folder it publishes into, how progress names it."""

    plan: RunPlan
    out_dir: Path
    label: str
    html: bool = True


def failed_run(plan: RunPlan, ename: str, evalue: str, *, runtime_s: float = 0.0) -> NotebookRun:
    """A failed run for a notebook that never reported back (its worker died, the cluster failed)."""
    return NotebookRun(name=plan.info.name, status="failed", runtime_s=runtime_s,
                       parameters={**plan.info.parameters, **plan.parameters}, profile=plan.profile,
                       error={"ename": ename, "evalue": evalue[:2000]}, versions=package_versions())


def _write_failed(staging: Staging, run: NotebookRun) -> None:
    """Stage ``run`` alone: drop whatever a dead worker left, write its results."""
    for suffix in (".ipynb", ".html"):
        staging.file(suffix).unlink(missing_ok=True)
    with open(staging.file(".results.json"), "w", encoding="utf-8") as fh:
        json.dump(run.to_json(), fh, indent=2)


def run_from_json(data: Mapping[str, Any]) -> NotebookRun:
    """A :class:`NotebookRun` back from the ``results.json`` that :func:`execute` wrote."""
    fields = NotebookRun.__dataclass_fields__
    return NotebookRun(**{k: v for k, v in data.items() if k in fields})


# ----------------------------------------------------------------------------- backends


class Inline:
    """Runs in this process, one at a time (``--jobs 1``)."""

    capacity = 1

    def __init__(self, *, timeout: int | None = None, env: Mapping[str, str] | None = None,
                 progress: bool = False):
        self.timeout, self.env, self.progress = timeout, dict(env or {}), progress
        self._done: list[tuple[Any, Any]] = []

    def describe(self) -> str:
        return "this process"

    def submit(self, job: Job, staging: Staging) -> Any:
        run = execute(job.plan, staging.path, progress=self.progress, timeout=self.timeout,
                      env=self.env, html=job.html)
        handle = object()
        self._done.append((handle, run))
        return handle

    def wait(self, handles: Sequence[Any], timeout: float) -> list[tuple[Any, Any]]:
        done, self._done = self._done, []
        return done

    def cancel(self, handles: Sequence[Any]) -> None:
        self._done = []

    def close(self) -> None:
        pass


def _worker_main(plan: RunPlan, staging: str, timeout: int | None, env: dict[str, str],
                 html: bool) -> None:
    """A worker process: execute one notebook into its staging folder (results.json last)."""
    # Ctrl-C reaches the whole process group: the runner decides and terminates its workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM (the runner giving up) unwinds papermill, which then shuts its kernel down
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    execute(plan, staging, progress=False, timeout=timeout, env=env, html=html)


class LocalProcesses:
    """One fresh worker process per run (``spawn``: no state inherited), at most ``jobs`` at once."""

    def __init__(self, jobs: int, *, timeout: int | None = None,
                 env: Mapping[str, str] | None = None):
        self.capacity = jobs
        self.timeout, self.env = timeout, dict(env or {})
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: dict[Any, tuple[Any, Job, Staging, float]] = {}
        self._threads = self.env.get("OMP_NUM_THREADS", "?")

    def describe(self) -> str:
        return (f"{self.capacity} worker processes ({self._threads} thread(s) per kernel, "
                f"{available_cores()} cores)")

    def submit(self, job: Job, staging: Staging) -> Any:
        proc = self._ctx.Process(target=_worker_main, name=f"nestlab-{job.plan.info.name}",
                                 args=(job.plan, str(staging.path), self.timeout, self.env, job.html))
        proc.start()
        self._procs[proc.sentinel] = (proc, job, staging, time.perf_counter())
        return proc.sentinel

    def wait(self, handles: Sequence[Any], timeout: float) -> list[tuple[Any, Any]]:
        ready = wait_sentinels(list(handles), timeout=timeout)
        out = []
        for handle in ready:
            proc, job, staging, t0 = self._procs.pop(handle)
            proc.join()
            results = staging.file(".results.json")
            if proc.exitcode == 0 and results.is_file():
                try:
                    out.append((handle, run_from_json(json.loads(results.read_text("utf-8")))))
                    continue
                except (OSError, ValueError, TypeError) as exc:
                    why = f"its results could not be read back ({exc})"
            else:
                code = proc.exitcode
                why = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0
                       else f"exit status {code}")
            out.append((handle, failed_run(
                job.plan, "WorkerDied", f"the worker process running {job.plan.info.name} ended "
                f"before it reported ({why}); the other runs are unaffected",
                runtime_s=time.perf_counter() - t0)))
        return out

    def cancel(self, handles: Sequence[Any]) -> None:
        procs = [self._procs.pop(h)[0] for h in list(handles) if h in self._procs]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()

    def close(self) -> None:
        self.cancel(list(self._procs))


# ----------------------------------------------------------------------------- the loop


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def _cells_done(staging: Staging) -> str:
    """``cell 3/7`` from the notebook papermill saves after every cell ('' when unknown)."""
    try:
        nb = json.loads(staging.file(".ipynb").read_text("utf-8"))
        cells = [c for c in nb["cells"] if c.get("cell_type") == "code"]
        done = sum(c.get("metadata", {}).get("papermill", {}).get("status") == "completed"
                   for c in cells)
        return f" cell {done}/{len(cells)}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def execute_jobs(
    jobs: Sequence[Job],
    backend: Any,
    *,
    progress: bool = True,
    on_done: Callable[[Job, NotebookRun], None] | None = None,
    heartbeat: float = HEARTBEAT_S,
) -> list[NotebookRun]:
    """Execute ``jobs`` on ``backend`` and publish each run as it ends; runs in the jobs' order.

    Each job gets a staging folder in its ``out_dir`` (made under that folder's lock), the
    backend executes into it, and this process publishes it with ``index=False`` — the caller
    writes the index once. On any exception (Ctrl-C included) the running jobs are cancelled,
    their staging folders removed, and the exception re-raised: nothing half-written remains.
    """
    done_runs: dict[int, NotebookRun] = {}
    pending = deque(enumerate(jobs))
    running: dict[Any, tuple[int, Job, Staging, float]] = {}
    last_beat = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < backend.capacity:
                i, job = pending.popleft()
                with folder_lock(job.out_dir):
                    staging = Staging.create(job.out_dir, job.plan.info.name)
                shown = ", ".join(f"{k}={v!r}" for k, v in job.plan.parameters.items())
                verb = "queued" if getattr(backend, "queues", False) else "running"
                _say(progress, f"{job.label} ... {verb}{f' ({shown})' if shown else ''}")
                try:
                    handle = backend.submit(job, staging)
                except BaseException:
                    staging.close()
                    raise
                running[handle] = (i, job, staging, time.monotonic())
            finished = backend.wait(list(running), timeout=min(1.0, heartbeat))
            for handle, run in finished:
                i, job, staging, _ = running.pop(handle)
                with staging:
                    if not staging.file(".results.json").is_file() or (
                            run.error and run.error.get("ename") in SYNTHETIC_FAILURES):
                        _write_failed(staging, run)
                    publish(job.out_dir, staging, index=False)
                done_runs[i] = run
                _say(progress, describe_run(job.label, run))
                if on_done is not None:
                    on_done(job, run)
            now = time.monotonic()
            if progress and running and now - last_beat >= heartbeat:
                last_beat = now
                state = ", ".join(f"{job.plan.info.name} {now - t0:.0f} s{_cells_done(staging)}"
                                  for _, job, staging, t0 in running.values())
                _say(progress, f"  in flight {len(running)}: {state}; {len(done_runs)} of "
                               f"{len(jobs)} done, {len(pending)} queued")
    except BaseException:
        backend.cancel(list(running))
        for _, _, staging, _ in running.values():
            staging.close()
        raise
    finally:
        backend.close()
    return [done_runs[i] for i in range(len(jobs))]


def make_backend(
    jobs: int,
    *,
    scheduler: str | None = None,
    timeout: int | None = None,
    tls_ca: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    progress: bool = True,
) -> Any:
    """The backend for ``--jobs`` / ``--scheduler`` (checked and connected before any kernel starts).

    ``scheduler=None`` gives :class:`Inline` (``jobs == 1``) or :class:`LocalProcesses`;
    ``"local"`` or an address gives a :class:`~nestlab.runner.dask_backend.DaskBackend`.

    Raises:
        UsageError: bad ``jobs``, a scheduler address or TLS files that cannot be used, an
            unreachable scheduler.
    """
    jobs = check_jobs(jobs)
    if scheduler is None:
        if any(v is not None for v in (tls_ca, tls_cert, tls_key)):
            raise UsageError("--tls-ca/--tls-cert/--tls-key need --scheduler tls://HOST:PORT")
        env = thread_env(kernel_threads(jobs))
        if jobs == 1:
            return Inline(timeout=timeout, env=env, progress=progress)
        return LocalProcesses(jobs, timeout=timeout, env=env)
    # distributed takes a second to import: only when a cluster is asked for
    from nestlab.runner.dask_backend import DaskBackend

    return DaskBackend.connect(scheduler, jobs=jobs, timeout=timeout, tls_ca=tls_ca,
                               tls_cert=tls_cert, tls_key=tls_key, progress=progress)


def run_parallel(
    names: Sequence[str] = (),
    *,
    profile: str | None = None,
    overrides: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
    out_dir: str | Path = "reports",
    notebooks: str | Path | None = None,
    progress: bool = True,
    timeout: int | None = None,
    jobs: int = 2,
    scheduler: str | None = None,
    tls_ca: str | None = None,
    tls_cert: str | None = None,
    tls_key: str | None = None,
) -> list[NotebookRun]:
    """:func:`~nestlab.runner.execution.run_notebooks` on ``jobs`` workers; the index once, at the end.

    Same request, refusals, outputs and per-notebook publication as a serial run; the index is
    written after the last run, and also when the run is interrupted (then it lists the
    notebooks published so far, and the others as they were).

    Raises:
        UsageError: before any kernel starts, for an invalid request, ``timeout``, ``jobs``,
            output folder or scheduler.
    """
    plans = plan_runs(names, profile=profile, overrides=overrides, notebooks=notebooks)
    timeout = check_timeout(timeout)
    jobs = check_jobs(jobs)
    out = prepare_out(plans, out_dir, progress=progress)
    backend = make_backend(jobs, scheduler=scheduler, timeout=timeout, tls_ca=tls_ca,
                           tls_cert=tls_cert, tls_key=tls_key, progress=progress)
    work = [Job(plan, out, f"[{i}/{len(plans)}] {plan.info.name}")
            for i, plan in enumerate(plans, 1)]
    if not isinstance(backend, Inline):
        _say(progress, f"{len(plans)} notebooks on {backend.describe()}")
    try:
        return execute_jobs(work, backend, progress=progress)
    finally:
        write_index(out)
