"""What every benchmark shares: a result row, side-by-side timing, the child environment.

Figures are ratios or counts measured in the same run as their reference wherever one exists
(the box is shared and noisy): commands are run interleaved (A, B, A, B, ...) and compared by
their medians, wall time and CPU time (user + sys of the child) both, so a busy neighbour
inflates both sides alike.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"  # git-ignored: synthetic repositories, caches
PYCACHE = RESULTS / "pycache"


@dataclass(frozen=True)
class Row:
    """One line of docs/performance.md."""

    figure: str
    target: str
    measured: str
    how: str
    benchmark: str  # the bench/ module that measured it (tests check it exists)
    met: bool | None = None  # None: no target, or only reported
    date: str | None = None  # when it was measured; None: in this run (`python -m bench --keep`)


@dataclass(frozen=True)
class Timing:
    wall_ms: float
    cpu_ms: float


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a timed `release-gate` child: this checkout's package, and bytecode
    cached as an installed package has it (pip compiles at install). Without this, a shell with
    PYTHONDONTWRITEBYTECODE=1 would time the compiling of every module on every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra or {})
    return env


def run_timed(argv: Sequence[str], *, cwd: Path | None = None,
              env: Mapping[str, str] | None = None, ok: Sequence[int] = (0,)) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                          capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: "
                         f"{done.stderr.decode('utf-8', 'replace')[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall * 1000, cpu * 1000)


@dataclass(frozen=True)
class Command:
    argv: Sequence[str]
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    ok: Sequence[int] = (0,)

    def run(self) -> Timing:
        return run_timed(self.argv, cwd=self.cwd, env=self.env, ok=self.ok)


@dataclass(frozen=True)
class SideBySide:
    """Medians of interleaved runs of several commands, by name."""

    wall_ms: dict[str, float]
    cpu_ms: dict[str, float]
    runs: int

    def ratio(self, name: str, reference: str) -> tuple[float, float]:
        """(wall ratio, CPU ratio) of `name` over `reference`."""
        return (self.wall_ms[name] / self.wall_ms[reference],
                self.cpu_ms[name] / self.cpu_ms[reference])


def side_by_side(commands: Mapping[str, Command], runs: int) -> SideBySide:
    """Run each command once per round, in the same order every round; one warm-up round."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for round_index in range(runs + 1):
        for name, command in commands.items():
            timing = command.run()
            if round_index:  # round 0 warms caches (page cache, bytecode)
                walls[name].append(timing.wall_ms)
                cpus[name].append(timing.cpu_ms)
    return SideBySide({n: statistics.median(v) for n, v in walls.items()},
                      {n: statistics.median(v) for n, v in cpus.items()}, runs)


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"
