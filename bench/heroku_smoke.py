"""Benchmark: `release-gate smoke --target prod` on Heroku, against the fakes (docs/performance.md).

    python bench/heroku_smoke.py [--runs 5]

Runs the CLI as a user does (shipped rules.yaml, the runbook's environment) against the sandbox
under a real server (SQLite, a real redis-server for the RCA's store=redis lines) as the app's
web dyno, and tests/fakes/heroku.py as Heroku (its dynos run their commands on this machine).
For each mode reports:
  dynos     one-off dynos created per smoke (the fake counts them);
  API       Platform API requests per smoke (the fake counts them; rendezvous and the log
            stream apart): each spends a token of the account's rate limit;
  smoke     the smoke's own wall time, header to verdict (the report's wall_ms);
  command   the whole command: interpreter start, Heroku auth, the smoke, closing the log.

Fake dynos boot in milliseconds; a real one takes 10-30 s (runbook), so on Heroku each dyno adds
that much: the dyno count is the figure that carries over. Not a test: times depend on the
machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import Row, child_env  # noqa: E402
from tests.fakes.heroku import DYNO_APP, FakeHeroku  # noqa: E402
from tests.servers import free_port, run_sandbox  # noqa: E402

APP = "raxx-api-prod"
SIGNING_KEY = "bench-signing-key-0123456789abcdef"
MODES = {
    "dyno": None,  # the shipped rules.yaml
    "direct": "version: 1\nrules: []\nsmoke:\n  heroku: {mode: direct}\n"
              "  mint: {backend: command}\n",
}


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: the log evidence needs the Redis store")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def one_run(env: dict[str, str], rules: Path | None, report: Path, index: int) -> float:
    argv = [sys.executable, "-m", "release_gate", "smoke", "--target", "prod", "--email",
            f"smoke-test+bench{index}-{time.time_ns()}@moosequest.net", "--report", str(report)]
    if rules is not None:
        argv += ["--rules", str(rules)]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
                          check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"run {index} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):7.0f} ms   max {ordered[-1]:7.0f} ms"


@dataclass(frozen=True)
class ModeFigures:
    dynos: list[int]
    smoke_ms: list[float]
    command_ms: list[float]
    api: list[int]


def measure(runs: int) -> dict[str, ModeFigures]:
    """Per mode, interleaved run by run (dyno, direct, dyno, direct, ...)."""
    work = Path(tempfile.mkdtemp(prefix="bench-heroku-"))
    figures = {mode: ModeFigures([], [], [], []) for mode in MODES}
    try:
        with redis_server() as redis_url:
            config = {"DATABASE_URL": f"sqlite:///{work / 'app.sqlite3'}",
                      "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY, "REDIS_URL": redis_url,
                      "WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGIN": "https://localhost"}
            with run_sandbox(config) as server, FakeHeroku(app_files=DYNO_APP) as fake:
                fake.add_app(APP, config=config, log_path=server.log_path)
                fake.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
                keep = {k: v for k, v in child_env().items()
                        if not k.startswith(("RAXX_", "HEROKU_", "DATABASE_URL", "REDIS_URL"))}
                env = {**keep, "RAXX_SMOKE_ALLOW_PROD": "1",
                       "RAXX_SMOKE_API_URL": server.base_url, **fake.environ(app=APP),
                       "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY}
                rules: dict[str, Path | None] = {}
                for mode, text in MODES.items():
                    rules[mode] = None
                    if text is not None:
                        rules[mode] = work / f"{mode}.yaml"
                        rules[mode].write_text(text)  # type: ignore[union-attr]
                for index in range(runs):
                    for mode in MODES:
                        before = fake.dyno_creations()
                        calls = sum(fake.calls.values())
                        report = work / f"{mode}-{index}.json"
                        figures[mode].command_ms.append(one_run(env, rules[mode], report, index))
                        figures[mode].dynos.append(fake.dyno_creations() - before)
                        figures[mode].api.append(sum(fake.calls.values()) - calls)
                        figures[mode].smoke_ms.append(json.loads(report.read_text())["wall_ms"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def rows(quick: bool) -> list[Row]:
    runs = 1 if quick else 5
    figures = measure(runs)
    dyno, direct = figures["dyno"], figures["direct"]
    how = (f"`release-gate smoke --target prod` with the Heroku backends against the fake "
           f"Platform API (its one-off dynos run here and boot in milliseconds; a real one takes "
           f"10-30 s) and the sandbox as the app; the two modes interleaved, median of {runs}")
    out = []
    for mode, target in (("dyno", 2), ("direct", 0)):
        counts = figures[mode].dynos
        out.append(Row(f"one-off dynos per smoke, {mode} mode", f"<= {target}",
                       f"{max(counts)}" + (f" (min {min(counts)})" if min(counts) != max(counts)
                                           else ""), how, "heroku_smoke",
                       max(counts) <= target))
    out.append(Row("Platform API requests per smoke, dyno / direct mode", "(reported)",
                   f"{max(dyno.api)} / {max(direct.api)} (account, app, log session, dyno "
                   "creates, config vars in direct mode)", how, "heroku_smoke"))
    smoke_dyno, smoke_direct = statistics.median(dyno.smoke_ms), statistics.median(direct.smoke_ms)
    out.append(Row("Heroku-mode smoke wall time against the fakes, dyno / direct mode",
                   "(reported)", f"{smoke_dyno:.0f} ms / {smoke_direct:.0f} ms "
                   f"({smoke_dyno / smoke_direct:.1f}x); whole command "
                   f"{statistics.median(dyno.command_ms) / 1000:.2f} s / "
                   f"{statistics.median(direct.command_ms) / 1000:.2f} s", how, "heroku_smoke"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for mode, f in measure(args.runs).items():
        print(f"{mode:7s} dynos per smoke {min(f.dynos)}-{max(f.dynos)}   "
              f"API requests {min(f.api)}-{max(f.api)}   "
              f"smoke {summary(f.smoke_ms)}   command {summary(f.command_ms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
