"""Benchmark (not a test): `release-gate check` on a 3,000-file, 100,000-changed-line PR.

Builds a synthetic repository once (cached under bench/results/, git-ignored), then times, in
the same run and on the same range:
  - `git diff --numstat base...head` (git's own cost of reading the change), and
  - `release-gate check --base base --head head --format json` (the whole command: Python start,
    rules load, one `git diff`, parse, every rule, render).
Reports the median of N runs of each and the ratio. Targets: check < 1 s and within 3x of git
(docs/performance.md). Run: python bench/check_large.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = 3000
CHANGED_LINES = 100_000  # added + removed, spread over every file
BUILD_VERSION = "2"  # bump when the synthetic repository's shape changes


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x.invalid"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def build(repo: Path) -> None:
    stamp = repo / ".git" / "bench-version"
    if stamp.exists() and stamp.read_text() == BUILD_VERSION:
        return
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    per_file = -(-CHANGED_LINES // FILES // 2)  # lines replaced per file: one removed, one added
    for i in range(FILES):
        path = repo / _path(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"value_{i}_{n} = {n}\n" for n in range(per_file + 20)))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pr")
    for i in range(FILES):
        path = repo / _path(i)
        lines = path.read_text().splitlines(keepends=True)
        for n in range(0, per_file * 2, 2):  # every other line replaced: many small hunks
            lines[n] = f"changed_{i}_{n} = os.environ['SETTING_{n}']\n"
        # A handful of files touch release-sensitive things, so every rule kind has work.
        if i % 500 == 0:
            lines.append("WEBAUTHN_ORIGIN = 'https://raxx.app'\n")
        path.write_text("".join(lines))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pr")
    stamp.write_text(BUILD_VERSION)


def _path(i: int) -> str:
    if i % 100 == 0:  # 30 files in the AST rules' scope: they parse both sides of each
        return f"backend_v2/api/services/mod_{i}.py"
    if i % 1000 == 1:
        return f"backend_v2/db/versions/{i:04d}_orders.py"
    return f"pkg_{i % 30}/sub_{i % 7}/module_{i}.py"


def median_seconds(command: list[str], cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 3, 4):
            sys.exit(f"{command} failed: {result.stderr.decode()[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repo = ROOT / "bench" / "results" / "check_large_repo"
    build(repo)
    numstat = git(repo, "diff", "--numstat", "main...pr").splitlines()
    files = len(numstat)
    lines = sum(int(a) + int(d) for a, d, _ in (row.split("\t") for row in numstat))
    git_s = median_seconds(["git", "diff", "--numstat", "main...pr"], repo, args.runs)
    # --rules: always the current policy (every rule kind), not a copy cached with the repo.
    check_s = median_seconds([sys.executable, "-m", "release_gate", "check", "--base", "main",
                              "--head", "pr", "--format", "json",
                              "--rules", str(ROOT / "rules.yaml")], repo, args.runs)
    print(f"PR: {files} files, {lines} changed lines ({args.runs} runs, medians)")
    print(f"git diff --numstat         {git_s * 1000:8.0f} ms")
    print(f"release-gate check (json)  {check_s * 1000:8.0f} ms")
    print(f"ratio check / git          {check_s / git_s:8.2f} x")


if __name__ == "__main__":
    main()
