"""Run `release-gate smoke` as a user would: a subprocess, against the sandbox under a real server.

The smoke's tests import nothing from release_gate.sandbox (a tester shares no code with its
target): the sandbox is started by its command line (tests/servers.py) and read through SQL.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
import yaml

from tests.servers import ServerProcess, run_sandbox

SIGNING_KEY = "smoke-tests-signing-key-0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]
# Variables of the runbook and the sandbox that must not leak from a developer's shell.
_SCRUB = ("RAXX_SMOKE_ALLOW_PROD", "RAXX_SMOKE_EMAIL", "RAXX_SMOKE_API_URL", "HEROKU_APP",
          "DATABASE_URL", "REDIS_URL", "BOOTSTRAP_TOKEN_SIGNING_KEY", "GITHUB_ACTIONS",
          "SANDBOX_FAULT", "RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP", "WEBAUTHN_ORIGIN",
          "WEBAUTHN_RP_ID")


def new_email() -> str:
    return f"smoke-test+{uuid.uuid4().hex[:12]}@moosequest.net"


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def write_rules(path: Path, smoke: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "rules": [], "smoke": dict(smoke)}), "utf-8")
    return path


def smoke_section(server: ServerProcess, **overrides: Any) -> dict[str, Any]:
    """The smoke: section for a sandbox started by tests/servers.py (its default origin)."""
    section: dict[str, Any] = {
        "origin": f"http://localhost:{server.port}",
        "mint": {"backend": "command"},
        "database": {"backend": "sql"},
        "timeouts": {"http": 5},
    }
    section.update(overrides)
    return section


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "release_gate", *args]


def run(args: Sequence[str], env: Mapping[str, str], *, timeout: float = 60
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=dict(env), capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, stdin=subprocess.DEVNULL, check=False)


@dataclass
class Sandbox:
    server: ServerProcess
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        """What the smoke needs against this target: the allow variable, the DB and the key."""
        return base_env(**{"RAXX_SMOKE_ALLOW_PROD": "1", "DATABASE_URL": self.database_url,
                           "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY, **extra})

    def smoke(self, tmp: Path, *extra_args: str, email: str, section: Mapping[str, Any] | None
              = None, env: Mapping[str, str] | None = None, timeout: float = 60,
              ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        rules = write_rules(tmp / f"rules-{uuid.uuid4().hex[:6]}.yaml",
                            section or smoke_section(self.server))
        report = tmp / f"report-{uuid.uuid4().hex[:6]}.json"
        done = run(cli("smoke", "--target", self.server.base_url, "--rules", str(rules),
                       "--email", email, "--report", str(report),
                       "--server-log", str(self.server.log_path), *extra_args),
                   env or self.env(), timeout=timeout)
        data = json.loads(report.read_text("utf-8")) if report.exists() else {}
        return done, data

    def rows(self, email: str) -> dict[str, int]:
        with psycopg.connect(self.database_url) as connection:
            users = connection.execute("SELECT id FROM users WHERE email = %s",
                                       (email,)).fetchall()
            ids = [u[0] for u in users]
            creds = connection.execute(
                "SELECT count(*) FROM webauthn_credentials WHERE user_id = ANY(%s)",
                (ids,)).fetchone()
            nonces = connection.execute(
                "SELECT count(*) FROM bootstrap_tokens_used WHERE email = %s", (email,)
            ).fetchone()
        assert creds is not None and nonces is not None
        return {"users": len(users), "credentials": int(creds[0]), "nonces": int(nonces[0])}


@contextmanager
def sandbox(postgres_url: str, redis_url: str, *, fault: str | None = None,
            **env: str) -> Iterator[Sandbox]:
    """The sandbox under uvicorn with real PostgreSQL and Redis."""
    with run_sandbox({"DATABASE_URL": postgres_url, "REDIS_URL": redis_url,
                      "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY, **env}, fault=fault) as server:
        yield Sandbox(server, postgres_url)


class LineReader:
    """Reads a process's stdout on a thread, so a test can wait for a line with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def until(self, needle: str, *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if needle in line:
                return
        raise AssertionError(f"{needle!r} not seen; output so far:\n{''.join(self.seen)}")

    def rest(self, *, timeout: float = 30) -> str:
        """Everything, once the process closed its stdout."""
        self._thread.join(timeout)
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        return "".join(self.seen)


def new_marker() -> str:
    """A value for RELEASE_GATE_TEST_MARK, unique even across concurrent test sessions."""
    return f"release-gate-test-{uuid.uuid4().hex}"


def processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds `marker` (a run and everything it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found
