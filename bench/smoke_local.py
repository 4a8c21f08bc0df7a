"""Benchmark: the full signup smoke against the local sandbox (docs/performance.md).

    python bench/smoke_local.py [--runs 20] [--cli-runs 3]

Reports, per run of steps 1-5 + teardown against an already running sandbox:
  wall      the smoke's wall time, from the header to the verdict;
  waiting   time spent waiting on the target: HTTP round trips, the mint command, SQL queries;
  overhead  wall - waiting: the smoke's own time (credential, JSON, transcript, bookkeeping).
And the end-to-end `release-gate smoke --target sandbox` command (interpreter start, sandbox
start, smoke, sandbox stop), which is what a new user waits for.

Targets: overhead < 30 ms, full local smoke < 1.5 s. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import Row, child_env  # noqa: E402
from release_gate.core.smoke_config.settings import SmokeSettings  # noqa: E402
from release_gate.core.target import TargetKind  # noqa: E402
from release_gate.smoke.backends import CommandMinter  # noqa: E402
from release_gate.smoke.client import ApiClient  # noqa: E402
from release_gate.smoke.local import LocalSandbox  # noqa: E402
from release_gate.smoke.masking import Masker  # noqa: E402
from release_gate.smoke.plan import SmokePlan  # noqa: E402
from release_gate.smoke.result import SmokeResult  # noqa: E402
from release_gate.smoke.runner import run_smoke  # noqa: E402
from release_gate.smoke.sqldb import SqlDatabase  # noqa: E402
from release_gate.smoke.transcript import Transcript  # noqa: E402


def one_run(sandbox: LocalSandbox, settings: SmokeSettings, index: int) -> SmokeResult:
    minter = CommandMinter(settings.mint.command, timeout_s=30, env=sandbox.env)
    database = SqlDatabase(sandbox.database_url, sql=settings.sql, timeout_s=10)
    with ApiClient(sandbox.api_url, timeout_s=10) as client:
        plan = SmokePlan(settings=settings, target=TargetKind.SANDBOX, api_url=sandbox.api_url,
                         email=f"smoke-test+bench{index}-{int(time.time())}@moosequest.net",
                         heroku_app="n/a", minter=minter, database=database, client=client,
                         out=Transcript(io.StringIO(), Masker()), origin=sandbox.origin,
                         rp_id=sandbox.rp_id)
        result = run_smoke(plan)
    if not result.passed:
        raise SystemExit(f"run {index} did not pass: {result.failure}")
    return result


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, round(0.9 * len(ordered)) - 1)]
    return (f"median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   "
            f"max {ordered[-1]:7.1f} ms")


@dataclass(frozen=True)
class Measured:
    results: list[SmokeResult]
    cli_ms: list[float]
    started_ms: float
    stopped_ms: float


def measure(runs: int, cli_runs: int) -> Measured:
    settings = SmokeSettings()
    env = {k: v for k, v in child_env().items() if k not in ("DATABASE_URL", "SANDBOX_FAULT")}
    start = time.perf_counter()
    sandbox = LocalSandbox(env).__enter__()
    sandbox.wait_ready()
    started_ms = (time.perf_counter() - start) * 1000
    try:
        one_run(sandbox, settings, -1)  # warm-up: imports, first connection, SQLite pages
        results = [one_run(sandbox, settings, i) for i in range(runs)]
    finally:
        start = time.perf_counter()
        sandbox.stop()
        stopped_ms = (time.perf_counter() - start) * 1000
    cli = []
    for _ in range(cli_runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "release_gate", "smoke", "--target",
                               "sandbox"], cwd=REPO, env=env, capture_output=True, text=True,
                              check=False)
        cli.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"release-gate smoke --target sandbox failed:\n{done.stdout}")
    return Measured(results, cli, started_ms, stopped_ms)


OVERHEAD_TARGET_MS = 30.0
SMOKE_TARGET_MS = 1500.0


def rows(quick: bool) -> list[Row]:
    runs, cli_runs = (5, 2) if quick else (30, 9)
    m = measure(runs, cli_runs)
    wall = statistics.median(r.wall_ms for r in m.results)
    waiting = statistics.median(r.waiting_ms for r in m.results)
    overhead = statistics.median(r.overhead_ms for r in m.results)
    end_to_end = statistics.median(m.cli_ms)
    how = (f"steps 1-5 + teardown against a running local sandbox (SQLite, in-process "
           f"challenge store), median of {runs}; overhead = wall - time waiting on the target "
           f"(HTTP, mint command, SQL)")
    return [
        Row("local smoke (steps 1-5 + teardown), wall", f"< {SMOKE_TARGET_MS / 1000:g} s",
            f"{wall:.0f} ms (waiting on the target {waiting:.0f} ms)", how, "smoke_local",
            wall < SMOKE_TARGET_MS),
        Row("smoke client overhead per run", f"< {OVERHEAD_TARGET_MS:g} ms",
            f"{overhead:.1f} ms ({overhead / wall:.1%} of the wall)", how, "smoke_local",
            overhead < OVERHEAD_TARGET_MS),
        Row("`release-gate smoke --target sandbox`, end to end", "(reported)",
            f"{end_to_end / 1000:.2f} s",
            f"the whole command (process, sandbox boot, smoke, stop), median of {cli_runs}",
            "smoke_local"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cli-runs", type=int, default=3)
    args = parser.parse_args()
    m = measure(args.runs, args.cli_runs)
    results = m.results
    mint = [next(s.ms for s in r.steps if s.step == "1") for r in results]
    per_step = {name: statistics.median(next(s.ms for s in r.steps if s.step == name)
                                        for r in results)
                for name in ("health", "1", "2", "3", "4", "5", "teardown")}
    print(f"smoke against a running local sandbox (SQLite, in-process challenge store), "
          f"{args.runs} runs")
    print(f"  wall      {summary([r.wall_ms for r in results])}")
    print(f"  waiting   {summary([r.waiting_ms for r in results])}")
    print(f"    of which mint command {summary(mint)}")
    print(f"  overhead  {summary([r.overhead_ms for r in results])}")
    print("  per step (median): " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_step.items()))
    print(f"sandbox start (until /healthz answers) {m.started_ms:.0f} ms, "
          f"stop {m.stopped_ms:.0f} ms")
    print(f"release-gate smoke --target sandbox (process + sandbox start + smoke + stop), "
          f"{args.cli_runs} runs")
    print(f"  wall      {summary(m.cli_ms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
