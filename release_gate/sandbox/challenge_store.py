"""The WebAuthn challenge store, as the RCA's fix (PR #2728) describes it.

Redis when REDIS_URL is set: key `webauthn:reg:challenge:{user_id}`, TTL 60 s, GETDEL for an
atomic pop. Every store, pop and miss logs one INFO line (`webauthn.challenge_stored store=redis
user_id=N`, ...) so a miss is a positive signal, not the absence of one (RCA contributing factor 3).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    import redis

logger = logging.getLogger("release_gate.sandbox.challenge_store")

# "reg" for registration (the RCA's key), "auth" for the optional login ceremony.
Purpose = Literal["reg", "auth"]


class ChallengeStore(Protocol):
    name: str

    def put(self, user_id: int, challenge: bytes, purpose: Purpose = "reg") -> None: ...

    def pop(self, user_id: int, purpose: Purpose = "reg") -> bytes | None: ...


def key_for(user_id: int, purpose: Purpose = "reg") -> str:
    return f"webauthn:{purpose}:challenge:{user_id}"


def _log(event: str, store: str, user_id: int, purpose: Purpose) -> None:
    # The registration lines are exactly the RCA's; login lines carry a suffix to tell them apart.
    suffix = "" if purpose == "reg" else f" purpose={purpose}"
    logger.info("webauthn.challenge_%s store=%s user_id=%d%s", event, store, user_id, suffix)


class RedisChallengeStore:
    """Shared by every process and dyno that talks to the same Redis: the RCA's fix."""

    name = "redis"

    def __init__(self, client: redis.Redis, *, ttl_seconds: float) -> None:
        self._client = client
        self._ttl_ms = max(1, int(ttl_seconds * 1000))

    def put(self, user_id: int, challenge: bytes, purpose: Purpose = "reg") -> None:
        self._client.set(key_for(user_id, purpose), challenge, px=self._ttl_ms)
        _log("stored", self.name, user_id, purpose)

    def pop(self, user_id: int, purpose: Purpose = "reg") -> bytes | None:
        # GETDEL: get and delete in one step, so two verifies can never both use one challenge.
        value = self._client.getdel(key_for(user_id, purpose))
        if not isinstance(value, bytes):
            _log("miss", self.name, user_id, purpose)
            return None
        _log("popped", self.name, user_id, purpose)
        return value


class MemoryChallengeStore:
    """Dev fallback only, when REDIS_URL is unset (the RCA fix keeps it for local dev and CI).

    This is the RCA's anti-pattern: the dict lives in one process. Under gunicorn --preload the
    workers are forked copy-on-write clones, so a challenge stored by one process is invisible to
    the one that handles verify (RCA contributing factor 1); tests/sandbox/test_gunicorn.py
    shows it.
    """

    name = "memory"

    def __init__(self, *, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._lock = threading.Lock()  # FastAPI runs sync endpoints in a thread pool
        self._items: dict[str, tuple[bytes, float]] = {}

    def put(self, user_id: int, challenge: bytes, purpose: Purpose = "reg") -> None:
        with self._lock:
            self._items[key_for(user_id, purpose)] = (challenge, time.monotonic() + self._ttl)
        _log("stored", self.name, user_id, purpose)

    def pop(self, user_id: int, purpose: Purpose = "reg") -> bytes | None:
        with self._lock:
            item = self._items.pop(key_for(user_id, purpose), None)
        if item is None or time.monotonic() >= item[1]:
            _log("miss", self.name, user_id, purpose)
            return None
        _log("popped", self.name, user_id, purpose)
        return item[0]


def open_store(redis_url: str | None, *, ttl_seconds: float) -> ChallengeStore:
    if not redis_url:
        return MemoryChallengeStore(ttl_seconds=ttl_seconds)
    import redis  # imported here: the memory fallback must not need it

    return RedisChallengeStore(redis.Redis.from_url(redis_url), ttl_seconds=ttl_seconds)
