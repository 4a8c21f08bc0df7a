"""What the smoke's steps need from a backend, shared by every backend and the runner.

Its own module so that backends.py (which picks a backend) and each backend (sqldb.py, ...) both
depend on it and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from release_gate.errors import GateError, SmokeRefused


class BackendUnavailable(SmokeRefused):
    """The configured backend cannot run here (yet); nothing was sent."""


MINT_NOT_UNDERSTOOD = "mint output not understood"  # prefix: no token where the contract says


class BackendError(GateError):
    """A backend ran and failed; the runner turns it into a diagnosed step failure."""

    def __init__(self, message: str, *, exit_code: int | None = None, output: str = "",
                 timed_out: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.output = output
        self.timed_out = timed_out


@dataclass(frozen=True)
class DbState:
    """What step 5 reads (runbook: "confirms DB write + commit, not just API 200")."""

    users: tuple[tuple[object, str], ...]  # (id, email) rows for the smoke email
    cred_count: int | None  # None when there is no user row to count for
    recovery_codes: int | None
    nonce_used: bool | None  # None when not checked (no SQL configured or opaque token)


class Minter(Protocol):
    description: str
    waiting_ms: float

    def mint(self, email: str) -> str: ...


class Database(Protocol):
    description: str
    waiting_ms: float

    def check(self, *, email: str, nonce: str | None) -> DbState: ...

    def delete(self, *, email: str) -> dict[str, int]: ...
