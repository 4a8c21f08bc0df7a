"""Which smoke PASS counts for a PR head (docs/design.md §6). Pure: records in, a decision out.

Anyone with write access can post any commit status, so a `release-gate/smoke` success proves
nothing by itself. A PASS counts only when every link of the chain holds:

  status on the PR's current head SHA, context `release-gate/smoke`, state success,
  created by the Actions app (`github-actions[bot]`, a Bot),
  target_url = a run of THIS repository on this GitHub server,
  that run (fetched through the API, never taken from the status) is the smoke workflow
  (`.github/workflows/<settings.smoke_workflow>`), started by `workflow_dispatch` on the default
  branch, named for this PR (`run-name` of smoke.yml), not concluded as a failure, and the status
  was posted while the run was alive (a replayed URL posted later does not count).

Everything ignored gets a reason that the checklist comment shows. The adapter supplies the
records (github/client.py); this module never talks to GitHub itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from release_gate.verdict import StatusState

GATE_CONTEXT = "release-gate"
SMOKE_CONTEXT = "release-gate/smoke"
ACTIONS_LOGIN = "github-actions[bot]"
WORKFLOWS_DIR = ".github/workflows/"
# A status is posted by the smoke step, before the job ends; allow for clock rounding.
POSTED_AFTER_RUN_SLACK = timedelta(seconds=60)
# A flood of forged statuses must not turn into a flood of API calls.
MAX_RUNS_CHECKED = 10

_RUN_PATH = re.compile(r"^/([^/]+)/([^/]+)/actions/runs/(\d+)(?:/.*)?$")
_PR_IN_TITLE = re.compile(r"#(\d+)\b")


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


@dataclass(frozen=True)
class Expectation:
    """What a genuine smoke run of this repository looks like."""

    repository: str  # owner/name
    server_url: str  # https://github.com (GITHUB_SERVER_URL)
    default_branch: str
    workflow_file: str  # settings.smoke_workflow, e.g. smoke.yml
    pr_number: int

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
                 expect: Expectation) -> str | None:
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
    if run.status == "completed" and run.conclusion != "success":
        return f"run {run_id} concluded {run.conclusion}"
    if (run.status == "completed" and run.updated_at is not None
            and status.created_at > run.updated_at + POSTED_AFTER_RUN_SLACK):
        return f"posted after run {run_id} had finished (a replayed link)"
    return None


def _looks_like_smoke(status: StatusRecord) -> bool:
    return status.context != SMOKE_CONTEXT and "smoke" in status.context.lower()


def collect(
    statuses: Iterable[StatusRecord],
    *,
    head: str,
    expect: Expectation,
    fetch_run: Callable[[int], RunRecord | None],
) -> SmokeEvidence:
    """Walk the head's smoke statuses newest first; the first genuine PASS or FAIL decides.

    A newer genuine FAIL beats an older PASS on the same head. Pending statuses (a smoke in
    progress) never decide. Runs are fetched lazily, at most MAX_RUNS_CHECKED of them.
    """
    ordered = sorted(statuses, key=lambda s: (s.created_at, s.id), reverse=True)
    ignored: list[IgnoredStatus] = []
    running: StatusRecord | None = None
    runs: dict[int, RunRecord | None] = {}
    for status in ordered:
        if status.state == StatusState.SUCCESS and status.sha != head:
            ignored.append(IgnoredStatus(status, f"it is on {status.sha[:7]}, not the head"))
            continue
        if status.context != SMOKE_CONTEXT:
            if status.state == StatusState.SUCCESS and _looks_like_smoke(status):
                ignored.append(IgnoredStatus(
                    status, f"its context is {status.context!r}, not {SMOKE_CONTEXT!r}"))
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
                problem = _run_problem(runs[run_id], run_id, status, expect)
        if problem is not None or run_id is None:
            if status.state == StatusState.SUCCESS:
                ignored.append(IgnoredStatus(status, problem or "no run link"))
            continue
        run = runs[run_id]
        return SmokeEvidence(
            head=head, passed=status.state == StatusState.SUCCESS, decisive=status, run=run,
            ignored=tuple(ignored),
            running=running if running is not None and running.created_at >= status.created_at
            else None,
        )
    return SmokeEvidence(head=head, ignored=tuple(ignored), running=running)


def kept(older: SmokeEvidence, *, head: str, note: str) -> SmokeEvidence:
    """An older head's genuine PASS carried to `head` (settings.keep_pass_when_unflagged)."""
    assert older.passed
    return SmokeEvidence(head=head, passed=True, decisive=older.decisive, run=older.run,
                         kept_from=older.head, notes=(note,))


def with_note(evidence: SmokeEvidence, note: str) -> SmokeEvidence:
    return replace(evidence, notes=(*evidence.notes, note))
