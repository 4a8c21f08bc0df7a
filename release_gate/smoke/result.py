"""What a smoke run found: one result object for the transcript, the report and (later) `--pr`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from release_gate.core.deployment import Deployment


class SmokeVerdict(StrEnum):
    """A smoke run's outcome (the PR gate's verdict is core/verdict.py `Verdict`)."""

    PASS = "PASS"
    FAIL = "FAIL"


class StepId(StrEnum):
    """A step of the run, as the transcript, the report and RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP
    name it: the runbook's steps 1-5, and the smoke's own rounds around them."""

    HEALTH = "health"
    MINT = "1"
    BEGIN = "2"
    CREDENTIAL = "3"
    VERIFY = "4"
    DATABASE = "5"
    LOGIN = "login"
    REPLAY = "replay"
    TEARDOWN = "teardown"


class FailureKind(StrEnum):
    """What went wrong at a failed step; diagnosis.py picks the runbook's row from it."""

    HTTP = "http"  # an answer with a non-2xx status
    TIMEOUT = "timeout"  # a request, mint or query timed out
    DEADLINE = "deadline"  # the whole run's budget (smoke.timeouts.total) ran out
    TOO_LARGE = "too-large"  # an answer over smoke.limits.body_bytes
    TRANSPORT = "transport"  # no HTTP answer at all (DNS, TLS, refused)
    BACKEND = "backend"  # the mint command or the database failed
    CHECK = "check"  # an answer or a row that is not what the flow needs
    AUTHENTICATOR = "authenticator"  # the registration options cannot be answered
    CLIENT = "client"  # the browser's checks refuse the origin / RP id (client_checks.py)
    INTERRUPTED = "interrupted"  # a signal ended the run
    INTERNAL = "internal"  # a bug in the smoke itself


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
    step: StepId
    title: str
    ok: bool
    ms: float  # this step's own latency (request, command or query)
    http_status: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Failure:
    step: StepId
    title: str
    message: str
    diagnosis: Diagnosis
    http_status: int | None = None
    body: str | None = None
    latency_ms: float | None = None
    log_lines: tuple[str, ...] = ()  # the target's log lines shown with the failure


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
    verdict: SmokeVerdict = SmokeVerdict.FAIL
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
    rerun: str = ""  # the command that runs this smoke again, as it was run

    @property
    def passed(self) -> bool:
        return self.verdict is SmokeVerdict.PASS

    @property
    def overhead_ms(self) -> float:
        """The smoke's own time: wall time not spent waiting on the target."""
        return max(0.0, self.wall_ms - self.waiting_ms)
