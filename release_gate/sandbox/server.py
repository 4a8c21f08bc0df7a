"""Run the sandbox in the foreground under uvicorn (`release-gate sandbox`, `... sandbox serve`)."""

from __future__ import annotations

import os

import uvicorn

from release_gate.sandbox.app import create_app
from release_gate.sandbox.settings import Settings


def serve(*, host: str, port: int, fault: str | None = None) -> None:
    """Blocks until interrupted. Raises ValueError for a bad environment or fault name."""
    settings = Settings.from_env(os.environ, port=port, fault=fault)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
