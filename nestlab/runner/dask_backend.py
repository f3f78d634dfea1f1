"""Notebook runs on a Dask ``distributed`` cluster: an existing scheduler, or a LocalCluster.

Runner contract, ``../shared/spec/suite.md`` (``--scheduler ADDRESS|local``); the backend
interface of :mod:`nestlab.runner.parallel`. A run is one task
(:func:`run_on_worker`, submitted with ``pure=False`` so that two equal requests are two runs):
the worker executes the notebook with papermill into the staging folder that this process made
(so the reports folder must be on a filesystem that the workers share) and returns the
:class:`~nestlab.runner.execution.NotebookRun`; publication stays here, under the folder lock.

* Workers must have **one thread** each: papermill changes the process's working directory
  while a notebook runs (``--nthreads 1``; a LocalCluster is started that way).
* A kernel that fails to start raises :class:`KernelStartError` on the worker, which Dask
  retries (``retries``, on any worker); a worker that dies mid-run is Dask's to reschedule and,
  past ``distributed.scheduler.allowed-failures``, the run is reported failed (``KilledWorker``)
  while the others complete.
* Security: a scheduler runs whatever its clients send. ``local`` binds the LocalCluster to
  127.0.0.1; ``tls://`` addresses use :class:`distributed.security.Security` with the given CA,
  certificate and key; a plain ``tcp://`` address that is not loopback gets a warning.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nestlab.runner.catalogue import RunPlan
from nestlab.runner.errors import UsageError
from nestlab.runner.execution import NotebookRun, execute
from nestlab.runner.parallel import Job, available_cores, failed_run, kernel_threads, thread_env
from nestlab.runner.publication import Staging

__all__ = [
    "CONNECT_TIMEOUT_S",
    "KERNEL_RETRIES",
    "SCHEMES",
    "DaskBackend",
    "KernelStartError",
    "check_scheduler",
    "is_kernel_start_failure",
    "is_loopback",
    "run_on_worker",
]

SCHEMES = ("tcp", "tls")
#: seconds to reach a scheduler before the request is refused
CONNECT_TIMEOUT_S = 5
#: how often Dask retries a run whose kernel did not start
KERNEL_RETRIES = 2
_KERNEL_START_ERRORS = ("RuntimeError", "DeadKernelError", "TimeoutError", "ZMQError",
                        "NoSuchKernel", "KernelStartError")


class KernelStartError(RuntimeError):
    """A notebook's kernel did not start on a worker (Dask retries the task)."""


def is_kernel_start_failure(run: NotebookRun) -> bool:
    """A failure before any cell ran, of a kind a fresh kernel may not repeat."""
    err = run.error or {}
    return run.status == "failed" and "cell" not in err and not run.results and \
        err.get("ename") in _KERNEL_START_ERRORS


def run_on_worker(plan: RunPlan, staging: str, timeout: int | None,
                  threads_by_host: Mapping[str, int], html: bool = True) -> NotebookRun:
    """The task: execute one notebook on this worker into ``staging`` (a shared folder).

    Raises:
        KernelStartError: the kernel did not start (so that Dask retries the task).
    """
    from distributed import get_worker  # on a worker, distributed is loaded already

    host = urlsplit(get_worker().address).hostname or ""
    env = thread_env(threads_by_host.get(host, 1))
    run = execute(plan, staging, progress=False, timeout=timeout, env=env, html=html)
    if is_kernel_start_failure(run):
        raise KernelStartError(f"the kernel of {plan.info.name} did not start on {host}: "
                               f"{run.error.get('ename')}: {run.error.get('evalue')}")
    return run


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) can only be reached from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def check_scheduler(address: Any, *, tls_ca: str | None = None, tls_cert: str | None = None,
                    tls_key: str | None = None) -> tuple[str, str | None]:
    """Check ``--scheduler`` and the TLS files; return the address and a warning (or ``None``).

    Raises:
        UsageError: not ``local`` or ``tcp://HOST:PORT`` / ``tls://HOST:PORT``; TLS files with a
            ``tcp://`` or ``local`` scheduler, a ``tls://`` one without all three, or a file
            that cannot be read.
    """
    valid = "valid values: local, tcp://HOST:PORT, tls://HOST:PORT"
    if not isinstance(address, str) or not address.strip():
        raise UsageError(f"invalid scheduler {address!r}; {valid}")
    address = address.strip()
    tls_given = [n for n, v in (("--tls-ca", tls_ca), ("--tls-cert", tls_cert),
                                ("--tls-key", tls_key)) if v is not None]
    if address == "local":
        if tls_given:
            raise UsageError(f"{tls_given[0]} applies to a tls:// scheduler, not to 'local' "
                             "(a LocalCluster listens on 127.0.0.1 only)")
        return address, None
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in SCHEMES or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise UsageError(f"invalid scheduler {address!r}; {valid}")
    if parts.scheme == "tcp":
        if tls_given:
            raise UsageError(f"{tls_given[0]} needs a tls:// scheduler address, got {address!r}")
        warning = None if is_loopback(parts.hostname) else (
            f"warning: the scheduler {address} is reached over plain TCP, unencrypted and "
            "unauthenticated: anyone who can reach that port can run code as the workers' user "
            "and read the notebooks and results; use tls:// with --tls-ca/--tls-cert/--tls-key")
        return address, warning
    missing = [n for n, v in (("--tls-ca", tls_ca), ("--tls-cert", tls_cert),
                              ("--tls-key", tls_key)) if v is None]
    if missing:
        raise UsageError(f"a tls:// scheduler needs --tls-ca, --tls-cert and --tls-key; "
                         f"missing: {', '.join(missing)}")
    for name, path in (("--tls-ca", tls_ca), ("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if not os.access(str(path), os.R_OK) or not Path(str(path)).is_file():
            raise UsageError(f"invalid {name} {str(path)!r}: not a readable file; valid values: "
                             "a PEM file")
    return address, None


class DaskBackend:
    """Runs submitted to a ``distributed.Client`` (see the module docstring)."""

    def __init__(self, client: Any, cluster: Any = None, *, timeout: int | None = None,
                 threads_by_host: Mapping[str, int] | None = None, where: str = ""):
        self.client, self.cluster, self.timeout = client, cluster, timeout
        self.threads_by_host = dict(threads_by_host or {})
        self.where = where
        self.capacity = 10**9  # the scheduler queues: submit everything, it hands out work
        self.queues = True
        self._futures: dict[Any, tuple[Job, Staging]] = {}

    @classmethod
    def connect(cls, scheduler: str, *, jobs: int = 2, timeout: int | None = None,
                tls_ca: str | None = None, tls_cert: str | None = None,
                tls_key: str | None = None, progress: bool = True,
                connect_timeout: float = CONNECT_TIMEOUT_S) -> DaskBackend:
        """Start a LocalCluster (``"local"``: ``jobs`` one-thread worker processes on 127.0.0.1)
        or connect to a running scheduler.

        Raises:
            UsageError: see :func:`check_scheduler`; the scheduler cannot be reached within
                ``connect_timeout`` seconds, or has no workers with one thread.
        """
        import distributed  # a second of imports: only when a cluster is asked for

        address, warning = check_scheduler(scheduler, tls_ca=tls_ca, tls_cert=tls_cert,
                                           tls_key=tls_key)
        if warning and progress:
            print(warning, file=sys.stderr, flush=True)
        if address == "local":
            cluster = distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=40)
            client = distributed.Client(cluster, timeout=f"{connect_timeout}s")
            threads = {"127.0.0.1": kernel_threads(jobs)}
            return cls(client, cluster, timeout=timeout, threads_by_host=threads,
                       where=f"a LocalCluster of {jobs} worker processes on 127.0.0.1 "
                             f"({threads['127.0.0.1']} thread(s) per kernel, "
                             f"{available_cores()} cores)")
        security = None
        if address.startswith("tls://"):
            security = distributed.security.Security(
                tls_ca_file=tls_ca, tls_client_cert=tls_cert, tls_client_key=tls_key,
                require_encryption=True)
        try:
            client = distributed.Client(address, security=security, timeout=f"{connect_timeout}s",
                                        set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler {address} within "
                             f"{connect_timeout:g} s ({type(exc).__name__}: {exc}); start one "
                             "with `dask scheduler` and `dask worker`, or use --scheduler local"
                             ) from None
        try:
            threads = cls._threads_by_host(client)
        except BaseException:
            client.close()
            raise
        return cls(client, timeout=timeout, threads_by_host=threads,
                   where=f"the Dask scheduler {address} ({sum(1 for _ in client.nthreads())} workers)")

    @staticmethod
    def _threads_by_host(client: Any) -> dict[str, int]:
        """Threads per kernel on each host: its cores shared by the workers it runs."""
        nthreads = client.nthreads()
        if not nthreads:
            raise UsageError("the Dask scheduler has no workers; start some with "
                             "`dask worker ADDRESS --nthreads 1`")
        multi = [w for w, n in nthreads.items() if n != 1]
        if multi:
            raise UsageError(f"Dask worker {multi[0]} has {nthreads[multi[0]]} threads; notebook "
                             "runs need one thread per worker (papermill changes the working "
                             "directory): start workers with `dask worker ADDRESS --nthreads 1`")
        cores = client.run(available_cores)
        per_host: dict[str, list[int]] = {}
        for worker, n in cores.items():
            per_host.setdefault(urlsplit(worker).hostname or "", []).append(n)
        return {host: kernel_threads(len(ns), max(ns)) for host, ns in per_host.items()}

    def describe(self) -> str:
        return self.where

    def submit(self, job: Job, staging: Staging) -> Any:
        future = self.client.submit(run_on_worker, job.plan, str(staging.path), self.timeout,
                                    self.threads_by_host, job.html, pure=False,
                                    retries=KERNEL_RETRIES, key=f"nestlab-{job.plan.info.name}-"
                                    f"{staging.path.name}")
        self._futures[future] = (job, staging)
        return future

    def wait(self, handles: Sequence[Any], timeout: float) -> list[tuple[Any, NotebookRun]]:
        import distributed

        if not handles:
            return []
        try:
            done, _ = distributed.wait(list(handles), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        out = []
        for future in done:
            job, _ = self._futures.pop(future)
            try:
                out.append((future, future.result()))
            except Exception as exc:  # noqa: BLE001 — the cluster's failure fails this run only
                ename = type(exc).__name__
                if ename not in ("KilledWorker", "KernelStartError"):
                    ename = "ClusterError"
                out.append((future, failed_run(
                    job.plan, ename, f"the run of {job.plan.info.name} on the Dask cluster "
                    f"failed ({type(exc).__name__}: {exc}); the other runs are unaffected")))
        return out

    def cancel(self, handles: Sequence[Any]) -> None:
        live = [f for f in handles if f in self._futures]
        for f in live:
            self._futures.pop(f, None)
        if live:
            try:
                self.client.cancel(live, force=True)
            except Exception:  # noqa: BLE001 — a cluster going away is already cancelled
                pass

    def close(self) -> None:
        self.cancel(list(self._futures))
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
