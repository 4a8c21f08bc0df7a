"""The RCA's production failure, reproduced: gunicorn --preload with two uvicorn workers.

Deterministic by construction: a keep-alive connection stays with the worker that accepted it,
and every response names its process (X-Sandbox-Pid). We hold two connections served by two
different workers, send begin on the first and verify on the second, and check the pids.
With the in-process store the challenge stored by worker A is invisible to worker B (the RCA's
copy-on-write split); with Redis (the RCA's fix) the same routing succeeds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sandbox._target import BEGIN, VERIFICATION_FAILED, VERIFY, Target, new_email
from tests.servers import ServerProcess, run_gunicorn_sandbox

pytestmark = pytest.mark.slow  # the sandbox under multi-worker gunicorn

PID = "X-Sandbox-Pid"


@contextlib.contextmanager
def two_workers(server: ServerProcess, timeout: float = 20.0,
                ) -> Iterator[tuple[httpx.Client, str, httpx.Client, str]]:
    """Two keep-alive clients whose connections were accepted by different workers."""
    opened: list[httpx.Client] = []
    try:
        first = httpx.Client(base_url=server.base_url, timeout=10)
        opened.append(first)
        first_pid = first.get("/healthz").headers[PID]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            other = httpx.Client(base_url=server.base_url, timeout=10)
            opened.append(other)
            other_pid = other.get("/healthz").headers[PID]
            if other_pid != first_pid:
                yield first, first_pid, other, other_pid
                return
        raise AssertionError(f"every connection went to worker {first_pid} for {timeout} s")
    finally:
        for client in opened:
            client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"


def _begin_on_a_verify_on_b(target: Target) -> tuple[str, int, httpx.Response, str, str]:
    email = new_email()
    token = target.token(email)
    with two_workers(target.server) as (worker_a, pid_a, worker_b, pid_b):
        begin = worker_a.post(BEGIN, json={"token": token})
        assert begin.status_code == 200, begin.text
        assert begin.headers[PID] == pid_a
        credential = target.authenticator().register(begin.json())
        verify = worker_b.post(VERIFY, json={"token": token, "credential": credential})
        assert verify.headers[PID] == pid_b
    [user_id] = target.user_ids(email)
    return email, user_id, verify, pid_a, pid_b


def test_memory_store_splits_across_preloaded_workers(sqlite_url: str) -> None:
    with run_gunicorn_sandbox({"DATABASE_URL": sqlite_url}, workers=2, preload=True) as server:
        target = Target(server, sqlite_url, "memory")
        email, user_id, verify, pid_a, pid_b = _begin_on_a_verify_on_b(target)
        assert verify.status_code == 400
        assert verify.json() == VERIFICATION_FAILED
        stored = server.wait_for_log(f"webauthn.challenge_stored store=memory user_id={user_id}")
        missed = server.wait_for_log(f"webauthn.challenge_miss store=memory user_id={user_id}")
        # INFO lines reach stderr under gunicorn too (RCA action item 5), tagged by process.
        assert f"[pid {pid_a}]" in stored
        assert f"[pid {pid_b}]" in missed
        assert target.credential_count(email) == 0


def test_redis_store_is_shared_across_preloaded_workers(sqlite_url: str, redis_url: str) -> None:
    env = {"DATABASE_URL": sqlite_url, "REDIS_URL": redis_url}
    with run_gunicorn_sandbox(env, workers=2, preload=True) as server:
        target = Target(server, sqlite_url, "redis")
        email, user_id, verify, pid_a, pid_b = _begin_on_a_verify_on_b(target)
        assert verify.status_code == 200, verify.text
        assert verify.json() == {"status": "ok", "user_id": user_id}
        stored = server.wait_for_log(f"webauthn.challenge_stored store=redis user_id={user_id}")
        popped = server.wait_for_log(f"webauthn.challenge_popped store=redis user_id={user_id}")
        assert f"[pid {pid_a}]" in stored
        assert f"[pid {pid_b}]" in popped
        assert target.credential_count(email) == 1
