"""The challenge store as the RCA's fix: Redis key, TTL, GETDEL, and one INFO line per event."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import redis

from release_gate.sandbox.challenge_store import (
    ChallengeStore,
    MemoryChallengeStore,
    RedisChallengeStore,
    open_store,
)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [record.getMessage() for record in self.records]


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Records from the sandbox's logger tree (attached directly: it may not propagate)."""
    captured = Lines()
    logger = logging.getLogger("release_gate.sandbox")
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(captured)
    yield captured
    logger.removeHandler(captured)
    logger.setLevel(previous)


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> ChallengeStore:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    return open_store(url, ttl_seconds=0.3)


def test_put_then_pop_once(store: ChallengeStore, lines: Lines) -> None:
    store.put(7, b"challenge-bytes")
    assert store.pop(7) == b"challenge-bytes"
    assert store.pop(7) is None  # popped: a second verify cannot reuse it
    assert lines.messages() == [f"webauthn.challenge_stored store={store.name} user_id=7",
                                f"webauthn.challenge_popped store={store.name} user_id=7",
                                f"webauthn.challenge_miss store={store.name} user_id=7"]
    assert all(record.levelno == logging.INFO for record in lines.records)


def test_expired_challenge_is_a_miss(store: ChallengeStore, lines: Lines) -> None:
    store.put(8, b"c")
    time.sleep(0.5)
    assert store.pop(8) is None
    assert lines.messages()[-1] == f"webauthn.challenge_miss store={store.name} user_id=8"


def test_purposes_do_not_collide(store: ChallengeStore, lines: Lines) -> None:
    store.put(9, b"registration")
    store.put(9, b"login", purpose="auth")
    assert store.pop(9, purpose="auth") == b"login"
    assert store.pop(9) == b"registration"
    assert f"webauthn.challenge_stored store={store.name} user_id=9 purpose=auth" in (
        lines.messages())


def test_redis_key_and_ttl_are_the_rca_fix(redis_url: str) -> None:
    store = open_store(redis_url, ttl_seconds=60)
    assert isinstance(store, RedisChallengeStore)
    store.put(42, b"c")
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.get("webauthn:reg:challenge:42") == b"c"
        assert 59_000 < client.pttl("webauthn:reg:challenge:42") <= 60_000
        store.pop(42)
        assert client.exists("webauthn:reg:challenge:42") == 0
    finally:
        client.close()


def test_two_memory_stores_do_not_share(lines: Lines) -> None:
    """What a forked worker sees: its own dict (RCA contributing factor 1)."""
    begin_process = MemoryChallengeStore(ttl_seconds=60)
    verify_process = MemoryChallengeStore(ttl_seconds=60)
    begin_process.put(1, b"c")
    assert verify_process.pop(1) is None
