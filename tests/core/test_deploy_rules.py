"""core/deploy.py: the fences and the rollback decision, for any releases (property tests)."""

from __future__ import annotations

from dataclasses import dataclass as dataclass_release

from hypothesis import given
from hypothesis import strategies as st

from release_gate.core.deploy import (
    ReleaseRef,
    fork_problem,
    moved_problem,
    outcome_suffix,
    plan_rollback,
    verdict_problem,
)
from release_gate.core.verdict import Verdict

versions = st.integers(min_value=1, max_value=10_000)


@given(before=versions, gap=st.integers(min_value=0, max_value=5), ours=st.booleans(),
       current_offset=st.integers(min_value=0, max_value=8))
def test_a_rollback_happens_only_over_the_release_this_run_made(
        before: int, gap: int, ours: bool, current_offset: int) -> None:
    mine = ReleaseRef(before + 1 + gap, "mine") if ours else None
    current = ReleaseRef(before + current_offset, "cur", "Set X config vars", "someone@x")
    plan = plan_rollback(before=ReleaseRef(before, "old"), ours=mine, current=current)
    if current.version == before:
        assert plan.action == "none"
    elif mine is not None and current.version == mine.version:
        assert plan.action == "rollback" and plan.to is not None and plan.to.version == before
    else:
        assert plan.action == "refuse"
        assert "production left alone" in plan.reason and "someone@x" in plan.reason
        assert outcome_suffix(plan, None).startswith("; NOT rolled back")


@given(owner=st.from_regex(r"[a-z]{1,8}", fullmatch=True),
       other=st.from_regex(r"[a-z]{1,8}", fullmatch=True))
def test_only_this_repository_is_built(owner: str, other: str) -> None:
    repo = f"{owner}/app"
    assert fork_problem(head_repo=repo.upper(), repository=repo, number=1) is None
    if other != owner:
        assert "fork" in (fork_problem(head_repo=f"{other}/app", repository=repo, number=1) or "")
    assert "deleted fork" in (fork_problem(head_repo=None, repository=repo, number=1) or "")


def test_only_needs_smoke_and_the_dispatched_head() -> None:
    assert verdict_problem(Verdict.NEEDS_SMOKE, "a" * 40) is None
    for verdict in (Verdict.CLEAR, Verdict.BLOCKED):
        assert f"{verdict.value}, not needs-smoke" in (verdict_problem(verdict, "a" * 40) or "")
    assert moved_problem(dispatched=None, now="abc") is None
    assert moved_problem(dispatched="abc1234", now="abc1234ff") is None
    assert "moved to bcd1234" in (moved_problem(dispatched="abc1234", now="bcd1234ff") or "")


@given(by_tool=st.booleans(), same=st.sampled_from([True, False, None]))
def test_only_a_proven_no_op_rollback_is_left_out_of_config_drift(by_tool: bool,
                                                                  same: bool | None) -> None:
    from datetime import UTC, datetime

    from release_gate.core.config_drift import RollbackFacts, sensitive_changes

    @dataclass_release
    class R:
        version: int
        description: str
        created_at: datetime
        status: str = "succeeded"

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    releases = [R(1, "Deploy abc", moment), R(2, "Deploy def", moment),
                R(3, "Rollback to v1", moment)]
    facts = {3: RollbackFacts(by_tool, 2, same)}
    found = sensitive_changes(releases, sensitive=["WEBAUTHN_ORIGIN"], last_pass=None,
                              rollbacks=facts)
    assert (found == []) is (by_tool and same is True)
    if found:
        assert found[0].kind == "rollback" and found[0].why
