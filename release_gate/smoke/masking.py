"""Secrets never reach the output in clear (DESIGN.md §5 fences; runbook transcript
`token=eyJ2IjoxLCJlbWFp...abc12345`).

Every line the smoke prints, and the JSON report, passes through `Masker.redact`, which replaces
each registered secret by its masked form. Under GitHub Actions each secret is also registered
with `::add-mask::` so the runner hides it from the log even where we did not expect it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

HEAD = 16
TAIL = 8
_MIN_SECRET = 6  # shorter values would mask innocent text everywhere


def mask(secret: str) -> str:
    """`eyJ2IjoxLCJlbWFp...abc12345`: enough to match a run to a log, never enough to reuse."""
    if len(secret) <= HEAD + TAIL + 8:
        return "*" * 8
    return f"{secret[:HEAD]}...{secret[-TAIL:]}"


def redact_url(url: str) -> str:
    """A database URL without its password (postgresql://user:***@host/db)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = f"{parts.username}:***" if parts.username else "***"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc[-1]}"))


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

    def redact(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._secrets[m.group(0)], text)
