"""The test suite's wall time, as `scripts/test` measured its last run (reported, not asserted).

`scripts/test` times the pytest run it starts (on N workers, pytest-xdist) and records it here
with `python3 bench/suite.py record SECONDS STATUS [ARGS...]` into bench/results/suite.json;
`python -m bench` reports the last record. The suite is not re-run by the benchmark: a run takes
minutes, and the figure worth keeping is the one CI and developers get from the README's command.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, Row, load_average

RECORD = RESULTS / "suite.json"
BUDGET_S = 180


def record(seconds: int, status: int, args: list[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps({
        "seconds": seconds, "status": status, "args": args, "cpus": os.cpu_count(),
        "workers": os.environ.get("RELEASE_GATE_TEST_WORKERS", "auto"),
        "load_after": load_average(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }), "utf-8")


def rows(quick: bool) -> list[Row]:
    how_base = "`scripts/test` (pytest-xdist, one worker per CPU), its last run"
    if not RECORD.exists():
        return [Row("the whole test suite, wall time", f"<= {BUDGET_S // 60} min",
                    "not measured: run scripts/test first", how_base, "suite", None)]
    run = json.loads(RECORD.read_text("utf-8"))
    minutes, seconds = divmod(int(run["seconds"]), 60)
    outcome = "passed" if run["status"] == 0 else f"exit {run['status']}"
    how = (f"{how_base}: {run['date']}, {run['cpus']} CPUs, workers {run['workers']}, "
           f"arguments `{' '.join(run['args']) or '(none)'}`, {outcome}; load average after: "
           f"{run['load_after']}")
    return [Row("the whole test suite, wall time", f"<= {BUDGET_S // 60} min",
                f"{minutes} min {seconds:02d} s", how, "suite",
                run["seconds"] <= BUDGET_S and run["status"] == 0)]


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "record":
        record(int(argv[1]), int(argv[2]), argv[3:])
        return 0
    for row in rows(quick=False):
        print(f"{row.figure}: {row.measured} ({row.how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
