"""evidence.py at its edges: a PASS on another commit, and a flood of forged statuses.

Anyone with write access can post any number of `release-gate/smoke` statuses. The gate must
neither count one that is not on the head, nor turn a flood into a flood of API calls
(MAX_RUNS_CHECKED), nor let the bound become a way in: a PASS past the bound is not counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from release_gate.core.evidence import MAX_RUNS_CHECKED, RunRecord, StatusRecord, collect
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
