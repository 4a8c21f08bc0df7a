"""Everything a run needs, resolved (and fenced) before the first request is sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.core.target import TargetKind
from release_gate.smoke.authenticator import SyntheticAuthenticator
from release_gate.smoke.backend_types import Database, Minter
from release_gate.smoke.client import ApiClient
from release_gate.smoke.deadline import Deadline
from release_gate.smoke.result import StepId
from release_gate.smoke.transcript import Transcript

LOG_BYTES = 1024 * 1024  # the RCA's lines are near the end; a run logs a few kB


@dataclass
class ServerLog:
    """The target's log file (the sandbox's, or `--server-log`), read from where the run began."""

    path: Path
    offset: int = 0

    @classmethod
    def from_now(cls, path: Path) -> ServerLog:
        try:
            offset = path.stat().st_size
        except OSError:
            offset = 0
        return cls(path, offset)

    def since_start(self, until: Callable[[str], bool] | None = None) -> str | None:
        """What the target logged since the run began: its last LOG_BYTES at most (a busy or
        hostile log must not cost the smoke its memory). `until`: the lines the diagnosis
        needs, for a log delivered asynchronously (a file is read as it is)."""
        try:
            with self.path.open("rb") as handle:
                end = handle.seek(0, 2)
                handle.seek(max(self.offset, end - LOG_BYTES))
                return handle.read(LOG_BYTES).decode("utf-8", "replace")
        except OSError:
            return None


class StepHook(Protocol):
    """Runs around each step (the Heroku log evidence); may raise the steps' StepFailed."""

    def before(self, step: StepId, plan: Any, state: Any, result: Any) -> None: ...

    def after(self, step: StepId, plan: Any, state: Any, result: Any) -> None: ...


@dataclass
class SmokePlan:
    settings: SmokeSettings
    target: TargetKind
    api_url: str
    email: str
    heroku_app: str
    minter: Minter
    database: Database
    client: ApiClient
    out: Transcript
    origin: str | None = None  # WebAuthn origin; None: settings.origin or https://<rp.id>
    rp_id: str | None = None
    target_note: str = ""  # shown after the API URL, e.g. "local sandbox, fault verify-no-commit"
    server_log: ServerLog | None = None
    authenticator: SyntheticAuthenticator = field(default_factory=SyntheticAuthenticator)
    pause_after: tuple[StepId, float] | None = None  # test hook: (step, seconds)
    # The steps' deadline (smoke.timeouts.total); requests and the SIGALRM timer share it.
    deadline: Deadline = field(default_factory=lambda: Deadline(None))
    hooks: Sequence[StepHook] = ()
    heroku_line: str | None = None  # the header's "Heroku app:" value, when a Heroku app is used
