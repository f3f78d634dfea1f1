"""The ``nestlab`` command: list the notebooks, run them headless, publish HTML reports.

Usage::

    nestlab list [NAME ...] [--profile NAME] [--notebooks DIR]
    nestlab run [NAME ...] [--profile smoke|paper] [-p KEY VALUE ...] [--out DIR] [--timeout S]
                [--jobs N] [--scheduler ADDRESS|local] [--tls-ca PEM --tls-cert PEM --tls-key PEM]
    nestlab sweep NAME -p KEY SPEC ... [--profile NAME] [--out DIR] [--html] [--jobs N]
                [--scheduler ADDRESS|local]
    nestlab index [--out DIR]

Exit status: 0 if everything ran, 1 if any notebook failed, 2 if the request was refused
(unknown notebook, profile or parameter, a value of the wrong type or outside the parameter's
declared range or choices, an output folder that cannot be written, a timeout that is not a
positive number of seconds) — refusals happen before any kernel starts; 130 if interrupted
(Ctrl-C: the notebook being run is not published, the ones before it are).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from nestlab import runner

__all__ = ["main"]


def _timeout(text: str) -> int:
    """``--timeout``: a positive whole number of seconds (0 or less would silently mean no limit)."""
    t = text.strip()
    if not re.fullmatch(r"\+?[0-9]+", t) or int(t) < 1:
        raise argparse.ArgumentTypeError(f"invalid timeout {text!r}; valid range: integer >= 1 "
                                         "(seconds per cell; omit --timeout for no limit)")
    return int(t)


def _jobs(text: str) -> int:
    """``--jobs``: a positive whole number of worker processes."""
    t = text.strip()
    if not re.fullmatch(r"\+?[0-9]+", t) or not 1 <= int(t) <= 256:
        raise argparse.ArgumentTypeError(f"invalid jobs {text!r}; valid range: integer 1..256 "
                                         "(worker processes, each with its own kernel)")
    return int(t)


def _add_run_options(cmd: argparse.ArgumentParser, *, no_progress: str) -> None:
    """``--timeout``, ``--notebooks`` and ``--no-progress`` (``nestlab run`` and ``nestlab sweep``).

    Args:
        cmd: the sub-command's parser.
        no_progress: the help of ``--no-progress`` (what the sub-command then still prints).
    """
    cmd.add_argument("--timeout", type=_timeout, default=None,
                     help="per-cell timeout in seconds, >= 1 (default: none)")
    cmd.add_argument("--notebooks", default=None, help="notebooks folder (default: the suite's)")
    cmd.add_argument("--no-progress", action="store_true", help=no_progress)


def _add_scale_options(cmd: argparse.ArgumentParser) -> None:
    """``--jobs``, ``--scheduler`` and the TLS files (``nestlab run`` and ``nestlab sweep``)."""
    cmd.add_argument("--jobs", "-j", type=_jobs, default=1,
                     help="notebooks run at once, each in its own worker process and kernel "
                          "(default: 1); with --scheduler local, the LocalCluster's workers")
    cmd.add_argument("--scheduler", default=None, metavar="ADDRESS|local",
                     help="run on a Dask cluster: tcp://HOST:PORT or tls://HOST:PORT of a running "
                          "scheduler, or 'local' for a LocalCluster on 127.0.0.1")
    cmd.add_argument("--tls-ca", default=None, metavar="PEM", help="CA certificate (tls://)")
    cmd.add_argument("--tls-cert", default=None, metavar="PEM", help="client certificate (tls://)")
    cmd.add_argument("--tls-key", default=None, metavar="PEM", help="client key (tls://)")


def _scale(args: argparse.Namespace) -> dict:
    return {"jobs": args.jobs, "scheduler": args.scheduler, "tls_ca": args.tls_ca,
            "tls_cert": args.tls_cert, "tls_key": args.tls_key}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nestlab", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,run,sweep,index}")
    lst = sub.add_parser("list", help="the notebooks, their parameters, defaults and valid values")
    lst.add_argument("names", nargs="*", metavar="NAME", help="notebooks to show (default: all)")
    lst.add_argument("--profile", help="also show this profile's overrides")
    lst.add_argument("--notebooks", default=None, help="notebooks folder (default: the suite's)")
    run = sub.add_parser("run", help="execute notebooks headless and publish HTML reports")
    run.add_argument("names", nargs="*", metavar="NAME", help="notebooks to run (default: all)")
    run.add_argument("--profile", help="parameter profile: " + ", ".join(runner.available_profiles()))
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("KEY", "VALUE"),
                     help="override a parameter (repeatable); `nestlab list` shows the valid values")
    run.add_argument("--out", default="reports", help="output folder (default: reports/)")
    _add_run_options(run, no_progress="hide progress bars")
    run.add_argument("--show-code", action="store_true",
                     help="export the reports with code inputs open (default: folded behind a toggle)")
    _add_scale_options(run)
    swp = sub.add_parser("sweep", help="run one notebook over a grid of parameter values "
                                       "(resumable; OUT/sweeps/NAME/ID/sweep.csv and sweep.html)")
    swp.add_argument("name", metavar="NAME", help="the notebook")
    swp.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("KEY", "SPEC"),
                     help="values of a parameter: a comma list (0.1,0.2), a half-open range "
                          "START:STOP[:STEP] (0:100 is 0..99), or one value; several -p form "
                          "the product grid")
    swp.add_argument("--profile", help="parameter profile under the grid")
    swp.add_argument("--out", default="reports", help="reports folder (default: reports/)")
    swp.add_argument("--html", action="store_true", help="also write each run's HTML report")
    _add_run_options(swp, no_progress="print only the grid and the result")
    _add_scale_options(swp)
    idx = sub.add_parser("index", help="rebuild OUT/index.html from the results there")
    idx.add_argument("--out", default="reports")
    return p


def _list(names: Sequence[str], profile: str | None, notebooks: str | None) -> int:
    plans = runner.plan_runs(names, profile=profile, notebooks=notebooks)  # refuses unknown names
    for plan in plans:
        info, prof = plan.info, plan.parameters  # the profile's values, parsed and checked
        print(f"{info.name}  —  {info.title}")
        for key, default in info.parameters.items():
            spec = info.specs[key]
            note = info.descriptions.get(key, "")
            valid = spec.text if spec.declared else f"{spec.text} (undeclared)"
            extra = f"   [{profile}: {prof[key]!r}]" if key in prof else ""
            print(f"    {key} = {default!r}   # {valid}{'; ' + note if note else ''}{extra}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    """``nestlab sweep``: exit 0 if every run is ok, 1 if any failed (refusals raise, exit 2)."""
    from nestlab.runner.sweeps import run_sweep

    try:
        result = run_sweep(args.name, [tuple(kv) for kv in args.parameter], profile=args.profile,
                           notebooks=args.notebooks, out_dir=args.out, html=args.html,
                           timeout=args.timeout, progress=not args.no_progress, **_scale(args))
    except KeyboardInterrupt:
        print("nestlab: interrupted; the runs finished so far are published and listed in "
              "sweep.csv; run the same command again to resume", file=sys.stderr)
        return 130
    failed = result.failed
    print(f"{len(result.rows) - len(failed)} of {len(result.rows)} runs ok "
          f"({result.skipped} done before, {len(result.executed)} run now); "
          f"{result.path / 'sweep.html'}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nestlab`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list(args.names, args.profile, args.notebooks)
        if args.command == "index":
            print(runner.write_index(runner.check_out_dir(args.out, name="--out", must_exist=True)))
            return 0
        if args.command == "sweep":
            return _sweep(args)
        overrides = [tuple(kv) for kv in args.parameter]
        if args.show_code and (args.jobs != 1 or args.scheduler is not None):
            raise runner.UsageError("--show-code is supported for serial runs only (without "
                                    "--jobs/--scheduler); valid: drop one of them")
        runner.plan_runs(args.names, profile=args.profile, overrides=overrides,
                         notebooks=args.notebooks)
        runner.check_out_dir(args.out, name="--out", create=True)
        serial = args.jobs == 1 and args.scheduler is None and not any(
            (args.tls_ca, args.tls_cert, args.tls_key))
        if serial:
            runs = runner.run_notebooks(
                args.names, profile=args.profile, overrides=overrides, out_dir=args.out,
                notebooks=args.notebooks, progress=not args.no_progress, timeout=args.timeout,
                show_code=args.show_code,
            )
        else:
            from nestlab.runner.parallel import run_parallel

            runs = run_parallel(
                args.names, profile=args.profile, overrides=overrides, out_dir=args.out,
                notebooks=args.notebooks, progress=not args.no_progress, timeout=args.timeout,
                **_scale(args))
    except (runner.UsageError, runner.DeclarationError) as exc:
        print(f"nestlab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the notebook being run was not published; earlier ones were
        print("nestlab: interrupted", file=sys.stderr)
        return 130
    failed = [r.name for r in runs if not r.ok]
    print(f"{len(runs) - len(failed)} of {len(runs)} notebooks ok; index: {args.out}/index.html"
          + (f"; failed: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
