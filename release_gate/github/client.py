"""The PyGithub adapter: the only module that imports `github` (docs/design.md §4, §6).

It reads PRs, their files and contents (which pull.py turns into the rules' `ChangeContext`),
reads and writes commit statuses and issue comments, and fetches workflow runs for the evidence
check. It decides no policy. Every PyGithub/requests failure leaves this module
as a `GitHubError` (docs/design.md §4); 5xx, 429 and secondary rate limits are retried first with
backoff that honours `Retry-After` (docs/design.md §6), then the caller fails closed.

Nothing happens at import time: the environment is read by `GitHubEnv.from_environ`, called by
the commands, and the client is built on first use.
"""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import requests
from github import Auth, Github, GithubException, GithubRetry, UnknownObjectException
from urllib3.exceptions import HTTPError as Urllib3Error

from release_gate.core.evidence import ACTIONS_LOGIN, RunRecord, StatusRecord
from release_gate.core.verdict import StatusState, clip_description
from release_gate.errors import ConfigError, GitHubError

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
FILES_CAP = 3000  # "Responses include a maximum of 3000 files" (List pull request files)
PER_PAGE = 100
BLOBS_PER_QUERY = 100  # aliases in one GraphQL query (well inside GitHub's node limits)


class WaitTooLong(Exception):
    """The server asked us to wait longer than we are willing to (then we fail closed)."""


@dataclass(frozen=True)
class Transport:
    """How hard to try. Tests shrink the waits; production keeps GitHub's advice."""

    retries: int = 4
    backoff_factor: float = 1.0  # urllib3: 0, 2, 4, 8 s between attempts
    secondary_rate_wait: float = 60.0  # GitHub: wait >= 1 min on a secondary limit w/o Retry-After
    max_wait: float = 120.0  # never sleep longer than this on one Retry-After
    timeout: int = 30
    # PyGithub's own pacing between requests (GitHub asks for >= 1 s between writes).
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Transport:
        """Defaults, tunable for tests and slow networks (docs/github.md lists the knobs)."""
        def number(name: str, default: float) -> float:
            raw = environ.get(name)
            if raw is None or raw == "":
                return default
            try:
                return float(raw)
            except ValueError:
                raise GitHubError(f"{name}={raw!r} is not a number") from None

        base = cls()
        return cls(
            retries=int(number("RELEASE_GATE_GITHUB_RETRIES", base.retries)),
            backoff_factor=number("RELEASE_GATE_GITHUB_BACKOFF", base.backoff_factor),
            secondary_rate_wait=number("RELEASE_GATE_GITHUB_SECONDARY_WAIT",
                                       base.secondary_rate_wait),
            max_wait=number("RELEASE_GATE_GITHUB_MAX_WAIT", base.max_wait),
            seconds_between_writes=number("RELEASE_GATE_GITHUB_WRITE_INTERVAL",
                                          base.seconds_between_writes),
        )


@dataclass(frozen=True)
class GitHubEnv:
    """Where and as whom to talk, from the Actions environment (docs/design.md §3)."""

    api_url: str
    repository: str
    server_url: str
    token: str = field(repr=False)
    run_url: str | None = None  # this workflow run, for status target_url
    event_name: str | None = None
    event_path: str | None = None
    # Who an app installation token writes as (RELEASE_GATE_BOT_LOGIN; GITHUB_TOKEN is the
    # Actions app's installation token and writes as github-actions[bot]).
    bot_login: str = ACTIONS_LOGIN
    # release-gate's docs/rules.md at the version that runs (action.yml sets
    # RELEASE_GATE_SOURCE_URL from the action's repository and ref): findings link their rule.
    rules_doc: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, repository: str | None = None,
                     needs: str = "the PR check needs a token to read the PR and post its "
                                  "status",
                     repo_hint: str = "pass --repo OWNER/NAME or set GITHUB_REPOSITORY"
                     ) -> GitHubEnv:
        """`needs`: why this command needs a token (said when it is missing); `repo_hint`: how
        this command is told the repository. Both are bad input (exit 2), not a gate failure."""
        token = environ.get("GITHUB_TOKEN", "")
        if not token:
            raise ConfigError(f"GITHUB_TOKEN is not set: {needs}")
        repo = repository or environ.get("GITHUB_REPOSITORY", "")
        if not repo:
            raise ConfigError(f"no GitHub repository: {repo_hint}")
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise ConfigError(f"repository {repo!r} is not OWNER/NAME: {repo_hint}")
        server = environ.get("GITHUB_SERVER_URL", DEFAULT_SERVER_URL).rstrip("/")
        run_url = None
        run_id, run_repo = environ.get("GITHUB_RUN_ID"), environ.get("GITHUB_REPOSITORY")
        if run_id and run_repo:
            run_url = f"{server}/{run_repo}/actions/runs/{run_id}"
        return cls(
            api_url=environ.get("GITHUB_API_URL", DEFAULT_API_URL).rstrip("/"),
            repository=repo,
            server_url=server,
            token=token,
            run_url=run_url,
            event_name=environ.get("GITHUB_EVENT_NAME"),
            event_path=environ.get("GITHUB_EVENT_PATH"),
            bot_login=environ.get("RELEASE_GATE_BOT_LOGIN") or ACTIONS_LOGIN,
            rules_doc=_rules_doc(environ.get("RELEASE_GATE_SOURCE_URL")),
        )


RULES_DOC = "docs/rules.md"  # in release-gate's source tree, one section per rule id


def _rules_doc(source_url: str | None) -> str | None:
    """docs/rules.md under release-gate's source URL (http(s)); anything else links nothing."""
    source = (source_url or "").strip().rstrip("/")
    if not source.startswith(("https://", "http://")) or any(c in source for c in " ()<>\n"):
        return None
    return f"{source}/{RULES_DOC}"


@dataclass(frozen=True)
class PullInfo:
    number: int
    head_sha: str
    base_sha: str
    base_ref: str
    default_branch: str
    changed_files: int
    comments: int | None  # issue comments (0: no sticky comment to find; None: unknown)
    html_url: str
    state: str
    source: str = "api"  # "api" or "event" (the Actions event payload)
    head_repo: str | None = None  # the head's repository "owner/name" (None: deleted fork)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str) -> PullInfo:
        base = data["base"]
        return cls(
            number=int(data["number"]),
            head_sha=str(data["head"]["sha"]),
            base_sha=str(base["sha"]),
            base_ref=str(base["ref"]),
            default_branch=str(base["repo"]["default_branch"]),
            changed_files=int(data["changed_files"]),
            comments=int(data["comments"]) if data.get("comments") is not None else None,
            html_url=str(data.get("html_url", "")),
            state=str(data.get("state", "open")),
            source=source,
            head_repo=_head_repo(data.get("head")),
        )


def _head_repo(head: Any) -> str | None:
    repo = head.get("repo") if isinstance(head, Mapping) else None
    name = repo.get("full_name") if isinstance(repo, Mapping) else None
    return str(name) if name else None


@dataclass(frozen=True)
class ApiFile:
    """One entry of `GET /pulls/{n}/files`."""

    filename: str
    status: str
    previous_filename: str | None
    patch: str | None  # absent for large and binary files
    sha: str | None  # blob sha (head side; base side for removed files)
    changes: int
    ref: str | None  # the commit the entry was computed at (from contents_url)


@dataclass(frozen=True)
class CommentRecord:
    id: int
    body: str
    author: str | None
    created_at: datetime
    author_type: str | None = None  # User | Bot | Organization


@dataclass(frozen=True)
class Identity:
    """Whom the token writes as: the only author whose checklist comment the gate trusts."""

    login: str
    type: str  # User | Bot

    def wrote(self, comment: CommentRecord) -> bool:
        return comment.author == self.login and comment.author_type == self.type


# GitHub's token prefixes (github.blog, "Behind GitHub's new authentication token formats"):
# `ghs_` is an app installation (server-to-server) token, GITHUB_TOKEN under Actions included.
# Such a token cannot read GET /user (403 "Resource not accessible by integration"), and it
# writes as the app's bot user.
INSTALLATION_TOKEN_PREFIX = "ghs_"


@dataclass(frozen=True)
class Comparison:
    status: str  # ahead | behind | diverged | identical
    merge_base: str
    ahead_by: int
    behind_by: int
    files: tuple[ApiFile, ...]  # at most 300 (the compare API's own cap)


COMPARE_FILES_CAP = 300


class TreeKind(StrEnum):
    FILE = "blob"
    SUBMODULE = "commit"  # a gitlink (mode 160000): another repository's commit


class TreeItem(NamedTuple):
    sha: str
    kind: TreeKind


class _GateRetry(GithubRetry):
    """PyGithub's retry (403 secondary limits, 5xx) plus 429, PATCH/DELETE, and a sleep we own.

    urllib3 calls `sleep()` between attempts; this override honours `Retry-After` like urllib3
    does but refuses waits longer than `max_wait` (fail closed rather than hang the job) and
    sleeps through an injectable function, so tests run in milliseconds.
    """

    def __init__(self, *, sleeper: Callable[[float], None] = time.sleep,
                 max_wait: float = 120.0, **kwargs: Any) -> None:
        self.sleeper = sleeper
        self.max_wait = max_wait
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> _GateRetry:
        kw.update(sleeper=self.sleeper, max_wait=self.max_wait)
        return super().new(**kw)

    def sleep(self, response: Any = None) -> None:
        delay: float | None = None
        if self.respect_retry_after_header and response is not None:
            delay = self.get_retry_after(response)
        if not delay:
            delay = self.get_backoff_time()
        if delay > self.max_wait:
            raise WaitTooLong(f"GitHub asked to wait {delay:.0f} s (limit {self.max_wait:.0f} s)")
        if delay > 0:
            self.sleeper(delay)


def _retry(transport: Transport) -> _GateRetry:
    return _GateRetry(
        sleeper=transport.sleep,
        max_wait=transport.max_wait,
        total=transport.retries,
        backoff_factor=transport.backoff_factor,
        secondary_rate_wait=transport.secondary_rate_wait,
        max_rate_limit_wait=transport.max_wait,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=frozenset({"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"}),
    )


def _message(error: GithubException) -> str:
    data = error.data
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return str(data or "")[:200]


def api_errors(what: str) -> contextlib.AbstractContextManager[None]:
    """`_api` for the other GitHub adapters: every transport failure is a GitHubError."""
    return _api(what)


@contextlib.contextmanager
def _api(what: str) -> Iterator[None]:
    """Translate every transport failure into a GitHubError that says what we were doing."""
    try:
        yield
    except GitHubError:
        raise
    except GithubException as error:
        raise GitHubError(f"GitHub API: {what}: HTTP {error.status} {_message(error)}".rstrip()
                          ) from error
    except WaitTooLong as error:
        raise GitHubError(f"GitHub API: {what}: {error}") from error
    except requests.exceptions.RetryError as error:
        raise GitHubError(f"GitHub API: {what}: still failing after retries ({error})") from error
    except (requests.exceptions.RequestException, Urllib3Error, OSError) as error:
        raise GitHubError(f"GitHub API: {what}: {type(error).__name__}: {error}") from error


_BLOB_FIELDS = "... on Blob { text isBinary isTruncated byteSize }"


def _blob_query(count: int) -> str:
    variables = "".join(f", $e{i}: String!" for i in range(count))
    objects = " ".join(f"f{i}: object(expression: $e{i}) {{ {_BLOB_FIELDS} }}"
                       for i in range(count))
    return (f"query($owner: String!, $name: String!{variables}) "
            f"{{ repository(owner: $owner, name: $name) {{ {objects} }} }}")


def _blob_variables(repository: str, wanted: Sequence[tuple[str, str]]) -> dict[str, str]:
    owner, _, name = repository.partition("/")
    return {"owner": owner, "name": name, **{f"e{i}": f"{ref}:{path}"
                                             for i, (ref, path) in enumerate(wanted)}}


def _blob_bytes(blob: Any) -> tuple[bool, bytes | None]:
    """(True, the file's bytes or None when the path is no file), or (False, None) when the
    answer does not give the bytes exactly."""
    if blob is None or (isinstance(blob, dict) and not blob):
        return True, None  # no such path at the ref, or a tree (the Blob fragment is empty)
    if not isinstance(blob, dict):
        return False, None
    text = blob.get("text")
    if blob.get("isBinary") is not False or blob.get("isTruncated") is not False \
            or not isinstance(text, str):
        return False, None
    data = text.encode("utf-8", "surrogatepass")
    return (True, data) if len(data) == blob.get("byteSize") else (False, None)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _api_file(item: Any) -> ApiFile:
    ref = None
    contents_url = item.contents_url
    if contents_url:
        ref = parse_qs(urlsplit(contents_url).query).get("ref", [None])[0]
    return ApiFile(
        filename=item.filename,
        status=item.status,
        previous_filename=item.previous_filename,
        patch=item.patch,
        sha=item.sha,
        changes=int(item.changes or 0),
        ref=ref,
    )


def _run_record(data: Mapping[str, Any], updated_at: datetime | None) -> RunRecord:
    return RunRecord(
        id=int(data["id"]),
        repository=str((data.get("repository") or {}).get("full_name", "")),
        path=str(data.get("path") or ""),
        event=str(data.get("event") or ""),
        head_branch=data.get("head_branch"),
        display_title=data.get("display_title"),
        status=data.get("status"),
        conclusion=data.get("conclusion"),
        html_url=str(data.get("html_url") or ""),
        updated_at=_utc(updated_at),
        head_sha=str(data["head_sha"]) if data.get("head_sha") else None,
    )


def _comment_record(c: Any) -> CommentRecord:
    return CommentRecord(id=int(c.id), body=c.body or "",
                         author=c.user.login if c.user is not None else None,
                         created_at=_utc(c.created_at) or datetime.now(UTC),
                         author_type=c.user.type if c.user is not None else None)


class GitHub:
    """One repository through PyGithub. Each method is one logical API operation."""

    def __init__(self, env: GitHubEnv, transport: Transport | None = None) -> None:
        self.env = env
        self.transport = transport or Transport()
        self._client: Github | None = None
        self._identity: Identity | None = None

    @property
    def repository(self) -> str:
        return self.env.repository

    def _gh(self) -> Github:
        if self._client is None:
            t = self.transport
            # lazy=True: `get_repo`, `get_pull`, `get_commit` build objects without a request,
            # so each method below costs exactly the calls it names (bench/github_calls.py).
            self._client = Github(
                base_url=self.env.api_url,
                auth=Auth.Token(self.env.token),
                per_page=PER_PAGE,
                timeout=t.timeout,
                retry=_retry(t),
                seconds_between_requests=t.seconds_between_requests or None,
                seconds_between_writes=t.seconds_between_writes or None,
                lazy=True,
            )
        return self._client

    def _repo(self) -> Any:
        return self._gh().get_repo(self.env.repository)

    def pygithub_repo(self) -> Any:
        """The PyGithub repository (lazy): for an adapter reading what no method here covers
        (github/setup_reads.py). Wrap its calls in `api_errors`."""
        return self._repo()

    def request_json(self, path: str) -> Any:
        """GET `path` through PyGithub's requester (its retries and auth), for the endpoints
        PyGithub has no method for."""
        _, data = self._gh().requester.requestJsonAndCheck("GET", path)
        return data

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- reads ---------------------------------------------------------------------------

    def pull(self, number: int) -> PullInfo:
        with _api(f"reading PR #{number}"):
            pull = self._repo().get_pull(number)
            pull.complete()
            return PullInfo.from_json(pull.raw_data, source="api")

    def pull_files(self, number: int) -> list[ApiFile]:
        """All pages of the PR's files, up to the API's own cap of 3,000."""
        with _api(f"listing the files of PR #{number}"):
            files = []
            for item in self._repo().get_pull(number).get_files():
                files.append(_api_file(item))
                if len(files) >= FILES_CAP:
                    break
            return files

    def compare(self, base: str, head: str) -> Comparison:
        with _api(f"comparing {base[:12]}...{head[:12]}"):
            comparison = self._repo().compare(base, head, comparison_commits_per_page=1)
            comparison.complete()
            return Comparison(
                status=comparison.status,
                merge_base=comparison.merge_base_commit.sha,
                ahead_by=comparison.ahead_by,
                behind_by=comparison.behind_by,
                files=tuple(_api_file(f) for f in comparison.files),
            )

    def contains(self, ancestor: str, descendant: str) -> bool:
        """`descendant` has `ancestor` in its history, or the same tree (a squash or rebase).

        `GET /compare/{ancestor}...{descendant}` is "ahead" or "identical" exactly when the
        ancestor is reachable from the descendant; otherwise both trees are compared. A commit
        GitHub does not know (404: "No commit found", "No common ancestor") contains nothing.
        """
        with _api(f"checking that {descendant[:12]} contains {ancestor[:12]}"):
            try:
                comparison = self._repo().compare(ancestor, descendant,
                                                  comparison_commits_per_page=1)
                comparison.complete()
                if comparison.status in ("ahead", "identical"):
                    return True
            except GithubException as error:
                if error.status != 404:
                    raise
            try:
                trees = {self._repo().get_git_commit(sha).tree.sha
                         for sha in (ancestor, descendant)}
            except GithubException as error:
                if error.status != 404:
                    raise
                return False
            return len(trees) == 1

    def on_branch(self, branch: str, sha: str) -> bool:
        """`sha` is the head of `branch` or an ancestor of it: one compare call.

        The base is spelled `refs/heads/<branch>`: git resolves a bare name to a tag before a
        branch, and a tag named like the default branch is exactly what this check is for.
        `GET /compare/refs/heads/<branch>...<sha>` is "behind" (an ancestor) or "identical" (the
        head); anything else, or a commit GitHub does not know (404), is not on the branch.
        """
        with _api(f"checking that {sha[:12]} is on {branch}"):
            try:
                comparison = self._repo().compare(f"refs/heads/{branch}", sha,
                                                  comparison_commits_per_page=1)
                comparison.complete()
                return str(comparison.status) in ("behind", "identical")
            except GithubException as error:
                if error.status != 404:
                    raise
                return False

    def default_branch_head(self) -> tuple[str, str]:
        """(default branch name, its head sha)."""
        with _api("reading the default branch"):
            repo = self._repo()
            name = str(repo.default_branch)
            return name, str(repo.get_branch(name).commit.sha)

    def open_pulls(self, *, limit: int = 100) -> list[tuple[int, str]]:
        """(number, head sha) of the open PRs, newest first, at most `limit`."""
        with _api("listing open pull requests"):
            found = []
            for pull in self._repo().get_pulls(state="open", sort="created", direction="desc"):
                found.append((int(pull.number), str(pull.head.sha)))
                if len(found) >= limit:
                    break
            return found

    def dispatched_runs(self, workflow_file: str, *, branch: str, limit: int
                        ) -> list[RunRecord]:
        """The workflow's `workflow_dispatch` runs on `branch` that succeeded, newest first."""
        with _api(f"listing runs of {workflow_file}"):
            runs = []
            workflow = self._repo().get_workflow(workflow_file)
            for run in workflow.get_runs(branch=branch, event="workflow_dispatch",
                                         status="success"):
                runs.append(_run_record(run.raw_data, run.updated_at))
                if len(runs) >= limit:
                    break
            return runs

    def read(self, path: str, ref: str) -> bytes | None:
        """A file's bytes at `ref`, or None when it does not exist there (or is no file)."""
        with _api(f"reading {path} at {ref[:12]}"):
            try:
                content = self._repo().get_contents(path, ref=ref)
            except UnknownObjectException:
                return None
            if isinstance(content, list) or content.type != "file":
                return None
            if content.encoding == "base64" and content.content is not None:
                return base64.b64decode(content.content)
            # Over 1 MB the contents API sends no content ("encoding": "none"): use the blob.
            return self.blob(content.sha)

    def read_many(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """Many files, each a (ref, path), in one GraphQL query per BLOBS_PER_QUERY of them.

        Each is an aliased `object(expression: "<ref>:<path>")` (the expressions travel as
        variables, never spliced into the query). A blob whose exact bytes the answer does not
        give (binary: no `text`; `isTruncated`; text whose UTF-8 length is not `byteSize`) is
        read again through `read`, which fails closed if it cannot; a missing path or a
        directory is None, as in `read`.
        """
        found: dict[tuple[str, str], bytes | None] = {}
        unique = list(dict.fromkeys(wanted))
        for start in range(0, len(unique), BLOBS_PER_QUERY):
            chunk = unique[start:start + BLOBS_PER_QUERY]
            with _api(f"reading {len(chunk)} file(s)"):
                _, answer = self._gh().requester.graphql_query(
                    _blob_query(len(chunk)), _blob_variables(self.env.repository, chunk))
                repository = (answer.get("data") or {}).get("repository")
                if not isinstance(repository, dict):
                    raise GitHubError("GitHub API: reading files: no repository in the "
                                      "GraphQL answer")
            for index, (ref, path) in enumerate(chunk):
                exact, content = _blob_bytes(repository.get(f"f{index}"))
                found[(ref, path)] = content if exact else self.read(path, ref)
        return found

    def blob(self, sha: str) -> bytes:
        with _api(f"reading blob {sha[:12]}"):
            blob = self._repo().get_git_blob(sha)
            if blob.encoding == "base64":
                return base64.b64decode(blob.content)
            return str(blob.content).encode("utf-8")

    def tree(self, sha: str) -> dict[str, TreeItem]:
        """path -> (sha, kind) of every file and submodule in the commit's tree (fails on a
        truncated tree). A submodule is `type: commit`, mode 160000: never a blob to read."""
        with _api(f"reading the tree of {sha[:12]}"):
            tree = self._repo().get_git_tree(sha, recursive=True)
            if tree.raw_data.get("truncated"):
                raise GitHubError(f"the tree of {sha[:12]} is too large for the API (truncated);"
                                  " run with a local clone (--clone) to judge it")
            return {e.path: TreeItem(e.sha, TreeKind.SUBMODULE if e.type == "commit"
                                     else TreeKind.FILE)
                    for e in tree.tree if e.type in ("blob", "commit")}

    def tarball_url(self, sha: str) -> str:
        """`GET /repos/{owner}/{repo}/tarball/{sha}`: GitHub answers 302 to codeload; the
        Location (for a private repository a link with a token, valid five minutes) is what
        a build fetches, so the key never leaves this process."""
        with _api(f"reading the tarball link of {sha[:12]}"):
            return str(self._repo().get_archive_link("tarball", sha))

    def statuses(self, sha: str, *, max_pages: int = 3) -> list[StatusRecord]:
        """The commit's statuses, newest first (the newest 300 are plenty to decide)."""
        with _api(f"listing statuses of {sha[:12]}"):
            records = []
            for item in self._repo().get_commit(sha).get_statuses():
                creator = item.creator
                records.append(StatusRecord(
                    id=int(item.id),
                    sha=sha,
                    context=item.context,
                    state=item.state,
                    description=item.description,
                    target_url=item.target_url,
                    creator_login=creator.login if creator is not None else None,
                    creator_type=creator.type if creator is not None else None,
                    created_at=_utc(item.created_at) or datetime.now(UTC),
                ))
                if len(records) >= max_pages * PER_PAGE:
                    break
            return records

    def run(self, run_id: int) -> RunRecord | None:
        with _api(f"reading workflow run {run_id}"):
            try:
                run = self._repo().get_workflow_run(run_id)
                run.complete()
            except UnknownObjectException:
                return None
            return _run_record(run.raw_data, run.updated_at)

    def identity(self) -> Identity:
        """Whom this token writes as (asked once): an installation token writes as its app's
        bot (no request: GET /user answers 403 for it); any other token is GET /user."""
        if self._identity is None:
            bot = Identity(self.env.bot_login, "Bot")
            if self.env.token.startswith(INSTALLATION_TOKEN_PREFIX):
                self._identity = bot
            else:
                with _api("reading whom the token writes as (GET /user)"):
                    try:
                        user = self._gh().get_user()
                        self._identity = Identity(str(user.login), str(user.type))
                    except GithubException as error:
                        if error.status != 403:
                            raise
                        self._identity = bot
        return self._identity

    def comments(self, number: int) -> list[CommentRecord]:
        with _api(f"listing comments of PR #{number}"):
            return [_comment_record(c) for c in self._repo().get_issue(number).get_comments()]

    # -- writes --------------------------------------------------------------------------

    def post_status(self, sha: str, *, state: StatusState, description: str, context: str,
                    target_url: str | None) -> None:
        description = clip_description(description)  # GitHub keeps 140 characters
        with _api(f"posting status {context}={state.value} on {sha[:12]}"):
            commit = self._repo().get_commit(sha)
            if target_url:
                commit.create_status(state.value, target_url=target_url,
                                     description=description, context=context)
            else:
                commit.create_status(state.value, description=description, context=context)

    def create_comment(self, number: int, body: str) -> CommentRecord:
        with _api(f"commenting on PR #{number}"):
            c = self._repo().get_issue(number).create_comment(body)
            record = _comment_record(c)
            if self._identity is None and record.author and record.author_type:
                # GitHub says who wrote it: that is the token's identity, for free.
                self._identity = Identity(record.author, record.author_type)
            return record

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        with _api(f"updating comment {comment_id} on PR #{number}"):
            self._repo().get_issue(number).get_comment(comment_id).edit(body)

    def delete_comment(self, number: int, comment_id: int) -> None:
        # A concurrent run may have deleted it first: that is the outcome we wanted.
        with (_api(f"deleting duplicate comment {comment_id} on PR #{number}"),
              contextlib.suppress(UnknownObjectException)):
            self._repo().get_issue(number).get_comment(comment_id).delete()
