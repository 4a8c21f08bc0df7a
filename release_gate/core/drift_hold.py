"""The config-drift hold, kept where no PR author can edit it: a commit status. Pure.

`watch-config` finds a sensitive config change on production after a PR's smoke PASS (runbook,
"When to run"). The hold must outlive that run, so every later gate run keeps the PASS from
counting until a smoke passes on a newer release. A comment is the wrong place for it: whoever
can edit the comment could drop it. Commit statuses cannot be edited or deleted, so
`watch-config` posts `release-gate/config-drift` on the PR head, and the gate reads the holds
back from the head's statuses (which it lists anyway). Only the Actions app's statuses are
read: anyone else's can neither add nor lift a hold, and nothing lifts one but a PASS on a
release after the change (evidence.config_changed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import ACTIONS_LOGIN, StatusRecord

DRIFT_CONTEXT = "release-gate/config-drift"
# v49 set [WEBAUTHN_ORIGIN]: Set WEBAUTHN_ORIGIN config vars
_HOLD = re.compile(r"^v(?P<version>\d+) (?P<kind>[a-z-]+) \[(?P<names>[^\]]*)\]: (?P<text>.*)$",
                   re.S)
MAX_NAMES_CHARS = 60  # the status description keeps 140 characters in all


def description(change: ConfigChange) -> str:
    names = ",".join(change.names)
    if len(names) > MAX_NAMES_CHARS:
        names = "*"
    return f"v{change.version} {change.kind} [{names}]: {change.description}"


def _parse(status: StatusRecord) -> ConfigChange | None:
    match = _HOLD.match(status.description or "")
    if match is None:
        return None
    names = tuple(n for n in match.group("names").split(",") if n) or ("*",)
    # The status's own time is later than the release's: more PASSes count as before it.
    return ConfigChange(int(match.group("version")), match.group("text"), status.created_at,
                        match.group("kind"), names)


def _genuine(status: StatusRecord) -> bool:
    return (status.context == DRIFT_CONTEXT and status.creator_login == ACTIONS_LOGIN
            and status.creator_type == "Bot")


def newest_hold(statuses: Iterable[StatusRecord]) -> ConfigChange | None:
    """The newest config change recorded against this commit by the Actions app, if any."""
    holds = [c for s in statuses if _genuine(s) and (c := _parse(s)) is not None]
    return max(holds, key=lambda c: (c.version, c.created_at)) if holds else None


def newest(*changes: ConfigChange | None) -> ConfigChange | None:
    known = [c for c in changes if c is not None]
    return max(known, key=lambda c: (c.version, c.created_at)) if known else None
