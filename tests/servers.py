"""Run the sandbox (or any ASGI app) under a real server in a subprocess, for tests.

    with run_sandbox({"REDIS_URL": redis_url}, fault="cbor-regression") as server:
        httpx.post(server.base_url + "/api/auth/register/begin-with-token", json=...)
        server.wait_for_log("webauthn.challenge_miss store=redis user_id=1")

    run_sandbox(env, fault=None)        python -m release_gate.sandbox serve (the faithful way)
    run_uvicorn_app(target, env)        uvicorn [--factory] TARGET, any app or factory
    run_gunicorn_sandbox(env, workers=2, preload=True)   the RCA's process model
    run_server(argv_for_port, env)      any command line that takes a port
    run_all({name: run_sandbox(...)})   several at once, started concurrently

Each helper picks a free loopback port, starts the process with its stdout and stderr going to a
log file, waits until GET /healthz answers 200, yields a `ServerProcess`, and stops the process
(SIGTERM, then SIGKILL) on exit. The sandbox's own configuration variables (DATABASE_URL,
REDIS_URL, ...) are NOT inherited from the test's environment: pass them in `env`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Variables the sandbox reads; a developer's shell must not leak them into a test's server.
SANDBOX_ENV_VARS = (
    "BOOTSTRAP_TOKEN_SIGNING_KEY", "WEBAUTHN_RP_ID", "WEBAUTHN_RP_NAME", "WEBAUTHN_ORIGIN",
    "DATABASE_URL", "REDIS_URL", "FLAG_WEBAUTHN_REGISTRATION", "SANDBOX_FAULT",
    "SANDBOX_CHALLENGE_TTL_SECONDS", "SANDBOX_SLOW_SECONDS", "PORT", "HEROKU_SLUG_COMMIT",
    "HEROKU_RELEASE_VERSION",
)
_START_ATTEMPTS = 3


def free_port() -> int:
    """A loopback port that was free a moment ago (callers retry if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    _final_log: str | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        """Everything the server printed so far (stdout and stderr interleaved)."""
        if self._final_log is not None:
            return self._final_log
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, needle: str, timeout: float = 5.0) -> str:
        """Return the first log line containing `needle`; AssertionError (with the log) if none
        appears within `timeout` seconds. Log lines can trail the HTTP response slightly."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text().splitlines():
                if needle in line:
                    return line
            if time.monotonic() >= deadline:
                raise AssertionError(f"no log line contains {needle!r}; log:\n{self.log_text()}")
            time.sleep(0.05)


def _environment(env: Mapping[str, str] | None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in SANDBOX_ENV_VARS}
    return {**base, "PYTHONUNBUFFERED": "1", **(env or {})}


@contextmanager
def run_server(argv_for_port: Callable[[int], Sequence[str]], env: Mapping[str, str] | None = None,
               *, health_path: str | None = "/healthz", startup_timeout: float = 30.0,
               set_port_env: bool = False) -> Iterator[ServerProcess]:
    """Start `argv_for_port(port)` and wait for `health_path` to answer 200 (None: for any HTTP
    answer to GET /, for a backend without a health endpoint). `set_port_env` also passes PORT
    (Heroku's variable, from which the sandbox derives its default WEBAUTHN_ORIGIN)."""
    server: ServerProcess | None = None
    failure = ""
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        full_env = _environment(env)
        if set_port_env:
            full_env.setdefault("PORT", str(port))
        handle, name = tempfile.mkstemp(prefix="release-gate-server-", suffix=".log")
        log_path = Path(name)
        with os.fdopen(handle, "wb") as log_file:
            process = subprocess.Popen(list(argv_for_port(port)), env=full_env, stdout=log_file,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        candidate = ServerProcess(f"http://127.0.0.1:{port}", port, process, log_path)
        if _wait_healthy(candidate, health_path, startup_timeout):
            server = candidate
            break
        failure = _stop(candidate)
        log_path.unlink(missing_ok=True)
        if "address already in use" not in failure.lower():
            break
    if server is None:
        raise RuntimeError(f"server did not become healthy; its output:\n{failure[-4000:]}")
    try:
        yield server
    finally:
        server._final_log = _stop(server)
        server.log_path.unlink(missing_ok=True)


@contextmanager
def run_all(servers: Mapping[str, AbstractContextManager[ServerProcess]],
            ) -> Iterator[dict[str, ServerProcess]]:
    """Start several servers concurrently (start-up is mostly imports and waiting); stop all."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, len(servers))) as pool:
        futures = {name: pool.submit(manager.__enter__) for name, manager in servers.items()}
        started: dict[str, ServerProcess] = {}
        error: BaseException | None = None
        for name, future in futures.items():
            try:
                started[name] = future.result()
            except BaseException as exc:  # stop the others before reporting
                error = error or exc
    try:
        if error is not None:
            raise error
        yield started
    finally:
        with ThreadPoolExecutor(max_workers=max(1, len(started))) as pool:
            for name in started:
                pool.submit(servers[name].__exit__, None, None, None)


def run_sandbox(env: Mapping[str, str] | None = None, *, fault: str | None = None,
                ) -> AbstractContextManager[ServerProcess]:
    """`python -m release_gate.sandbox serve --port P [--fault F]`: the faithful way."""

    def argv(port: int) -> list[str]:
        extra = ["--fault", fault] if fault else []
        return [sys.executable, "-m", "release_gate.sandbox", "serve", "--host", "127.0.0.1",
                "--port", str(port), *extra]

    return run_server(argv, env)


def run_uvicorn_app(target: str = "release_gate.sandbox.app:create_app",
                    env: Mapping[str, str] | None = None, *, factory: bool = True,
                    health_path: str | None = "/healthz",
                    ) -> AbstractContextManager[ServerProcess]:
    """`uvicorn [--factory] TARGET` for any importable app or app factory; PORT is set."""

    def argv(port: int) -> list[str]:
        flags = ["--factory"] if factory else []
        return [sys.executable, "-m", "uvicorn", *flags, target, "--host", "127.0.0.1",
                "--port", str(port)]

    return run_server(argv, env, set_port_env=True, health_path=health_path)


def run_gunicorn_sandbox(env: Mapping[str, str] | None = None, *, workers: int = 2,
                         preload: bool = True) -> AbstractContextManager[ServerProcess]:
    """The production process model: gunicorn + uvicorn workers (+ --preload), as in the RCA."""

    def argv(port: int) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-k", "uvicorn.workers.UvicornWorker",
                *(["--preload"] if preload else []), "-w", str(workers),
                "-b", f"127.0.0.1:{port}", "release_gate.sandbox.app:create_app()"]

    return run_server(argv, env, set_port_env=True)


def _wait_healthy(server: ServerProcess, path: str | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                return False
            try:
                status = client.get(server.base_url + (path or "/")).status_code
                if path is None or status == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    return False


def _stop(server: ServerProcess) -> str:
    """Stop the process group (gunicorn workers too); return the complete log."""
    if server.process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
    with suppress(ProcessLookupError):  # whatever the leader left in its group (a worker)
        os.killpg(server.process.pid, signal.SIGKILL)
    return server.log_path.read_text(encoding="utf-8", errors="replace")
