"""SQL storage: SQLite (stdlib) by default, PostgreSQL (psycopg 3) when DATABASE_URL says so.

Table and column names are the contract the smoke's DB check and teardown rely on (runbook step 5
and its cleanup snippet): users, webauthn_credentials, bootstrap_tokens_used, recovery_codes.
One short-lived connection per operation: simple, and safe across forked gunicorn workers.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT UNIQUE NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS webauthn_credentials (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    credential_id TEXT UNIQUE NOT NULL,
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS bootstrap_tokens_used (
    nonce TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    used_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL);
"""

_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id SERIAL PRIMARY KEY,
    email TEXT UNIQUE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS webauthn_credentials (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    credential_id TEXT UNIQUE NOT NULL,
    public_key BYTEA NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS bootstrap_tokens_used (
    nonce TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    used_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS recovery_codes (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL);
"""

# Serialises schema creation when several workers start at once without --preload
# (concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog).
_SCHEMA_LOCK_ID = 727_2025


def fresh_sqlite_url() -> str:
    """The default database: a new SQLite file per start. Several processes started without
    --preload would each make their own, so set DATABASE_URL for that (docs/sandbox.md)."""
    directory = Path(tempfile.mkdtemp(prefix="release-gate-sandbox-"))
    return f"sqlite:///{directory / 'sandbox.sqlite3'}"


class TokenReplayed(Exception):
    """The token's nonce is already in bootstrap_tokens_used (single use, runbook/RCA)."""


@dataclass(frozen=True)
class StoredCredential:
    credential_id: str
    public_key: bytes
    sign_count: int


class Storage:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute.db
            self.dialect = "sqlite"
            self._path = Path(url.removeprefix("sqlite:///"))
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgres"
            self._url = url
        else:
            raise ValueError("DATABASE_URL must start with sqlite:///, postgresql:// or postgres://")

    def describe(self) -> str:
        """For the startup log: the SQLite path, or just "postgres" (a URL may hold a password)."""
        return f"sqlite:///{self._path}" if self.dialect == "sqlite" else "postgres"

    def create_schema(self) -> None:
        """Idempotent; run on every start."""
        if self.dialect == "sqlite":
            self._path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connect()
            try:
                # WAL lets a reader (the smoke's DB check) and the server work at the same time.
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SQLITE_SCHEMA)
            finally:
                connection.close()
            return
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_ID,))
            cursor.execute(_POSTGRES_SCHEMA)

    def begin_signup(self, *, nonce: str, email: str, keep_user: bool = True) -> int:
        """Consume the nonce and create (or reuse) the user row, in one transaction.

        `keep_user=False` is the user-row-missing fault: the user insert is rolled back while
        the nonce still commits, so verify later finds no signup session.
        """
        with self._transaction() as cursor:
            cursor.execute(self._sql(
                "INSERT INTO bootstrap_tokens_used (nonce, email) VALUES (?, ?) "
                "ON CONFLICT (nonce) DO NOTHING RETURNING nonce"), (nonce, email))
            if cursor.fetchone() is None:
                raise TokenReplayed(nonce)
            cursor.execute("SAVEPOINT user_row")
            # A fresh token for an existing email reuses the row, as the RCA's retries did.
            cursor.execute(self._sql(
                "INSERT INTO users (email) VALUES (?) "
                "ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id"), (email,))
            user_id = int(cursor.fetchone()[0])
            cursor.execute("RELEASE SAVEPOINT user_row" if keep_user
                           else "ROLLBACK TO SAVEPOINT user_row")
            return user_id

    def find_user_id(self, email: str) -> int | None:
        with self._transaction() as cursor:
            cursor.execute(self._sql("SELECT id FROM users WHERE email = ?"), (email,))
            row = cursor.fetchone()
        return None if row is None else int(row[0])

    def add_credential(self, *, user_id: int, credential_id: str, public_key: bytes,
                       sign_count: int, commit: bool = True) -> None:
        """`commit=False` is the verify-no-commit fault: the insert runs and is never committed."""
        connection = self._connect()
        try:
            cursor = connection.cursor()
            cursor.execute(self._sql(
                "INSERT INTO webauthn_credentials (user_id, credential_id, public_key, sign_count) "
                "VALUES (?, ?, ?, ?)"), (user_id, credential_id, public_key, sign_count))
            if commit:
                connection.commit()
            else:
                connection.rollback()
        finally:
            connection.close()

    def credentials_for(self, user_id: int) -> list[StoredCredential]:
        with self._transaction() as cursor:
            cursor.execute(self._sql(
                "SELECT credential_id, public_key, sign_count FROM webauthn_credentials "
                "WHERE user_id = ? ORDER BY id"), (user_id,))
            rows = cursor.fetchall()
        return [StoredCredential(str(r[0]), bytes(r[1]), int(r[2])) for r in rows]

    def update_sign_count(self, credential_id: str, sign_count: int) -> None:
        with self._transaction() as cursor:
            cursor.execute(self._sql(
                "UPDATE webauthn_credentials SET sign_count = ? WHERE credential_id = ?"),
                (sign_count, credential_id))

    def _sql(self, statement: str) -> str:
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            connection = sqlite3.connect(self._path, timeout=10)
            connection.execute("PRAGMA foreign_keys = ON")
            return connection
        import psycopg  # imported here: the SQLite default must not need it

        return psycopg.connect(self._url, connect_timeout=10)

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        connection = self._connect()
        try:
            yield connection.cursor()
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()
