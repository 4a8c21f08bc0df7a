"""verdict.py: the verdict of findings and the `release-gate` status (docs/design.md, "Statuses
and exit codes")."""

from __future__ import annotations

import pytest

from release_gate.core.verdict import (
    EXIT_CODES,
    MAX_DESCRIPTION,
    Evaluation,
    Finding,
    Outcome,
    StatusState,
    Verdict,
    clip_description,
    gate_status,
)

HEAD = "c0ffee" + "0" * 34


def _evaluation(*outcomes: Outcome, message: str = "Auth routes changed") -> Evaluation:
    findings = tuple(Finding(path=f"f{n}.py", line=n, rule="r", outcome=o, message=message)
                     for n, o in enumerate(outcomes))
    return Evaluation(base="b" * 40, head=HEAD, findings=findings, checklist=())


@pytest.mark.parametrize("outcomes, passed, state, description, exit_code", [
    ((), False, StatusState.SUCCESS, "No release-sensitive changes", 0),
    ((Outcome.NEEDS_SMOKE,), False, StatusState.PENDING, "Prod smoke required for c0ffee0", 3),
    ((Outcome.NEEDS_SMOKE,), True, StatusState.SUCCESS, "Prod smoke PASS on c0ffee0", 3),
    ((Outcome.NEEDS_SMOKE, Outcome.BLOCKED), True, StatusState.FAILURE,
     "Blocked: Auth routes changed", 4),
])
def test_the_status_table(outcomes: tuple[Outcome, ...], passed: bool, state: StatusState,
                          description: str, exit_code: int) -> None:
    evaluation = _evaluation(*outcomes)
    status = gate_status(evaluation, smoke_passed_on_head=passed)
    assert (status.state, status.description) == (state, description)
    assert EXIT_CODES[evaluation.verdict] == exit_code


def test_a_long_blocking_reason_is_clipped_to_what_github_keeps() -> None:
    status = gate_status(_evaluation(Outcome.BLOCKED, message="x" * 300),
                         smoke_passed_on_head=False)
    assert len(status.description) == MAX_DESCRIPTION == 140
    assert status.description.startswith("Blocked: xxx") and status.description.endswith("…")


@pytest.mark.parametrize("length", [0, 139, 140])
def test_a_description_github_keeps_is_left_alone(length: int) -> None:
    assert clip_description("y" * length) == "y" * length


def test_the_verdict_is_the_worst_outcome() -> None:
    assert _evaluation().verdict is Verdict.CLEAR
    assert _evaluation(Outcome.NEEDS_SMOKE).verdict is Verdict.NEEDS_SMOKE
    assert _evaluation(Outcome.BLOCKED, Outcome.NEEDS_SMOKE).verdict is Verdict.BLOCKED
