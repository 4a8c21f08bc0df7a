"""The pure parts: hunk parsing, text diffs, PASS evidence rules, comment rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from release_gate.changes import Line
from release_gate.evidence import (
    Expectation,
    RunRecord,
    StatusRecord,
    collect,
    parse_run_url,
)
from release_gate.github.patch import PatchError, decode_text, diff_texts, parse_hunks
from release_gate.render.comment import Links, is_ours, parse_state, render, render_cleared
from release_gate.verdict import Evaluation, Finding, Outcome, gate_status

HEAD = "a" * 40
T0 = datetime(2026, 5, 25, 3, 0, tzinfo=UTC)
EXPECT = Expectation(repository="acme/api", server_url="https://github.com",
                     default_branch="main", workflow_file="smoke.yml", pr_number=7)
RUN_URL = "https://github.com/acme/api/actions/runs/99"


@pytest.mark.parametrize("patch, added, removed", [
    ("@@ -0,0 +1,2 @@\n+a\n+b", [(1, "a"), (2, "b")], []),
    ("@@ -3,3 +3,3 @@ def f():\n x\n-y\n+Y\n z", [(4, "Y")], [(4, "y")]),
    ("@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file",
     [(1, "new")], [(1, "old")]),
    ("@@ -1,2 +1,2 @@\n\n-b\n+c\n@@ -10,0 +11,1 @@\n+z", [(2, "c"), (11, "z")], [(2, "b")]),
    ("", [], []),
])
def test_parse_hunks(patch: str, added: list[tuple[int, str]],
                     removed: list[tuple[int, str]]) -> None:
    lines = parse_hunks(patch)
    assert lines.added == tuple(Line(n, t) for n, t in added)
    assert lines.removed == tuple(Line(n, t) for n, t in removed)


@pytest.mark.parametrize("patch", ["not a hunk", "@@ -1,3 +1,3 @@\n a\n", "@@ -1 +1 @@\n?x"])
def test_bad_patches_are_errors_not_short_lists(patch: str) -> None:
    with pytest.raises(PatchError):
        parse_hunks(patch)


def test_diff_texts_and_decode() -> None:
    lines = diff_texts("a\nb\nc\n", "a\nB\nc\nd\n")
    assert lines.added == (Line(2, "B"), Line(4, "d"))
    assert lines.removed == (Line(2, "b"),)
    assert decode_text(b"\x00\x01") is None
    assert decode_text(b"\xff\xfe") is None
    assert decode_text("é\n".encode()) == "é\n"


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


def _status(state: str = "success", *, context: str = "release-gate/smoke",
            login: str = "github-actions[bot]", kind: str = "Bot", url: str | None = RUN_URL,
            at: datetime = T0, id: int = 1) -> StatusRecord:
    return StatusRecord(id=id, sha=HEAD, context=context, state=state, description="PASS",
                        target_url=url, creator_login=login, creator_type=kind, created_at=at)


def _run(**changes: object) -> RunRecord:
    values: dict[str, object] = dict(
        id=99, repository="acme/api", path=".github/workflows/smoke.yml",
        event="workflow_dispatch", head_branch="main", display_title="smoke PR #7 on prod",
        status="in_progress", conclusion=None, html_url=RUN_URL, updated_at=T0)
    values.update(changes)
    return RunRecord(**values)  # type: ignore[arg-type]


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


def _evaluation(outcome: Outcome | None) -> Evaluation:
    findings = () if outcome is None else (
        Finding(path="backend_v2/api/routes/auth.py", line=12, rule="auth-routes",
                outcome=outcome, message="Auth routes changed"),)
    checklist = ("Run the smoke (`gh workflow run smoke.yml -f pr=<PR>`) and get "
                 "`release-gate/smoke` = PASS", "Tap the signup URL on a real device")
    return Evaluation(base="b" * 40, head=HEAD, findings=findings,
                      checklist=checklist if findings else ())


LINKS = Links(server_url="https://github.com", repository="acme/api", pr_number=7)


def test_comment_links_lines_ticks_evidence_and_keeps_hand_ticks() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    none = collect([], head=HEAD, expect=EXPECT, fetch_run=lambda _id: None)
    body = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS)
    assert is_ours(body)
    assert parse_state(body) is not None and parse_state(body).head == HEAD  # type: ignore[union-attr]
    assert f"https://github.com/acme/api/blob/{HEAD}/backend_v2/api/routes/auth.py#L12" in body
    assert "- [ ] Run the smoke (`gh workflow run smoke.yml -f pr=7`)" in body
    ticked = body.replace("- [ ] Tap the signup", "- [x] Tap the signup").replace(
        "- [ ] Run the smoke", "- [x] Run the smoke")
    again = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                   links=LINKS, previous=ticked)
    assert "- [x] Tap the signup URL on a real device" in again  # a person's tick is kept
    assert "- [ ] Run the smoke" in again  # evidence, not a hand tick, decides this one
    passed = collect([_status()], head=HEAD, expect=EXPECT, fetch_run=lambda _id: _run())
    green = render(evaluation, passed, gate_status(evaluation, smoke_passed_on_head=True),
                   links=LINKS)
    assert "- [x] Run the smoke" in green
    assert parse_state(green).pass_head == HEAD  # type: ignore[union-attr]
    assert render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS) == body  # deterministic: an unchanged PR is not re-edited


def test_cleared_note() -> None:
    body = render_cleared(_evaluation(None), links=LINKS)
    assert is_ours(body) and "no longer flagged" in body
