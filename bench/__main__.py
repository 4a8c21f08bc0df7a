"""`python -m bench`: run every benchmark of the project and rewrite docs/performance.md.

    python -m bench              every benchmark, full runs (a few minutes), rewrites the doc
    python -m bench --quick      fewer rounds (under a minute once bench/results/ is built)
    python -m bench --only NAME  just these benchmarks; prints their rows, writes nothing
    python -m bench --only NAME --keep
                                 just these benchmarks, and rewrites the doc with their rows
                                 replaced and every other row kept (each row keeps its date)

Each benchmark is a module of bench/ with `rows(quick) -> list[Row]` (and its own command line
for a closer look). The doc is one table; see bench/report.py.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Row, load_average
from bench.report import Run, parse, render

# In the order of the table: the gate's check, its start-up, the gate job's git set-up, its API
# use, the smoke (local, on Heroku, with a deploy), the gate job's install, the test suite.
BENCHMARKS = ("check_large", "startup", "git_setup", "github_calls", "smoke_local",
              "heroku_smoke", "deploy_smoke", "gate_install", "suite")
DOC = ROOT / "docs" / "performance.md"


def collect(names: list[str], *, quick: bool) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            found = importlib.import_module(f"bench.{name}").rows(quick)
        except (Exception, SystemExit) as error:  # one missing tool must not hide the others
            reason = str(error) or type(error).__name__
            found = [Row(f"`bench/{name}.py`", "(all of its figures)",
                         f"not available: {reason.splitlines()[0][:200]}", "it did not run",
                         name, False)]
        print(f"bench: {name} done in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
        rows.extend(found)
    return rows


def merged(kept: list[Row], fresh: list[Row], measured: set[str]) -> list[Row]:
    """The table in BENCHMARKS order: the measured benchmarks' fresh rows, and every other
    benchmark's rows as they were (with their own dates)."""
    rows: list[Row] = []
    for name in BENCHMARKS:
        source = fresh if name in measured else kept
        rows.extend(row for row in source if row.benchmark == name)
    return rows


def _machine() -> str:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return (f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, Python "
            f"{platform.python_version()}, {git.stdout.strip() or 'git unknown'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under a minute)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--keep", action="store_true",
                        help="with --only: rewrite the doc, keeping the other benchmarks' rows")
    args = parser.parse_args(argv)
    if args.keep and not args.only:
        parser.error("--keep goes with --only (a full run rewrites every row)")
    started = time.perf_counter()
    load_before = load_average()
    rows = collect(args.only or list(BENCHMARKS), quick=args.quick)
    mode = "partial" if args.keep else "quick" if args.quick else "full"
    run = Run(date=datetime.now(UTC).strftime("%Y-%m-%d"), mode=mode, machine=_machine(),
              load_before=load_before, load_after=load_average(),
              seconds=time.perf_counter() - started)
    if args.keep:
        rows = merged(parse(DOC.read_text("utf-8"))[0], rows, set(args.only))
    text = render(rows, run)
    if args.only and not args.keep:
        print(text)
        return 0
    DOC.write_text(text, "utf-8")
    missed = [row.figure for row in rows if row.met is False]
    print(f"bench: wrote {DOC.relative_to(ROOT)} ({len(rows)} rows, {run.seconds:.0f} s); "
          f"targets not met: {len(missed)}", file=sys.stderr)
    for figure in missed:
        print(f"  not met: {figure}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
