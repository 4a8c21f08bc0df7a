"""Benchmark: `release-gate deploy --pr N` (build, release, dynos, smoke) against the fakes.

    python bench/deploy_smoke.py [--runs 3]

The CLI runs as the workflow runs it (shipped rules.yaml, dyno mode) against tests/fakes/github.py
(the PR, its head's tarball behind a codeload token) and tests/fakes/heroku.py (a build that
fetches that tarball and compiles in no time, a release without a release phase, one web dyno
that is up at once), with the sandbox under a real server as the app's web dyno. Reports:
  api calls   Platform API requests per deploy + smoke, by route (the fake counts them), and
              GitHub requests;
  overhead    the tool's own time: the whole command minus the smoke's wall time (the report's
              wall_ms): start-up, fences, the gate's re-judgement, the tarball link, the build
              request, the waits' polls, the report.

Heroku's build (minutes), release phase and dyno boot (10-30 s each) are Heroku's, not ours: the
fake makes them instant, so only the overhead and the call counts carry over. Not a test.
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
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import Row, child_env  # noqa: E402
from bench.heroku_smoke import APP, SIGNING_KEY, redis_server  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.fakes.heroku import DYNO_APP, FakeHeroku  # noqa: E402
from tests.servers import run_sandbox  # noqa: E402

AUTH = "backend_v2/api/routes/auth.py"


def _repository_files(rules: str) -> dict[str, str | bytes | None]:
    files: dict[str, str | bytes | None] = {
        str(path.relative_to(DYNO_APP)): path.read_bytes()
        for path in DYNO_APP.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    files["requirements.txt"] = "sqlalchemy\n"
    files["rules.yaml"] = rules
    return files


def measure(runs: int) -> tuple[list[float], list[float], Counter[str], list[int]]:
    """(command ms, smoke ms, Platform API calls in all runs by route, GitHub calls per run)."""
    work = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    command_ms: list[float] = []
    smoke_ms: list[float] = []
    heroku_calls: Counter[str] = Counter()
    github_calls: list[int] = []
    try:
        with redis_server() as redis_url:
            config = {"DATABASE_URL": f"sqlite:///{work / 'app.sqlite3'}",
                      "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY, "REDIS_URL": redis_url,
                      "WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGIN": "https://localhost"}
            with run_sandbox(config) as server, FakeHeroku(app_files=DYNO_APP) as heroku, \
                    FakeGitHub() as github:
                heroku.source_trust = github.ca_path
                heroku.add_app(APP, config=config, log_path=server.log_path)
                heroku.apps[APP].build_s = 0.0
                heroku.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
                shipped = yaml.safe_load((REPO / "rules.yaml").read_text("utf-8"))
                shipped["smoke"]["prod_url"] = server.base_url
                rules_text = yaml.safe_dump(shipped, sort_keys=False)
                (work / "rules.yaml").write_text(rules_text, "utf-8")
                base = github.commit(_repository_files(rules_text))
                github.set_branch("main", base)
                bundle = work / "cas.pem"
                bundle.write_text(Path(github.ca_path).read_text()
                                  + Path(heroku.ca_path).read_text())
                keep = {k: v for k, v in child_env().items()
                        if not k.startswith(("RAXX_", "HEROKU_", "GITHUB_", "DATABASE_URL",
                                             "REDIS_URL"))}
                for index in range(runs):
                    head = github.commit({AUTH: f"router = {index}\n"}, parent=base)
                    github.open_pull(1, base=base, head=head)
                    run_id = github.add_run(display_title="smoke PR #1 on prod")
                    env = {**keep, **heroku.environ(), **github.environ(run_id=run_id),
                           "RAXX_SMOKE_ALLOW_PROD": "1", "SSL_CERT_FILE": str(bundle),
                           "REQUESTS_CA_BUNDLE": str(bundle),
                           "RELEASE_GATE_GITHUB_WRITE_INTERVAL": "0"}
                    report = work / f"report-{index}.json"
                    h_before, g_before = Counter(heroku.calls), Counter(github.calls)
                    argv = [sys.executable, "-m", "release_gate", "deploy", "--pr", "1",
                            "--rules", str(work / "rules.yaml"), "--report", str(report),
                            "--email", f"smoke-test+bench{index}-{time.time_ns()}@moosequest.net"]
                    start = time.perf_counter()
                    done = subprocess.run(argv, env=env, cwd=work, capture_output=True,
                                          text=True, timeout=300, check=False)
                    command_ms.append((time.perf_counter() - start) * 1000)
                    if done.returncode != 0:
                        raise SystemExit(f"deploy run {index} failed:\n{done.stdout}\n"
                                         f"{done.stderr}")
                    smoke_ms.append(float(json.loads(report.read_text())["wall_ms"]))
                    for key, count in (Counter(heroku.calls) - h_before).items():
                        heroku_calls[f"{key[0]} {key[1]}"] += count
                    github_calls.append(sum((Counter(github.calls) - g_before).values()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return command_ms, smoke_ms, heroku_calls, github_calls


def rows(quick: bool) -> list[Row]:
    runs = 1 if quick else 3
    command_ms, smoke_ms, heroku_calls, github_calls = measure(runs)
    how = ("`release-gate deploy --pr 1` (shipped rules, dyno mode) against the fake GitHub and "
           "the fake Heroku, whose build, release and dyno boot are instant (on Heroku they take "
           f"minutes and are Heroku's, not ours); median of {runs}")
    per_run = {name: count / runs for name, count in heroku_calls.items()}
    deploy_routes = ("POST /apps/{app}/builds", "GET /apps/{app}/builds/{build}",
                     "GET /apps/{app}/releases/{release}", "GET /apps/{app}/dynos",
                     "POST /apps/{app}/releases")
    detail = ", ".join(f"{name.split(' ', 1)[1].replace('/apps/{app}', '')} "
                       f"{name.split(' ', 1)[0]} x{per_run[name]:g}"
                       for name in deploy_routes if name in per_run)
    overhead = [c - s for c, s in zip(command_ms, smoke_ms, strict=True)]
    return [
        Row("Platform API calls per deploy + smoke", "(reported)",
            f"{sum(per_run.values()):g} in all; the deploy's own: {detail}", how,
            "deploy_smoke"),
        Row("GitHub API calls per deploy + smoke", "(reported)",
            f"{min(github_calls)}" + (f"-{max(github_calls)}" if max(github_calls) !=
                                      min(github_calls) else "")
            + " (the gate's re-judgement before the build, the tarball link, the statuses, "
              "the gate refresh after the smoke)", how, "deploy_smoke"),
        Row("deploy's own overhead (command minus the smoke's wall time)", "(reported)",
            f"{statistics.median(overhead) / 1000:.2f} s (whole command "
            f"{statistics.median(command_ms) / 1000:.2f} s, smoke "
            f"{statistics.median(smoke_ms) / 1000:.2f} s)", how, "deploy_smoke"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    command_ms, smoke_ms, heroku_calls, github_calls = measure(args.runs)
    print(f"command median {statistics.median(command_ms):.0f} ms, smoke median "
          f"{statistics.median(smoke_ms):.0f} ms")
    for name, count in sorted(heroku_calls.items()):
        print(f"  heroku {name}: {count / args.runs:g}")
    print(f"  github per run: {github_calls}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
