"""An in-memory GitHub for the use cases' ports (release_gate/usecases/ports.py).

The use cases' decisions (which status, which comment, which PASS counts, what a config change
re-opens) are tested against this in milliseconds; the adapter itself (github/client.py over
PyGithub) keeps its tests against the TLS fake (tests/fakes/github.py). It keeps what GitHub
keeps, in GitHub's shapes: commit statuses newest first, created by `github-actions[bot]` (a
Bot) when posted with the workflow's GITHUB_TOKEN, with the description clipped to 140
characters; issue comments with increasing ids; workflow runs; file trees at commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from release_gate.core.evidence import ACTIONS_LOGIN, RunRecord, StatusRecord
from release_gate.core.verdict import StatusState, clip_description
from release_gate.github.client import CommentRecord, Comparison, Identity, PullInfo
from release_gate.github.pull import HeadMoved
from tests.core.rules.helpers import Tree, pr
from tests.fakes.context import FakeContext

SERVER_URL = "https://github.com"
REPOSITORY = "raxx/api"
DEFAULT_BRANCH = "main"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class MemoryEnv:
    server_url: str = SERVER_URL
    run_url: str | None = f"{SERVER_URL}/{REPOSITORY}/actions/runs/1000"
    event_path: str | None = None
    rules_doc: str | None = None  # no release-gate source URL: findings name their rule only


def sha_of(tree: Tree, salt: str = "") -> str:
    digest = hashlib.sha1(salt.encode())
    for path in sorted(tree):
        data = tree[path]
        digest.update(path.encode() + b"\0" + (data if isinstance(data, bytes) else data.encode()))
    return digest.hexdigest()


@dataclass
class MemoryGitHub:
    """One repository. Writes are recorded in `writes` (what a test asserts on)."""

    env: MemoryEnv = field(default_factory=MemoryEnv)
    repository: str = REPOSITORY
    trees: dict[str, Tree] = field(default_factory=dict)  # commit sha -> its files
    parents: dict[str, str] = field(default_factory=dict)  # commit sha -> its parent
    pulls: dict[int, PullInfo] = field(default_factory=dict)
    open_numbers: list[int] = field(default_factory=list)
    status_log: list[StatusRecord] = field(default_factory=list)
    comment_log: dict[int, list[CommentRecord]] = field(default_factory=dict)
    runs: dict[int, RunRecord] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    default_head: str = ""
    _clock: int = 0
    _ids: int = 100

    # -- building the world ----------------------------------------------------------------

    def commit(self, tree: Tree, *, parent: str | None = None) -> str:
        sha = sha_of(tree, parent or "")
        self.trees[sha] = dict(tree)
        if parent is not None:
            self.parents[sha] = parent
        return sha

    def set_default_branch(self, tree: Tree) -> str:
        self.default_head = self.commit(tree)
        return self.default_head

    def open_pull(self, number: int, base: Tree, head: Tree) -> PullInfo:
        base_sha = self.commit(base)
        self.default_head = self.default_head or base_sha
        head_sha = self.commit(head, parent=base_sha)
        self.pulls[number] = PullInfo(
            number=number, head_sha=head_sha, base_sha=base_sha, base_ref=DEFAULT_BRANCH,
            default_branch=DEFAULT_BRANCH, changed_files=len(pr(base, head).changes.files),
            comments=0, html_url=f"{SERVER_URL}/{REPOSITORY}/pull/{number}", state="open")
        self.open_numbers.insert(0, number)
        return self.pulls[number]

    def push(self, number: int, head: Tree) -> str:
        pull = self.pulls[number]
        sha = self.commit(head, parent=pull.head_sha)
        self.pulls[number] = replace(pull, head_sha=sha)
        return sha

    def smoke_run(self, number: int, *, target: str = "prod", conclusion: str = "success",
                  workflow: str = "smoke.yml") -> str:
        """A dispatched run of the smoke workflow for PR #number; its URL (a status's link)."""
        self._ids += 1
        url = f"{SERVER_URL}/{self.repository}/actions/runs/{self._ids}"
        self.runs[self._ids] = RunRecord(
            id=self._ids, repository=self.repository, path=f".github/workflows/{workflow}",
            event="workflow_dispatch", head_branch=DEFAULT_BRANCH,
            display_title=f"smoke PR #{number} on {target}", status="completed",
            conclusion=conclusion, html_url=url, updated_at=self._now() + timedelta(hours=1),
            head_sha=self.default_head)
        return url

    def in_smoke_run(self, number: int, *, target: str = "prod") -> None:
        """This process is a dispatched smoke run for PR #number (its statuses link to it)."""
        self.env = replace(self.env, run_url=self.smoke_run(number, target=target))

    def _now(self) -> datetime:
        self._clock += 1
        return T0 + timedelta(seconds=self._clock)

    # -- reads (ports.GateApi) ---------------------------------------------------------------

    def event_pull(self, number: int) -> PullInfo | None:
        return None  # no Actions event payload in memory: the PR is read from the "API"

    def pull(self, number: int) -> PullInfo:
        pull = self.pulls[number]
        return replace(pull, comments=len(self.comment_log.get(number, [])))

    def pull_changes(self, pull: PullInfo, *, clone: str | None) -> FakeContext:
        now = self.pulls[pull.number].head_sha
        if now != pull.head_sha:
            raise HeadMoved(pull.head_sha, now)
        return self._context(pull.base_sha, pull.head_sha)

    def _context(self, base: str, head: str) -> FakeContext:
        ctx = pr(self.trees[base], self.trees[head])
        return replace(ctx, changes=replace(ctx.changes, base=base, head=head),
                       notes=("read from memory",))

    def _ancestors(self, sha: str) -> set[str]:
        seen = {sha}
        while sha in self.parents:
            sha = self.parents[sha]
            seen.add(sha)
        return seen

    def compare(self, base: str, head: str) -> Comparison:
        status = ("identical" if base == head else "ahead" if base in self._ancestors(head)
                  else "diverged")
        return Comparison(status=status, merge_base=base, ahead_by=0, behind_by=0, files=())

    def compare_changes(self, comparison: Comparison, *, base: str, head: str
                        ) -> FakeContext | None:
        return self._context(base, head)

    def commits_changes(self, *, base: str, head: str) -> FakeContext:
        return self._context(base, head)

    def on_branch(self, branch: str, sha: str) -> bool:
        return branch == DEFAULT_BRANCH and sha in self._ancestors(self.default_head)

    def contains(self, ancestor: str, descendant: str) -> bool:
        return ancestor in self._ancestors(descendant)

    def tarball_url(self, sha: str) -> str:
        return f"https://codeload.github.com/{self.repository}/legacy.tar.gz/{sha}"

    def read(self, path: str, ref: str) -> bytes | None:
        data = self.trees.get(ref, {}).get(path)
        return data.encode() if isinstance(data, str) else data

    def statuses(self, sha: str) -> list[StatusRecord]:
        return [s for s in reversed(self.status_log) if s.sha == sha]  # newest first

    def run(self, run_id: int) -> RunRecord | None:
        return self.runs.get(run_id)

    def comments(self, number: int) -> list[CommentRecord]:
        return list(self.comment_log.get(number, []))

    def identity(self) -> Identity:
        return Identity(ACTIONS_LOGIN, "Bot")  # the workflow's GITHUB_TOKEN writes as the bot

    def default_branch_head(self) -> tuple[str, str]:
        return DEFAULT_BRANCH, self.default_head

    def dispatched_runs(self, workflow_file: str, *, branch: str, limit: int
                        ) -> list[RunRecord]:
        runs = [r for r in self.runs.values() if r.path.endswith("/" + workflow_file)
                and r.head_branch == branch and r.conclusion == "success"]
        return sorted(runs, key=lambda r: r.id, reverse=True)[:limit]

    def open_pulls(self, *, limit: int = 100) -> list[tuple[int, str]]:
        return [(n, self.pulls[n].head_sha) for n in self.open_numbers[:limit]]

    # -- writes ------------------------------------------------------------------------------

    def post_status(self, sha: str, *, state: StatusState, description: str, context: str,
                    target_url: str | None, creator: tuple[str, str] = (ACTIONS_LOGIN, "Bot")
                    ) -> None:
        self._ids += 1
        self.status_log.append(StatusRecord(
            id=self._ids, sha=sha, context=context, state=state.value,
            description=clip_description(description), target_url=target_url,
            creator_login=creator[0], creator_type=creator[1], created_at=self._now()))
        self.writes.append(f"status {context}={state.value} on {sha[:7]}")

    def create_comment(self, number: int, body: str) -> CommentRecord:
        self._ids += 1
        comment = CommentRecord(id=self._ids, body=body, author=ACTIONS_LOGIN,
                                created_at=self._now(), author_type="Bot")
        self.comment_log.setdefault(number, []).append(comment)
        self.writes.append(f"comment {comment.id} created on #{number}")
        return comment

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        self.comment_log[number] = [replace(c, body=body) if c.id == comment_id else c
                                    for c in self.comment_log[number]]
        self.writes.append(f"comment {comment_id} edited on #{number}")

    def delete_comment(self, number: int, comment_id: int) -> None:
        self.comment_log[number] = [c for c in self.comment_log.get(number, [])
                                    if c.id != comment_id]
        self.writes.append(f"comment {comment_id} deleted on #{number}")

    # -- what tests read ---------------------------------------------------------------------

    def latest(self, sha: str, context: str) -> StatusRecord | None:
        return next((s for s in self.statuses(sha) if s.context == context), None)


def files(**paths: str) -> Mapping[str, str]:
    """A tree from keyword paths: files(**{"a/b.py": "x"})."""
    return dict(paths)
