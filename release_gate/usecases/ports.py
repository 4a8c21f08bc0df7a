"""What the use cases need of GitHub: narrow ports, not the PyGithub client (docs/architecture.md).

Each use case names the calls it makes; `github/gate.py` `GitHubGate` provides them over the real
API, and tests/fakes/memory_github.py in memory, so the use cases' decisions are tested in
milliseconds while the TLS fake (tests/fakes/github.py) keeps testing the adapter.
"""

from __future__ import annotations

from typing import Protocol

from release_gate.core.context import ClosableContext
from release_gate.core.evidence import RunRecord, StatusRecord
from release_gate.core.verdict import StatusState
from release_gate.github.client import CommentRecord, Comparison, Identity, PullInfo


class RunEnv(Protocol):
    """Where the run is: what the use cases read of the Actions environment."""

    @property
    def server_url(self) -> str: ...

    @property
    def run_url(self) -> str | None: ...  # None outside Actions: nothing counted is posted

    @property
    def event_path(self) -> str | None: ...

    @property
    def rules_doc(self) -> str | None: ...  # docs/rules.md of the release-gate that runs


class PullChanges(ClosableContext, Protocol):
    """A PR's changes, with how they were read (shown in the verdict's notes)."""

    @property
    def notes(self) -> tuple[str, ...]: ...


class GateApi(Protocol):
    """The PR gate (pr_gate.py): read a PR, its changes, statuses and comments; post both."""

    @property
    def repository(self) -> str: ...

    @property
    def env(self) -> RunEnv: ...

    def event_pull(self, number: int) -> PullInfo | None:
        """The PR from the Actions event payload, when it is this PR (saves a call)."""
        ...

    def pull(self, number: int) -> PullInfo: ...

    def pull_changes(self, pull: PullInfo, *, clone: str | None) -> PullChanges:
        """Every changed file of the PR at `pull.head_sha`; raises github.pull.HeadMoved when
        the PR's head is no longer that commit."""
        ...

    def compare(self, base: str, head: str) -> Comparison: ...

    def compare_changes(self, comparison: Comparison, *, base: str, head: str
                        ) -> ClosableContext | None:
        """base...head from a compare answer, or None when its file list may be cut."""
        ...

    def read(self, path: str, ref: str) -> bytes | None: ...

    def statuses(self, sha: str) -> list[StatusRecord]: ...

    def run(self, run_id: int) -> RunRecord | None: ...

    def on_branch(self, branch: str, sha: str) -> bool:
        """`sha` is the head of `branch` or an ancestor of it (a PASS's run ran the default
        branch's workflow, not a tag named like it)."""
        ...

    def comments(self, number: int) -> list[CommentRecord]: ...

    def identity(self) -> Identity:
        """Whom the token writes as: the only author whose checklist comment is trusted."""
        ...

    def post_status(self, sha: str, *, state: StatusState, description: str, context: str,
                    target_url: str | None) -> None: ...

    def create_comment(self, number: int, body: str) -> CommentRecord: ...

    def edit_comment(self, number: int, comment_id: int, body: str) -> None: ...

    def delete_comment(self, number: int, comment_id: int) -> None: ...


class MergeQueueApi(GateApi, Protocol):
    """The merge queue (merge_queue.py): the gate's calls, and a group's commits as one change."""

    def commits_changes(self, *, base: str, head: str) -> PullChanges:
        """base...head of any two commits; refuses (GitHubError) a change that may be cut."""
        ...


class SmokeGateApi(GateApi, Protocol):
    """`smoke --pr` (smoke_gate.py): the gate's calls, and whether one commit contains another."""

    def contains(self, ancestor: str, descendant: str) -> bool: ...


class WatchApi(GateApi, Protocol):
    """watch-config (config_watch.py): the gate's calls, the default branch, the smoke's runs and
    the open PRs."""

    def default_branch_head(self) -> tuple[str, str]: ...

    def dispatched_runs(self, workflow_file: str, *, branch: str, limit: int
                        ) -> list[RunRecord]: ...

    def open_pulls(self, *, limit: int = 100) -> list[tuple[int, str]]:
        """(number, head sha) of the open PRs, newest first."""
        ...


class DeployApi(SmokeGateApi, Protocol):
    """`release-gate deploy` (deploy.py): the smoke's calls, and the head's tarball link for
    Heroku's build."""

    def tarball_url(self, sha: str) -> str: ...
