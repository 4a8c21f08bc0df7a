"""SQL storage on SQLite and on a real PostgreSQL: schema names, single-use nonces, faults."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.sandbox.storage import Storage, TokenReplayed
from tests.sandbox._target import query

TABLES = {
    "users": {"id", "email", "created_at"},
    "webauthn_credentials": {"id", "user_id", "credential_id", "public_key", "sign_count",
                             "created_at"},
    "bootstrap_tokens_used": {"nonce", "email", "used_at"},
    "recovery_codes": {"id", "user_id", "code_hash"},
}


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'sandbox.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def storage(database_url: str) -> Storage:
    storage = Storage(database_url)
    storage.create_schema()
    storage.create_schema()  # idempotent: runs on every start
    return storage


def _columns(database_url: str, table: str) -> set[str]:
    if database_url.startswith("sqlite"):
        return {row[1] for row in query(database_url, f"PRAGMA table_info({table})")}
    return {row[0] for row in query(
        database_url, "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        (table,))}


def test_schema_names_are_the_contract(storage: Storage, database_url: str) -> None:
    for table, columns in TABLES.items():
        assert _columns(database_url, table) == columns


def test_begin_signup_consumes_the_nonce_once(storage: Storage, database_url: str) -> None:
    user_id = storage.begin_signup(nonce="n1", email="a@b.invalid")
    with pytest.raises(TokenReplayed):
        storage.begin_signup(nonce="n1", email="a@b.invalid")
    assert storage.find_user_id("a@b.invalid") == user_id
    assert query(database_url, "SELECT nonce, email FROM bootstrap_tokens_used") == [
        ("n1", "a@b.invalid")]


def test_a_fresh_token_reuses_the_user_row(storage: Storage) -> None:
    first = storage.begin_signup(nonce="n1", email="a@b.invalid")
    assert storage.begin_signup(nonce="n2", email="a@b.invalid") == first


def test_user_row_missing_fault_keeps_the_nonce(storage: Storage, database_url: str) -> None:
    storage.begin_signup(nonce="n1", email="a@b.invalid", keep_user=False)
    assert storage.find_user_id("a@b.invalid") is None
    assert query(database_url, "SELECT count(*) FROM bootstrap_tokens_used") == [(1,)]


def test_credentials_commit_or_not(storage: Storage) -> None:
    user_id = storage.begin_signup(nonce="n1", email="a@b.invalid")
    storage.add_credential(user_id=user_id, credential_id="cred-a", public_key=b"\xa5\x01",
                           sign_count=0)
    storage.add_credential(user_id=user_id, credential_id="cred-b", public_key=b"\xa5\x02",
                           sign_count=0, commit=False)  # the verify-no-commit fault
    [stored] = storage.credentials_for(user_id)
    assert (stored.credential_id, stored.public_key, stored.sign_count) == (
        "cred-a", b"\xa5\x01", 0)
    storage.update_sign_count("cred-a", 3)
    assert storage.credentials_for(user_id)[0].sign_count == 3


def test_credential_needs_an_existing_user(storage: Storage) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        storage.add_credential(user_id=999, credential_id="c", public_key=b"k", sign_count=0)


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        Storage("mysql://h/db")
