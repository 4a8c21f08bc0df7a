"""Secrets never reach the output in clear (docs/design.md §5 fences; runbook transcript
`token=eyJ2IjoxLCJlbWFp...abc12345`).

Every line the smoke prints, and the JSON report, passes through `Masker.redact`, which replaces
each registered secret by its masked form. Under GitHub Actions each secret is also registered
with `::add-mask::` so the runner hides it from the log even where we did not expect it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, unquote_plus, urlsplit

HEAD = 16
TAIL = 8
_MIN_SECRET = 6  # shorter values would mask innocent text everywhere


def mask(secret: str) -> str:
    """`eyJ2IjoxLCJlbWFp...abc12345`: enough to match a run to a log, never enough to reuse."""
    if len(secret) <= HEAD + TAIL + 8:
        return "*" * 8
    return f"{secret[:HEAD]}...{secret[-TAIL:]}"


# Query parameters that carry credentials in database and API URLs (libpq's `password` and
# `sslpassword`, `?token=`, `?api_key=`, `?client_secret=` ...), matched case-insensitively.
_SECRET_PARAM = re.compile(r"pass|secret|token|key|credential|auth|sig", re.IGNORECASE)
HIDDEN = "***"


def url_secrets(url: str) -> list[str]:
    """The secret values inside a URL: its userinfo password and every secret-named parameter."""
    try:
        parts = urlsplit(url)
        found = [parts.password] if parts.password else []
    except ValueError:
        return []
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if _SECRET_PARAM.search(name):
            found.append(value)
    return found


def redact_url(url: str) -> str:
    """The one way a URL is shown (target, database, report): no password, no secret parameter.

    `postgresql://smoke:***@db/app?sslmode=require&password=***`.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
        username = parts.username
    except ValueError:  # still show where it points, never what it carries
        return re.sub(r"//[^/?#]*@", f"//{HIDDEN}@", url).split("?", 1)[0]
    netloc = parts.netloc
    if password is not None:
        host = netloc.rsplit("@", 1)[-1]
        netloc = f"{username}:{HIDDEN}@{host}" if username else f"{HIDDEN}@{host}"
    query = "&".join(
        f"{name}={HIDDEN}" if _SECRET_PARAM.search(unquote_plus(name)) else f"{name}={value}"
        if sep else name
        for name, sep, value in (pair.partition("=") for pair in parts.query.split("&") if pair))
    # Spliced in place, not rebuilt: urlunsplit would turn sqlite:////abs into sqlite://abs.
    head, sep, rest = url.partition("?")
    if netloc != parts.netloc:
        head = head.replace(parts.netloc, netloc, 1)
    if sep:
        rest = query + rest[len(parts.query):]
    return head + sep + rest


class Masker:
    def __init__(self, *, github_actions: bool = False,
                 emit: Callable[[str], None] | None = None) -> None:
        self._secrets: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._github_actions = github_actions
        self._emit = emit

    @classmethod
    def from_env(cls, env: Mapping[str, str], emit: Callable[[str], None]) -> Masker:
        return cls(github_actions=env.get("GITHUB_ACTIONS") == "true", emit=emit)

    def add(self, secret: str | None, *, partial: bool = True) -> None:
        """Register a secret. `partial=False` for keys and passwords: nothing of them is shown."""
        if not secret or len(secret) < _MIN_SECRET or secret in self._secrets:
            return
        self._secrets[secret] = mask(secret) if partial else "*" * 8
        self._pattern = re.compile("|".join(
            re.escape(s) for s in sorted(self._secrets, key=len, reverse=True)))
        if self._github_actions and self._emit is not None:
            # https://docs.github.com/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log
            self._emit(f"::add-mask::{secret}")

    def add_url(self, url: str | None) -> None:
        """Register the secrets a URL carries (userinfo password, `?password=`...), in full."""
        for secret in url_secrets(url or ""):
            self.add(secret, partial=False)

    def redact(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._secrets[m.group(0)], text)
