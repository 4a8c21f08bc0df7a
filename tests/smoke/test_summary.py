"""smoke.yml's job summary, rendered from the smoke's own JSON report (smoke/summary.py)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from release_gate.smoke import report, summary
from release_gate.smoke.result import (
    Diagnosis,
    Failure,
    SmokeResult,
    SmokeVerdict,
    StepId,
    StepRecord,
    Teardown,
)


def _failed() -> SmokeResult:
    diagnosis = Diagnosis(id="cred-count-zero", symptom="Step 5 cred_count=0",
                          likely_cause="verify-with-token returned 200 but DB write failed",
                          next_step="check webauthn_service.verify_registration",
                          source="runbook")
    return SmokeResult(
        target="prod", api_url="https://api.example", email="smoke-test+1@example.net",
        started_at="2026-11-30T05:00:00Z", verdict=SmokeVerdict.FAIL,
        steps=[StepRecord(StepId.MINT, "mint", True, 12.5),
               StepRecord(StepId.DATABASE, "db | check", False, 3.0)],
        failure=Failure(step=StepId.DATABASE, title="db check", message="cred_count=0",
                        diagnosis=diagnosis),
        teardown=Teardown(ran=True, ok=True, deleted={"user": 1}), interrupted="SIGINT")


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = summary.main(list(argv))
    return code, out.getvalue()


@pytest.mark.slow  # a smoke against the sandbox, as a process
def test_a_failed_run_says_where_why_and_what_next(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report.to_dict(_failed())), "utf-8")
    code, text = _main(str(path))
    assert code == 0
    assert text.startswith("### ❌ Signup smoke: **FAIL** on production (`https://api.example`)\n")
    assert "| step | status | HTTP | ms | detail |" in text
    assert "| **step 5: db \\| check** | ❌&nbsp;**FAIL** |  | 3 |" in text
    assert "**❌ Failed at step 5:** cred_count=0" in text
    assert "- diagnosis: `cred-count-zero` (runbook)" in text
    assert "- next step: check webauthn_service.verify_registration" in text
    assert "Teardown ok: deleted 1 user row." in text
    assert "{'" not in text
    assert "Interrupted by SIGINT." in text


def _run_sandbox(tmp_path: Path, *extra: str) -> tuple[dict, str]:
    from tests.smoke._harness import base_env, cli, run

    path = tmp_path / f"report{len(extra)}.json"
    done = run(cli("smoke", "--target", "sandbox", "--report", str(path), *extra), base_env(),
               timeout=90)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    code, text = _main(str(path))
    assert code == 0
    return json.loads(path.read_text("utf-8")), text


@pytest.mark.slow  # two smokes against the sandbox, as processes
def test_a_pass_and_a_fail_look_different_and_name_the_target_used(tmp_path: Path) -> None:
    passed, pass_text = _run_sandbox(tmp_path)
    failed, fail_text = _run_sandbox(tmp_path, "--sandbox-fault", "challenge-store-split")
    assert passed["verdict"] == "PASS" and failed["verdict"] == "FAIL"
    assert pass_text.startswith("### ✅ Signup smoke: PASS on the local sandbox\n")
    assert fail_text.startswith("### ❌ Signup smoke: **FAIL** on the local sandbox\n")
    for text in (pass_text, fail_text):
        assert "| step | status | HTTP | ms | detail |" in text
        assert "teardown teardown" not in text and "{'" not in text and "None" not in text
        assert "on url" not in text
        # A sandbox run: no production app, and no temporary directory in a step title.
        assert "heroku" not in text.lower() and "raxx-api-prod" not in text
        assert "/tmp/" not in text
        assert "Run it again: `release-gate smoke --target sandbox" in text
        assert "```mermaid\ngantt\n" in text
    assert "**FAIL**" not in pass_text and ":crit," not in pass_text
    assert "sqlite:///…/sandbox.sqlite3" in pass_text
    row = next(line for line in fail_text.splitlines() if line.startswith("| **step 4"))
    assert "| ❌&nbsp;**FAIL** | 400 |" in row
    assert ":crit, " in fail_text  # the failing step is red in the gantt
    assert "**❌ Failed at step 4 (HTTP 400):**" in fail_text
    assert "- diagnosis: `challenge-miss` (RCA 2026-05-25)" in fail_text
    assert "<summary>The target's log</summary>" in fail_text
    assert "webauthn.challenge_miss store=memory" in fail_text
    assert "--sandbox-fault challenge-store-split`" in fail_text


def test_commands_and_names_are_in_code_format() -> None:
    text = summary.code_format("Check feature flags via heroku config --app raxx-api-prod; "
                               "set smoke.origin or WEBAUTHN_ORIGIN (`already code`)")
    assert text == ("Check feature flags via `heroku config --app raxx-api-prod`; set "
                    "`smoke.origin` or `WEBAUTHN_ORIGIN` (`already code`)")


def test_no_report_is_said_plainly(tmp_path: Path) -> None:
    assert _main(str(tmp_path / "missing.json")) == (0, summary.NO_REPORT)


def test_an_unreadable_report_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{not json", "utf-8")
    assert _main(str(path))[0] == 1
