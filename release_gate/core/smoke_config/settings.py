"""The `smoke:` section of rules.yaml, parsed into settings. Pure data: no I/O imports here.

Every key is optional; the defaults match the bundled sandbox and the runbook. Endpoint paths,
request bodies, the SQL and the mint command are configuration because the real backend's shapes
are the team's to set (docs/design.md §5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from release_gate.core import deploy as deploy_section
from release_gate.core import production as production_section
from release_gate.core.production import ProductionSettings
from release_gate.core.smoke_config import heroku_settings

# The schema and the SQL parameter check live in schema.py (config.py needs only them);
# re-exported for the smoke's modules that read them from here.
from release_gate.core.smoke_config.schema import (  # noqa: F401
    AUTHENTICATOR_PROFILES,
    DATABASE_BACKENDS,
    MINT_BACKENDS,
    SCHEMA,
    SQL_PARAMETER,
    SQL_PARAMETERS,
    sql_parameter_errors,
)


@dataclass(frozen=True)
class EnvNames:
    allow_prod: str = "RAXX_SMOKE_ALLOW_PROD"
    email: str = "RAXX_SMOKE_EMAIL"
    api_url: str = "RAXX_SMOKE_API_URL"
    heroku_app: str = "HEROKU_APP"


@dataclass(frozen=True)
class Names:
    """Names the diagnoses cite (runbook "Interpreting failures"), the runbook team's by default."""

    signing_key: str = "BOOTSTRAP_TOKEN_SIGNING_KEY"
    registration_flag: str = "FLAG_WEBAUTHN_REGISTRATION"
    origin_var: str = "WEBAUTHN_ORIGIN"
    rp_id_var: str = "WEBAUTHN_RP_ID"
    token_service: str = "bootstrap_token_service"
    verify_function: str = "webauthn_service.verify_registration"


@dataclass(frozen=True)
class Messages:
    """Error-body texts of the runbook's table; matched case-insensitively."""

    invalid_token: str = "Invalid or expired signup link"
    verification_failed: str = "passkey verification failed"
    session_not_found: str = "signup session not found"


@dataclass(frozen=True)
class Endpoints:
    health: str | None = "/healthz"
    begin: str = "/api/auth/register/begin-with-token"
    verify: str = "/api/auth/register/verify-with-token"
    login_begin: str = "/api/auth/login/begin"
    login_verify: str = "/api/auth/login/verify"


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class Bodies:
    begin: Mapping[str, Any] = field(default_factory=lambda: {"token": "{token}"})
    verify: Mapping[str, Any] = field(
        default_factory=lambda: {"token": "{token}", "credential": "{credential}"})
    login_begin: Mapping[str, Any] = field(default_factory=lambda: {"email": "{email}"})
    login_verify: Mapping[str, Any] = field(
        default_factory=lambda: {"email": "{email}", "credential": "{credential}"})


@dataclass(frozen=True)
class Responses:
    options_key: str | None = "publicKey"  # navigator.credentials.create({publicKey: ...})
    user_id_field: str = "user_id"
    ok: Mapping[str, Any] = field(default_factory=lambda: {"status": "ok"})


@dataclass(frozen=True)
class MintSettings:
    backend: str = "heroku"  # the runbook mints with `heroku run` on prod
    command: tuple[str, ...] = ("{python}", "-m", "release_gate.sandbox", "mint", "{email}")
    function: str | None = None
    # The runbook's dyno preamble (slug at /app), then one marked JSON line with the token.
    dyno_command: tuple[str, ...] = (
        "python", "-c",
        "import sys; sys.path.insert(0, '/app'); import os; os.chdir('/app'); import json; "
        "from backend_v2.api.services.bootstrap_token_service import mint; "
        "print('RELEASE_GATE_RESULT ' + json.dumps({'token': mint(sys.argv[1])}))",
        "{email}")


@dataclass(frozen=True)
class DatabaseSettings:
    backend: str = "heroku"  # the runbook reads the prod DB with `heroku run`
    url_env: str = "DATABASE_URL"


@dataclass(frozen=True)
class TeardownStatement:
    label: str
    sql: str


@dataclass(frozen=True)
class SqlSettings:
    user: str = "SELECT id, email FROM users WHERE email = :email"
    cred_count: str = "SELECT count(*) FROM webauthn_credentials WHERE user_id = :user_id"
    recovery_count: str | None = "SELECT count(*) FROM recovery_codes WHERE user_id = :user_id"
    nonce_used: str | None = "SELECT count(*) FROM bootstrap_tokens_used WHERE nonce = :nonce"
    teardown: tuple[TeardownStatement, ...] = (
        TeardownStatement("credential",
                          "DELETE FROM webauthn_credentials WHERE user_id = :user_id"),
        TeardownStatement("recovery code",
                          "DELETE FROM recovery_codes WHERE user_id = :user_id"),
        TeardownStatement("user", "DELETE FROM users WHERE id = :user_id AND email = :email"),
    )


@dataclass(frozen=True)
class OptionalSteps:
    login: bool = False
    replay: bool = False


@dataclass(frozen=True)
class Timeouts:
    http: float = 15.0
    request: float = 60.0
    command: float = 120.0
    sandbox_start: float = 30.0
    total: float = 600.0  # room for two one-off dynos (mint, check) booting under load
    teardown: float = 180.0


@dataclass(frozen=True)
class Limits:
    body_bytes: int = 1024 * 1024
    excerpt_chars: int = 4000


@dataclass(frozen=True)
class SmokeSettings:
    title: str = "RAXX SIGNUP E2E SMOKE"
    names: Names = field(default_factory=Names)
    messages: Messages = field(default_factory=Messages)
    prod_url: str = production_section.DEFAULT_API_URL
    origin: str | None = None
    rp_id: str | None = None
    authenticator: str = AUTHENTICATOR_PROFILES[0]  # smoke/profiles.py
    email_domain: str = "moosequest.net"
    email_prefix: str = "smoke-test"
    protected_emails: tuple[str, ...] = ("kris@moosequest.net",)
    env: EnvNames = field(default_factory=EnvNames)
    heroku_app: str = production_section.DEFAULT_APP
    heroku: heroku_settings.HerokuSettings = field(default_factory=heroku_settings.HerokuSettings)
    endpoints: Endpoints = field(default_factory=Endpoints)
    bodies: Bodies = field(default_factory=Bodies)
    responses: Responses = field(default_factory=Responses)
    token_nonce_field: str | None = "nonce"
    mint: MintSettings = field(default_factory=MintSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    sql: SqlSettings = field(default_factory=SqlSettings)
    steps: OptionalSteps = field(default_factory=OptionalSteps)
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: Limits = field(default_factory=Limits)
    fast_verify_ms: float = 5.0
    production: ProductionSettings = field(default_factory=ProductionSettings)
    deploy: deploy_section.DeploySettings = field(
        default_factory=deploy_section.DeploySettings)


def parse(raw: Mapping[str, Any] | None) -> SmokeSettings:
    """Build settings from a schema-checked `smoke:` mapping; absent keys keep their defaults."""
    raw = raw or {}
    d = SmokeSettings()
    sql_raw = raw.get("sql", {})
    teardown = d.sql.teardown
    if "teardown" in sql_raw:
        teardown = tuple(TeardownStatement(t["label"], t["sql"]) for t in sql_raw["teardown"])
    mint_raw = dict(raw.get("mint", {}))
    for key in ("command", "dyno_command"):
        if key in mint_raw:
            mint_raw[key] = tuple(mint_raw[key])
    bodies_raw = {k: _frozen(v) for k, v in raw.get("bodies", {}).items()}
    responses_raw = dict(raw.get("responses", {}))
    if "ok" in responses_raw:
        responses_raw["ok"] = _frozen(responses_raw["ok"])
    diagnosis_raw = raw.get("diagnosis", {})
    return SmokeSettings(
        title=raw.get("title", d.title),
        names=Names(**raw.get("names", {})),
        messages=Messages(**diagnosis_raw.get("messages", {})),
        prod_url=raw.get("prod_url", d.prod_url).rstrip("/"),
        origin=raw.get("origin", d.origin),
        rp_id=raw.get("rp_id", d.rp_id),
        authenticator=raw.get("authenticator", d.authenticator),
        email_domain=raw.get("email_domain", d.email_domain),
        email_prefix=raw.get("email_prefix", d.email_prefix),
        protected_emails=tuple(e.strip().lower()
                               for e in raw.get("protected_emails", d.protected_emails)),
        env=EnvNames(**raw.get("env", {})),
        heroku_app=raw.get("heroku_app", d.heroku_app),
        heroku=heroku_settings.parse(raw.get("heroku")),
        endpoints=Endpoints(**raw.get("endpoints", {})),
        bodies=Bodies(**bodies_raw),
        responses=Responses(**responses_raw),
        token_nonce_field=raw.get("token", {}).get("nonce_field", d.token_nonce_field),
        mint=MintSettings(**mint_raw),
        database=DatabaseSettings(**raw.get("database", {})),
        sql=SqlSettings(**{**{k: v for k, v in sql_raw.items() if k != "teardown"},
                           "teardown": teardown}),
        steps=OptionalSteps(**raw.get("steps", {})),
        timeouts=Timeouts(**raw.get("timeouts", {})),
        limits=Limits(**raw.get("limits", {})),
        fast_verify_ms=diagnosis_raw.get("fast_verify_ms", d.fast_verify_ms),
        production=production_section.parse(raw.get("production")),
        deploy=deploy_section.parse(raw.get("deploy")),
    )


def table_of(sql: str | None, default: str) -> str:
    """The table a count/select statement reads (for the transcript and diagnoses)."""
    found = re.search(r"\bFROM\s+([\w.\"]+)", sql or "", re.IGNORECASE)
    return found.group(1).strip('"') if found else default
