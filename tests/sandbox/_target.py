"""Talk to a running sandbox the way the smoke does: over HTTP, and SQL for the rows."""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from release_gate.sandbox.settings import DEV_SIGNING_KEY
from release_gate.sandbox.tokens import mint
from tests.sandbox._authenticator import Authenticator
from tests.servers import ServerProcess

BEGIN = "/api/auth/register/begin-with-token"
VERIFY = "/api/auth/register/verify-with-token"
INVALID_LINK = {"detail": "Invalid or expired signup link"}
VERIFICATION_FAILED = {"detail": "passkey verification failed"}
SESSION_NOT_FOUND = {"detail": "signup session not found"}


def new_email() -> str:
    return f"smoke-test+{uuid.uuid4().hex[:12]}@example.invalid"


def query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one SELECT with `?` placeholders against SQLite or PostgreSQL."""
    if database_url.startswith("sqlite:///"):
        connection = sqlite3.connect(Path(database_url.removeprefix("sqlite:///")))
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(database_url) as pg_connection:
        return pg_connection.execute(sql.replace("?", "%s"), params).fetchall()


@dataclass
class Target:
    server: ServerProcess
    database_url: str
    store: str  # "memory" or "redis": what the miss/stored/popped log lines say
    key: str = DEV_SIGNING_KEY

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.server.port}"

    def client(self, timeout: float = 10.0) -> httpx.Client:
        return httpx.Client(base_url=self.server.base_url, timeout=timeout)

    def token(self, email: str, **kwargs: Any) -> str:
        return mint(email, key=kwargs.pop("key", self.key), **kwargs)

    def authenticator(self) -> Authenticator:
        return Authenticator(origin=self.origin)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return query(self.database_url, sql, params)

    def user_ids(self, email: str) -> list[int]:
        return [int(r[0]) for r in self.rows("SELECT id FROM users WHERE email = ?", email)]

    def credential_count(self, email: str) -> int:
        return int(self.rows("SELECT count(*) FROM webauthn_credentials c JOIN users u "
                             "ON u.id = c.user_id WHERE u.email = ?", email)[0][0])

    def nonce_count(self, email: str) -> int:
        return int(self.rows("SELECT count(*) FROM bootstrap_tokens_used WHERE email = ?",
                             email)[0][0])


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
