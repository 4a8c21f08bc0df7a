"""Which smoke PASS counts for a PR head (docs/design.md §6). Pure: records in, a decision out.

Anyone with write access can post any commit status, so a `release-gate/smoke` success proves
nothing by itself. A PASS counts only when every link of the chain holds:

  status on the PR's current head SHA, context `release-gate/smoke`, state success,
  created by the Actions app (`github-actions[bot]`, a Bot),
  target_url = a run of THIS repository on this GitHub server,
  that run (fetched through the API, never taken from the status) is the smoke workflow
  (`.github/workflows/<settings.smoke_workflow>`), started by `workflow_dispatch` on the default
  branch (its `head_sha` on that branch, not merely a ref of the same name), named for this PR
  and for the production target (`run-name` of smoke.yml: "smoke PR #N on prod"), not
  concluded as a failure, and the status was posted while the run was alive (a replayed URL
  posted later does not count);
  a genuine FAIL or error passes the same checks except the conclusion (a FAIL's run fails):
  newer than a PASS on the same head, it keeps the gate closed until a newer PASS;
  and its description carries the production facts (`PASS on raxx-api-prod v47 @ def5678`,
  deployment.py): the production the base branch's rules.yaml names, running this head.

A genuine run against the sandbox, another URL or another app may report, but its PASS is
ignored here even if one is posted (docs/github.md, "What a PASS proves").

Everything ignored gets a reason that the checklist comment shows. The adapter supplies the
records (github/client.py); this module never talks to GitHub itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from release_gate.core.config_drift import ConfigChange
from release_gate.core.deployment import PassFacts, facts_problem, parse_pass
from release_gate.core.production import Production
from release_gate.core.target import TargetKind
from release_gate.core.verdict import StatusState

GATE_CONTEXT = "release-gate"
SMOKE_CONTEXT = "release-gate/smoke"
# Where a smoke against anything but production reports (smoke_gate.py): never counted.
REHEARSAL_CONTEXT = "release-gate/smoke-rehearsal"
PROD_TARGET = TargetKind.PROD  # the run-name's target word of a smoke against production
ACTIONS_LOGIN = "github-actions[bot]"
WORKFLOWS_DIR = ".github/workflows/"
# A status is posted by the smoke step, before the job ends; allow for clock rounding.
POSTED_AFTER_RUN_SLACK = timedelta(seconds=60)
# A flood of forged statuses must not turn into a flood of API calls.
MAX_RUNS_CHECKED = 10

# (branch name, commit sha) -> the commit is the branch's head or one of its ancestors.
OnBranch = Callable[[str, str], bool]

_RUN_PATH = re.compile(r"^/([^/]+)/([^/]+)/actions/runs/(\d+)(?:/.*)?$")
_PR_IN_TITLE = re.compile(r"#(\d+)\b")
_TARGET_IN_TITLE = re.compile(r"\bon (\S+)\s*$")


@dataclass(frozen=True)
class StatusRecord:
    """One commit status as the API lists it (newest first)."""

    id: int
    sha: str
    context: str
    state: str
    description: str | None
    target_url: str | None
    creator_login: str | None
    creator_type: str | None
    created_at: datetime


@dataclass(frozen=True)
class RunRecord:
    """A workflow run as `GET /repos/{o}/{r}/actions/runs/{id}` returns it."""

    id: int
    repository: str
    path: str
    event: str
    head_branch: str | None
    display_title: str | None
    status: str | None
    conclusion: str | None
    html_url: str
    updated_at: datetime | None
    head_sha: str | None = None  # the commit whose workflow file the run ran


@dataclass(frozen=True)
class Expectation:
    """What a genuine smoke run of this repository looks like."""

    repository: str  # owner/name
    server_url: str  # https://github.com (GITHUB_SERVER_URL)
    default_branch: str
    workflow_file: str  # settings.smoke_workflow, e.g. smoke.yml
    pr_number: int
    production: Production  # what the base branch's rules.yaml names as production

    @property
    def workflow_path(self) -> str:
        return WORKFLOWS_DIR + self.workflow_file


@dataclass(frozen=True)
class IgnoredStatus:
    status: StatusRecord
    reason: str


@dataclass(frozen=True)
class SmokeEvidence:
    head: str
    passed: bool = False
    # The genuine status that decided (a PASS, or a newer genuine FAIL), and its run.
    decisive: StatusRecord | None = None
    run: RunRecord | None = None
    ignored: tuple[IgnoredStatus, ...] = ()
    running: StatusRecord | None = None  # a newer `pending` smoke status (a run in progress)
    # Set when the PASS is an older head's, kept by settings.keep_pass_when_unflagged.
    kept_from: str | None = None
    facts: PassFacts | None = None  # what the decisive PASS says it tested on production
    # A sensitive config change on production after the PASS (watch-config): it no longer counts.
    config_change: ConfigChange | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pass_head(self) -> str | None:
        """The commit whose PASS counts (the head itself, or the older head it was kept from)."""
        if not self.passed:
            return None
        return self.kept_from or self.head


def parse_run_url(url: str | None, *, server_url: str, repository: str) -> int | None:
    """The run id when `url` names a run of `repository` on this server, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    server = urlsplit(server_url)
    if parts.scheme != server.scheme or parts.netloc.lower() != server.netloc.lower():
        return None
    match = _RUN_PATH.match(parts.path)
    if match is None:
        return None
    owner, name, run_id = match.groups()
    if f"{owner}/{name}".lower() != repository.lower():
        return None
    return int(run_id)


def _status_problem(status: StatusRecord, expect: Expectation) -> str | None:
    if status.creator_login != ACTIONS_LOGIN or status.creator_type != "Bot":
        who = status.creator_login or "unknown"
        return f"posted by {who}, not by the Actions app ({ACTIONS_LOGIN})"
    if parse_run_url(status.target_url, server_url=expect.server_url,
                     repository=expect.repository) is None:
        return (f"its link ({status.target_url or 'none'}) is not a workflow run of "
                f"{expect.repository}")
    return None


def _run_problem(run: RunRecord | None, run_id: int, status: StatusRecord,
                 expect: Expectation, on_branch: OnBranch) -> str | None:
    if run is None:
        return f"run {run_id} does not exist in {expect.repository}"
    if run.repository.lower() != expect.repository.lower():
        return f"run {run_id} belongs to {run.repository}, not {expect.repository}"
    path = run.path.split("@", 1)[0]
    if path != expect.workflow_path:
        return f"run {run_id} is {path}, not the smoke workflow {expect.workflow_path}"
    if run.event != "workflow_dispatch":
        return f"run {run_id} was triggered by {run.event}, not workflow_dispatch"
    if run.head_branch != expect.default_branch:
        return (f"run {run_id} ran the workflow from {run.head_branch!r}, not the default "
                f"branch {expect.default_branch!r}")
    numbers = {int(n) for n in _PR_IN_TITLE.findall(run.display_title or "")}
    if expect.pr_number not in numbers:
        return f"run {run_id} ({run.display_title!r}) is not a smoke of PR #{expect.pr_number}"
    target = _TARGET_IN_TITLE.search(run.display_title or "")
    if target is None or target.group(1) != PROD_TARGET:
        ran_on = f"ran on {target.group(1)}" if target else "names no target"
        return (f"run {run_id} ({run.display_title!r}) {ran_on}: only a smoke against "
                f"production ({PROD_TARGET}) counts")
    # A genuine FAIL exits 1, so its run concludes `failure` (or is cancelled or times out):
    # only a PASS needs a run that succeeded. A FAIL or error stays decisive whatever its run
    # concluded, so it keeps outranking an older PASS on the same head (docs/design.md §6).
    if (status.state == StatusState.SUCCESS and run.status == "completed"
            and run.conclusion != "success"):
        return f"run {run_id} concluded {run.conclusion}"
    if (run.status == "completed" and run.updated_at is not None
            and status.created_at > run.updated_at + POSTED_AFTER_RUN_SLACK):
        return f"posted after run {run_id} had finished (a replayed link)"
    # `head_branch` is a name: a run started from a TAG called like the default branch reports
    # it too, and runs whatever workflow file that tag holds. A PASS's run must have run a
    # commit on the default branch itself (its head or an ancestor).
    if status.state == StatusState.SUCCESS and (
            not run.head_sha or not on_branch(expect.default_branch, run.head_sha)):
        ran = run.head_sha[:7] if run.head_sha else "an unknown commit"
        return (f"run {run_id} ran {ran}, which is not on "
                f"the default branch {expect.default_branch!r} (a tag or another ref named like "
                "it)")
    return None


def _looks_like_smoke(status: StatusRecord) -> bool:
    return status.context != SMOKE_CONTEXT and "smoke" in status.context.lower()


def _context_reason(status: StatusRecord) -> str:
    if status.context == REHEARSAL_CONTEXT:
        return (f"a rehearsal ({status.description or 'no description'}): only a smoke against "
                "production counts")
    return f"its context is {status.context!r}, not {SMOKE_CONTEXT!r}"


def _facts(status: StatusRecord, head: str, expect: Expectation
           ) -> tuple[PassFacts | None, str | None]:
    """The production facts of a PASS, or why they do not vouch for this head."""
    facts = parse_pass(status.description)
    return facts, facts_problem(facts, production=expect.production, head=head,
                                description=status.description)


def collect(
    statuses: Iterable[StatusRecord],
    *,
    head: str,
    expect: Expectation,
    fetch_run: Callable[[int], RunRecord | None],
    on_branch: OnBranch,
) -> SmokeEvidence:
    """Walk the head's smoke statuses newest first; the first genuine PASS or FAIL decides.

    A newer genuine FAIL beats an older PASS on the same head. Pending statuses (a smoke in
    progress) never decide. Runs are fetched lazily, at most MAX_RUNS_CHECKED of them;
    `on_branch(branch, sha)` answers whether `sha` is the branch's head or an ancestor of it
    (the adapter's one compare call), asked only for a PASS whose other links all hold.
    """
    ordered = sorted(statuses, key=lambda s: (s.created_at, s.id), reverse=True)
    answers: dict[tuple[str, str], bool] = {}

    def on_branch_once(branch: str, sha: str) -> bool:
        if (branch, sha) not in answers:
            answers[(branch, sha)] = on_branch(branch, sha)
        return answers[(branch, sha)]

    ignored: list[IgnoredStatus] = []
    running: StatusRecord | None = None
    runs: dict[int, RunRecord | None] = {}
    for status in ordered:
        if status.state == StatusState.SUCCESS and status.sha != head:
            ignored.append(IgnoredStatus(status, f"it is on {status.sha[:7]}, not the head"))
            continue
        if status.context != SMOKE_CONTEXT:
            if status.state == StatusState.SUCCESS and _looks_like_smoke(status):
                ignored.append(IgnoredStatus(status, _context_reason(status)))
            continue
        if status.state == StatusState.PENDING:
            if running is None:
                running = status
            continue
        problem = _status_problem(status, expect)
        run_id = parse_run_url(status.target_url, server_url=expect.server_url,
                               repository=expect.repository)
        if problem is None and run_id is not None:
            if run_id not in runs:
                if len(runs) >= MAX_RUNS_CHECKED:
                    problem = f"not checked: more than {MAX_RUNS_CHECKED} candidate runs"
                else:
                    runs[run_id] = fetch_run(run_id)
            if problem is None:
                problem = _run_problem(runs[run_id], run_id, status, expect,
                                           on_branch_once)
        facts = None
        if problem is None and status.state == StatusState.SUCCESS:
            facts, problem = _facts(status, head, expect)
        if problem is not None or run_id is None:
            if status.state == StatusState.SUCCESS:
                ignored.append(IgnoredStatus(status, problem or "no run link"))
            continue
        run = runs[run_id]
        return SmokeEvidence(
            head=head, passed=status.state == StatusState.SUCCESS, decisive=status, run=run,
            ignored=tuple(ignored), facts=facts,
            running=running if running is not None and running.created_at >= status.created_at
            else None,
        )
    return SmokeEvidence(head=head, ignored=tuple(ignored), running=running)


def kept(older: SmokeEvidence, *, head: str, note: str) -> SmokeEvidence:
    """An older head's genuine PASS carried to `head` (settings.keep_pass_when_unflagged)."""
    assert older.passed
    return SmokeEvidence(head=head, passed=True, decisive=older.decisive, run=older.run,
                         kept_from=older.head, facts=older.facts, notes=(note,))


def with_note(evidence: SmokeEvidence, note: str) -> SmokeEvidence:
    return replace(evidence, notes=(*evidence.notes, note))


def predates(found: SmokeEvidence, change: ConfigChange) -> bool:
    """The counted PASS ran before a sensitive config change on production."""
    if not found.passed or found.decisive is None:
        return False
    if found.facts is not None and found.facts.release is not None:
        return found.facts.release < change.version
    return found.decisive.created_at < change.created_at


def config_changed(found: SmokeEvidence, change: ConfigChange) -> SmokeEvidence:
    """A PASS older than a sensitive config change on production no longer counts (runbook,
    "When to run": any config change that could affect the signing key, RP id, origin or Redis)."""
    if not predates(found, change):
        return found
    return replace(found, passed=False, config_change=change)
