"""Run the sandbox in the foreground under uvicorn (`release-gate sandbox`, `... sandbox serve`)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import tempfile
from pathlib import Path
from types import FrameType

import uvicorn

from release_gate.sandbox.app import create_app
from release_gate.sandbox.settings import Settings


def serve(*, host: str, port: int, fault: str | None = None) -> None:
    """Blocks until interrupted. Raises ValueError for a bad environment or fault name.

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
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
