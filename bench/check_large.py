"""Benchmark (not a test): `release-gate check` on a 3,000-file, 100,000-changed-line PR.

Builds a synthetic repository once (cached under bench/results/, git-ignored), then runs,
interleaved in the same rounds and on the same range:
  - `git diff --numstat base...head` (git's own cost of reading the change: the reference),
  - `git diff --raw -p -z -U0 base...head` (the one git command check runs: its floor), and
  - `release-gate check --base base --head head --format json` (the whole command: Python start,
    rules load, one `git diff`, parse, every rule, render),
and reports medians (wall and CPU) and the ratio check / numstat. Target: CPU (user + sys of
check and its git processes) within 2.5x of numstat's; `git diff -p` alone is about 1.3x, so
the budget leaves about one numstat for Python. The wall ratio is reported (two cores overlap
git and Python). Run: python bench/check_large.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Command, Row, child_env, side_by_side

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


TARGET_CPU_RATIO = 2.5
TARGET_WALL_MS = 1000.0

# Run in a child: where `check`'s CPU goes on the large PR, phase by phase (user + sys).
_PHASES = """
import json, resource, sys
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (own.ru_utime + own.ru_stime) * 1000, (kids.ru_utime + kids.ru_stime) * 1000
start = cpu()
from release_gate.core import policy, reach
from release_gate import git
from release_gate.render import json as render_json
imported = cpu()
pending = git.GitContext.start(sys.argv[1], "main", "pr")
with pending:
    ctx = pending.finish()
    parsed = cpu()
    chosen = policy.from_file(sys.argv[2])
    loaded = cpu()
    render_json.render(reach.judge(chosen, ctx))
    ctx.close()
    judged = cpu()
print(json.dumps({"start-up": start[0], "imports": imported[0] - start[0],
                  "git processes": judged[1] - imported[1],
                  "diff parse": parsed[0] - imported[0], "rules load": loaded[0] - parsed[0],
                  "rules + render": judged[0] - loaded[0]}))
"""


def measure(runs: int) -> tuple[str, dict[str, float], dict[str, float]]:
    repo = ROOT / "bench" / "results" / "check_large_repo"
    build(repo)
    numstat = git(repo, "diff", "--numstat", "main...pr").splitlines()
    files = len(numstat)
    lines = sum(int(a) + int(d) for a, d, _ in (row.split("\t") for row in numstat))
    # --rules: always the current policy (every rule kind), not a copy cached with the repo.
    check = [sys.executable, "-m", "release_gate", "check", "--base", "main", "--head", "pr",
             "--format", "json", "--rules", str(ROOT / "rules.yaml")]
    timings = side_by_side({
        "numstat": Command(["git", "diff", "--numstat", "main...pr"], cwd=repo),
        "patch": Command(["git", "diff", "--raw", "-p", "-z", "-U0", "main...pr"], cwd=repo),
        "check": Command(check, cwd=repo, env=child_env(), ok=(0, 3, 4)),
    }, runs)
    return f"{files:,} files, {lines:,} changed lines", timings.wall_ms, timings.cpu_ms


def phases(runs: int) -> dict[str, float]:
    """Median CPU ms of each phase of `check` on the large PR (see _PHASES)."""
    repo = ROOT / "bench" / "results" / "check_large_repo"
    found: dict[str, list[float]] = {}
    for _ in range(runs + 1):
        done = subprocess.run([sys.executable, "-c", _PHASES, str(repo),
                               str(ROOT / "rules.yaml")], env=child_env(), capture_output=True,
                              text=True, check=True)
        for name, value in json.loads(done.stdout).items():
            found.setdefault(name, []).append(value)
    return {name: statistics.median(values[1:]) for name, values in found.items()}


def rows(quick: bool) -> list[Row]:
    runs = 3 if quick else 9
    shape, wall, cpu = measure(runs)
    split = phases(runs)
    ratio = wall["check"] / wall["numstat"]
    cpu_ratio = cpu["check"] / cpu["numstat"]
    how = (f"PR of {shape}; `release-gate check --format json` and `git diff --numstat`, "
           f"interleaved, median of {runs} (wall; CPU: user+sys of each process and its "
           "children)")
    return [
        Row("`check` on the large PR / `git diff --numstat` (CPU)",
            f"<= {TARGET_CPU_RATIO:g}x", f"{cpu_ratio:.2f}x ({cpu['check']:.0f} ms / "
            f"{cpu['numstat']:.0f} ms)", how, "check_large", cpu_ratio <= TARGET_CPU_RATIO),
        Row("`check` on the large PR / `git diff --numstat` (wall)", "(reported)",
            f"{ratio:.2f}x ({wall['check']:.0f} ms / {wall['numstat']:.0f} ms)", how,
            "check_large"),
        Row("`check` on the large PR, wall time", f"< {TARGET_WALL_MS / 1000:g} s",
            f"{wall['check']:.0f} ms", how, "check_large", wall["check"] < TARGET_WALL_MS),
        Row("`git diff -p` (what check reads) / `git diff --numstat`", "(the floor)",
            f"{wall['patch'] / wall['numstat']:.1f}x wall, "
            f"{cpu['patch'] / cpu['numstat']:.1f}x CPU", "same rounds as above", "check_large"),
        Row("where `check`'s CPU goes on the large PR", "(reported)",
            ", ".join(f"{name} {ms:.0f} ms" for name, ms in split.items()),
            f"the same steps as `check`, timed phase by phase in a child process (CPU: user + "
            f"sys; git processes: the diff, cat-file, ls-tree it runs), median of {runs}",
            "check_large"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    shape, wall, cpu = measure(args.runs)
    print(f"PR: {shape} ({args.runs} interleaved runs, medians)")
    for name in ("numstat", "patch", "check"):
        print(f"{name:8} wall {wall[name]:8.0f} ms   cpu {cpu[name]:8.0f} ms")
    print(f"ratio check / numstat: wall {wall['check'] / wall['numstat']:.2f}x, "
          f"cpu {cpu['check'] / cpu['numstat']:.2f}x")


if __name__ == "__main__":
    main()
