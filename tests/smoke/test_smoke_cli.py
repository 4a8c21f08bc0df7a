"""The smoke's command line: what a newcomer types first."""

from __future__ import annotations

import pytest

from release_gate.cli import main


def test_a_bad_sandbox_fault_exits_2_with_the_valid_names(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["smoke", "--target", "sandbox", "--sandbox-fault", "verify-no-comit"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'verify-no-comit' (choose from 'wrong-signing-key'," in err
    assert "'verify-no-commit'" in err and "Fault." not in err


def test_a_bad_sandbox_fault_in_the_environment_exits_2_before_starting(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SANDBOX_FAULT", "nope")
    assert main(["smoke", "--target", "sandbox"]) == 2
    captured = capsys.readouterr()
    assert "SANDBOX_FAULT: unknown sandbox fault 'nope'; allowed values: [wrong-signing-key," \
        in captured.err
    assert captured.out == ""


def test_cleanup_help_shows_a_plain_metavar(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["smoke", "cleanup", "--help"])
    out = capsys.readouterr().out
    assert "--email EMAIL" in out and "CLEANUP_EMAIL" not in out
