"""The `smoke:` section of rules.yaml. Pure data: config.py imports it, so no I/O imports here.

Every key is optional; the defaults match the bundled sandbox and the runbook. Endpoint paths,
request bodies, the SQL and the mint command are configuration because the real backend's shapes
are the team's to set (docs/design.md §5).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from release_gate import production as production_section
from release_gate.production import Production, ProductionSettings
from release_gate.smoke import heroku_settings

MINT_BACKENDS = ("command", "python", "heroku")
DATABASE_BACKENDS = ("sql", "heroku")

_STR = {"type": "string", "minLength": 1}
_OPT_STR = {"type": ["string", "null"], "minLength": 1}
_ARGV = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_SECONDS = {"type": "number", "exclusiveMinimum": 0}


def _object(properties: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "description": description,
            "properties": dict(properties)}


SCHEMA: Mapping[str, Any] = _object({
    "title": {**_STR, "description": "First line of the transcript header."},
    "names": _object({
        "signing_key": _STR, "registration_flag": _STR, "origin_var": _STR, "rp_id_var": _STR,
        "token_service": _STR, "verify_function": _STR,
    }, "Names the diagnoses cite: the token signing key variable, the registration feature "
       "flag, the app's origin and RP id variables, the token service, the code that stores "
       "the credential."),
    "prod_url": {**_STR, "description": "API base URL of `--target prod` "
                                        "(RAXX_SMOKE_API_URL wins)."},
    "origin": {**_OPT_STR, "description": "WebAuthn origin for clientDataJSON; default "
                                          "https://<rp.id from the options>."},
    "rp_id": {**_OPT_STR, "description": "RP id; default rp.id from the registration options."},
    "email_domain": {**_STR, "description": "Domain of the default smoke-test+<unix-ts>@ email."},
    "email_prefix": {**_STR, "description": "Local part before +<unix-ts> of the default email."},
    "protected_emails": {"type": "array", "items": _STR,
                         "description": "Accounts the smoke never uses and never deletes."},
    "env": _object({
        "allow_prod": _STR, "email": _STR, "api_url": _STR, "heroku_app": _STR,
    }, "Names of the runbook's environment variables."),
    "heroku_app": {**_STR, "description": "Heroku app for dyno backends (HEROKU_APP wins)."},
    "heroku": heroku_settings.SCHEMA,
    "endpoints": _object({
        "health": _OPT_STR, "begin": _STR, "verify": _STR, "login_begin": _STR,
        "login_verify": _STR,
    }, "Endpoint paths, relative to the API base URL."),
    "bodies": _object({
        name: {"type": "object", "description": "JSON body; the strings {token}, {email} and "
                                                "{credential} are replaced."}
        for name in ("begin", "verify", "login_begin", "login_verify")
    }, "Request body templates."),
    "responses": _object({
        "options_key": {**_OPT_STR, "description": "Key wrapping the registration options in "
                                                   "begin's answer (null: bare options)."},
        "user_id_field": {**_STR, "description": "Field of verify's answer holding the user "
                                                 "id; dots reach into objects (account.id)."},
        "ok": {"type": "object", "description": "Fields a verify 200 must carry, e.g. status: ok."},
    }, "What a successful verify answers."),
    "token": _object({
        "nonce_field": {**_OPT_STR, "description": "Field of the token's JSON payload holding "
                                                   "its nonce (null: the token is opaque)."},
    }, "How to read the nonce of a minted token (step 5 checks it was recorded)."),
    "mint": _object({
        "backend": {"enum": list(MINT_BACKENDS)},
        "command": {**_ARGV, "description": "Local command printing the token; {email} and "
                                            "{python} are replaced."},
        "function": {**_STR, "description": "`module:function(email) -> token` (python backend)."},
        "dyno_command": {**_ARGV, "description": "Command run on a one-off dyno (heroku)."},
    }, "Step 1: how the bootstrap token is minted."),
    "database": _object({
        "backend": {"enum": list(DATABASE_BACKENDS)},
        "url_env": {**_STR, "description": "Environment variable holding the database URL."},
    }, "Step 5 and teardown: where the rows are read and deleted."),
    "sql": _object({
        "user": _STR, "cred_count": _STR, "recovery_count": _OPT_STR, "nonce_used": _OPT_STR,
        "teardown": {"type": "array", "minItems": 1, "items": _object(
            {"label": _STR, "sql": _STR}, "One DELETE; :user_id and :email are bound.")},
    }, "SQL with :email, :user_id and :nonce parameters."),
    "steps": _object({
        "login": {"type": "boolean", "description": "Sign in with the same key (off by default)."},
        "replay": {"type": "boolean",
                   "description": "Replay begin-with-token; it must be refused (off by default)."},
    }, "Optional steps beyond the runbook."),
    "timeouts": _object({
        "http": {**_SECONDS, "description": "Each connect, read or write of a request."},
        "request": {**_SECONDS, "description": "One request in total, across all its reads."},
        "command": {**_SECONDS, "description": "One mint command or database operation."},
        "sandbox_start": {**_SECONDS, "description": "`--target sandbox`: until it answers."},
        "total": {**_SECONDS, "description": "The whole run before teardown (health to the "
                                             "last step); an overrun is a FAIL."},
        "teardown": {**_SECONDS, "description": "Teardown's own budget, after the steps."},
    }, "Seconds; every overrun is a diagnosed FAIL and teardown still runs."),
    "limits": _object({
        "body_bytes": {"type": "integer", "minimum": 1024,
                       "description": "Largest response body read; a larger one is a FAIL."},
        "excerpt_chars": {"type": "integer", "minimum": 100,
                          "description": "How much of a body the transcript and report show."},
    }, "Size caps on what the target sends."),
    "production": production_section.SCHEMA,
    "diagnosis": _object({
        "fast_verify_ms": {"type": "number", "minimum": 0,
                           "description": "A verify 400 answered within this many ms above the "
                                          "health-check round trip is the RCA's challenge miss."},
        "messages": _object({
            "invalid_token": _STR, "verification_failed": _STR, "session_not_found": _STR,
        }, "Text (case-insensitive) in the backend's error bodies that marks a symptom."),
    }, "Diagnosis thresholds and the backend's error texts."),
}, "The signup E2E smoke (docs/smoke.md).")


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
    prod_url: str = "https://api.raxx.app"
    origin: str | None = None
    rp_id: str | None = None
    email_domain: str = "moosequest.net"
    email_prefix: str = "smoke-test"
    protected_emails: tuple[str, ...] = ("kris@moosequest.net",)
    env: EnvNames = field(default_factory=EnvNames)
    heroku_app: str = "raxx-api-prod"
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

    @property
    def production_target(self) -> Production:
        """Production as this rules.yaml names it (what a PASS must have run against)."""
        return Production(app=self.heroku_app, api_url=self.prod_url, settings=self.production)


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
    )


# `:name` SQL parameters (a `::type` cast is not one). sqldb.py binds them; validate checks them.
SQL_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# What each statement is given. The teardown also runs from `smoke cleanup --email`, where no
# token (so no nonce) exists: a teardown using :nonce would silently match nothing.
SQL_PARAMETERS: Mapping[str, frozenset[str]] = MappingProxyType({
    "user": frozenset({"email"}),
    "cred_count": frozenset({"email", "user_id"}),
    "recovery_count": frozenset({"email", "user_id"}),
    "nonce_used": frozenset({"email", "user_id", "nonce"}),
    "teardown": frozenset({"email", "user_id"}),
})


def sql_parameter_errors(raw: Mapping[str, Any] | None
                         ) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path, message) for each SQL parameter a statement would not be given."""
    sql = (raw or {}).get("sql", {})
    statements: list[tuple[tuple[str | int, ...], str, str]] = [
        (("smoke", "sql", name), name, text) for name, text in sql.items()
        if name != "teardown" and isinstance(text, str)]
    statements += [(("smoke", "sql", "teardown", i, "sql"), "teardown", item["sql"])
                   for i, item in enumerate(sql.get("teardown", ()))]
    for path, name, text in statements:
        allowed = SQL_PARAMETERS[name]
        for used in SQL_PARAMETER.findall(text):
            if used not in allowed:
                shown = ", ".join(f":{p}" for p in sorted(allowed))
                why = (" (it also runs from `smoke cleanup`, where there is no token)"
                       if name == "teardown" and used == "nonce" else "")
                yield path, (f":{used} is not given to this statement{why}; it receives "
                             f"{shown}")
                break


def table_of(sql: str | None, default: str) -> str:
    """The table a count/select statement reads (for the transcript and diagnoses)."""
    found = re.search(r"\bFROM\s+([\w.\"]+)", sql or "", re.IGNORECASE)
    return found.group(1).strip('"') if found else default
