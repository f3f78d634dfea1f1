"""The ``nestlab`` command: list the notebooks, run them headless, publish HTML reports.

Usage::

    nestlab list
    nestlab run [NAME ...] [--profile smoke|paper] [-p KEY VALUE ...] [--out DIR] [--timeout S]
    nestlab index [--out DIR]

Exit status: 0 if everything ran, 1 if any notebook failed, 2 if the request was refused
(unknown notebook, profile or parameter, or a value of the wrong type) — refusals happen
before any kernel starts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nestlab import runner


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nestlab", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,run,index}")
    lst = sub.add_parser("list", help="the notebooks, their parameters and defaults")
    lst.add_argument("--profile", help="also show this profile's overrides")
    run = sub.add_parser("run", help="execute notebooks headless and publish HTML reports")
    run.add_argument("names", nargs="*", metavar="NAME", help="notebooks to run (default: all)")
    run.add_argument("--profile", help="parameter profile: " + ", ".join(runner.available_profiles()))
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("KEY", "VALUE"), help="override a parameter (repeatable)")
    run.add_argument("--out", default="reports", help="output folder (default: reports/)")
    run.add_argument("--timeout", type=int, default=None, help="per-cell timeout in seconds")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    idx = sub.add_parser("index", help="rebuild OUT/index.html from the results there")
    idx.add_argument("--out", default="reports")
    return p


def _list(profile: str | None) -> int:
    catalogue = runner.discover()
    overrides = runner.load_profile(profile) if profile else {}
    for name, info in catalogue.items():
        print(f"{name}  —  {info.title}")
        prof = overrides.get(name, {})
        for key, default in info.parameters.items():
            extra = f"   [{profile}: {prof[key]!r}]" if key in prof else ""
            print(f"    {key} = {default!r}{extra}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nestlab`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list(args.profile)
        if args.command == "index":
            print(runner.write_index(args.out))
            return 0
        runs = runner.run_notebooks(
            args.names, profile=args.profile, overrides=[tuple(kv) for kv in args.parameter],
            out_dir=args.out, progress=not args.no_progress, timeout=args.timeout,
        )
    except runner.UsageError as exc:
        print(f"nestlab: error: {exc}", file=sys.stderr)
        return 2
    failed = [r.name for r in runs if not r.ok]
    print(f"{len(runs) - len(failed)} of {len(runs)} notebooks ok; index: {args.out}/index.html"
          + (f"; failed: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
