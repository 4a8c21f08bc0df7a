"""The bootstrap-link flow over HTTP against a real uvicorn server, on both backends:
SQLite + in-process challenge store, and PostgreSQL + Redis (the production shape)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import PostgresServer, RedisServer
from tests.sandbox._authenticator import b64url, unb64url
from tests.sandbox._target import (
    BEGIN,
    INVALID_LINK,
    SESSION_NOT_FOUND,
    VERIFICATION_FAILED,
    VERIFY,
    Target,
    new_email,
)
from tests.servers import run_sandbox


@pytest.fixture(scope="module", params=["sqlite-memory", "postgres-redis"])
def target(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    if request.param == "sqlite-memory":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sandbox.sqlite3'}"
        env, store = {"DATABASE_URL": database_url}, "memory"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres_server")
        redis: RedisServer = request.getfixturevalue("redis_server")
        redis.flush()
        database_url = postgres.create_database()
        env, store = {"DATABASE_URL": database_url, "REDIS_URL": redis.url}, "redis"
    with run_sandbox(env) as server:
        yield Target(server, database_url, store)


def test_register_persists_user_and_credential(target: Target) -> None:
    email = new_email()
    token = target.token(email)
    authenticator = target.authenticator()
    with target.client() as client:
        begin = client.post(BEGIN, json={"token": token})
        assert begin.status_code == 200, begin.text
        options = begin.json()
        [user_id] = target.user_ids(email)  # the user row exists from begin on
        assert options["rp"]["id"] == "localhost"
        assert options["user"]["id"] == b64url(f"user_{user_id}".encode())
        assert options["user"]["name"] == email
        assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
        assert len(unb64url(options["challenge"])) >= 16
        verify = client.post(VERIFY, json={"token": token,
                                           "credential": authenticator.register(options)})
    assert verify.status_code == 200, verify.text
    assert verify.json() == {"status": "ok", "user_id": user_id}
    [(credential_id, public_key, sign_count)] = target.rows(
        "SELECT credential_id, public_key, sign_count FROM webauthn_credentials WHERE user_id = ?",
        user_id)
    assert credential_id == b64url(authenticator.credential_id)
    assert bytes(public_key) == authenticator._cose_key()
    assert sign_count == 0
    assert target.nonce_count(email) == 1
    # RCA contributing factor 3 / action item 5: positive INFO signals, visible in the log.
    target.server.wait_for_log(f"webauthn.challenge_stored store={target.store} user_id={user_id}")
    target.server.wait_for_log(f"webauthn.challenge_popped store={target.store} user_id={user_id}")
    target.server.wait_for_log(f"auth.register_begin_with_token issued user_id={user_id}")


def test_replayed_token_is_rejected(target: Target) -> None:
    email = new_email()
    token = target.token(email)
    with target.client() as client:
        assert client.post(BEGIN, json={"token": token}).status_code == 200
        replay = client.post(BEGIN, json={"token": token})
    assert replay.status_code == 400
    assert replay.json() == INVALID_LINK
    assert target.nonce_count(email) == 1


def _tampered(token: str) -> str:
    # Change a character well inside the signature (the last ones may be padding bits that
    # decode to the same bytes), always to a different one: a real one-character tamper.
    index = len(token) - 8
    swapped = "B" if token[index] == "A" else "A"
    return token[:index] + swapped + token[index + 1:]


@pytest.mark.parametrize("case", ["other-key", "expired", "tampered", "garbage"])
def test_bad_tokens_are_rejected_without_writes(target: Target, case: str) -> None:
    email = new_email()
    token = {
        "other-key": lambda: target.token(email, key="some-other-key"),
        "expired": lambda: target.token(email, ttl_seconds=60, now=1_000_000),
        "tampered": lambda: _tampered(target.token(email)),
        "garbage": lambda: "not-a-token",
    }[case]()
    with target.client() as client:
        response = client.post(BEGIN, json={"token": token})
    assert response.status_code == 400
    assert response.json() == INVALID_LINK
    assert target.user_ids(email) == []
    assert target.nonce_count(email) == 0


def test_wrong_challenge_fails_verification(target: Target) -> None:
    email = new_email()
    token = target.token(email)
    with target.client() as client:
        options = client.post(BEGIN, json={"token": token}).json()
        forged = {**options, "challenge": b64url(b"not the challenge we were given")}
        verify = client.post(VERIFY, json={"token": token,
                                           "credential": target.authenticator().register(forged)})
    assert verify.status_code == 400
    assert verify.json() == VERIFICATION_FAILED
    [user_id] = target.user_ids(email)
    target.server.wait_for_log(f"webauthn.registration_verify_failed user_id={user_id}")
    assert target.credential_count(email) == 0


def test_verify_without_begin_has_no_signup_session(target: Target) -> None:
    email = new_email()
    credential = target.authenticator().register(
        {"challenge": b64url(b"x" * 32), "rp": {"id": "localhost"}})
    with target.client() as client:
        verify = client.post(VERIFY, json={"token": target.token(email), "credential": credential})
    assert verify.status_code == 400
    assert verify.json() == SESSION_NOT_FOUND


def test_login_with_the_registered_passkey(target: Target) -> None:
    email = new_email()
    token = target.token(email)
    authenticator = target.authenticator()
    with target.client() as client:
        options = client.post(BEGIN, json={"token": token}).json()
        verify = client.post(VERIFY, json={"token": token,
                                           "credential": authenticator.register(options)})
        user_id = verify.json()["user_id"]
        login_options = client.post("/api/auth/login/begin", json={"email": email})
        assert login_options.status_code == 200, login_options.text
        assert login_options.json()["allowCredentials"][0]["id"] == b64url(
            authenticator.credential_id)
        login = client.post("/api/auth/login/verify", json={
            "email": email, "credential": authenticator.assert_(login_options.json())})
        assert login.status_code == 200, login.text
        assert login.json() == {"status": "ok", "user_id": user_id}
        # the same assertion again: its challenge was popped, so it is refused
        again = client.post("/api/auth/login/verify", json={
            "email": email, "credential": authenticator.assert_(login_options.json())})
    assert again.status_code == 400
    assert target.rows("SELECT sign_count FROM webauthn_credentials WHERE user_id = ?",
                       user_id) == [(1,)]


def test_login_begin_for_unknown_email(target: Target) -> None:
    with target.client() as client:
        response = client.post("/api/auth/login/begin", json={"email": new_email()})
    assert response.status_code == 400


def test_healthz_names_the_answering_process(target: Target) -> None:
    with target.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Sandbox-Pid"] == str(target.server.pid)
