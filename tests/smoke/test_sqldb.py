"""The `sql` backend on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from release_gate.core.smoke_config.settings import SqlSettings
from release_gate.smoke.backends import BackendUnavailable
from release_gate.smoke.sqldb import SqlDatabase, to_pyformat

SCHEMA = [
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)",
    "CREATE TABLE webauthn_credentials (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL "
    "REFERENCES users(id), credential_id TEXT)",
    "CREATE TABLE bootstrap_tokens_used (nonce TEXT PRIMARY KEY, email TEXT)",
    "CREATE TABLE recovery_codes (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL "
    "REFERENCES users(id), code_hash TEXT)",
]
ROWS = [
    "INSERT INTO users (id, email) VALUES (7, 'smoke-test+1@moosequest.net')",
    "INSERT INTO users (id, email) VALUES (8, 'kris@moosequest.net')",
    "INSERT INTO webauthn_credentials (user_id, credential_id) VALUES (7, 'a')",
    "INSERT INTO webauthn_credentials (user_id, credential_id) VALUES (8, 'b')",
    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (7, 'h1')",
    "INSERT INTO recovery_codes (user_id, code_hash) VALUES (7, 'h2')",
    "INSERT INTO bootstrap_tokens_used (nonce, email) VALUES ('n1', 'smoke-test+1@moosequest.net')",
]
EMAIL = "smoke-test+1@moosequest.net"


def test_pyformat_conversion() -> None:
    assert to_pyformat("SELECT x::text FROM t WHERE a = :email AND b LIKE '5%'") == \
        "SELECT x::text FROM t WHERE a = %(email)s AND b LIKE '5%%'"


def _exercise(db: SqlDatabase) -> None:
    state = db.check(email=EMAIL, nonce="n1")
    assert state.users == ((7, EMAIL),)
    assert (state.cred_count, state.recovery_codes, state.nonce_used) == (1, 2, True)
    assert db.check(email=EMAIL, nonce="other").nonce_used is False
    missing = db.check(email="nobody@moosequest.net", nonce=None)
    assert missing.users == () and missing.cred_count is None and missing.nonce_used is None
    assert db.delete(email=EMAIL) == {"credential": 1, "recovery code": 2, "user": 1}
    assert db.delete(email=EMAIL) == {"credential": 0, "recovery code": 0, "user": 0}
    assert db.check(email="kris@moosequest.net", nonce=None).cred_count == 1  # untouched
    assert db.waiting_ms > 0


def test_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    connection = sqlite3.connect(path)
    for statement in SCHEMA + ROWS:
        connection.execute(statement)
    connection.commit()
    connection.close()
    _exercise(SqlDatabase(f"sqlite:///{path}", sql=SqlSettings(), timeout_s=5))


def test_postgres(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as connection:
        for statement in SCHEMA + ROWS:
            connection.execute(statement.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
    db = SqlDatabase(postgres_url, sql=SqlSettings(), timeout_s=5)
    assert db.description.startswith("SQL (postgresql://postgres@")
    _exercise(db)


def test_unsupported_url() -> None:
    with pytest.raises(BackendUnavailable, match="use sqlite:/// or postgresql://"):
        SqlDatabase("mysql://u:pw@h/db", sql=SqlSettings(), timeout_s=1)
