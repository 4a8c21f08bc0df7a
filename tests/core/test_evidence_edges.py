"""evidence.py at its edges: a PASS on another commit, a flood of forged statuses, what the walk
reports (the run, the running smoke, the ignored statuses), a PASS carried to a newer head, and
config changes. Each pins a decision that a mutation of evidence.py would otherwise change
unnoticed (scripts/mutation).

Anyone with write access can post any number of `release-gate/smoke` statuses. The gate must
neither count one that is not on the head, nor turn a flood into a flood of API calls
(MAX_RUNS_CHECKED), nor let the bound become a way in: a PASS past the bound is not counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import (
    MAX_RUNS_CHECKED,
    RunRecord,
    SmokeEvidence,
    StatusRecord,
    collect,
    config_changed,
    kept,
    predates,
    with_note,
)
from tests.evidence_data import EXPECT, HEAD, T0, on_main
from tests.evidence_data import run as _run
from tests.evidence_data import status as _status

OTHER = "b" * 40


def _forged_runs(count: int, *, start: int = 1000) -> list[StatusRecord]:
    """`count` genuine-looking statuses by the Actions app, each linking its own failed run,
    newer than T0 (so they are walked before an older PASS)."""
    return [_status(id=start + n, at=T0 + timedelta(minutes=n + 1),
                    url=f"https://github.com/acme/api/actions/runs/{start + n}")
            for n in range(count)]


class Runs:
    """fetch_run that counts its calls: run 99 is the genuine smoke, any other failed."""

    def __init__(self) -> None:
        self.fetched: list[int] = []

    def __call__(self, run_id: int) -> RunRecord:
        self.fetched.append(run_id)
        if run_id == 99:
            return _run()
        return _run(id=run_id, status="completed", conclusion="failure",
                    html_url=f"https://github.com/acme/api/actions/runs/{run_id}")


def test_a_pass_on_another_commit_is_not_counted() -> None:
    moved = replace(_status(), sha=OTHER)
    runs = Runs()
    found = collect([moved], head=HEAD, expect=EXPECT, fetch_run=runs, on_branch=on_main)
    assert not found.passed
    assert [i.reason for i in found.ignored] == ["it is on bbbbbbb, not the head"]
    assert runs.fetched == []


def test_the_head_pass_still_counts_beside_a_pass_on_another_commit() -> None:
    newer_elsewhere = replace(_status(id=2, at=T0 + timedelta(minutes=1)), sha=OTHER)
    found = collect([_status(id=1), newer_elsewhere], head=HEAD, expect=EXPECT,
                    fetch_run=Runs(), on_branch=on_main)
    assert found.passed and found.decisive is not None and found.decisive.id == 1


def test_statuses_not_posted_by_the_actions_app_fetch_no_run() -> None:
    forged = [replace(s, creator_login="mallory", creator_type="User")
              for s in _forged_runs(3 * MAX_RUNS_CHECKED)]
    runs = Runs()
    found = collect(forged, head=HEAD, expect=EXPECT, fetch_run=runs, on_branch=on_main)
    assert runs.fetched == []
    assert not found.passed and len(found.ignored) == 3 * MAX_RUNS_CHECKED


def test_statuses_of_other_contexts_fetch_no_run() -> None:
    other = [replace(s, context="ci/build") for s in _forged_runs(MAX_RUNS_CHECKED + 5)]
    runs = Runs()
    collect(other, head=HEAD, expect=EXPECT, fetch_run=runs, on_branch=on_main)
    assert runs.fetched == []


def test_one_run_linked_many_times_is_fetched_once() -> None:
    same = [replace(s, target_url="https://github.com/acme/api/actions/runs/1000")
            for s in _forged_runs(MAX_RUNS_CHECKED + 5)]
    runs = Runs()
    collect([*same, _status()], head=HEAD, expect=EXPECT, fetch_run=runs, on_branch=on_main)
    assert runs.fetched == [1000, 99]


def test_a_genuine_pass_just_inside_the_bound_counts() -> None:
    runs = Runs()
    found = collect([*_forged_runs(MAX_RUNS_CHECKED - 1), _status()], head=HEAD, expect=EXPECT,
                    fetch_run=runs, on_branch=on_main)
    assert found.passed
    assert len(runs.fetched) == MAX_RUNS_CHECKED and runs.fetched[-1] == 99


@pytest.mark.parametrize("extra", [0, 1, 25])
def test_past_the_bound_nothing_more_is_fetched_and_no_pass_counts(extra: int) -> None:
    runs = Runs()
    found = collect([*_forged_runs(MAX_RUNS_CHECKED + extra), _status()], head=HEAD,
                    expect=EXPECT, fetch_run=runs, on_branch=on_main)
    assert len(runs.fetched) == MAX_RUNS_CHECKED
    assert 99 not in runs.fetched
    assert not found.passed  # fail closed: a PASS the gate could not check does not count
    unchecked = [i for i in found.ignored if "not checked" in i.reason]
    assert len(unchecked) == extra + 1
    assert unchecked[-1].status.id == 1  # the genuine PASS is named among them
    assert f"more than {MAX_RUNS_CHECKED} candidate runs" in unchecked[-1].reason


# -- which statuses the walk looks at, and what it reports ----------------------------------

def test_a_success_of_another_context_is_neither_listed_nor_in_the_way() -> None:
    build = _status(context="ci/build", id=2, at=T0 + timedelta(minutes=1),
                    description="Build passed")
    runs = Runs()
    found = collect([build, _status(id=1)], head=HEAD, expect=EXPECT, fetch_run=runs,
                    on_branch=on_main)
    assert found.passed and found.ignored == ()
    assert runs.fetched == [99]


def test_a_failure_of_another_smoke_like_context_is_not_listed() -> None:
    other = _status("failure", context="acme/smoke-tests", id=2, at=T0 + timedelta(minutes=1))
    found = collect([other], head=HEAD, expect=EXPECT, fetch_run=Runs(), on_branch=on_main)
    assert found.ignored == () and found.decisive is None


def test_an_ignored_status_carries_the_status_itself() -> None:
    moved = replace(_status(), sha=OTHER)
    found = collect([moved], head=HEAD, expect=EXPECT, fetch_run=Runs(), on_branch=on_main)
    assert found.ignored[0].status is moved


@pytest.mark.parametrize("path", [
    ".github/workflows/smoke.yml@refs/heads/main",
    ".github/workflows/smoke.yml@refs/heads/release@2026",  # an @ inside the ref too
])
def test_the_workflow_path_is_read_up_to_the_first_at_sign(path: str) -> None:
    found = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run(path=path))
    assert found.passed


def test_a_pass_posted_exactly_at_the_end_of_the_slack_is_not_a_replay() -> None:
    from release_gate.core.evidence import POSTED_AFTER_RUN_SLACK

    finished = _run(status="completed", conclusion="success", updated_at=T0)
    at_edge = _status(at=T0 + POSTED_AFTER_RUN_SLACK)
    assert collect([at_edge], head=HEAD, expect=EXPECT, on_branch=on_main,
                   fetch_run=lambda _id: finished).passed
    past_edge = _status(at=T0 + POSTED_AFTER_RUN_SLACK + timedelta(seconds=1))
    assert not collect([past_edge], head=HEAD, expect=EXPECT, on_branch=on_main,
                       fetch_run=lambda _id: finished).passed


def test_the_decisive_status_comes_with_its_run_and_a_fail_with_no_facts() -> None:
    found = collect([_status("failure")], head=HEAD, expect=EXPECT, fetch_run=Runs(),
                    on_branch=on_main)
    assert found.decisive is not None and found.run is not None and found.run.id == 99
    assert found.facts is None and not found.passed


@pytest.mark.parametrize(("pending_at", "reported"), [
    (T0 + timedelta(minutes=1), True),   # a smoke started after the PASS is running
    (T0, True),                          # same second: still reported
    (T0 - timedelta(minutes=1), False),  # an older pending status was superseded
])
def test_a_pending_smoke_is_reported_only_when_not_older_than_the_decisive_one(
        pending_at: object, reported: bool) -> None:
    pending = _status("pending", id=5, at=pending_at)  # type: ignore[arg-type]
    found = collect([pending, _status(id=1)], head=HEAD, expect=EXPECT, fetch_run=Runs(),
                    on_branch=on_main)
    assert found.passed
    assert (found.running is pending) is reported


def test_a_pending_smoke_alone_is_reported_as_running() -> None:
    pending = _status("pending", id=5)
    found = collect([pending], head=HEAD, expect=EXPECT, fetch_run=Runs(), on_branch=on_main)
    assert not found.passed and found.running is pending


def test_a_pass_whose_run_head_is_unknown_names_it() -> None:
    found = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run(head_sha=None))
    assert not found.passed
    assert "ran an unknown commit, which is not on the default branch 'main'" in (
        found.ignored[0].reason)
    elsewhere = collect([_status()], head=HEAD, expect=EXPECT, on_branch=lambda _b, _s: False,
                        fetch_run=lambda _id: _run(head_sha="c" * 40))
    assert "ran ccccccc, which is not on" in elsewhere.ignored[0].reason


# -- a PASS carried to a newer head, notes, and config changes ------------------------------

def _counted() -> SmokeEvidence:
    found = collect([_status()], head=HEAD, expect=EXPECT, fetch_run=Runs(), on_branch=on_main)
    assert found.passed
    return found


def test_a_kept_pass_is_the_older_heads_with_its_evidence_and_a_note() -> None:
    older = _counted()
    carried = kept(older, head=OTHER, note="kept: the new commits touch no flagged file")
    assert (carried.head, carried.passed, carried.kept_from, carried.pass_head) == (
        OTHER, True, HEAD, HEAD)
    assert carried.decisive is older.decisive and carried.run is older.run
    assert carried.facts == older.facts
    assert carried.notes == ("kept: the new commits touch no flagged file",)
    assert carried.ignored == () and carried.running is None


def test_notes_accumulate_and_nothing_else_changes() -> None:
    found = with_note(with_note(_counted(), "one"), "two")
    assert found.notes == ("one", "two")
    assert found.passed and found.pass_head == HEAD


def test_a_fail_or_nothing_never_predates_a_change() -> None:
    change = ConfigChange(48, "Set REDIS_URL config vars", T0 + timedelta(hours=1), "set",
                          ("REDIS_URL",))
    assert not predates(SmokeEvidence(head=HEAD), change)
    assert not predates(SmokeEvidence(head=HEAD, passed=True), change)  # no decisive status
    failed = collect([_status("failure")], head=HEAD, expect=EXPECT, fetch_run=Runs(),
                     on_branch=on_main)
    assert not predates(failed, change)
    assert config_changed(failed, change) is failed


def test_without_a_release_the_same_second_does_not_predate() -> None:
    found = collect([_status(description=f"PASS on raxx-api-prod @ {HEAD[:7]}")], head=HEAD,
                    expect=EXPECT, fetch_run=Runs(), on_branch=on_main)
    same_time = ConfigChange(1, "Set REDIS_URL config vars", T0, "set", ("REDIS_URL",))
    assert found.passed and not predates(found, same_time)
