"""Findings, the verdict, and the gate decision given smoke evidence (docs/design.md §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# The description of a green gate that a counted smoke PASS opened (watch-config finds these).
SMOKE_PASS_PREFIX = "Prod smoke PASS on"


class Outcome(StrEnum):
    NEEDS_SMOKE = "needs-smoke"
    BLOCKED = "blocked"


class Verdict(StrEnum):
    CLEAR = "clear"
    NEEDS_SMOKE = "needs-smoke"
    BLOCKED = "blocked"


@dataclass(frozen=True, order=True)
class Finding:
    # Field order is the sort order required by docs/design.md §2: (path, line, rule).
    path: str
    line: int | None
    rule: str
    outcome: Outcome = field(compare=False)
    message: str = field(compare=False)

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line if self.line is not None else 0, self.rule)


@dataclass(frozen=True)
class Evaluation:
    base: str
    head: str
    findings: tuple[Finding, ...]
    checklist: tuple[str, ...]
    # Notes about how the evaluation was made (e.g. "rules from the embedded default").
    notes: tuple[str, ...] = ()
    # Rules whose paths match no file of the repository: they cannot fire (core/reach.py).
    unreachable: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        outcomes = {f.outcome for f in self.findings}
        if Outcome.BLOCKED in outcomes:
            return Verdict.BLOCKED
        if Outcome.NEEDS_SMOKE in outcomes:
            return Verdict.NEEDS_SMOKE
        return Verdict.CLEAR

    @property
    def first_blocking(self) -> Finding | None:
        return next((f for f in self.findings if f.outcome is Outcome.BLOCKED), None)


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=Finding.sort_key))


class StatusState(StrEnum):
    SUCCESS = "success"
    PENDING = "pending"
    FAILURE = "failure"
    ERROR = "error"


@dataclass(frozen=True)
class GateStatus:
    state: StatusState
    description: str


EXIT_CODES = {Verdict.CLEAR: 0, Verdict.NEEDS_SMOKE: 3, Verdict.BLOCKED: 4}

# GitHub truncates status descriptions at 140 characters.
MAX_DESCRIPTION = 140


def clip_description(text: str, *, keep_end: str = "") -> str:
    """A commit status description as GitHub will keep it: at most 140 characters, marked `…`.

    `keep_end` is appended whole (the text before it is clipped): what production runs after a
    deploy (`; rolled back to v46`) must survive a long failure title.
    """
    if len(text) + len(keep_end) <= MAX_DESCRIPTION:
        return text + keep_end
    room = max(0, MAX_DESCRIPTION - len(keep_end) - 1)
    return (text[:room] + "…" + keep_end)[:MAX_DESCRIPTION]


def gate_status(evaluation: Evaluation, *, smoke_passed_on_head: bool) -> GateStatus:
    """The `release-gate` commit status for an evaluation (docs/design.md §2 table)."""
    sha7 = evaluation.head[:7]
    verdict = evaluation.verdict
    if verdict is Verdict.BLOCKED:
        blocking = evaluation.first_blocking
        assert blocking is not None
        return GateStatus(StatusState.FAILURE, clip_description(f"Blocked: {blocking.message}"))
    if verdict is Verdict.NEEDS_SMOKE:
        if smoke_passed_on_head:
            return GateStatus(StatusState.SUCCESS, f"{SMOKE_PASS_PREFIX} {sha7}")
        return GateStatus(StatusState.PENDING, f"Prod smoke required for {sha7}")
    return GateStatus(StatusState.SUCCESS, "No release-sensitive changes")
