"""Make the sandbox's INFO lines visible under uvicorn and gunicorn (RCA action item 5).

In the incident, `logger.info("auth.register_begin_with_token issued ...")` never reached Heroku
because the root logger stayed at WARNING. The sandbox attaches its own stderr handler to its
logger tree instead of relying on whatever the server configured for the root logger.
"""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "release_gate.sandbox"
FORMAT = "%(asctime)s %(levelname)s [pid %(process)d] %(name)s: %(message)s"


class _SandboxHandler(logging.StreamHandler):
    """Marker subclass so configuring twice (factory called again) adds no second handler."""


def configure_logging(level: int = logging.INFO) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    # A server's dictConfig with disable_existing_loggers=True would silence loggers that were
    # created at import time, before it ran: switch ours back on.
    for name, existing in logging.root.manager.loggerDict.items():
        if name.startswith(LOGGER_NAME) and isinstance(existing, logging.Logger):
            existing.disabled = False
    if not any(isinstance(handler, _SandboxHandler) for handler in logger.handlers):
        handler = _SandboxHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    logger.propagate = False  # one line per event, even when the root logger also prints
