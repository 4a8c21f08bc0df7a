"""The command lines: `python -m release_gate.sandbox mint|serve` and `release-gate sandbox`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from release_gate.cli import main
from release_gate.sandbox import tokens
from release_gate.sandbox.faults import FAULTS
from release_gate.sandbox.settings import DEV_SIGNING_KEY
from tests.servers import SANDBOX_ENV_VARS, run_server


def _env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in SANDBOX_ENV_VARS}, **extra}


def test_mint_prints_only_the_token() -> None:
    key = "a-signing-key-that-must-never-be-printed"
    result = subprocess.run([sys.executable, "-m", "release_gate.sandbox", "mint",
                             "smoke-test+1@example.invalid"], capture_output=True, text=True,
                            env=_env(BOOTSTRAP_TOKEN_SIGNING_KEY=key), check=True, timeout=60)
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert token.startswith("eyJ2IjoxLCJlbWFp")  # as in the runbook's transcript
    assert tokens.verify(token, key=key).email == "smoke-test+1@example.invalid"
    assert key not in result.stdout + result.stderr


def test_mint_without_a_key_uses_the_dev_key() -> None:
    result = subprocess.run([sys.executable, "-m", "release_gate.sandbox", "mint", "a@b.invalid"],
                            capture_output=True, text=True, env=_env(), check=True, timeout=60)
    assert tokens.verify(result.stdout.strip(), key=DEV_SIGNING_KEY).email == "a@b.invalid"


def test_release_gate_sandbox_serves_in_the_foreground(tmp_path: Path) -> None:
    def argv(port: int) -> list[str]:
        return [sys.executable, "-m", "release_gate", "sandbox", "--port", str(port),
                "--fault", "verify-no-commit"]

    database_url = f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    with run_server(argv, {"DATABASE_URL": database_url}) as server:
        assert httpx.get(server.base_url + "/healthz").json() == {"status": "ok"}
        line = server.wait_for_log("sandbox.started")
        assert "fault=verify-no-commit" in line
        assert f"origin=http://localhost:{server.port}" in line
    assert (tmp_path / "sandbox.sqlite3").exists()  # schema created on start


def test_help_lists_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name, description in FAULTS.items():
        assert name in out
        assert description.split(":")[0] in out


def test_unknown_fault_from_the_environment_is_a_usage_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SANDBOX_FAULT", "no-such-fault")
    assert main(["sandbox", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown sandbox fault 'no-such-fault'" in err
    assert "allowed values: [wrong-signing-key," in err


def test_unknown_fault_on_the_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["sandbox", "--fault", "no-such-fault"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sandbox_removes_its_temporary_directory_when_stopped(signum: int) -> None:
    def argv(port: int) -> list[str]:
        return [sys.executable, "-m", "release_gate", "sandbox", "--port", str(port)]

    with run_server(argv) as server:  # no DATABASE_URL: a SQLite file in its own directory
        line = server.wait_for_log("sandbox.started")
        database = Path(re.search(r"db=sqlite:///(\S+)", line).group(1))  # type: ignore[union-attr]
        assert database.exists()
        server.process.send_signal(signum)  # Ctrl-C is SIGINT to the process
        server.process.wait(timeout=20)
    assert not database.parent.exists(), database.parent


def test_a_bad_fault_lists_the_names_not_enum_reprs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--fault", "no-such-fault"])
    err = capsys.readouterr().err
    assert "(choose from 'wrong-signing-key', 'registration-disabled'," in err
    assert "Fault." not in err
