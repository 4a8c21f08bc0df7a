"""The `sql` database backend: step 5's checks and the teardown, as configured SQL.

SQL uses `:name` parameters (`:email`, `:user_id`, `:nonce`), bound by the driver, never
formatted into the text. SQLite through the standard library, PostgreSQL through psycopg 3.
One short connection per operation; teardown runs in one transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from release_gate.core.smoke_config.settings import SQL_PARAMETER, SqlSettings
from release_gate.smoke.backend_types import BackendError, BackendUnavailable, DbState
from release_gate.smoke.masking import redact_url


def to_pyformat(sql: str) -> str:
    """`:name` -> `%(name)s` for psycopg (a literal % doubles; `::type` casts stay)."""
    return SQL_PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))


class SqlDatabase:
    def __init__(self, url: str, *, sql: SqlSettings, timeout_s: float) -> None:
        self._sql = sql
        self._timeout_s = timeout_s
        self.waiting_ms = 0.0
        if url.startswith("sqlite:///"):
            # SQLAlchemy's convention, as in DATABASE_URL: sqlite:///rel.db, sqlite:////abs.db
            self.dialect = "sqlite"
            self._path = Path(url.removeprefix("sqlite:///"))
        elif url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgres"
            self._url = url
        else:
            raise BackendUnavailable(
                f"unsupported database URL {redact_url(url)!r}: use sqlite:/// or postgresql://")
        self.description = f"SQL ({redact_url(url)})"

    def check(self, *, email: str, nonce: str | None) -> DbState:
        params = {"email": email, "user_id": None, "nonce": nonce}
        with self._transaction() as run:
            users = tuple((row[0], str(row[1])) for row in run(self._sql.user, {"email": email}))
            cred_count = recovery = None
            if users:
                params["user_id"] = users[0][0]
                cred_count = _scalar(run(self._sql.cred_count, params))
                if self._sql.recovery_count:
                    recovery = _scalar(run(self._sql.recovery_count, params))
            nonce_used = None
            if self._sql.nonce_used and nonce is not None:
                nonce_used = _scalar(run(self._sql.nonce_used, params)) > 0
        return DbState(users=users, cred_count=cred_count, recovery_codes=recovery,
                       nonce_used=nonce_used)

    def delete(self, *, email: str) -> dict[str, int]:
        """Delete every row the teardown SQL names for each user row with this email."""
        deleted = {statement.label: 0 for statement in self._sql.teardown}
        with self._transaction() as run:
            # Only the parameters settings.SQL_PARAMETERS promises (validate enforces it).
            ids = [row[0] for row in run(self._sql.user, {"email": email})]
            for user_id in ids:
                for statement in self._sql.teardown:
                    deleted[statement.label] += run.rowcount(
                        statement.sql, {"email": email, "user_id": user_id})
        return deleted

    @contextmanager
    def _transaction(self) -> Iterator[_Runner]:
        start = time.perf_counter()
        try:
            connection = self._connect()
        except Exception as error:
            self.waiting_ms += (time.perf_counter() - start) * 1000
            raise BackendError(f"cannot connect to the database: {_short(error)}",
                               timed_out="timeout" in str(error).lower()) from None
        try:
            yield _Runner(connection, self.dialect)
            connection.commit()
        except BackendError:
            connection.rollback()
            raise
        except Exception as error:
            connection.rollback()
            raise BackendError(f"database error: {_short(error)}") from None
        finally:
            connection.close()
            self.waiting_ms += (time.perf_counter() - start) * 1000

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            if not self._path.exists():
                raise FileNotFoundError(f"no SQLite database at {self._path}")
            return sqlite3.connect(self._path, timeout=self._timeout_s)
        import psycopg  # only the postgres backend needs it

        return psycopg.connect(self._url, connect_timeout=max(1, int(self._timeout_s)))


class _Runner:
    def __init__(self, connection: Any, dialect: str) -> None:
        self._connection = connection
        self._dialect = dialect

    def _execute(self, sql: str, params: Mapping[str, Any]) -> Any:
        cursor = self._connection.cursor()
        cursor.execute(sql if self._dialect == "sqlite" else to_pyformat(sql), dict(params))
        return cursor

    def __call__(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._execute(sql, params).fetchall()]

    def rowcount(self, sql: str, params: Mapping[str, Any]) -> int:
        return max(0, int(self._execute(sql, params).rowcount))


def _scalar(rows: list[tuple[Any, ...]]) -> int:
    if not rows or not rows[0]:
        raise BackendError("a count query returned no row")
    return int(rows[0][0])


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__
