"""Which production releases changed signup-sensitive config after the last smoke PASS. Pure.

Runbook, "When to run": the smoke is due after "any Heroku config change that could affect
BOOTSTRAP_TOKEN_SIGNING_KEY, WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN, or REDIS_URL". Such a change never
comes through a PR, so `release-gate watch-config` reads it from the app's release history, where
Heroku describes each release in words:

    Set WEBAUTHN_ORIGIN, FOO config vars      Remove REDIS_URL config vars
    Config add AWS_S3_KEY (older wording)     Rollback to v46
    Attach REDIS (@ref:redis-curved-1234)     Detach REDIS      Update REDIS by heroku-redis
    Deploy 1a2b3c4                            Promote raxx-api-staging v12

A description this module cannot read fails closed: a config change whose names it cannot list
(truncated, new wording) counts as sensitive; a rollback restores another release's whole config
and counts too; an add-on change counts when its config var (`REDIS` -> `REDIS_URL`) is sensitive.
One exception, proven rather than assumed: a rollback `release-gate deploy` made itself (the
release's user is the key's own account) whose config vars equal those of the release it
replaced changed no config (it undid a build, which changes none). Any doubt (another user,
different or unreadable config vars) and it counts, with the reason in the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Releases that never ran: a failed release changed nothing (pending ones may still apply).
IGNORED_STATUSES = frozenset({"failed"})

_CONFIG = re.compile(r"^(?P<verb>set|add|update|unset|remove|delete|config\s+add|config\s+remove)"
                     r"\s+(?P<names>.*?)\s*config\s+vars?\b", re.IGNORECASE)
_ROLLBACK = re.compile(r"^rollback\s+to\s+v?(?P<version>\d+)", re.IGNORECASE)
_ADDON = re.compile(r"^(?P<verb>(?i:attach|detach|update))\s+(?P<name>[A-Z][A-Z0-9_]*)\b"
                    r"(?!\s+config)")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REMOVE_VERBS = ("unset", "remove", "delete", "config remove")


class ReleaseLike(Protocol):
    """A release as heroku/api.py reads it (only these fields are used)."""

    @property
    def version(self) -> int: ...

    @property
    def description(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class LastPass:
    """The newest counted smoke PASS on production: its release (if known) and time."""

    release: int | None
    at: datetime | None  # None: only the release is known (`--since-release N`)


@dataclass(frozen=True)
class ConfigChange:
    """One release that changed (or may have changed) a sensitive config var."""

    version: int
    description: str
    created_at: datetime
    kind: str  # set | remove | rollback | add-on | unreadable | mention
    names: tuple[str, ...]  # the sensitive names it touches ("*" when it cannot tell)
    why: str = ""  # for a rollback: why it counts

    @property
    def summary(self) -> str:
        return f"v{self.version} {self.description!r} at {self.created_at:%Y-%m-%d %H:%M} UTC"


def _split_names(text: str) -> list[str] | None:
    """`A, B and C` -> [A, B, C]; None when a part is not a plain name (truncated, reworded)."""
    parts = [p.strip() for p in re.split(r",|\band\b|\s+", text) if p.strip()]
    if not parts or not all(_NAME.match(p) for p in parts):
        return None
    return parts


def classify(description: str, sensitive: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(kind, sensitive names) when the release touches sensitive config, else None."""
    wanted = {n.upper() for n in sensitive}
    text = description.strip()
    if _ROLLBACK.match(text) is not None:
        return "rollback", ("*",)
    if (match := _CONFIG.match(text)) is not None:
        verb = " ".join(match.group("verb").lower().split())
        names = _split_names(match.group("names"))
        if names is None:
            return "unreadable", ("*",)
        hit = tuple(n for n in names if n.upper() in wanted)
        if hit:
            return ("remove" if verb in _REMOVE_VERBS else "set"), hit
    elif (match := _ADDON.match(text)) is not None:
        var = f"{match.group('name').upper()}_URL"
        if var in wanted:
            return "add-on", (var,)
    elif "config var" in text.lower():
        return "unreadable", ("*",)
    # Whatever shape matched above, a description that names a sensitive variable anywhere
    # counts (fail closed): `Update WEBAUTHN_ORIGIN` reads like an add-on update but names the
    # origin, and `Set FOO config vars and REDIS_URL` lists one name outside the list.
    return _mentions(text, wanted)


def _mentions(text: str, wanted: set[str]) -> tuple[str, tuple[str, ...]] | None:
    mentioned = tuple(dict.fromkeys(w for w in _WORD.findall(text) if w.upper() in wanted))
    return ("mention", mentioned) if mentioned else None


@dataclass(frozen=True)
class RollbackFacts:
    """What is known about one rollback release (read by the use case from Heroku)."""

    by_tool: bool  # made with release-gate's own key (the release's user is its account)
    replaced: int | None  # the release it replaced (the one current before it)
    same_config: bool | None  # its config vars equal the replaced release's (None: unread)
    unread: str = ""  # why they could not be read


def rollback_counts(facts: RollbackFacts | None) -> tuple[bool, str]:
    """(counts as a config change, why). Only a proven no-op is left out."""
    if facts is None:
        return True, "a rollback restores another release's config vars"
    if not facts.by_tool:
        return True, "a rollback not made by release-gate deploy: it restores another release's " \
                     "config vars"
    replaced = f"v{facts.replaced}" if facts.replaced is not None else "the release before"
    if facts.same_config is None:
        return True, f"release-gate's rollback, but its config vars could not be compared with " \
                     f"{replaced}'s ({facts.unread or 'unreadable'})"
    if not facts.same_config:
        return True, f"release-gate's rollback, and its config vars differ from {replaced}'s"
    return False, f"release-gate's own rollback; its config vars equal {replaced}'s: not a " \
                  "config change"


def _after(release: ReleaseLike, last: LastPass | None) -> bool:
    if last is None:
        return True
    if last.release is not None:
        return release.version > last.release
    return last.at is None or release.created_at > last.at


def sensitive_changes(releases: Iterable[ReleaseLike], *, sensitive: Sequence[str],
                      last_pass: LastPass | None,
                      rollbacks: Mapping[int, RollbackFacts] | None = None
                      ) -> list[ConfigChange]:
    """The releases after `last_pass` (all of them without one) that touch sensitive config,
    oldest first. `rollbacks`: facts about rollback releases, by version (rollback_counts)."""
    found = []
    for release in sorted(releases, key=lambda r: r.version):
        if release.status in IGNORED_STATUSES or not _after(release, last_pass):
            continue
        touched = classify(release.description, sensitive)
        if touched is None:
            continue
        why = ""
        if touched[0] == "rollback":
            counts, why = rollback_counts((rollbacks or {}).get(release.version))
            if not counts:
                continue
        found.append(ConfigChange(release.version, release.description, release.created_at,
                                  *touched, why=why))
    return found


def rollbacks_after(releases: Iterable[ReleaseLike], last_pass: LastPass | None
                    ) -> list[ReleaseLike]:
    """The rollback releases whose facts are worth reading (after the last PASS, not failed)."""
    return [r for r in releases if r.status not in IGNORED_STATUSES and _after(r, last_pass)
            and _ROLLBACK.match(r.description.strip()) is not None]
