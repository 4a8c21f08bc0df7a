"""The fast lane: `pytest -m "not slow"` leaves out the end-to-end tests, and every run names
its slowest tests (`--durations=15` in the default options). The README says both."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTEST = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["pytest"][
    "ini_options"]

# The end-to-end tests: whole workflows in the runner emulator, the prod smoke against the fake
# Heroku over TLS, the time and size bounds, the smoke against real servers.
END_TO_END = (
    "tests/workflows/test_runner_e2e.py",
    "tests/heroku/test_smoke_prod.py",
    "tests/smoke/test_bounds.py",
    "tests/smoke/test_e2e.py",
    "tests/smoke/test_other_backend.py",
    "tests/smoke/test_signals.py",
    "tests/smoke/test_sandbox_target.py",
    "tests/sandbox/test_gunicorn.py",
)


def _collect(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=300)
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: nothing selected
    return done.stdout


def test_slow_is_a_registered_marker_and_a_misspelt_one_is_refused() -> None:
    assert any(line.startswith("slow:") for line in PYTEST["markers"])
    assert "--strict-markers" in PYTEST["addopts"].split()


def test_every_run_names_its_15_slowest_tests() -> None:
    assert "--durations=15" in PYTEST["addopts"].split()


# Marked by what they use (tests/conftest.py, starts_a_server): the fake GitHub over TLS through
# a conftest fixture, the fake Heroku imported by the module, the sandbox under an ASGI server,
# PostgreSQL and Redis through the session fixtures.
SERVER_TESTS = (
    "tests/github/test_pr_gate.py",
    "tests/heroku/test_api.py",
    "tests/sandbox/test_http.py",
    "tests/sandbox/test_faults.py",
)
# The quick loop keeps the decisions: the core, the use cases on the in-memory GitHub, `check` on
# real git repositories.
FAST_TESTS = (
    "tests/core/test_evidence.py",
    "tests/usecases/test_pr_gate.py",
    "tests/commands/test_check.py",
    "tests/core/rules/test_pairing_evasions.py",
)


@pytest.mark.slow  # runs pytest's collection twice
def test_the_fast_lane_leaves_out_every_end_to_end_test() -> None:
    every = (*END_TO_END, *SERVER_TESTS, *FAST_TESTS)
    slow = _collect("-m", "slow", *every)
    fast = _collect("-m", "not slow", *every)
    for module in (*END_TO_END, *SERVER_TESTS):
        assert module in slow, module
        assert module not in fast, module
    for module in FAST_TESTS:
        assert module in fast, module


def test_the_readme_shows_the_fast_lane_and_the_durations() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    development = readme.split("## Development", 1)[1].split("\n## ", 1)[0]
    assert 'pytest -m "not slow"' in development
    assert "scripts/test" in development and "pytest-xdist" in development
    assert "--durations=15" in development
