"""Each fault switch produces exactly its symptom: status, body, log line and rows.

Symptoms are the runbook's "Interpreting failures" table and the RCA (docs/sandbox.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from release_gate.sandbox.faults import FAULTS
from tests.conftest import PostgresServer, RedisServer
from tests.sandbox._target import (
    BEGIN,
    INVALID_LINK,
    SESSION_NOT_FOUND,
    VERIFICATION_FAILED,
    VERIFY,
    Target,
    new_email,
)
from tests.servers import run_all, run_sandbox

# Every server of a module starts at once (run_all): start-up dominates these tests' time.
SQLITE_CASES: dict[str, tuple[str | None, dict[str, str]]] = {
    "wrong-signing-key": ("wrong-signing-key", {}),
    "registration-disabled": ("registration-disabled", {}),
    "challenge-store-split": ("challenge-store-split", {}),
    "user-row-missing": ("user-row-missing", {}),
    "verify-no-commit": ("verify-no-commit", {}),
    "cbor-regression": ("cbor-regression", {}),
    "slow-dependency": ("slow-dependency", {"SANDBOX_SLOW_SECONDS": "1.5"}),
    "flag-off": (None, {"FLAG_WEBAUTHN_REGISTRATION": "false"}),  # the real flag, no fault
}
# The faults whose symptom depends on the store or the database, on the production shape too.
POSTGRES_REDIS_CASES = ["challenge-store-split", "verify-no-commit", "user-row-missing"]


@pytest.fixture(scope="module")
def sqlite_memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Target]]:
    urls = {case: f"sqlite:///{tmp_path_factory.mktemp(case) / 'sandbox.sqlite3'}"
            for case in SQLITE_CASES}
    managers = {case: run_sandbox({"DATABASE_URL": urls[case], **env}, fault=fault)
                for case, (fault, env) in SQLITE_CASES.items()}
    with run_all(managers) as servers:
        yield {case: Target(server, urls[case], "memory") for case, server in servers.items()}


@pytest.fixture(scope="module")
def postgres_redis(postgres_server: PostgresServer,
                   redis_server: RedisServer) -> Iterator[dict[str, Target]]:
    redis_server.flush()
    urls = {case: postgres_server.create_database() for case in POSTGRES_REDIS_CASES}
    # One Redis database each: user ids restart at 1 in every PostgreSQL database, and a
    # challenge left behind by one server must never be popped by another.
    managers = {case: run_sandbox({"DATABASE_URL": urls[case],
                                   "REDIS_URL": redis_server.url_for_db(index + 1)}, fault=case)
                for index, case in enumerate(POSTGRES_REDIS_CASES)}
    with run_all(managers) as servers:
        yield {case: Target(server, urls[case], "redis") for case, server in servers.items()}


def _begin(target: Target, email: str) -> tuple[str, httpx.Response]:
    token = target.token(email)
    with target.client() as client:
        return token, client.post(BEGIN, json={"token": token})


def _signup(target: Target, email: str) -> tuple[httpx.Response, httpx.Response]:
    token, begin = _begin(target, email)
    assert begin.status_code == 200, begin.text
    credential = target.authenticator().register(begin.json())
    with target.client() as client:
        return begin, client.post(VERIFY, json={"token": token, "credential": credential})


def check_wrong_signing_key(target: Target) -> None:
    email = new_email()
    _, begin = _begin(target, email)
    assert begin.status_code == 400
    assert begin.json() == INVALID_LINK
    assert target.user_ids(email) == [] and target.nonce_count(email) == 0
    target.server.wait_for_log("auth.register_begin_with_token rejected "
                               "reason=signature_does_not_match_the_signing_key")


def check_registration_disabled(target: Target) -> None:
    email = new_email()
    token, begin = _begin(target, email)
    assert begin.status_code == 404
    with target.client() as client:
        assert client.post(VERIFY, json={"token": token, "credential": {}}).status_code == 404
    assert target.user_ids(email) == [] and target.nonce_count(email) == 0


def check_challenge_store_split(target: Target) -> None:
    email = new_email()
    _, verify = _signup(target, email)
    assert verify.status_code == 400
    assert verify.json() == VERIFICATION_FAILED
    [user_id] = target.user_ids(email)
    target.server.wait_for_log(f"webauthn.challenge_miss store={target.store} user_id={user_id}")
    # The RCA's 1 ms signature: the miss comes before py_webauthn ever runs.
    assert "webauthn.registration_verify_failed" not in target.server.log_text()
    assert target.credential_count(email) == 0


def check_user_row_missing(target: Target) -> None:
    email = new_email()
    _, verify = _signup(target, email)
    assert verify.status_code == 400
    assert verify.json() == SESSION_NOT_FOUND
    assert target.user_ids(email) == []
    assert target.nonce_count(email) == 1  # the token was consumed all the same


def check_verify_no_commit(target: Target) -> None:
    email = new_email()
    _, verify = _signup(target, email)
    assert verify.status_code == 200
    [user_id] = target.user_ids(email)
    assert verify.json() == {"status": "ok", "user_id": user_id}
    assert target.credential_count(email) == 0  # runbook step 5: cred_count=0


def check_cbor_regression(target: Target) -> None:
    email = new_email()
    _, verify = _signup(target, email)
    assert verify.status_code == 400
    assert verify.json() == VERIFICATION_FAILED
    [user_id] = target.user_ids(email)
    line = target.server.wait_for_log(f"webauthn.registration_verify_failed user_id={user_id}")
    assert "attestationObject was malformed" in line
    assert target.credential_count(email) == 0


def check_slow_dependency(target: Target) -> None:
    # SANDBOX_SLOW_SECONDS=1.5 (see ENV): a client that waits 0.3 s gives up...
    token = target.token(new_email())
    with target.client(timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.post(BEGIN, json={"token": token})
    # ...one that waits long enough gets a normal answer.
    email = new_email()
    _, begin = _begin(target, email)
    assert begin.status_code == 200
    assert len(target.user_ids(email)) == 1


CHECKS: dict[str, Callable[[Target], None]] = {
    "wrong-signing-key": check_wrong_signing_key,
    "registration-disabled": check_registration_disabled,
    "challenge-store-split": check_challenge_store_split,
    "user-row-missing": check_user_row_missing,
    "verify-no-commit": check_verify_no_commit,
    "cbor-regression": check_cbor_regression,
    "slow-dependency": check_slow_dependency,
}


def test_every_fault_has_a_symptom_check() -> None:
    assert set(CHECKS) == set(FAULTS)
    assert set(CHECKS) <= set(SQLITE_CASES)


@pytest.mark.parametrize("fault", list(CHECKS))
def test_fault_on_sqlite_memory(fault: str, sqlite_memory: dict[str, Target]) -> None:
    CHECKS[fault](sqlite_memory[fault])


@pytest.mark.parametrize("fault", POSTGRES_REDIS_CASES)
def test_fault_on_postgres_redis(fault: str, postgres_redis: dict[str, Target]) -> None:
    CHECKS[fault](postgres_redis[fault])


def test_registration_flag_off_is_the_same_404(sqlite_memory: dict[str, Target]) -> None:
    check_registration_disabled(sqlite_memory["flag-off"])
