"""evidence.py: which smoke PASS counts for a PR head (docs/design.md, "What makes a PASS")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import (
    REHEARSAL_CONTEXT,
    RunRecord,
    StatusRecord,
    collect,
    config_changed,
    parse_run_url,
)
from tests.evidence_data import EXPECT, HEAD, RUN_URL, T0, on_main
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
    (_status(), _run(head_sha="d" * 40), "which is not on the default branch 'main'"),
    (_status(), _run(head_sha=None), "an unknown commit, which is not on the default branch"),
    (_status(), _run(display_title="smoke PR #8"), "is not a smoke of PR #7"),
    (_status(), _run(display_title="smoke PR #77"), "is not a smoke of PR #7"),
    (_status(), _run(status="completed", conclusion="failure"), "concluded failure"),
    (_status(at=T0 + timedelta(hours=1)), _run(status="completed", conclusion="success"),
     "replayed link"),
])
def test_a_pass_that_breaks_one_link_is_ignored_with_its_reason(
        status: StatusRecord, run: RunRecord | None, reason: str) -> None:
    found = collect([status], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: run)
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
                    head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=fetch)
    assert found.passed and found.pass_head == HEAD
    assert fetched == [99]
    assert [i.status.id for i in found.ignored] == [3]


def test_pending_does_not_decide_and_a_newer_fail_wins() -> None:
    later = T0 + timedelta(minutes=1)
    found = collect([_status(id=1), _status("failure", at=later, id=2),
                     _status("pending", at=later + timedelta(minutes=1), id=3)],
                    head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    assert not found.passed
    assert found.decisive is not None and found.decisive.state == "failure"
    assert found.running is not None and found.running.id == 3


# -- the PASS must vouch for this head on production (docs/github.md, "What a PASS proves") --

@pytest.mark.parametrize("status, run, reason", [
    # genuine runs of the smoke workflow for PR #7, against something other than production
    (_status(description="PASS on sandbox"), _run(display_title="smoke PR #7 on sandbox"),
     "ran on sandbox: only a smoke against production (prod) counts"),
    (_status(description="PASS on staging.example"),
     _run(display_title="smoke PR #7 on https://staging.example"), "ran on https://staging.example"),
    (_status(), _run(display_title="smoke PR #7"), "names no target"),
    (_status(description="PASS on raxx-api-staging v12 @ aaaaaaa"), _run(),
     "ran against raxx-api-staging, not production (raxx-api-prod"),
    # an older release-gate's PASS carries no facts: it cannot say what production ran
    (_status(description="PASS on prod"), _run(), "does not name production's release"),
    (_status(description="PASS on raxx-api-prod v46 @ bbbbbbb"), _run(),
     "tested bbbbbbb on production, not the head aaaaaaa"),
    (_status(description="PASS on raxx-api-prod v47 @ ccccccc (contains aaaaaaa)"), _run(),
     "requires production to run the head itself"),
])
def test_a_pass_that_does_not_vouch_for_this_head_on_production_is_ignored(
        status: StatusRecord, run: RunRecord, reason: str) -> None:
    found = collect([status], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: run)
    assert not found.passed
    assert [i.reason for i in found.ignored] == [found.ignored[0].reason]
    assert reason in found.ignored[0].reason


def test_a_counted_pass_carries_its_facts() -> None:
    found = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    assert found.passed and found.facts is not None
    assert (found.facts.where, found.facts.release, found.facts.commit) == (
        "raxx-api-prod", 47, HEAD[:7])


def test_a_rehearsal_status_is_listed_with_its_own_reason() -> None:
    rehearsal = _status(context=REHEARSAL_CONTEXT, description="PASS on sandbox (rehearsal)")
    found = collect([rehearsal], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    assert not found.passed
    assert "a rehearsal (PASS on sandbox (rehearsal)): only a smoke against production" in (
        found.ignored[0].reason)


def _change(version: int, at: datetime) -> ConfigChange:
    return ConfigChange(version, "Set REDIS_URL config vars", at, "set", ("REDIS_URL",))


@pytest.mark.parametrize("change, still_counts", [
    (_change(48, T0 + timedelta(hours=1)), False),   # a later release changed REDIS_URL
    (_change(47, T0 + timedelta(hours=1)), True),    # the PASS ran on that very release
    (_change(40, T0 - timedelta(hours=1)), True),
])
def test_a_config_change_after_the_pass_stops_it_counting(change: ConfigChange,
                                                          still_counts: bool) -> None:
    found = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    after = config_changed(found, change)
    assert after.passed is still_counts
    assert (after.config_change is None) is still_counts


def test_without_a_release_number_the_pass_time_decides() -> None:
    found = collect([_status(description=f"PASS on raxx-api-prod @ {HEAD[:7]}")], head=HEAD,
                    expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    assert found.passed
    assert not config_changed(found, _change(1, T0 + timedelta(seconds=1))).passed
    assert config_changed(found, _change(99, T0 - timedelta(seconds=1))).passed
