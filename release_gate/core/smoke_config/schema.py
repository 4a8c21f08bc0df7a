"""The schema of rules.yaml's `smoke:` section and its SQL parameter check. Pure data.

Split from settings.py (which parses the section into dataclasses) because config.py needs only
this part to validate rules.yaml, and `check` loads config.py on every PR: creating the settings
dataclasses was about 6% of the instructions of a `check` on a two-commit repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from release_gate.core import deploy as deploy_section
from release_gate.core import production as production_section
from release_gate.core.schema_parts import ARGV as _ARGV
from release_gate.core.schema_parts import OPT_STR as _OPT_STR
from release_gate.core.schema_parts import SECONDS as _SECONDS
from release_gate.core.schema_parts import STR as _STR
from release_gate.core.schema_parts import closed_object as _object
from release_gate.core.smoke_config import heroku_settings

MINT_BACKENDS = ("command", "python", "heroku")
DATABASE_BACKENDS = ("sql", "heroku")
# The synthetic authenticator's device profiles (smoke/profiles.py); the first is the default,
# the runbook's device: the team signs up on an iPhone, with an iCloud Keychain passkey.
AUTHENTICATOR_PROFILES = ("icloud-keychain", "security-key", "generic")

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
    "authenticator": {"enum": list(AUTHENTICATOR_PROFILES),
                      "description": "The device the synthetic authenticator copies: "
                                     "icloud-keychain (default: ES256, backed-up passkey), "
                                     "security-key (EdDSA when offered, not backed up) or "
                                     "generic (ES256, flags UP|UV|AT)."},
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
    "deploy": deploy_section.SCHEMA,
    "diagnosis": _object({
        "fast_verify_ms": {"type": "number", "minimum": 0,
                           "description": "A verify 400 answered within this many ms above the "
                                          "health-check round trip is reported as fast "
                                          "(evidence; only the target's log decides)."},
        "messages": _object({
            "invalid_token": _STR, "verification_failed": _STR, "session_not_found": _STR,
        }, "Text (case-insensitive) in the backend's error bodies that marks a symptom."),
    }, "Diagnosis thresholds and the backend's error texts."),
}, "The signup E2E smoke (docs/smoke.md).")


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
