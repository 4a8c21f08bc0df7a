"""`release-gate deploy`: the decisions, pure (the use case in usecases/deploy.py does the I/O).

One approved dispatch builds the PR head on production, waits until it serves, runs the smoke
and, on a FAIL, puts production back on the release that ran before (docs/heroku.md, "Deploy,
smoke, roll back"). What is decided here:

- the fences before anything is created on Heroku: the head must come from this repository
  (never a fork's code on production), the gate must judge it `needs-smoke`, and it must still
  be the head that was dispatched;
- whether a rollback may happen: only over the release this run made; any other release since
  the one read at the start (someone deployed or changed config) leaves production alone;
- what the status, comment and summary say about it (`...; rolled back to v46`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from release_gate.core.verdict import Verdict

KEEP, RESTORE = "keep", "restore"
AFTER_PASS = (KEEP, RESTORE)

SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "description": "`release-gate deploy` (docs/heroku.md, \"Deploy, smoke, roll back\").",
    "properties": {
        "after_pass": {"enum": list(AFTER_PASS),
                       "description": "After a PASS: keep production on the PR head (default), "
                                      "or restore the release that ran before the deploy."},
        "build_timeout": {"type": "number", "exclusiveMinimum": 0,
                          "description": "Seconds to wait for Heroku's build (default 900)."},
        "release_timeout": {"type": "number", "exclusiveMinimum": 0,
                            "description": "Seconds to wait for the release phase (default 600)."},
        "dynos_timeout": {"type": "number", "exclusiveMinimum": 0,
                          "description": "Seconds to wait until every web dyno runs the new "
                                         "release (default 300)."},
    },
}


@dataclass(frozen=True)
class DeploySettings:
    after_pass: str = KEEP
    build_timeout: float = 900.0
    release_timeout: float = 600.0
    dynos_timeout: float = 300.0


def parse(raw: Mapping[str, Any] | None) -> DeploySettings:
    return DeploySettings(**dict(raw or {}))


# -- fences -----------------------------------------------------------------------------------

def fork_problem(*, head_repo: str | None, repository: str, number: int) -> str | None:
    """A fork's head is never built on production."""
    if head_repo is not None and head_repo.lower() == repository.lower():
        return None
    source = f"the fork {head_repo}" if head_repo else "a deleted fork"
    return (f"PR #{number} comes from {source}: its code is never deployed to production; "
            "deploy it by hand after review, or push the branch to this repository")


def verdict_problem(verdict: Verdict, head: str) -> str | None:
    """Only a head the gate judges `needs-smoke` is deployed (a clear one needs no smoke, a
    blocked one must not reach production)."""
    if verdict is Verdict.NEEDS_SMOKE:
        return None
    return (f"the gate judges {head[:7]} {verdict.value}, not needs-smoke: nothing to deploy "
            "for a smoke")


def moved_problem(*, dispatched: str | None, now: str) -> str | None:
    if dispatched is None or now.lower().startswith(dispatched.lower()):
        return None
    return (f"the PR head moved to {now[:7]} since the dispatch for {dispatched[:7]}: dispatch "
            "again for the new head")


# -- rollback ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReleaseRef:
    version: int
    id: str
    description: str = ""
    user: str | None = None

    @property
    def label(self) -> str:
        return f"v{self.version}"


@dataclass(frozen=True)
class RollbackPlan:
    """What to do with production after a FAIL (or a cancellation) of a deploy."""

    action: str  # "rollback" | "none" | "refuse"
    reason: str
    to: ReleaseRef | None = None


def plan_rollback(*, before: ReleaseRef, ours: ReleaseRef | None,
                  current: ReleaseRef) -> RollbackPlan:
    """Roll back only over the release this run made; never over anyone else's."""
    if current.version == before.version:
        return RollbackPlan("none", f"production still runs {before.label}: no rollback needed")
    if ours is not None and current.version == ours.version:
        return RollbackPlan("rollback", f"rolling back {ours.label} to {before.label}", before)
    who = f" by {current.user}" if current.user else ""
    what = f" ({current.description})" if current.description else ""
    return RollbackPlan("refuse", f"production is on {current.label}{what}{who}, a release this "
                                  f"deploy did not make: production left alone (not rolled back "
                                  f"to {before.label})")


def outcome_suffix(plan: RollbackPlan | None, done: ReleaseRef | None) -> str:
    """What the FAIL's status, comment and summary add: `; rolled back to v46`."""
    if plan is None or plan.action == "none":
        return ""
    if plan.action == "rollback" and done is not None and plan.to is not None:
        return f"; rolled back to {plan.to.label}"
    if plan.action == "rollback":
        return f"; rollback to {plan.to.label if plan.to else '?'} FAILED: check production"
    return "; NOT rolled back: another release happened meanwhile"
