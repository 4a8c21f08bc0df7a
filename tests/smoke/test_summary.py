"""smoke.yml's job summary, rendered from the smoke's own JSON report (smoke/summary.py)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from release_gate.smoke import report, summary
from release_gate.smoke.result import (
    Diagnosis,
    Failure,
    SmokeResult,
    SmokeVerdict,
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
        steps=[StepRecord("1", "mint", True, 12.5), StepRecord("5", "db | check", False, 3.0)],
        failure=Failure(step="5", title="db check", message="cred_count=0", diagnosis=diagnosis),
        teardown=Teardown(ran=True, ok=True, deleted={"user": 1}), interrupted="SIGINT")


def _main(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = summary.main(list(argv))
    return code, out.getvalue()


def test_a_failed_run_says_where_why_and_what_next(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report.to_dict(_failed())), "utf-8")
    code, text = _main(str(path))
    assert code == 0
    assert text.startswith("### Signup smoke: FAIL on prod\n")
    assert "| 5 db \\| check | FAILED | 3.0 |" in text
    assert "**Failed at step 5:** cred_count=0" in text
    assert "- next step: check webauthn_service.verify_registration" in text
    assert "Teardown: ran, ok; deleted {'user': 1}" in text
    assert "Interrupted by SIGINT." in text


def test_no_report_is_said_plainly(tmp_path: Path) -> None:
    assert _main(str(tmp_path / "missing.json")) == (0, summary.NO_REPORT)


def test_an_unreadable_report_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{not json", "utf-8")
    assert _main(str(path))[0] == 1
