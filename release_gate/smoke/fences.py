"""Safety fences, checked before the first request (runbook "Prod-write safety"; docs/design.md §5).

- No request reaches a non-sandbox target unless RAXX_SMOKE_ALLOW_PROD=1 ("Prevents accidental
  prod writes from CI").
- Protected emails (the operator's account) are never used and never deleted, whatever
  RAXX_SMOKE_EMAIL says ("if email == 'kris@moosequest.net': skip cleanup").
- The default email is timestamped, `smoke-test+<unix-ts>@moosequest.net`, "to guarantee a fresh
  nonce on every run".
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.core.target import Target, TargetKind
from release_gate.errors import SmokeRefused
from release_gate.smoke.masking import redact_url

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def resolve_target(arg: str | None, settings: SmokeSettings, env: Mapping[str, str]) -> Target:
    """`sandbox`, `prod` (RAXX_SMOKE_API_URL, else smoke.prod_url) or an http(s) URL."""
    name = (arg or TargetKind.PROD).strip()
    app = heroku_app(settings, env)
    if name == TargetKind.SANDBOX:
        return Target(TargetKind.SANDBOX, None, app)
    if name == TargetKind.PROD:
        url = env.get(settings.env.api_url) or settings.prod_url
        return Target(TargetKind.PROD, _check_url(url, f"{settings.env.api_url} / smoke.prod_url"),
                      app)
    return Target(TargetKind.URL, _check_url(name, "--target"), app)


def _check_url(url: str, where: str) -> str:
    url = url.strip()
    try:  # a bad IPv6 literal or port raises while parsing: a usage error, not an internal one
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and (parts.port is None or parts.port > 0)
    except ValueError:
        valid = False
    if not valid:
        raise SmokeRefused(f"{where}: {redact_url(url)!r} is not an http(s) URL; use --target "
                           "sandbox, prod or https://host")
    return url.rstrip("/")


def check_allowed(target: Target, settings: SmokeSettings, env: Mapping[str, str]) -> None:
    # Runbook, Environment variables: RAXX_SMOKE_ALLOW_PROD "Must be 1. Prevents accidental
    # prod writes from CI." Any target we did not start ourselves counts as prod.
    if target.is_sandbox:
        return
    name = settings.env.allow_prod
    if env.get(name) != "1":
        shown = redact_url(target.api_url or "")
        raise SmokeRefused(
            f"refusing to send anything to {shown}: the smoke writes rows on its target, "
            f"so {name}=1 is required for any target but the sandbox "
            f"({name} is {'unset' if name not in env else repr(env[name])}); "
            "for a local run use `release-gate smoke --target sandbox`")


def is_protected(email: str, settings: SmokeSettings) -> bool:
    return email.strip().casefold() in {p.casefold() for p in settings.protected_emails}


def check_email(email: str, settings: SmokeSettings, *, action: str = "use") -> str:
    email = email.strip()
    if not _EMAIL.match(email):
        raise SmokeRefused(f"{email!r} is not an email address")
    if is_protected(email, settings):
        # Runbook: "Never set to kris@moosequest.net" / "skip cleanup" for the operator's account.
        raise SmokeRefused(f"refusing to {action} {email!r}: it is a protected email "
                           "(smoke.protected_emails); the smoke never uses or deletes it")
    return email


def choose_email(arg: str | None, settings: SmokeSettings, env: Mapping[str, str],
                 *, now: float | None = None) -> str:
    """--email, else RAXX_SMOKE_EMAIL, else smoke-test+<unix-ts>@<domain>; never a protected one."""
    email = arg or env.get(settings.env.email)
    if not email:
        ts = int(time.time() if now is None else now)
        email = f"{settings.email_prefix}+{ts}@{settings.email_domain}"
    return check_email(email, settings)


def heroku_app(settings: SmokeSettings, env: Mapping[str, str]) -> str:
    return env.get(settings.env.heroku_app) or settings.heroku_app
