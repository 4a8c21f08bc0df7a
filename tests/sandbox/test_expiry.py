"""An expired challenge is a miss, logged as one (RCA: TTL 60 s; here shortened by
SANDBOX_CHALLENGE_TTL_SECONDS). Runs the app factory under `uvicorn --factory`, the documented
way to serve it without our CLI, with WEBAUTHN_ORIGIN derived from PORT."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.sandbox._target import BEGIN, VERIFICATION_FAILED, VERIFY, Target, new_email
from tests.servers import run_uvicorn_app

TTL = 0.4


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_expired_challenge_is_a_logged_miss(store: str, request: pytest.FixtureRequest,
                                            tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    env = {"DATABASE_URL": database_url, "SANDBOX_CHALLENGE_TTL_SECONDS": str(TTL)}
    if store == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    with run_uvicorn_app("release_gate.sandbox.app:create_app", env) as server:
        target = Target(server, database_url, store)
        email = new_email()
        token = target.token(email)
        with target.client() as client:
            options = client.post(BEGIN, json={"token": token}).json()
            time.sleep(TTL + 0.3)
            verify = client.post(VERIFY, json={
                "token": token, "credential": target.authenticator().register(options)})
        assert verify.status_code == 400
        assert verify.json() == VERIFICATION_FAILED
        [user_id] = target.user_ids(email)
        server.wait_for_log(f"webauthn.challenge_miss store={store} user_id={user_id}")
        assert target.credential_count(email) == 0
