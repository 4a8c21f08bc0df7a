"""Which commit production runs, checked against the PR head before and after a smoke. Pure.

In the RCA's timeline each PR was deployed (v44, v45, v46) and then tried: a PASS against
production says something about a PR only when production ran that PR's code. So the smoke reads
the deployed commit before any write (refusing when it is not the PR head) and again after its
steps (a release during the smoke means the PASS is not posted), and the PASS carries these facts
in its status description, `PASS on raxx-api-prod v47 @ def5678, 2/2 web dynos on v47`, which the
gate parses back (evidence.py) and holds against the production the base rules.yaml names.

On Heroku the current release is not always what serves: with preboot two releases serve side
by side for minutes, and dynos restart onto a release over time. So a Heroku reading also says
how many web dynos are up on the release (`web`), and whether a newer release is still pending
(its release phase running): both must be settled before the smoke writes, and again after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from release_gate.core.production import CONTAINS, Production

SHORT = 7
_PASS = re.compile(r"^PASS on (?P<where>\S+) (?:v(?P<release>\d+) )?@ (?P<commit>[0-9a-f]{7,40})"
                   r"(?:, (?P<web_up>\d+)/(?P<web_total>\d+) web dynos on v(?P<web_release>\d+))?"
                   r"(?: \(contains (?P<contains>[0-9a-f]{7,40})\))?$")
VERSION_URL_HINT = ("set smoke.production.commit_from: version-url (and smoke.production."
                    "version_url) so the smoke reads the commit from the app itself")


@dataclass(frozen=True)
class Deployment:
    """What production runs, as read from Heroku or the target's version endpoint."""

    where: str  # the Heroku app, or the API host
    release: int | None  # v47 -> 47 (None: the version endpoint names no release)
    commit: str | None  # the deployed commit (None: the release names no commit)
    source: str  # where it was read, e.g. "Heroku release" or "GET https://.../version"
    web: tuple[int, int] | None = None  # (web dynos up on `release`, web dynos): Heroku only
    web_detail: str = ""  # the web dynos not up on `release`, e.g. "web.2 starting on v46"
    pending: str | None = None  # a newer release still pending, e.g. "v48 (Set X config vars)"
    slugless: bool = False  # a Heroku release without a slug (Container Registry, CNB)

    @property
    def web_label(self) -> str | None:
        """`2/2 web dynos on v47` (None: not read)."""
        if self.web is None:
            return None
        return f"{self.web[0]}/{self.web[1]} web dynos on v{self.release}"

    @property
    def web_ready(self) -> bool:
        return self.web is None or (self.web[1] > 0 and self.web[0] == self.web[1])

    @property
    def label(self) -> str:
        """`v47 @ def5678`, for messages."""
        commit = self.commit[:SHORT] if self.commit else "an unknown commit"
        return f"v{self.release} @ {commit}" if self.release is not None else f"@ {commit}"

    def to_dict(self) -> dict[str, object]:
        return {"where": self.where, "release": self.release, "commit": self.commit,
                "source": self.source, "web": self.web_label, "pending": self.pending}


def serving_problem(deployed: Deployment) -> str | None:
    """Why the release named is not (only) what serves the traffic (None: it is)."""
    if deployed.pending is not None:
        return (f"release {deployed.pending} of {deployed.where} is still pending (its release "
                "phase is running) and is about to replace what runs: wait for it, then re-run "
                "(smoke.heroku.wait.release)")
    if not deployed.web_ready:
        return (f"not every web dyno of {deployed.where} is up on v{deployed.release} "
                f"({deployed.web_label}: {deployed.web_detail}): preboot or a restart is still "
                "rolling; re-run once `heroku ps:wait` is done (smoke.heroku.wait.dynos)")
    return None


def runs(deployed: Deployment, head: str) -> bool:
    """The deployed commit is the head (a full sha, or an abbreviation of at least 7)."""
    commit = (deployed.commit or "").lower()
    return len(commit) >= SHORT and head.lower().startswith(commit)


def head_problem(deployed: Deployment, head: str, *, mode: str,
                 contains: Callable[[str, str], bool]) -> str | None:
    """Why production does not run the PR head (None: it does). `contains(head, deployed)` is
    asked only in `contains` mode, when the deployed commit is not the head itself."""
    release = f" (v{deployed.release})" if deployed.release is not None else ""
    serving = serving_problem(deployed)
    if serving is not None:
        return serving
    if not deployed.commit and deployed.slugless:
        return (f"cannot tell which commit prod runs: {deployed.source}{release} has no slug "
                "and no image commit (a Container Registry or Cloud Native Buildpacks release); "
                f"{VERSION_URL_HINT}")
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
    if (before.release, before.commit) != (after.release, after.commit):
        return f"production changed during the smoke ({before.label} -> {after.label})"
    if after.pending is not None:
        return f"release {after.pending} was pending when the smoke ended"
    if not after.web_ready:
        return (f"after the smoke, not every web dyno was up on v{after.release} "
                f"({after.web_label}: {after.web_detail})")
    return None


def pass_description(deployed: Deployment, head: str) -> str:
    """`PASS on raxx-api-prod v47 @ def5678, 2/2 web dynos on v47` (+ ` (contains abc1234)`
    when merged into)."""
    assert deployed.commit is not None
    release = f"v{deployed.release} " if deployed.release is not None else ""
    text = f"PASS on {deployed.where} {release}@ {deployed.commit[:SHORT].lower()}"
    if deployed.web_label is not None:
        text += f", {deployed.web_label}"
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
    web: tuple[int, int] | None = None  # web dynos up on the release, of all web dynos

    @property
    def label(self) -> str:
        release = f", release v{self.release}" if self.release is not None else ""
        return f"{self.commit}{release}"


def parse_pass(description: str | None) -> PassFacts | None:
    match = _PASS.match((description or "").strip())
    if match is None:
        return None
    release = match.group("release")
    if match.group("web_up") is not None and match.group("web_release") != release:
        return None  # the dynos counted were on another release: not a PASS about this one
    web = ((int(match.group("web_up")), int(match.group("web_total")))
           if match.group("web_up") is not None else None)
    return PassFacts(match.group("where"), int(release) if release else None,
                     match.group("commit"), match.group("contains"), web)


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
    if facts.web is not None and not (facts.web[1] > 0 and facts.web[0] == facts.web[1]):
        return (f"only {facts.web[0]}/{facts.web[1]} web dynos ran the release it tested: "
                "re-run the smoke")
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
