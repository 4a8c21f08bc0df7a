"""Benchmark: the full signup smoke against the local sandbox (docs/performance.md, "Smoke").

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
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from release_gate.smoke.backends import CommandMinter  # noqa: E402
from release_gate.smoke.client import ApiClient  # noqa: E402
from release_gate.smoke.local import LocalSandbox  # noqa: E402
from release_gate.smoke.masking import Masker  # noqa: E402
from release_gate.smoke.plan import SmokePlan  # noqa: E402
from release_gate.smoke.result import SmokeResult  # noqa: E402
from release_gate.smoke.runner import run_smoke  # noqa: E402
from release_gate.smoke.settings import SmokeSettings  # noqa: E402
from release_gate.smoke.sqldb import SqlDatabase  # noqa: E402
from release_gate.smoke.transcript import Transcript  # noqa: E402


def one_run(sandbox: LocalSandbox, settings: SmokeSettings, index: int) -> SmokeResult:
    minter = CommandMinter(settings.mint.command, timeout_s=30, env=sandbox.env)
    database = SqlDatabase(sandbox.database_url, sql=settings.sql, timeout_s=10)
    with ApiClient(sandbox.api_url, timeout_s=10) as client:
        plan = SmokePlan(settings=settings, target="sandbox", api_url=sandbox.api_url,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cli-runs", type=int, default=3)
    args = parser.parse_args()
    settings = SmokeSettings()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SANDBOX_FAULT")}
    start = time.perf_counter()
    sandbox = LocalSandbox(env).__enter__()
    sandbox.wait_ready()
    started_ms = (time.perf_counter() - start) * 1000
    try:
        one_run(sandbox, settings, -1)  # warm-up: imports, first connection, SQLite pages
        results = [one_run(sandbox, settings, i) for i in range(args.runs)]
    finally:
        start = time.perf_counter()
        sandbox.stop()
        stopped_ms = (time.perf_counter() - start) * 1000
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
    print(f"sandbox start (until /healthz answers) {started_ms:.0f} ms, stop {stopped_ms:.0f} ms")
    cli = []
    for _ in range(args.cli_runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "release_gate", "smoke", "--target",
                               "sandbox"], cwd=REPO, env=env, capture_output=True, text=True,
                              check=False)
        cli.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"release-gate smoke --target sandbox failed:\n{done.stdout}")
    print(f"release-gate smoke --target sandbox (process + sandbox start + smoke + stop), "
          f"{args.cli_runs} runs")
    print(f"  wall      {summary(cli)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
