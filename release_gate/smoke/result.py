"""What a smoke run found: one result object for the transcript, the report and (later) `--pr`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from release_gate.core.deployment import Deployment


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Diagnosis:
    """One row of the runbook's "Interpreting failures" table (or the RCA, or our own)."""

    id: str
    symptom: str
    likely_cause: str
    next_step: str
    source: str  # "runbook", "RCA 2026-05-25" or "release-gate"


@dataclass(frozen=True)
class StepRecord:
    step: str  # "1".."5", "login", "replay", "teardown"
    title: str
    ok: bool
    ms: float  # this step's own latency (request, command or query)
    http_status: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Failure:
    step: str
    title: str
    message: str
    diagnosis: Diagnosis
    http_status: int | None = None
    body: str | None = None
    latency_ms: float | None = None


@dataclass
class Teardown:
    ran: bool = False
    ok: bool = True
    deleted: dict[str, int] = field(default_factory=dict)
    message: str = ""


@dataclass
class DeploymentRecord:
    """What production ran, read before the first write and after the steps (`smoke --pr`)."""

    app: str
    before: Deployment
    after: Deployment | None = None
    changed: str | None = None  # deployment.change_problem: the PASS must not be posted

    def to_dict(self) -> dict[str, object]:
        return {"app": self.app, "before": self.before.to_dict(),
                "after": self.after.to_dict() if self.after is not None else None,
                "checked_before": True, "checked_after": self.after is not None,
                "changed": self.changed}


@dataclass
class SmokeResult:
    """Filled in step by step by the runner; complete once `verdict` is set."""

    target: str
    api_url: str
    email: str
    started_at: str
    verdict: Verdict = Verdict.FAIL
    steps: list[StepRecord] = field(default_factory=list)
    user_id: int | str | None = None
    credential_id: str | None = None
    cred_count: int | None = None
    recovery_codes: int | None = None
    nonce_recorded: bool | None = None
    failure: Failure | None = None
    teardown: Teardown = field(default_factory=Teardown)
    interrupted: str | None = None  # the signal's name, when one ended the run
    deployment: DeploymentRecord | None = None  # production's deployment (`smoke --pr` only)
    wall_ms: float = 0.0
    waiting_ms: float = 0.0  # time spent waiting on the target (HTTP, mint, database)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def overhead_ms(self) -> float:
        """The smoke's own time: wall time not spent waiting on the target."""
        return max(0.0, self.wall_ms - self.waiting_ms)
