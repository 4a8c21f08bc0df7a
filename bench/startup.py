"""Benchmark (not a test): the fixed cost of a `release-gate` process, against `python -c pass`.

Interleaved in the same rounds: `python -c pass` (the interpreter's own start: the floor of any
Python command), `release-gate --help`, and `release-gate check` on a two-commit repository (the
whole fixed cost of a check: imports, rules load and validation, git, render). Bytecode is
cached as in an installed package; one more row times `check` with nothing cached (the first run
after an install that did not compile bytecode, e.g. `uv pip install` without
`--compile-bytecode`). Run: python bench/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Command, Row, SideBySide, child_env, side_by_side


def _small_repo(root: Path) -> Path:
    repo = root / "small"
    env = {**child_env(), "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x.invalid"}
    repo.mkdir()
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        if step[0] == "add":
            (repo / "README.md").write_text("backend\n")
            shutil.copy(ROOT / "rules.yaml", repo / "rules.yaml")
        subprocess.run(["git", *step], cwd=repo, env=env, check=True)
    (repo / "README.md").write_text("backend, now documented\n")
    subprocess.run(["git", "commit", "-q", "-am", "docs"], cwd=repo, env=env, check=True)
    return repo


def measure(runs: int) -> SideBySide:
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        repo = _small_repo(Path(tmp))
        cold = Path(tmp) / "no-bytecode"
        py = sys.executable
        check = [py, "-m", "release_gate", "check", "--base", "HEAD~1"]
        return side_by_side({
            "pass": Command([py, "-c", "pass"], env=child_env()),
            "help": Command([py, "-m", "release_gate", "--help"], env=child_env()),
            "check": Command(check, cwd=repo, env=child_env()),
            # A fresh, empty cache directory that is never written: every module compiled.
            "cold": Command(check, cwd=repo, env=child_env({
                "PYTHONPYCACHEPREFIX": str(cold), "PYTHONDONTWRITEBYTECODE": "1"})),
        }, runs)


TARGET_CHECK_RATIO = 3.0  # CPU of `check` on a 2-commit repository / `python -c pass`


def rows(quick: bool) -> list[Row]:
    runs = 5 if quick else 15
    t = measure(runs)
    how = (f"interleaved with `python -c pass`, median of {runs} (wall; CPU: user+sys), "
           "bytecode cached")
    help_wall, help_cpu = t.ratio("help", "pass")
    check_wall, check_cpu = t.ratio("check", "pass")
    cold_wall, _ = t.ratio("cold", "pass")
    return [
        Row("`release-gate --help` / `python -c pass`", "(reported)",
            f"{help_wall:.1f}x wall, {help_cpu:.1f}x CPU ({t.wall_ms['help']:.0f} ms / "
            f"{t.wall_ms['pass']:.0f} ms)", how, "startup"),
        Row("`check` on a 2-commit repository / `python -c pass` (check's fixed cost, CPU)",
            f"<= {TARGET_CHECK_RATIO:g}x", f"{check_cpu:.2f}x CPU ({t.cpu_ms['check']:.0f} ms / "
            f"{t.cpu_ms['pass']:.0f} ms); {check_wall:.1f}x wall ({t.wall_ms['check']:.0f} ms / "
            f"{t.wall_ms['pass']:.0f} ms)", how, "startup", check_cpu <= TARGET_CHECK_RATIO),
        Row("the same `check`, no bytecode cached / `python -c pass`", "(reported)",
            f"{cold_wall:.1f}x wall ({t.wall_ms['cold']:.0f} ms)",
            "same rounds; every module compiled from source", "startup"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    t = measure(args.runs)
    for name in t.wall_ms:
        print(f"{name:6} wall {t.wall_ms[name]:7.0f} ms   cpu {t.cpu_ms[name]:7.0f} ms")


if __name__ == "__main__":
    main()
