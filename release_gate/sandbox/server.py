"""Run the sandbox in the foreground under uvicorn (`release-gate sandbox`, `... sandbox serve`)."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from types import FrameType

import uvicorn

from release_gate.sandbox.app import create_app
from release_gate.sandbox.settings import Settings


class CannotListen(Exception):
    """The address is taken or not ours to bind: said in one line, before uvicorn starts."""


class DidNotStart(Exception):
    """uvicorn stopped before serving (its own log says why)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind before uvicorn does: a busy port is then our one-line error (exit 2), not uvicorn's
    log and its start-up-failure exit 3, which reads as the gate's "needs-smoke" code."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        busy = " (another server is using it: pick another --port)" \
            if error.errno == errno.EADDRINUSE else ""
        raise CannotListen(f"cannot listen on {host}:{port}: "
                           f"{error.strerror or error}{busy}") from None
    return sock


def serve(*, host: str, port: int, fault: str | None = None) -> None:
    """Blocks until interrupted. Raises ValueError for a bad environment or fault name,
    CannotListen for an address it cannot bind, DidNotStart when uvicorn gave up.

    Without DATABASE_URL the sandbox keeps its SQLite file in a temporary directory of its own,
    removed when it stops: on Ctrl-C and on SIGTERM too.
    """
    settings = Settings.from_env(os.environ, port=port, fault=fault)
    directory: Path | None = None
    if settings.database_url is None:
        directory = Path(tempfile.mkdtemp(prefix="release-gate-sandbox-"))
        settings = dataclasses.replace(
            settings, database_url=f"sqlite:///{directory / 'sandbox.sqlite3'}")
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again; with the default
    # handler that would end the process before the `finally` below could remove the directory.
    sock = listening_socket(host, port)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port,
                                               log_level="info"))
        server.run(sockets=[sock])
        if not server.started:
            raise DidNotStart(f"the sandbox did not start on {host}:{port} (see the log above)")
    finally:
        sock.close()
        signal.signal(signal.SIGTERM, previous)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
