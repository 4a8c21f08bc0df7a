"""What the route handlers share: settings, storage, challenge stores, built once per app."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from release_gate.sandbox.challenge_store import ChallengeStore, MemoryChallengeStore, open_store
from release_gate.sandbox.faults import Fault
from release_gate.sandbox.settings import Settings
from release_gate.sandbox.storage import Storage, fresh_sqlite_url


@dataclass(frozen=True)
class SandboxState:
    settings: Settings
    storage: Storage
    challenges: ChallengeStore  # where verify pops from
    begin_challenges: ChallengeStore  # where begin stores; differs only under challenge-store-split
    validation_key: str  # the key tokens are checked with; differs only under wrong-signing-key
    registration_enabled: bool


def build_state(settings: Settings) -> SandboxState:
    fault = settings.fault
    challenges = open_store(settings.redis_url, ttl_seconds=settings.challenge_ttl_seconds)
    begin_challenges = challenges
    if fault is Fault.CHALLENGE_STORE_SPLIT:
        # The RCA's split: begin writes into a process-private dict (the master's copy-on-write
        # clone after --preload) that the process serving verify never sees.
        begin_challenges = MemoryChallengeStore(ttl_seconds=settings.challenge_ttl_seconds)
    validation_key = settings.signing_key
    if fault is Fault.WRONG_SIGNING_KEY:
        # As if prod's BOOTSTRAP_TOKEN_SIGNING_KEY differed from the key the token was minted with.
        validation_key = hashlib.sha256(b"wrong-signing-key:" + settings.signing_key.encode()
                                        ).hexdigest()
    return SandboxState(
        settings=settings,
        storage=Storage(settings.database_url or fresh_sqlite_url()),
        challenges=challenges,
        begin_challenges=begin_challenges,
        validation_key=validation_key,
        registration_enabled=settings.registration_enabled
        and fault is not Fault.REGISTRATION_DISABLED,
    )


def get_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


# The handlers' parameter type: `state: State`.
State = Annotated[SandboxState, Depends(get_state)]
