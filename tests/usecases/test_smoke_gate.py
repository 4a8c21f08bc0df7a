"""`smoke --pr` (usecases/smoke_gate.py) against the in-memory GitHub: what is posted where,
for production and for a rehearsal. Over PyGithub and TLS: tests/github/test_smoke_pr.py."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from release_gate.core.deployment import Deployment
from release_gate.core.evidence import REHEARSAL_CONTEXT, SMOKE_CONTEXT
from release_gate.core.production import Production
from release_gate.core.target import Target, TargetKind
from release_gate.errors import SmokeRefused
from release_gate.usecases import smoke_gate
from release_gate.usecases.smoke_gate import HeadGuard
from tests.fakes.memory_github import MemoryEnv, MemoryGitHub
from tests.github.conftest import APP
from tests.usecases.test_pr_gate import BASE, FLAGGED

PRODUCTION = Production(APP, "https://api.raxx.app")
PROD = Target(TargetKind.PROD, "https://api.raxx.app", APP)


@dataclass(frozen=True)
class Deployed:
    before: Deployment
    changed: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A smoke result as smoke_gate reads it (ports: SmokeOutcome)."""

    passed: bool
    target: str = "prod"
    failure: None = None
    deployment: Deployed | None = None


def smoke(api: MemoryGitHub, target: Target, *, deployed: list[str], passed: bool = True,
          push_during: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `smoke --pr 1`; production runs deployed[0] (then deployed[-1] after the steps)."""
    reads = iter(deployed)
    last = deployed[-1]

    def read() -> Deployment:
        return Deployment(APP, 47, next(reads, last), "Heroku release")

    def run(guard: HeadGuard | None) -> Outcome:
        if guard is None:
            return Outcome(passed)
        before = guard.before()
        if push_during is not None:
            api.push(1, push_during)
        after = guard.after()
        changed = None if after == before else "production changed during the smoke"
        return Outcome(passed, deployment=Deployed(before, changed))

    if api.env.run_url is not None:
        api.in_smoke_run(1, target=target.kind)
    out = io.StringIO()
    code = smoke_gate.smoke_for_pr(number=1, api=api, target=target, production=PRODUCTION,
                                   run=run, read=read, out=out)
    return code, out.getvalue()


def test_a_pass_on_production_running_the_head_is_posted_with_its_facts() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    code, _ = smoke(api, PROD, deployed=[head])
    assert code == 0
    status = api.latest(head, SMOKE_CONTEXT)
    assert status is not None and status.state == "success"
    assert status.description == f"PASS on {APP} v47 @ {head[:7]}"
    gate = api.latest(head, "release-gate")  # the gate refreshed itself: GITHUB_TOKEN
    assert gate is not None and gate.state == "success"  # statuses start no workflow


def test_production_on_another_commit_is_refused_before_the_smoke_and_says_so() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    with pytest.raises(SmokeRefused):
        smoke(api, PROD, deployed=["0" * 40])
    status = api.latest(head, SMOKE_CONTEXT)
    assert status is not None and status.state == "error"  # never our `pending` left behind


def test_a_push_during_the_smoke_means_no_pass_is_posted() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    code, out = smoke(api, PROD, deployed=[head], push_during={**FLAGGED, "x.md": "x\n"})
    assert code == 1
    status = api.latest(head, SMOKE_CONTEXT)
    assert status is not None and status.state == "error"
    assert "PASS not counted: head moved" in (status.description or "")
    assert "PASS NOT posted" in out


@pytest.mark.parametrize("target, code", [
    (Target(TargetKind.SANDBOX, None, APP), 0),
    (Target(TargetKind.URL, "https://staging.raxx.app", APP), 0),
    (Target(TargetKind.PROD, "https://staging.raxx.app", APP), 1),  # asked prod, got another
    (Target(TargetKind.PROD, "https://api.raxx.app", "raxx-api-staging"), 1),
])
def test_anything_but_production_is_a_rehearsal_that_never_counts(target: Target,
                                                                   code: int) -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    assert smoke(api, target, deployed=[head])[0] == code
    assert api.latest(head, SMOKE_CONTEXT) is None
    rehearsal = api.latest(head, REHEARSAL_CONTEXT)
    assert rehearsal is not None and "rehearsal: only production counts" in (
        rehearsal.description or "")
    assert api.latest(head, "release-gate").state == "pending"  # type: ignore[union-attr]


def test_outside_actions_nothing_counted_is_posted() -> None:
    api = MemoryGitHub(env=MemoryEnv(run_url=None))
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    code, out = smoke(api, PROD, deployed=[head])
    assert code == 1
    assert api.latest(head, SMOKE_CONTEXT) is None
    assert "not running in GitHub Actions" in out
