"""evidence.py: which smoke PASS counts for a PR head (docs/design.md, "What makes a PASS")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from release_gate.evidence import RunRecord, StatusRecord, collect, parse_run_url
from tests.evidence_data import EXPECT, HEAD, RUN_URL, T0
from tests.evidence_data import run as _run
from tests.evidence_data import status as _status


@pytest.mark.parametrize("url, expected", [
    (RUN_URL, 99),
    (RUN_URL + "/job/5", 99),
    ("https://github.com/ACME/API/actions/runs/99", 99),
    ("https://github.com/acme/other/actions/runs/99", None),
    ("https://evil.example/acme/api/actions/runs/99", None),
    ("http://github.com/acme/api/actions/runs/99", None),
    ("https://github.com/acme/api/pull/7", None),
    (None, None),
])
def test_parse_run_url(url: str | None, expected: int | None) -> None:
    assert parse_run_url(url, server_url="https://github.com", repository="acme/api") == expected


@pytest.mark.parametrize("status, run, reason", [
    (_status(login="mallory", kind="User"), _run(), "posted by mallory"),
    (_status(kind="User"), _run(), "not by the Actions app"),
    (_status(url="https://github.com/acme/api/pull/7"), _run(), "is not a workflow run"),
    (_status(), None, "run 99 does not exist"),
    (_status(), _run(repository="fork/api"), "belongs to fork/api"),
    (_status(), _run(path=".github/workflows/ci.yml"), "not the smoke workflow"),
    (_status(), _run(event="push"), "triggered by push"),
    (_status(), _run(head_branch="feature"), "not the default branch"),
    (_status(), _run(display_title="smoke PR #8"), "is not a smoke of PR #7"),
    (_status(), _run(display_title="smoke PR #77"), "is not a smoke of PR #7"),
    (_status(), _run(status="completed", conclusion="failure"), "concluded failure"),
    (_status(at=T0 + timedelta(hours=1)), _run(status="completed", conclusion="success"),
     "replayed link"),
])
def test_a_pass_that_breaks_one_link_is_ignored_with_its_reason(
        status: StatusRecord, run: RunRecord | None, reason: str) -> None:
    found = collect([status], head=HEAD, expect=EXPECT, fetch_run=lambda _id: run)
    assert not found.passed
    assert len(found.ignored) == 1
    assert reason in found.ignored[0].reason


def test_a_genuine_pass_counts_and_runs_are_fetched_once() -> None:
    fetched: list[int] = []

    def fetch(run_id: int) -> RunRecord:
        fetched.append(run_id)
        return _run(status="completed", conclusion="success", updated_at=T0 + timedelta(minutes=1))

    forged = _status(login="mallory", kind="User", at=T0 + timedelta(minutes=5), id=3)
    found = collect([_status(id=1), _status(at=T0 + timedelta(seconds=1), id=2), forged],
                    head=HEAD, expect=EXPECT, fetch_run=fetch)
    assert found.passed and found.pass_head == HEAD
    assert fetched == [99]
    assert [i.status.id for i in found.ignored] == [3]


def test_pending_does_not_decide_and_a_newer_fail_wins() -> None:
    later = T0 + timedelta(minutes=1)
    found = collect([_status(id=1), _status("failure", at=later, id=2),
                     _status("pending", at=later + timedelta(minutes=1), id=3)],
                    head=HEAD, expect=EXPECT, fetch_run=lambda _id: _run())
    assert not found.passed
    assert found.decisive is not None and found.decisive.state == "failure"
    assert found.running is not None and found.running.id == 3
