"""Mint backends, and the Heroku one-off dyno interface through a hand-written local runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import pytest

from release_gate.core.smoke_config.settings import SmokeSettings, parse
from release_gate.smoke.backends import (
    BackendError,
    BackendUnavailable,
    CommandMinter,
    CommandOutput,
    HerokuMinter,
    PythonMinter,
    build_database,
    build_minter,
)


def fake_mint(email: str) -> str:
    return f"token-for-{email}"


class LocalDynoRunner:
    """Runs the dyno command here; records what a real `heroku run` would have been asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def run(self, app: str, argv: Sequence[str], *, timeout_s: float) -> CommandOutput:
        self.calls.append((app, list(argv)))
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s,
                              check=False)
        return CommandOutput(done.returncode, done.stdout, done.stderr)


def test_command_minter_takes_the_last_line() -> None:
    minter = CommandMinter(["{python}", "-c", "import sys; print('noise'); print('tok-' + "
                            "sys.argv[1])", "{email}"], timeout_s=10)
    assert minter.mint("a@b.io") == "tok-a@b.io"
    assert minter.waiting_ms > 0
    assert minter.description == "local command (python -c import sys; print('noise'); " \
                                 "print('tok-' + sys.argv[1]))"


@pytest.mark.parametrize(("code", "message", "timed_out"), [
    ("import sys; sys.exit('no key')", "mint command exited 1", False),
    ("pass", "mint printed no token", False),
    ("import time; time.sleep(5)", "mint command timed out after 0.3 s", True),
])
def test_command_minter_failures(code: str, message: str, timed_out: bool) -> None:
    with pytest.raises(BackendError, match=message) as caught:
        CommandMinter([sys.executable, "-c", code], timeout_s=0.3 if timed_out else 10
                      ).mint("a@b.io")
    assert caught.value.timed_out is timed_out


@pytest.mark.parametrize("code", [
    # An APM banner on stdout (flushed last), the bare token on stderr: the RCA-style trap.
    "import sys; print('New Relic agent 9.1.0 (Python 3.12.3) started'); "
    "print('eyJ2IjoxLCJlbWFpbCI6ImFAYi5pbyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ', file=sys.stderr)",
    "print('Token minted for a@b.io: eyJ2IjoxLCJlbWFpbCI6ImFAYi5pbyJ9.c2lnbmF0dXJlLXNp')",
    "print('RELEASE_GATE_RESULT {\"note\": \"no token here\"}')",
])
def test_mint_output_outside_the_contract_is_not_understood_and_shown_masked(code: str) -> None:
    with pytest.raises(BackendError, match=r"^mint output not understood: ") as caught:
        CommandMinter([sys.executable, "-c", code], timeout_s=10).mint("a@b.io")
    assert "c2lnbmF0dXJlLXNp" not in caught.value.output  # the would-be token, masked
    assert caught.value.output.strip()  # but the output is shown


def test_python_minter() -> None:
    assert PythonMinter("tests.smoke.test_backends:fake_mint").mint("a@b.io") == \
        "token-for-a@b.io"
    with pytest.raises(BackendError, match="raised ModuleNotFoundError"):
        PythonMinter("no_such_module:mint").mint("a@b.io")


def test_heroku_minter_through_a_dyno_runner() -> None:
    runner = LocalDynoRunner()
    settings = parse({"mint": {"backend": "heroku",
                               "dyno_command": [sys.executable, "-c", "print('tok')", "{email}"]}})
    minter = build_minter(settings, heroku_app="raxx-api-prod", dyno_runner=runner)
    assert isinstance(minter, HerokuMinter) and minter.description == "raxx-api-prod"
    assert minter.mint("a@b.io") == "tok"
    assert runner.calls == [("raxx-api-prod", [sys.executable, "-c", "print('tok')", "a@b.io"])]
    failing = HerokuMinter(runner, app="raxx-api-prod",
                           argv=[sys.executable, "-c", "raise SystemExit(1)"], timeout_s=10)
    with pytest.raises(BackendError, match="heroku run exited 1"):
        failing.mint("a@b.io")


def test_heroku_backends_need_the_heroku_side() -> None:
    settings = SmokeSettings()  # the runbook's defaults: heroku run for both
    with pytest.raises(BackendUnavailable, match="heroku_side"):
        build_minter(settings, heroku_app="raxx-api-prod")
    with pytest.raises(BackendUnavailable, match="heroku_side"):
        build_database(settings, env={"DATABASE_URL": "postgresql://x/y"})
