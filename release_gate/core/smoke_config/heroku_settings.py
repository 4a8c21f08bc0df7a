"""The `smoke.heroku:` section of rules.yaml: how the smoke uses a Heroku app (docs/heroku.md).

Pure data, like settings.py (which composes it): the schema, the defaults and the parser.
The defaults follow the runbook's `heroku run` snippets (the slug at `/app`, the app's engine
`backend_v2.db.engine.get_engine`) and the RCA's log lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from release_gate.core.schema_parts import OPT_STR as _OPT_STR
from release_gate.core.schema_parts import SECONDS as _SECONDS
from release_gate.core.schema_parts import STR as _STR
from release_gate.core.schema_parts import closed_object as _object

MODES = ("dyno", "direct")

_PATTERN = {**_STR, "maxLength": 200}


SCHEMA: Mapping[str, Any] = _object({
    "mode": {"enum": list(MODES),
             "description": "dyno: step 5 and the teardown run on a one-off dyno (the runbook's "
                            "way); direct: the runner reads DATABASE_URL from the app's config "
                            "vars and talks SQL itself (no dyno)."},
    "boot_timeout": {**_SECONDS,
                     "description": "Seconds a one-off dyno may take to come up (once retried)."},
    "dyno_size": {**_OPT_STR,
                  "description": "Size of the one-off dynos; null: the app's default."},
    "app_dir": {**_STR, "description": "Where the slug lives on a dyno (the runbook: /app)."},
    "engine": {**_STR, "description": "`module:function` returning the app's SQLAlchemy engine "
                                      "on the dyno (the runbook: backend_v2.db.engine:"
                                      "get_engine)."},
    "database_url_var": {**_STR, "description": "Config var holding the database URL (direct "
                                                "mode)."},
    "sslmode": {"enum": ["require", "verify-ca", "verify-full", "prefer", "disable"],
                "description": "sslmode added to the database URL in direct mode unless it "
                               "names one (Heroku Postgres needs TLS: require)."},
    "logs": _object({
        "enabled": {"type": "boolean", "description": "Follow the app's log from before step 2 "
                                                      "to after step 4 and require the lines "
                                                      "below (RCA validation step)."},
        "user": {**_PATTERN, "description": "Marks a line as this smoke's user; {user_id} is "
                                            "replaced."},
        "required": {"type": "array", "minItems": 1, "items": _PATTERN,
                     "description": "Each must appear in a line of this user."},
        "store_split": {"type": "array", "items": _PATTERN,
                        "description": "A line of this user with one of these fails (the "
                                       "in-process store)."},
        "miss": {"type": "array", "items": _PATTERN,
                 "description": "A line of this user with one of these fails (challenge miss)."},
        "info": {**_PATTERN, "description": "Marks an INFO-level line of the app."},
        "source": {**_PATTERN, "description": "Marks a line the app wrote (not the router)."},
        "require_info": {"type": "boolean",
                         "description": "No INFO line at all fails instead of warning (the "
                                        "RCA's swallowed logs)."},
        "wait": {"type": "number", "minimum": 0,
                 "description": "Seconds to wait after step 4 for the lines (log delivery lags)."},
    }, "Log evidence of the challenge store (RCA 2026-05-25, validation)."),
    "wait": _object({
        "dynos": {"type": "number", "minimum": 0,
                  "description": "Seconds to wait, before step 1 and after the last step, for "
                                 "every web dyno to be up on the current release (as heroku "
                                 "ps:wait does; preboot and restarts overlap releases)."},
        "release": {"type": "number", "minimum": 0,
                    "description": "Seconds to wait for a newer pending release (release phase "
                                   "running) to succeed or fail before refusing."},
        "interval": {"type": "number", "exclusiveMinimum": 0,
                     "description": "Seconds between polls (heroku ps:wait: 10; each poll is a "
                                    "Platform API request)."},
    }, "What the smoke waits for on Heroku before and after its steps (docs/heroku.md)."),
}, "How the smoke uses the Heroku app (docs/heroku.md).")


@dataclass(frozen=True)
class LogEvidenceSettings:
    enabled: bool = True
    user: str = "user_id={user_id}"
    required: tuple[str, ...] = ("webauthn.challenge_stored store=redis",
                                 "webauthn.challenge_popped store=redis")
    store_split: tuple[str, ...] = ("webauthn.challenge_stored store=memory",
                                    "webauthn.challenge_popped store=memory")
    miss: tuple[str, ...] = ("webauthn.challenge_miss",)
    info: str = "INFO"
    source: str = " app["
    require_info: bool = False
    wait: float = 5.0


@dataclass(frozen=True)
class WaitSettings:
    """Bounded waits on Heroku's own state (docs/github.md, "What a PASS proves")."""

    dynos: float = 120.0
    release: float = 120.0
    interval: float = 10.0  # heroku ps:wait's --wait-interval default (and minimum)


@dataclass(frozen=True)
class HerokuSettings:
    mode: str = "dyno"
    boot_timeout: float = 60.0
    dyno_size: str | None = None
    app_dir: str = "/app"
    engine: str = "backend_v2.db.engine:get_engine"
    database_url_var: str = "DATABASE_URL"
    sslmode: str = "require"
    logs: LogEvidenceSettings = field(default_factory=LogEvidenceSettings)
    wait: WaitSettings = field(default_factory=WaitSettings)


def parse(raw: Mapping[str, Any] | None) -> HerokuSettings:
    """Settings from a schema-checked `smoke.heroku` mapping; absent keys keep their defaults."""
    raw = dict(raw or {})
    logs = dict(raw.pop("logs", {}))
    wait = dict(raw.pop("wait", {}))
    for key in ("required", "store_split", "miss"):
        if key in logs:
            logs[key] = tuple(logs[key])
    return HerokuSettings(**raw, logs=LogEvidenceSettings(**logs), wait=WaitSettings(**wait))
