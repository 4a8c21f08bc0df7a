"""`release-gate watch-config`: sensitive config changes on production since the last smoke PASS.

Runbook, "When to run": a smoke is due after "any Heroku config change that could affect
BOOTSTRAP_TOKEN_SIGNING_KEY, WEBAUTHN_RP_ID, WEBAUTHN_ORIGIN, or REDIS_URL" (plus the names in
`smoke.production.sensitive_config`). Such a change comes through no PR, so this reads the app's
release history (config_drift.py decides which releases count) and compares it with the newest
counted smoke PASS, whose release the PASS itself names (`PASS on raxx-api-prod v47 @ ...`).

With GitHub credentials it then re-opens the gate: the default branch head's `release-gate`
status goes pending with the reason, and every open PR whose head's statuses show a PASS gets a
`release-gate/config-drift` status (drift_hold.py) and is re-evaluated with the change, so its
PASS stops counting and its comment says why (and every later run of the gate reads the hold
back from that status, until a smoke passes on the new release).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from release_gate.core import drift_hold, evidence
from release_gate.core.config_drift import (
    ConfigChange,
    LastPass,
    ReleaseLike,
    RollbackFacts,
    rollback_counts,
    rollbacks_after,
    sensitive_changes,
)
from release_gate.core.evidence import GATE_CONTEXT, SMOKE_CONTEXT, Expectation, StatusRecord
from release_gate.core.production import Production
from release_gate.core.verdict import SMOKE_PASS_PREFIX, StatusState
from release_gate.errors import GateError
from release_gate.usecases.ports import WatchApi
from release_gate.usecases.pr_gate import refresh_gate

EXIT_NOTHING_DUE = 0
EXIT_SMOKE_DUE = 3
RUNS_CHECKED = 10  # newest smoke runs searched for the last counted PASS (3 API calls each)
PULLS_CHECKED = 50  # open PRs whose head statuses are checked for a PASS
PENDING_PREFIX = "Prod config changed since the smoke PASS"
_PROD_RUN = re.compile(r"^smoke PR #(\d+) on prod\s*$")


@dataclass(frozen=True)
class FoundPass:
    last: LastPass
    where: str  # "PR #12, run 4711" for the report


def last_counted_pass(api: WatchApi, *, production: Production, workflow_file: str
                      ) -> FoundPass | None:
    """The newest smoke PASS the gate would count, from the newest successful smoke runs.

    A PASS that cannot be found (its PR moved on, more than RUNS_CHECKED runs ago) makes an
    older one "the last": more releases count as after it, never fewer (fail closed).
    """
    branch, _ = api.default_branch_head()
    for run in api.dispatched_runs(workflow_file, branch=branch, limit=RUNS_CHECKED):
        match = _PROD_RUN.match(run.display_title or "")
        if match is None:
            continue
        number = int(match.group(1))
        pull = api.pull(number)
        expect = Expectation(repository=api.repository, server_url=api.env.server_url,
                             default_branch=branch, workflow_file=workflow_file,
                             pr_number=number, production=production)
        found = evidence.collect(api.statuses(pull.head_sha), head=pull.head_sha,
                                 expect=expect, fetch_run=api.run,
                                 on_branch=api.on_branch)
        if found.passed and found.decisive is not None:
            release = found.facts.release if found.facts is not None else None
            run_id = found.run.id if found.run is not None else run.id
            return FoundPass(LastPass(release, found.decisive.created_at),
                             f"PR #{number}, run {run_id}")
    return None


def report_lines(app: str, changes: Sequence[ConfigChange], last: LastPass | None,
                 where: str) -> list[str]:
    if last is None:
        since = "no counted smoke PASS found: every sensitive release counts"
    else:
        facts = [f"release v{last.release}"] if last.release is not None else []
        if last.at is not None:
            facts.append(f"{last.at:%Y-%m-%d %H:%M} UTC")
        since = f"last counted smoke PASS: {', '.join(facts)} ({where})"
    lines = [f"release-gate: watch-config {app}: {since}"]
    for change in changes:
        why = f" ({change.why})" if change.why else ""
        lines.append(f"release-gate: {change.summary}: {change.kind} {', '.join(change.names)}"
                     f"{why}")
    if changes:
        lines.append(f"release-gate: smoke due: {len(changes)} sensitive config change(s) on "
                     f"{app} since the last PASS")
    else:
        lines.append(f"release-gate: no sensitive config change on {app} since the last PASS")
    return lines


def pending_description(change: ConfigChange) -> str:
    return f"{PENDING_PREFIX}: v{change.version} {change.description}"


def watch(*, app: str, releases: Sequence[ReleaseLike], production: Production,
          last: FoundPass | None, api: WatchApi | None, out: TextIO | None = None,
          rollback_facts: Callable[[ReleaseLike], RollbackFacts] | None = None) -> int:
    """Report, re-open the gate where GitHub is at hand, and return the exit code.

    `rollback_facts`: reads who made a rollback and whether it changed config (Heroku)."""
    out = out or sys.stdout
    since = last.last if last is not None else None
    facts = {r.version: rollback_facts(r) for r in rollbacks_after(releases, since)} \
        if rollback_facts is not None else {}
    changes = sensitive_changes(releases, sensitive=production.sensitive_config,
                                last_pass=since, rollbacks=facts)
    for line in report_lines(app, changes, last.last if last else None,
                             last.where if last else ""):
        print(line, file=out)
    for version, fact in sorted(facts.items()):
        counts, why = rollback_counts(fact)
        if not counts:
            print(f"release-gate: v{version}: {why}", file=out)
    if api is not None:
        _mark_default_branch(api, changes, out=out)
        if changes:
            _reopen_pulls(api, changes[-1], out=out)
    return EXIT_SMOKE_DUE if changes else EXIT_NOTHING_DUE


def _mark_default_branch(api: WatchApi, changes: Sequence[ConfigChange], *, out: TextIO) -> None:
    branch, head = api.default_branch_head()
    ours = [s for s in api.statuses(head) if s.context == GATE_CONTEXT]
    current = max(ours, key=lambda s: (s.created_at, s.id)) if ours else None
    if changes:
        description = pending_description(changes[-1])
        if current is None or (current.state, current.description) != ("pending", description):
            api.post_status(head, state=StatusState.PENDING, description=description,
                            context=GATE_CONTEXT, target_url=api.env.run_url)
        print(f"release-gate: {GATE_CONTEXT} = pending on {branch} ({head[:12]}): "
              f"{description}", file=out)
    elif current is not None and (current.description or "").startswith(PENDING_PREFIX):
        # Lift only our own pending: a later PASS covers the change.
        api.post_status(head, state=StatusState.SUCCESS,
                        description="Prod config unchanged since the last smoke PASS",
                        context=GATE_CONTEXT, target_url=api.env.run_url)
        print(f"release-gate: {GATE_CONTEXT} = success on {branch} ({head[:12]})", file=out)


def _shows_a_pass(statuses: Sequence[StatusRecord]) -> bool:
    """A smoke success on the head (anyone's: re-judging costs nothing but a call), or the
    gate's green "Prod smoke PASS" (a PASS kept from an older head)."""
    return any((s.context == SMOKE_CONTEXT and s.state == StatusState.SUCCESS)
               or (s.context == GATE_CONTEXT and s.state == StatusState.SUCCESS
                   and (s.description or "").startswith(SMOKE_PASS_PREFIX))
               for s in statuses)


def _reopen_pulls(api: WatchApi, change: ConfigChange, *, out: TextIO) -> None:
    """Hold every open PR whose head shows a PASS against `change`, and re-evaluate it.

    The PRs are found from their heads' commit statuses, and the hold is a status of the
    Actions app on the head (drift_hold.py): nothing in a comment, which its readers could
    edit, decides either.
    """
    for number, head in api.open_pulls(limit=PULLS_CHECKED):
        statuses = api.statuses(head)
        if not _shows_a_pass(statuses):
            continue
        held = drift_hold.newest_hold(statuses)
        if held is None or held.version < change.version:
            api.post_status(head, state=StatusState.PENDING,
                            description=drift_hold.description(change),
                            context=drift_hold.DRIFT_CONTEXT, target_url=api.env.run_url)
        print(f"release-gate: PR #{number}: its PASS predates v{change.version}; "
              "held and re-evaluating", file=out)
        refresh_gate(api, number=number, config_change=change, out=out)


def heroku_rollback_facts(*, account_email: str, releases: Sequence[ReleaseLike],
                          config_of: Callable[[int], dict[str, str]]
                          ) -> Callable[[ReleaseLike], RollbackFacts]:
    """Facts about a rollback from Heroku: its user (the key's account: release-gate deploy),
    and its config vars against the release it replaced (`GET .../releases/{v}/config-vars`)."""
    by_version = sorted(releases, key=lambda r: r.version)

    def facts(release: ReleaseLike) -> RollbackFacts:
        user = getattr(release, "user_email", None)
        by_tool = bool(account_email) and user is not None and user.lower() == \
            account_email.lower()
        replaced = next((r.version for r in reversed(by_version)
                         if r.version < release.version and r.status == "succeeded"), None)
        if not by_tool or replaced is None:
            return RollbackFacts(by_tool, replaced, None, "no earlier release")
        try:
            same = config_of(release.version) == config_of(replaced)
        except GateError as error:
            return RollbackFacts(by_tool, replaced, None, str(error)[:120])
        return RollbackFacts(by_tool, replaced, same)

    return facts
