"""Benchmark (not a test): the gate job's own start, install + run, as a runner does it.

Each round is what action.yml does on a fresh runner with a warm package cache:

  venv     `uv venv` (setup-uv's activate-environment), a fresh virtual environment;
  install  `uv pip install <this repository>`: the core dependencies only (PyGithub, PyYAML,
           pathspec, jsonschema, regex) from the warm cache, plus building release-gate itself;
  run      `release-gate pr --pr 7 --rules rules.yaml` from that venv against the fake GitHub
           (tests/fakes/github.py over HTTPS): a flagged PR's first evaluation, status + comment.

The cache is warmed by one unmeasured round first (uv's cache in bench/results/, git-ignored).
The run also proves that the gate's import closure is covered by the core dependencies: it runs
in a venv that has nothing else. `--pip` measures `python -m venv` + `pip install` instead.

Target: install + run <= 10 s with a warm cache.
Run: python bench/gate_install.py [--runs 5] [--pip]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

RULES = ROOT / "release_gate" / "data" / "rules.yaml"
CACHE = ROOT / "bench" / "results" / "uv-cache"
TARGET_S = 10.0
# What only the extras bring: none of it may be importable in the gate's venv.
NOT_IN_CORE = ("httpx", "fastapi", "uvicorn", "webauthn", "psycopg", "redis", "heroku3", "cbor2")


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def _install(venv: Path, env: dict[str, str], *, pip: bool, extras: str) -> tuple[float, float]:
    source = f"{ROOT}[{extras}]" if extras else str(ROOT)
    if pip:
        made = _timed([sys.executable, "-m", "venv", str(venv)], env)
        return made, _timed([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                             source], env)
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not installed (pip install '.[dev]')")
    made = _timed([uv, "venv", "-q", "--python", sys.executable, str(venv)], env)
    return made, _timed([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                         source], env)


def _pull(fake: FakeGitHub, number: int) -> None:
    base = fake.commit({"README.md": "signup backend\n", "rules.yaml": RULES.read_text("utf-8"),
                        "backend_v2/api/routes/auth.py": "router = None\n"})
    head = fake.commit({"backend_v2/api/routes/auth.py": "router = APIRouter()\n"}, parent=base)
    fake.open_pull(number, base=base, head=head)


def one_round(tmp: Path, index: int, *, pip: bool, extras: str, fake: FakeGitHub
              ) -> dict[str, float]:
    venv = tmp / f"venv-{index}"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["UV_CACHE_DIR"] = str(CACHE)
    made, installed = _install(venv, env, pip=pip, extras=extras)
    number = 100 + index
    _pull(fake, number)
    event = tmp / f"event-{index}.json"
    event.write_text(json.dumps(fake.event_payload(number, "opened")), "utf-8")
    run_env = {**env, **fake.environ(run_id=4242), "RELEASE_GATE_GITHUB_WRITE_INTERVAL": "0",
               "GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": str(event)}
    ran = _timed([str(venv / "bin" / "release-gate"), "pr", "--pr", str(number),
                  "--rules", str(RULES)], run_env)
    status = fake.latest_status(fake.pulls[number].head, "release-gate")
    if status is None or status["state"] != "pending":
        raise SystemExit(f"round {index}: expected a pending release-gate status, got {status}")
    if not extras:
        _check_closure(venv, env)
    shutil.rmtree(venv)
    return {"venv": made, "install": installed, "run": ran,
            "total": made + installed + ran}


def _check_closure(venv: Path, env: dict[str, str]) -> None:
    """The gate's modules import with the core dependencies alone; the extras' do not exist."""
    probe = ("import importlib.util, release_gate.commands.pr, release_gate.commands.check, "
             "release_gate.commands.validate, release_gate.usecases.pr_gate; "
             f"extra = [m for m in {NOT_IN_CORE!r} if importlib.util.find_spec(m)]; "
             "assert not extra, extra")
    _timed([str(venv / "bin" / "python"), "-c", probe], env)
    done = subprocess.run([str(venv / "bin" / "release-gate"), "smoke", "--target", "sandbox"],
                          env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 1 or "needs the [smoke] extra" not in done.stderr:
        raise SystemExit(f"smoke without its extra: exit {done.returncode}: {done.stderr}")


def measure(runs: int, *, pip: bool = False, extras: str = "") -> list[dict[str, float]]:
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="gate-install-") as tmp, FakeGitHub() as fake:
        one_round(Path(tmp), 0, pip=pip, extras=extras, fake=fake)  # warms the cache
        for index in range(1, runs + 1):
            rounds.append(one_round(Path(tmp), index, pip=pip, extras=extras, fake=fake))
    return rounds


def rows(quick: bool) -> list[Row]:
    runs = 1 if quick else 3
    rounds = measure(runs)
    total = statistics.median(r["total"] for r in rounds)
    parts = ", ".join(f"{key} {statistics.median(r[key] for r in rounds):.2f} s"
                      for key in ("venv", "install", "run"))
    return [Row("gate job start: venv + install + first `release-gate pr` (uv, warm cache)",
                f"<= {TARGET_S:g} s", f"{total:.2f} s ({parts})",
                f"what action.yml does on a fresh runner: `uv venv`, `uv pip install` of this "
                f"repository (core dependencies), `release-gate pr` against the fake GitHub; "
                f"median of {runs} after a warm-up round", "gate_install", total <= TARGET_S)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pip", action="store_true", help="python -m venv + pip instead of uv")
    parser.add_argument("--extras", default="", metavar="NAMES",
                        help="install with these extras (e.g. all: what the gate used to pull)")
    args = parser.parse_args(argv)
    rounds = measure(args.runs, pip=args.pip, extras=args.extras)
    tool = ("pip" if args.pip else "uv") + (f", [{args.extras}]" if args.extras else "")
    print(f"gate job start ({tool}, warm cache, median of {args.runs}):")
    for key in ("venv", "install", "run", "total"):
        values = [r[key] for r in rounds]
        print(f"  {key:8} {statistics.median(values):6.2f} s  "
              f"(min {min(values):.2f}, max {max(values):.2f})")
    total = statistics.median(r["total"] for r in rounds)
    print(f"target install + run <= {TARGET_S:.0f} s: {'met' if total <= TARGET_S else 'MISSED'}")
    return 0 if total <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
