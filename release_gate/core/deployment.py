"""Which commit production runs, checked against the PR head before and after a smoke. Pure.

In the RCA's timeline each PR was deployed (v44, v45, v46) and then tried: a PASS against
production says something about a PR only when production ran that PR's code. So the smoke reads
the deployed commit before any write (refusing when it is not the PR head) and again after its
steps (a release during the smoke means the PASS is not posted), and the PASS carries these facts
in its status description, `PASS on raxx-api-prod v47 @ def5678`, which the gate parses back
(evidence.py) and holds against the production the base rules.yaml names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from release_gate.core.production import CONTAINS, Production

SHORT = 7
_PASS = re.compile(r"^PASS on (?P<where>\S+) (?:v(?P<release>\d+) )?@ (?P<commit>[0-9a-f]{7,40})"
                   r"(?: \(contains (?P<contains>[0-9a-f]{7,40})\))?$")


@dataclass(frozen=True)
class Deployment:
    """What production runs, as read from Heroku or the target's version endpoint."""

    where: str  # the Heroku app, or the API host
    release: int | None  # v47 -> 47 (None: the version endpoint names no release)
    commit: str | None  # the deployed commit (None: the release names no commit)
    source: str  # where it was read, e.g. "Heroku release" or "GET https://.../version"

    @property
    def label(self) -> str:
        """`v47 @ def5678`, for messages."""
        commit = self.commit[:SHORT] if self.commit else "an unknown commit"
        return f"v{self.release} @ {commit}" if self.release is not None else f"@ {commit}"

    def to_dict(self) -> dict[str, object]:
        return {"where": self.where, "release": self.release, "commit": self.commit,
                "source": self.source}


def runs(deployed: Deployment, head: str) -> bool:
    """The deployed commit is the head (a full sha, or an abbreviation of at least 7)."""
    commit = (deployed.commit or "").lower()
    return len(commit) >= SHORT and head.lower().startswith(commit)


def head_problem(deployed: Deployment, head: str, *, mode: str,
                 contains: Callable[[str, str], bool]) -> str | None:
    """Why production does not run the PR head (None: it does). `contains(head, deployed)` is
    asked only in `contains` mode, when the deployed commit is not the head itself."""
    release = f" (v{deployed.release})" if deployed.release is not None else ""
    if not deployed.commit:
        return (f"cannot tell which commit prod runs: {deployed.source}{release} names none; "
                f"deploy the PR head {head[:SHORT]} first")
    if runs(deployed, head):
        return None
    if mode == CONTAINS and contains(head, deployed.commit):
        return None
    which = "which does not contain" if mode == CONTAINS else "not"
    return (f"prod runs {deployed.commit[:SHORT]}{release}, {which} the PR head "
            f"{head[:SHORT]}: deploy the PR first")


def change_problem(before: Deployment, after: Deployment) -> str | None:
    """Why the smoke did not test one release from start to end (None: it did)."""
    if (before.release, before.commit) == (after.release, after.commit):
        return None
    return f"production changed during the smoke ({before.label} -> {after.label})"


def pass_description(deployed: Deployment, head: str) -> str:
    """`PASS on raxx-api-prod v47 @ def5678` (+ ` (contains abc1234)` when merged into)."""
    assert deployed.commit is not None
    release = f"v{deployed.release} " if deployed.release is not None else ""
    text = f"PASS on {deployed.where} {release}@ {deployed.commit[:SHORT].lower()}"
    if not runs(deployed, head):
        text += f" (contains {head[:SHORT].lower()})"
    return text


@dataclass(frozen=True)
class PassFacts:
    """The facts a PASS status description carries (see `pass_description`)."""

    where: str
    release: int | None
    commit: str  # abbreviated deployed commit
    contains: str | None = None  # abbreviated PR head, when production ran a commit containing it

    @property
    def label(self) -> str:
        release = f", release v{self.release}" if self.release is not None else ""
        return f"{self.commit}{release}"


def parse_pass(description: str | None) -> PassFacts | None:
    match = _PASS.match((description or "").strip())
    if match is None:
        return None
    release = match.group("release")
    return PassFacts(match.group("where"), int(release) if release else None,
                     match.group("commit"), match.group("contains"))


def facts_problem(facts: PassFacts | None, *, production: Production, head: str,
                  description: str | None) -> str | None:
    """Why a PASS's facts do not vouch for `head` on production (None: they do)."""
    if facts is None:
        return (f"its description ({description or 'none'!s}) does not name production's "
                "release and commit (`PASS on <app> v<N> @ <commit>`): re-run the smoke")
    if facts.where != production.name:
        return (f"it ran against {facts.where}, not production ({production.name}, named by the "
                "base branch's rules.yaml)")
    head7 = head[:SHORT].lower()
    if facts.contains is None:
        if not head.lower().startswith(facts.commit):
            return f"it tested {facts.commit} on production, not the head {head7}"
        return None
    if not head.lower().startswith(facts.contains):
        return f"it vouches for {facts.contains}, not the head {head7}"
    if production.settings.head != CONTAINS:
        return (f"production ran {facts.commit}, which contains the head {head7}, but the base "
                "rules.yaml requires production to run the head itself (smoke.production.head)")
    return None
