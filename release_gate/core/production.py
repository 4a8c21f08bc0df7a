"""What "production" is: the target a smoke PASS must have run against to count. Pure.

A PASS vouches for the PR only when the smoke ran against production (docs/github.md, "What a
PASS proves"), and production is what the BASE branch's `rules.yaml` names: `smoke.prod_url` and
`smoke.heroku_app`, with `smoke.production` saying how to read which commit it runs. Environment
overrides (RAXX_SMOKE_API_URL, HEROKU_APP) still choose where a smoke runs, but a run they point
elsewhere is a rehearsal, never a PASS the gate counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from release_gate.core.schema_parts import OPT_STR, STR, closed_object
from release_gate.core.target import Target, TargetKind

HEROKU = "heroku"  # the current release's slug commit (Platform API)
VERSION_URL = "version-url"  # a JSON endpoint of the target names its commit
COMMIT_SOURCES = (HEROKU, VERSION_URL)
EQUAL = "equal"  # production runs exactly the PR head (the default)
CONTAINS = "contains"  # production runs a commit that has the PR head as ancestor (or same tree)
HEAD_MODES = (EQUAL, CONTAINS)

# Runbook, "When to run": "Any Heroku config change that could affect BOOTSTRAP_TOKEN_SIGNING_KEY,
# WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN, or REDIS_URL".
RUNBOOK_SENSITIVE_CONFIG = ("BOOTSTRAP_TOKEN_SIGNING_KEY", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN",
                            "REDIS_URL")
# The process model (RCA, contributing factor 1: gunicorn workers and `--preload`): Heroku's
# buildpacks and gunicorn read these from the environment, so a config change re-shapes the
# processes that share (or split) module-level state without any PR.
PROCESS_MODEL_CONFIG = ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")
WATCHED_CONFIG = (*RUNBOOK_SENSITIVE_CONFIG, *PROCESS_MODEL_CONFIG)

# Production when rules.yaml does not name it (`smoke.heroku_app`, `smoke.prod_url`).
DEFAULT_APP = "raxx-api-prod"
DEFAULT_API_URL = "https://api.raxx.app"

SCHEMA: Mapping[str, Any] = {
    **closed_object({
        "commit_from": {"enum": list(COMMIT_SOURCES),
                        "description": "heroku: the current release's slug commit; version-url: "
                                       "a JSON field of version_url."},
        "version_url": {"type": "string", "pattern": "^(https?://|/)",
                        "description": "The version endpoint: an http(s) URL, or a path on "
                                       "prod_url (e.g. /version)."},
        "version_field": {**STR,
                          "description": "Field holding the deployed commit (dots: nested)."},
        "release_field": {**OPT_STR,
                          "description": "Field holding the release number, if any."},
        "head": {"enum": list(HEAD_MODES),
                 "description": "equal: production must run the PR head itself (default); "
                                "contains: the head may be an ancestor of what runs (teams that "
                                "deploy merge commits)."},
        "sensitive_config": {"type": "array",
                             "items": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                             "description": "Config vars whose change needs a smoke, besides the "
                                            "runbook's four (watch-config)."},
    }, "Production: how to read the commit it runs, and what must match the PR head "
       "(docs/github.md, What a PASS proves)."),
    "if": {"properties": {"commit_from": {"const": VERSION_URL}}, "required": ["commit_from"]},
    "then": {"required": ["version_url"]},
}


@dataclass(frozen=True)
class ProductionSettings:
    commit_from: str = HEROKU
    version_url: str | None = None
    version_field: str = "commit"
    release_field: str | None = "release"
    head: str = EQUAL
    sensitive_config: tuple[str, ...] = ()


def parse(raw: Mapping[str, Any] | None) -> ProductionSettings:
    """From a schema-checked `smoke.production` mapping; absent keys keep their defaults."""
    raw = raw or {}
    d = ProductionSettings()
    return ProductionSettings(
        commit_from=raw.get("commit_from", d.commit_from),
        version_url=raw.get("version_url", d.version_url),
        version_field=raw.get("version_field", d.version_field),
        release_field=raw.get("release_field", d.release_field),
        head=raw.get("head", d.head),
        sensitive_config=tuple(raw.get("sensitive_config", d.sensitive_config)),
    )


def same_url(a: str, b: str) -> bool:
    """Two API base URLs name the same target (scheme and host case, trailing slash ignored)."""
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    return ((pa.scheme.lower(), (pa.netloc or "").lower(), pa.path.rstrip("/"))
            == (pb.scheme.lower(), (pb.netloc or "").lower(), pb.path.rstrip("/")))


@dataclass(frozen=True)
class Production:
    """Production as the base branch's rules.yaml names it."""

    app: str  # smoke.heroku_app
    api_url: str  # smoke.prod_url
    settings: ProductionSettings = ProductionSettings()

    @property
    def name(self) -> str:
        """How a PASS names it: the Heroku app, or the API host for a version-url target."""
        if self.settings.commit_from == HEROKU:
            return self.app
        return urlsplit(self.api_url).netloc.lower() or self.api_url

    @property
    def sensitive_config(self) -> tuple[str, ...]:
        extra = [n for n in self.settings.sensitive_config if n not in WATCHED_CONFIG]
        return (*WATCHED_CONFIG, *extra)

    def version_endpoint(self) -> str | None:
        url = self.settings.version_url
        if url is None:
            return None
        return self.api_url.rstrip("/") + url if url.startswith("/") else url

    def not_production(self, target: Target) -> str | None:
        """Why a smoke target is not production (None when it is)."""
        api_url, app = target.api_url, target.app
        if target.kind is TargetKind.SANDBOX:
            return "it ran against the local sandbox"
        if target.kind is not TargetKind.PROD:
            return f"it ran against an ad-hoc URL ({api_url}), not --target prod"
        if api_url is None or not same_url(api_url, self.api_url):
            return (f"it ran against {api_url}, not production's {self.api_url} "
                    "(smoke.prod_url of rules.yaml; RAXX_SMOKE_API_URL points elsewhere)")
        if self.settings.commit_from == HEROKU and app != self.app:
            return (f"it ran against the Heroku app {app}, not production's {self.app} "
                    "(smoke.heroku_app of rules.yaml; HEROKU_APP points elsewhere)")
        return None


def from_smoke_section(smoke: Mapping[str, Any] | None) -> Production:
    """Production as a schema-checked `smoke:` section names it: the one reading of it, for the
    gate (config.Config.production) and the smoke alike."""
    smoke = smoke or {}
    return Production(app=smoke.get("heroku_app", DEFAULT_APP),
                      api_url=smoke.get("prod_url", DEFAULT_API_URL).rstrip("/"),
                      settings=parse(smoke.get("production")))
