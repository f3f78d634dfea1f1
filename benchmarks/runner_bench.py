"""Benchmark of the runner's scale options (issue 16): serial vs ``--jobs 2`` vs a 2-worker LocalCluster.

Prints, in one run:

* the smoke reports (``make reports PROFILE=smoke``) serial vs ``--jobs 2`` — every notebook by
  default, or the ones named with ``--reports`` (``--reports none`` skips this part);
* a sweep of a light fixture notebook (``tests/fixtures/notebooks/scale/01_line``, ``--runs``
  runs, 12 by default) serial vs ``--jobs 2`` vs ``--scheduler local --jobs 2``;
* the per-run overhead: the wall time of one run of that notebook (kernel start, papermill,
  publication; the notebook's own cells take milliseconds).

Ratios are wall-time speed-ups against serial, measured in the same run; the core count is
printed. Run: ``python -m benchmarks.runner_bench [--runs 12] [--reports NAME,...|all|none]``.
Timings on a shared machine are noisy. Each timed reports run gets its own empty cache
(``NESTLAB_CACHE`` in a temporary folder), so both train what they need and neither profits from
the other (``--cache shared`` uses the caller's cache for both instead); ``--keep DIR`` keeps the
serial run's reports (index and scoreboard included) in ``DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

from nestlab import runner
from nestlab.runner import parallel, sweeps

LIGHT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "notebooks" / "scale"


def _timed(fn) -> tuple[float, object]:
    quiet = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(quiet):
        out = fn()
    return time.perf_counter() - t0, out


def _row(label: str, wall: float, base: float, n: int, ok: int) -> str:
    return f"{label:<34} {wall:8.1f} s {base / wall:7.2f}x {wall / n:8.2f} s/run  {ok}/{n} ok"


@contextlib.contextmanager
def _cache(cold: bool):
    """An empty ``NESTLAB_CACHE`` for the duration (``cold``), else the caller's."""
    if not cold:
        yield
        return
    saved = os.environ.get("NESTLAB_CACHE")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NESTLAB_CACHE"] = cache
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("NESTLAB_CACHE", None)
            else:
                os.environ["NESTLAB_CACHE"] = saved


def bench_reports(names: list[str], *, cold: bool = True, keep: str | None = None) -> list[str]:
    """Smoke reports serial vs --jobs 2 (each from an empty cache when ``cold``)."""
    lines = []
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        with _cache(cold):
            t1, r1 = _timed(lambda: runner.run_notebooks(names, profile="smoke", out_dir=a,
                                                         progress=False))
        if keep:
            shutil.copytree(a, keep, dirs_exist_ok=True)
        with _cache(cold):
            t2, r2 = _timed(lambda: parallel.run_parallel(names, profile="smoke", out_dir=b,
                                                          jobs=2, progress=False))
    n = len(r1)
    lines.append(_row("reports serial", t1, t1, n, sum(r.ok for r in r1)))
    lines.append(_row("reports --jobs 2", t2, t1, n, sum(r.ok for r in r2)))
    return lines


def bench_sweep(runs: int) -> list[str]:
    """A sweep of the light notebook: serial, --jobs 2, LocalCluster of 2 workers."""
    grid = [("seed", f"0:{runs}")]
    lines = []
    base = None
    for label, kw in (("sweep serial", {"jobs": 1}), ("sweep --jobs 2", {"jobs": 2}),
                      ("sweep --scheduler local --jobs 2", {"jobs": 2, "scheduler": "local"})):
        with tempfile.TemporaryDirectory() as out:
            wall, res = _timed(lambda kw=kw, out=out: sweeps.run_sweep(
                "01_line", grid, notebooks=LIGHT, out_dir=out, progress=False, **kw))
        base = base or wall
        lines.append(_row(label, wall, base, runs, sum(r["status"] == "ok" for r in res.rows)))
    return lines


def bench_overhead(repeat: int = 3) -> str:
    """Wall time of one run of the light notebook (what a run costs beyond its cells)."""
    (plan,) = runner.plan_runs(["01_line"], notebooks=LIGHT)
    best = float("inf")
    cells = 0.0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):
                run = runner.execute(plan, out, progress=False, html=False)
            best = min(best, time.perf_counter() - t0)
            cells = run.runtime_s
    return (f"per-run overhead (kernel start + papermill, no HTML): {best:.2f} s best of {repeat} "
            f"(papermill's own runtime {cells:.2f} s)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=12, help="runs of the light sweep (default 12)")
    p.add_argument("--reports", default="all",
                   help="notebooks of the reports part: all, none, or NAME,NAME")
    p.add_argument("--cache", choices=("cold", "shared"), default="cold",
                   help="reports part: each run from an empty cache (default) or the caller's")
    p.add_argument("--keep", metavar="DIR", help="keep the serial smoke reports in DIR")
    args = p.parse_args(argv)
    print(f"cores: {parallel.available_cores()} (kernel threads: serial unbounded, "
          f"--jobs 2: {parallel.kernel_threads(2)} each)")
    print(f"{'':<34} {'wall':>10} {'speed-up':>8} {'per run':>13}")
    if args.reports != "none":
        names = [] if args.reports == "all" else args.reports.split(",")
        print(f"reports: smoke profile, {args.cache} cache", flush=True)
        for line in bench_reports(names, cold=args.cache == "cold", keep=args.keep):
            print(line, flush=True)
    for line in bench_sweep(args.runs):
        print(line, flush=True)
    print(bench_overhead(), flush=True)


if __name__ == "__main__":
    main()
