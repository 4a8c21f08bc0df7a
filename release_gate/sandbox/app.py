"""The ASGI app factory.

    uvicorn --factory release_gate.sandbox.app:create_app
    gunicorn -k uvicorn.workers.UvicornWorker --preload -w 2 'release_gate.sandbox.app:create_app()'

Configuration comes from the environment (settings.py) when no Settings are passed. Schema creation
and store set-up happen here, once: in the gunicorn master under --preload, before the fork.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from release_gate.sandbox import login, registration, signup_page
from release_gate.sandbox.contract import ContractMiddleware
from release_gate.sandbox.logs import configure_logging
from release_gate.sandbox.settings import Settings
from release_gate.sandbox.state import build_state

logger = logging.getLogger("release_gate.sandbox.app")
PID_HEADER = "X-Sandbox-Pid"


def create_app(settings: Settings | None = None) -> FastAPI:
    configure_logging()
    settings = settings if settings is not None else Settings.from_env(os.environ)
    state = build_state(settings)
    state.storage.create_schema()
    app = FastAPI(title="release-gate sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sandbox = state
    app.include_router(registration.router)
    app.include_router(login.router)
    app.include_router(signup_page.router)
    if settings.contract_file:  # the team's endpoints and field names (contract.py)
        app.add_middleware(ContractMiddleware, path=settings.contract_file)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version")
    def version() -> dict[str, str | None]:
        # Which commit and release this process runs (HEROKU_SLUG_COMMIT, HEROKU_RELEASE_VERSION).
        return {"commit": settings.slug_commit, "release": settings.release_version}

    @app.middleware("http")
    async def add_pid(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Which process answered: the question the RCA's analysis turned on (pid 17, workers).
        response = await call_next(request)
        response.headers[PID_HEADER] = str(os.getpid())
        return response

    logger.info("sandbox.started db=%s challenge_store=%s rp_id=%s origin=%s fault=%s",
                state.storage.describe(), state.challenges.name, settings.rp_id, settings.origin,
                settings.fault or "none")
    return app
