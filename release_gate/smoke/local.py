"""`--target sandbox`: start the bundled sandbox as a separate process, for one run.

The smoke and the sandbox share no code (a tester must not share code with its target,
docs/design.md §4): the sandbox is started through its command line (`python -m release_gate.sandbox
serve`), minted through `... mint`, and read through its SQLite file. No credentials, no network:
loopback only, a fresh temporary directory, a fresh signing key, and Redis only if REDIS_URL
is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from release_gate.errors import GateError

if TYPE_CHECKING:
    from release_gate.core.smoke_config.settings import SmokeSettings

HOST = "127.0.0.1"
STOP_TIMEOUT_S = 15.0  # the keeper's graceful stop (RELEASE_GATE_KEEP_SANDBOX) takes up to 10 s


class SandboxError(GateError):
    """The local sandbox did not start."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def contract_of(settings: SmokeSettings) -> dict[str, Any]:
    """The smoke: section's HTTP contract as plain JSON (sandbox/contract.py reads it)."""
    endpoints, bodies, responses = settings.endpoints, settings.bodies, settings.responses
    routes = {endpoints.begin: "begin", endpoints.verify: "verify",
              endpoints.login_begin: "login_begin", endpoints.login_verify: "login_verify"}
    if endpoints.health:
        routes[endpoints.health] = "health"
    return {"routes": routes,
            "bodies": {name: _plain(getattr(bodies, name))
                       for name in ("begin", "verify", "login_begin", "login_verify")},
            "options_key": responses.options_key, "user_id_field": responses.user_id_field,
            "ok": _plain(responses.ok)}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class LocalSandbox:
    """Context manager: a started sandbox with its URL, origin, database URL and child env.

    `__enter__` starts the process and returns at once; call `wait_ready()` before the first
    request. `__exit__` stops it and removes its directory, however the run ended.
    """

    def __init__(self, env: Mapping[str, str], *, health_path: str = "/healthz",
                 start_timeout_s: float = 30.0, fault: str | None = None,
                 origin: str | None = None, rp_id: str | None = None) -> None:
        self._base_env = dict(env)
        self._health_path = health_path or "/healthz"
        self._timeout_s = start_timeout_s
        self._fault = fault
        # smoke.origin / smoke.rp_id from --rules: the sandbox then expects them (a rehearsal of
        # the team's own pair); by default http://localhost:<port> and localhost.
        self._origin, self._rp_id = origin, rp_id
        self._keep = bool(self._base_env.get("RELEASE_GATE_KEEP_SANDBOX"))
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None
        self.port = 0
        self.api_url = ""
        self.origin = ""
        self.rp_id = "localhost"
        self.database_url = ""
        self.signing_key = secrets.token_hex(32)
        self.log_path = Path()
        self.env: dict[str, str] = {}

    def __enter__(self) -> LocalSandbox:
        return self.start()

    def start(self) -> LocalSandbox:
        """Start the process, once: a sandbox the CLI started early is entered again by the run
        that uses it, and must not be started twice (the first process would be orphaned)."""
        if self._process is not None:
            return self
        self._dir = Path(tempfile.mkdtemp(prefix="release-gate-smoke-"))
        self.port = free_port()
        self.api_url = f"http://{HOST}:{self.port}"
        self.origin = self._origin or f"http://localhost:{self.port}"
        self.rp_id = self._rp_id or (urlsplit(self._origin).hostname or "localhost"
                                     if self._origin else "localhost")
        self.database_url = f"sqlite:///{self._dir / 'sandbox.sqlite3'}"
        self.log_path = self._dir / "sandbox.log"
        env = {k: v for k, v in self._base_env.items()
               if k not in ("DATABASE_URL", "PORT", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN")}
        env.update({
            "DATABASE_URL": self.database_url,
            "BOOTSTRAP_TOKEN_SIGNING_KEY": self.signing_key,
            "WEBAUTHN_RP_ID": self.rp_id,
            "WEBAUTHN_ORIGIN": self.origin,
            "PYTHONUNBUFFERED": "1",
        })
        if not env.get("REDIS_URL"):
            env.pop("REDIS_URL", None)  # the in-process challenge store
        # The team's endpoints and field names, written by `follow()` once rules.yaml is read.
        env["SANDBOX_CONTRACT_FILE"] = str(self._dir / "contract.json")
        self.env = env
        argv = [sys.executable, "-m", "release_gate.sandbox", "serve", "--host", HOST,
                "--port", str(self.port)]
        if self._fault:
            argv += ["--fault", self._fault]
        keep = "keep" if self._keep else "throwaway"
        try:
            with self.log_path.open("wb") as log:
                # Through the keeper (keeper.py), in a session of its own: a Ctrl-C or SIGTERM
                # sent to our process group must not kill the sandbox before our teardown has
                # read and deleted its rows, and when we end (even by SIGKILL) the keeper kills
                # the sandbox's process group and removes its directory.
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "release_gate.smoke.keeper", str(self._dir), keep,
                     *argv], env=env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.PIPE, start_new_session=True)
        except BaseException:
            self.stop()  # the directory goes with the failed start
            raise
        return self

    def follow(self, contract: Mapping[str, Any]) -> None:
        """Have the sandbox serve the team's contract (smoke.endpoints, bodies, responses:
        `contract_of`), so a rehearsal runs the team's own smoke: section. Call before the first
        request; the sandbox reads the file when it answers (sandbox/contract.py)."""
        assert self._dir is not None, "start() first"
        path = self._dir / "contract.json"
        staged = path.with_suffix(".json.tmp")
        staged.write_text(json.dumps(contract), encoding="utf-8")
        os.replace(staged, path)  # whole or not at all: the sandbox may read it any moment

    def wait_ready(self, *, health_path: str | None = None, timeout_s: float | None = None,
                   interrupted: Callable[[], bool] = lambda: False) -> None:
        """Block until GET /healthz answers 200. Separate from start, so the caller can do its
        own slow set-up (loading rules.yaml, imports) while the sandbox boots; the health path
        and timeout may come from that set-up. Returns early, not ready, once `interrupted()`."""
        assert self._process is not None
        if health_path:
            self._health_path = health_path
        if timeout_s is not None:
            self._timeout_s = timeout_s
        deadline = time.monotonic() + self._timeout_s
        # No proxies: the sandbox is on loopback, whatever HTTP_PROXY says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while not interrupted():
            code = self._process.poll()
            if code is not None:
                raise SandboxError(f"the sandbox exited with code {code} while starting:\n"
                                   f"{self.log_tail()}")
            try:
                with opener.open(self.api_url + self._health_path, timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise SandboxError(f"the sandbox did not answer {self._health_path} within "
                                   f"{self._timeout_s:g} s:\n{self.log_tail()}")
            time.sleep(0.02)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Idempotent: close the keeper's pipe (it kills the sandbox's process group and removes
        the directory), wait for it, and remove the directory if it could not."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:  # the sandbox dies with it (parent-death signal)
                process.kill()
                process.wait()
        if self._dir is not None and not self._keep:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __exit__(self, *exc: object) -> None:
        self.stop()
