"""A fake GitHub REST API: real HTTPS on loopback, in-memory state, GitHub's response shapes.

docs/design.md §8: tests drive the real PyGithub code paths over real HTTP/TLS against this server.
It reproduces the semantics that bite: Link pagination (per_page up to 100), the files API's
3,000-file cap, files without `patch` (large or binary), statuses listed newest first, issue
comments that race (list-then-create from concurrent runs), workflow runs, a commit's tarball
(`GET /repos/{owner}/{repo}/tarball/{ref}`: a 302 to a codeload URL carrying a short-lived
token, whose archive is laid out as `git archive` makes it: one `owner-repo-sha7/` folder and the
commit id in the pax global header), PRs from forks, and programmable
faults (5xx, 403 secondary rate limit with Retry-After, 429). Every request is counted per
method + route template, so tests and bench/github_calls.py can assert call budgets.

Shapes follow docs.github.com/rest and PyGithub's tests/ReplayData (trimmed to the fields a
client reads; URLs point back at this server so PyGithub can follow them).

    with FakeGitHub() as gh:
        base = gh.commit({"README.md": "hi\\n"})
        head = gh.commit({"backend_v2/api/routes/auth.py": "x = 1\\n"}, parent=base)
        gh.open_pull(1, base=base, head=head)
        env = gh.environ(token=gh.ACTIONS_TOKEN)   # GITHUB_API_URL, GITHUB_TOKEN, ...
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import io
import json
import random
import re
import secrets
import socket
import tarfile
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.fakes.tls import TestCA, serve_https

FILES_CAP = 3000
COMPARE_FILES_CAP = 300
CONTENTS_INLINE_LIMIT = 1024 * 1024  # the contents API sends no content over 1 MB
# The GraphQL Blob's `text` stops here and says `isTruncated` (the limit is the fake's own; a
# client must read `isTruncated`, never assume a size).
GRAPHQL_TEXT_LIMIT = 512 * 1024
_BLOB_FIELDS = {"text", "isBinary", "isTruncated", "byteSize", "oid"}
# The one query shape served: `repository(owner:, name:)` holding aliased
# `object(expression: $var) { ... on Blob { fields } }` (docs.github.com/graphql: Blob, GitObject).
_GRAPHQL_QUERY = re.compile(
    r"^\s*query\s*\((?P<vars>[^)]*)\)\s*\{\s*repository\(owner:\s*\$owner,\s*name:\s*\$name\)"
    r"\s*\{(?P<objects>.*)\}\s*\}\s*$", re.S)
_GRAPHQL_OBJECT = re.compile(
    r"\s*(?P<alias>\w+):\s*object\(expression:\s*\$(?P<var>\w+)\)\s*\{\s*\.\.\.\s*on\s+Blob"
    r"\s*\{(?P<fields>[^}]*)\}\s*\}")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Gitlink:
    """A submodule entry of a tree (mode 160000, type commit): the commit it pins."""

    sha: str


# How a gitlink sits in the fake's trees (values are bytes): no real file starts with a NUL.
_GITLINK = b"\0gitlink:"


def _gitlink(data: bytes | None) -> str | None:
    if data is not None and data.startswith(_GITLINK):
        return data[len(_GITLINK):].decode()
    return None


@dataclass(frozen=True)
class User:
    login: str
    type: str = "User"
    id: int = 1

    def json(self, api: str) -> dict[str, Any]:
        return {"login": self.login, "id": self.id, "node_id": f"U_{self.id}",
                "type": self.type, "site_admin": False,
                "url": f"{api}/users/{quote(self.login)}",
                "html_url": f"https://github.example/{quote(self.login)}",
                "avatar_url": "https://avatars.example/u/1"}


ACTIONS_BOT = User("github-actions[bot]", "Bot", 41898282)


@dataclass
class Fault:
    method: str
    route: str  # a route template, e.g. "/repos/{owner}/{repo}/pulls/{number}/files"
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


@dataclass
class Pull:
    number: int
    base: str
    head: str
    base_ref: str = "main"
    head_ref: str = "feature"
    state: str = "open"
    head_repo: str | None = None  # "someone/fork": a PR from a fork (None: this repository)


@dataclass
class Commit:
    sha: str
    tree: dict[str, bytes]
    parent: str | None


@dataclass
class Hit:
    at: float
    method: str
    route: str
    path: str
    status: int


_ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def _route(method: str, template: str) -> None:
    pattern = re.escape(template)
    pattern = pattern.replace(re.escape("{path}"), "(?P<path>.+)")
    # `{base}...{head}` may name qualified refs (`refs/heads/main...<sha>`): slashes allowed.
    pattern = pattern.replace(re.escape("{basehead}"), r"(?P<basehead>.+\.\.\..+)")
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    _ROUTES.append((method, re.compile(f"^{pattern}$"), template))


for _m, _t in [
    ("GET", "/repos/{owner}/{repo}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{number}"),
    ("GET", "/repos/{owner}/{repo}/pulls/{number}/files"),
    ("GET", "/repos/{owner}/{repo}/contents/{path}"),
    ("GET", "/repos/{owner}/{repo}/git/blobs/{sha}"),
    ("GET", "/repos/{owner}/{repo}/git/trees/{sha}"),
    ("GET", "/repos/{owner}/{repo}/compare/{basehead}"),
    ("POST", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("GET", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("GET", "/repos/{owner}/{repo}/commits/{sha}/statuses"),
    ("GET", "/repos/{owner}/{repo}/commits/{sha}/status"),
    ("GET", "/repos/{owner}/{repo}/issues/{number}/comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{number}/comments"),
    ("GET", "/repos/{owner}/{repo}/issues/comments/{id}"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}"),
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{id}"),
    ("GET", "/repos/{owner}/{repo}/actions/runs/{id}"),
    ("POST", "/graphql"),
    ("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs"),
    ("GET", "/repos/{owner}/{repo}/git/commits/{sha}"),
    ("GET", "/repos/{owner}/{repo}/pulls"),
    ("GET", "/repos/{owner}/{repo}/branches/{branch}"),
    ("GET", "/user"),
    ("GET", "/repos/{owner}/{repo}/tarball/{ref}"),
    ("GET", "/codeload/{owner}/{repo}/legacy.tar.gz/{ref}"),
    # The set-up `release-gate doctor` reads (docs.github.com/rest/repos/rules,
    # /rest/deployments/environments, /rest/deployments/branch-policies,
    # /rest/actions/secrets#list-environment-secrets).
    ("GET", "/repos/{owner}/{repo}/rules/branches/{branch}"),
    ("GET", "/repos/{owner}/{repo}/environments/{name}"),
    ("GET", "/repos/{owner}/{repo}/environments/{name}/secrets"),
    ("GET", "/repos/{owner}/{repo}/environments/{name}/deployment-branch-policies"),
]:
    _route(_m, _t)


class _HttpError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        self.body = body or {"message": message,
                             "documentation_url": "https://docs.github.com/rest"}


class FakeGitHub:
    ACTIONS_TOKEN = "ghs_fake_actions_token"
    USER_TOKEN = "ghp_fake_user_token"

    def __init__(self, *, owner: str = "acme", name: str = "signup-backend",
                 default_branch: str = "main", server_url: str = "https://github.example",
                 comment_race_delay: float = 0.02) -> None:
        self.owner, self.name = owner, name
        self.full_name = f"{owner}/{name}"
        self.default_branch = default_branch
        self.server_url = server_url
        self.comment_race_delay = comment_race_delay
        self.tokens: dict[str, User] = {
            self.ACTIONS_TOKEN: ACTIONS_BOT,
            self.USER_TOKEN: User("mallory", "User", 7),
        }
        self.lock = threading.RLock()
        self.commits: dict[str, Commit] = {}
        self.blobs: dict[str, bytes] = {}
        self.pulls: dict[int, Pull] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.runs: dict[int, dict[str, Any]] = {}
        self.branches: dict[str, str] = {}  # branch name -> head sha (set_branch)
        self.tags: dict[str, str] = {}  # tag name -> commit sha (set_tag)
        self.archive_tokens: dict[str, str] = {}  # codeload token -> the commit it may fetch
        # Rulesets (add_ruleset) and environments (add_environment), for `doctor`.
        self.rulesets: list[dict[str, Any]] = []
        self.environments: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.barriers: dict[tuple[str, str], threading.Barrier] = {}
        self.no_patch: set[str] = set()  # paths whose patch the files API omits ("too large")
        self.calls: Counter[tuple[str, str]] = Counter()
        self.hits: list[Hit] = []
        self._ids = 1000
        self._file_cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._server: ThreadingHTTPServer | None = None
        self._ca = TestCA()
        self.ca_path = self._ca.path

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = serve_https(Handler, self._ca.server_context(), name="fake-github")

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._ca.cleanup()

    @property
    def api_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def environ(self, *, token: str | None = None, run_id: int | None = None,
                **extra: str) -> dict[str, str]:
        """The Actions environment a `release-gate pr` run sees."""
        env = {
            "GITHUB_API_URL": self.api_url,
            "GITHUB_SERVER_URL": self.server_url,
            "GITHUB_REPOSITORY": self.full_name,
            "GITHUB_TOKEN": token or self.ACTIONS_TOKEN,
            "REQUESTS_CA_BUNDLE": self.ca_path,
        }
        if run_id is not None:
            env["GITHUB_RUN_ID"] = str(run_id)
        env.update(extra)
        return env

    # -- state helpers for tests -------------------------------------------------------

    def _next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def commit(self, files: Mapping[str, str | bytes | Gitlink | None], *,
               parent: str | None = None, sha: str | None = None) -> str:
        """A new commit: the parent's tree with `files` written (None deletes). Returns its sha.

        `sha` mirrors a commit of a real local repository (a test's "clone" of this repo).
        """
        with self.lock:
            tree = dict(self.commits[parent].tree) if parent else {}
            for path, content in files.items():
                if content is None:
                    tree.pop(path, None)
                elif isinstance(content, Gitlink):
                    tree[path] = _GITLINK + content.sha.encode()
                else:
                    data = content.encode("utf-8") if isinstance(content, str) else content
                    tree[path] = data
                    self.blobs[blob_sha(data)] = data
            digest = hashlib.sha1(repr((parent, sorted(
                (p, blob_sha(d)) for p, d in tree.items()), self._next_id())).encode())
            sha = sha or digest.hexdigest()
            self.commits[sha] = Commit(sha, tree, parent)
            return sha

    def open_pull(self, number: int, *, base: str, head: str, base_ref: str = "main") -> Pull:
        with self.lock:
            pull = Pull(number, base, head, base_ref=base_ref)
            self.pulls[number] = pull
            self.comments.setdefault(number, [])
            return pull

    def set_branch(self, name: str, sha: str) -> None:
        with self.lock:
            self._commit(sha)
            self.branches[name] = sha

    def add_ruleset(self, rules: list[dict[str, Any]], *, branches: tuple[str, ...] = (),
                    enforcement: str = "active") -> int:
        """A repository ruleset on `branches` (default: the default branch): its rules as
        `POST /rulesets` takes them ({"type": ..., "parameters": ...})."""
        with self.lock:
            self._ids += 1
            self.rulesets.append({"id": self._ids, "rules": rules, "enforcement": enforcement,
                                  "branches": branches or (self.default_branch,)})
            return self._ids

    def add_environment(self, name: str, *, reviewers: tuple[str, ...] = (),
                        branch_policy: str | None = "custom",
                        branch_policies: tuple[str, ...] = ("main",),
                        secrets: tuple[str, ...] = ()) -> None:
        """`branch_policy`: None (any branch), "protected" or "custom" (`branch_policies`)."""
        with self.lock:
            self._ids += 1
            self.environments[name] = {"id": self._ids, "reviewers": reviewers,
                                       "branch_policy": branch_policy,
                                       "branch_policies": branch_policies, "secrets": secrets}

    def set_tag(self, name: str, sha: str) -> None:
        with self.lock:
            self._commit(sha)
            self.tags[name] = sha

    def default_head(self) -> str:
        """The default branch's head; a root commit holding the smoke workflow if none is set."""
        with self.lock:
            if self.default_branch not in self.branches:
                root = self.commit({".github/workflows/smoke.yml": "name: smoke\n"})
                self.branches[self.default_branch] = root
            return self.branches[self.default_branch]

    def resolve(self, ref: str) -> str:
        """A commit-ish as git reads it: a sha, `refs/heads/X`, `heads/X`, `refs/tags/X`,
        `tags/X`, or a bare name, which git resolves to a TAG before a branch."""
        with self.lock:
            if ref in self.commits:
                return ref
            if self.default_branch not in self.branches:
                self.default_head()
            for prefix, table in (("refs/heads/", self.branches), ("heads/", self.branches),
                                  ("refs/tags/", self.tags), ("tags/", self.tags)):
                if ref.startswith(prefix) and ref[len(prefix):] in table:
                    return table[ref[len(prefix):]]
            for table in (self.tags, self.branches):
                if ref in table:
                    return table[ref]
        raise _HttpError(404, "No commit found for the ref " + ref)

    def _run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        data = dict(run)
        if data["head_sha"] is None:  # a run of whatever the default branch holds now
            data["head_sha"] = self.default_head()
        return data

    def tree_sha(self, sha: str) -> str:
        """The git tree id of a commit: equal for two commits with the same files."""
        with self.lock:
            tree = self._commit(sha).tree
        entries = sorted((p, blob_sha(d)) for p, d in tree.items())
        return hashlib.sha1(repr(entries).encode()).hexdigest()

    def push(self, number: int, files: Mapping[str, str | bytes | None]) -> str:
        with self.lock:
            pull = self.pulls[number]
            pull.head = self.commit(files, parent=pull.head)
            return pull.head

    def add_status(self, sha: str, *, state: str, context: str, creator: User,
                   description: str | None = None, target_url: str | None = None
                   ) -> dict[str, Any]:
        with self.lock:
            status = {
                "url": f"{self.api_url}/repos/{self.full_name}/statuses/{sha}",
                "avatar_url": "https://avatars.example/u/1",
                "id": self._next_id(), "node_id": "SC_x", "state": state,
                "description": description, "target_url": target_url, "context": context,
                "created_at": _now(), "updated_at": _now(),
                "creator": creator.json(self.api_url),
            }
            self.statuses.setdefault(sha, []).append(status)
            return status

    def add_comment(self, number: int, body: str, *, user: User) -> dict[str, Any]:
        """A comment someone else wrote (a PR author, another bot)."""
        with self.lock:
            comment_id = self._next_id()
            api, full = self.api_url, self.full_name
            comment = {
                "id": comment_id, "node_id": "IC_x",
                "url": f"{api}/repos/{full}/issues/comments/{comment_id}",
                "html_url": f"{self.server_url}/{full}/pull/{number}#issuecomment-{comment_id}",
                "issue_url": f"{api}/repos/{full}/issues/{number}",
                "body": body, "user": user.json(api),
                "created_at": _now(), "updated_at": _now(), "author_association": "NONE",
            }
            self.comments[number].append(comment)
            return comment

    def add_run(self, *, path: str = ".github/workflows/smoke.yml",
                event: str = "workflow_dispatch", head_branch: str | None = None,
                display_title: str = "smoke", status: str = "in_progress",
                conclusion: str | None = None, repository: str | None = None,
                head_sha: str | None = None) -> int:
        """A workflow run; without `head_sha` it ran the default branch's head (when asked)."""
        with self.lock:
            run_id = self._next_id() * 1000 + 7
            repo = repository or self.full_name
            self.runs[run_id] = {
                "id": run_id, "name": "smoke", "node_id": "WFR_x",
                "head_branch": head_branch or self.default_branch,
                "head_sha": head_sha, "path": path, "display_title": display_title,
                "run_number": len(self.runs) + 1, "event": event, "status": status,
                "conclusion": conclusion, "workflow_id": 42,
                "url": f"{self.api_url}/repos/{repo}/actions/runs/{run_id}",
                "html_url": f"{self.server_url}/{repo}/actions/runs/{run_id}",
                "created_at": _now(), "updated_at": _now(), "run_started_at": _now(),
                "run_attempt": 1, "pull_requests": [],
                "repository": self._repo_json(repo),
                "head_repository": self._repo_json(repo),
            }
            return run_id

    def finish_run(self, run_id: int, conclusion: str = "success") -> None:
        with self.lock:
            self.runs[run_id].update(status="completed", conclusion=conclusion,
                                     updated_at=_now())

    def run_url(self, run_id: int) -> str:
        return self.runs[run_id]["html_url"]  # type: ignore[no-any-return]

    def fail(self, method: str, route: str, status: int, *, times: int = 1,
             retry_after: int | None = None, message: str | None = None) -> None:
        """Answer the next `times` requests to `route` with `status`."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if message is None:
            message = {
                403: "You have exceeded a secondary rate limit. Please wait a few minutes "
                     "before you try again.",
                429: "You have exceeded a secondary rate limit. Please retry your request "
                     "again later.",
            }.get(status, "Server Error")
        body = {"message": message,
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits"}
        with self.lock:
            self.faults.append(Fault(method, route, status, times, headers, body))

    def hold(self, method: str, route: str, parties: int, timeout: float = 10.0) -> None:
        """Answer no request to `route` until `parties` of them are waiting: lines concurrent
        runs up so that they really race (all read "no comment yet" at the same moment)."""
        with self.lock:
            self.barriers[(method, route)] = threading.Barrier(parties, timeout=timeout)

    def sticky_comments(self, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.get(number, [])
                    if c["body"].lstrip().startswith("<!-- release-gate:checklist")]

    def latest_status(self, sha: str, context: str) -> dict[str, Any] | None:
        with self.lock:
            found = [s for s in self.statuses.get(sha, []) if s["context"] == context]
            return found[-1] if found else None

    def writes(self) -> int:
        """Requests that change state (a GraphQL query is a POST that only reads)."""
        return sum(n for (method, route), n in self.calls.items()
                   if method != "GET" and (method, route) != ("POST", "/graphql"))

    def reset_counts(self) -> None:
        with self.lock:
            self.calls.clear()
            self.hits.clear()

    # -- JSON shapes -------------------------------------------------------------------

    def _repo_json(self, full_name: str | None = None) -> dict[str, Any]:
        full = full_name or self.full_name
        owner, name = full.split("/")
        api = self.api_url
        return {
            "id": 1296269, "node_id": "R_x", "name": name, "full_name": full, "private": False,
            "owner": User(owner, "Organization", 9).json(api),
            "html_url": f"{self.server_url}/{full}", "url": f"{api}/repos/{full}",
            "default_branch": self.default_branch, "fork": False,
            "statuses_url": f"{api}/repos/{full}/statuses/{{sha}}",
        }

    def _merge_base(self, base: str, head: str) -> str:
        ancestors = set()
        sha: str | None = head
        while sha:
            ancestors.add(sha)
            sha = self.commits[sha].parent
        sha = base
        while sha:
            if sha in ancestors:
                return sha
            sha = self.commits[sha].parent
        raise _HttpError(404, "No common ancestor between base and head.")

    def _diff_files(self, base: str, head: str) -> list[dict[str, Any]]:
        key = (base, head)
        if key in self._file_cache:
            return self._file_cache[key]
        old, new = self.commits[base].tree, self.commits[head].tree
        removed = {p for p in old if p not in new}
        added = {p for p in new if p not in old}
        renames: dict[str, str] = {}
        for path in sorted(added):
            match = next((r for r in sorted(removed) if old[r] == new[path]
                          and r not in renames.values()), None)
            if match is not None:
                renames[path] = match
        entries = []
        for path in sorted(set(old) | set(new)):
            if path in renames.values():
                continue
            before, after = old.get(path), new.get(path)
            if before == after:
                continue
            if path in renames:
                entries.append(self._file_entry(path, "renamed", old[renames[path]],
                                                new[path], head, previous=renames[path]))
                continue
            status = "added" if before is None else "removed" if after is None else "modified"
            entries.append(self._file_entry(path, status, before, after, head))
        self._file_cache[key] = entries
        return entries

    def _file_entry(self, path: str, status: str, before: bytes | None, after: bytes | None,
                    head: str, previous: str | None = None) -> dict[str, Any]:
        api, full = self.api_url, self.full_name
        data = after if after is not None else before
        assert data is not None
        entry: dict[str, Any] = {
            "sha": _gitlink(data) or blob_sha(data), "filename": path, "status": status,
            "additions": 0, "deletions": 0, "changes": 0,
            "blob_url": f"{self.server_url}/{full}/blob/{head}/{quote(path)}",
            "raw_url": f"{self.server_url}/{full}/raw/{head}/{quote(path)}",
            "contents_url": f"{api}/repos/{full}/contents/{quote(path)}?ref={head}",
        }
        if previous is not None:
            entry["previous_filename"] = previous
        if _gitlink(before) or _gitlink(after):
            # A submodule's patch is its pinned commit, as GitHub shows it.
            old_lines = [f"Subproject commit {_gitlink(before)}"] if before else []
            new_lines = [f"Subproject commit {_gitlink(after)}"] if after else []
            if _gitlink(before) is None and before is not None:
                old_lines = before.decode("utf-8", "replace").splitlines()
            if _gitlink(after) is None and after is not None:
                new_lines = after.decode("utf-8", "replace").splitlines()
            diff = list(difflib.unified_diff(old_lines, new_lines, lineterm="", n=3))[2:]
            entry["additions"] = sum(1 for d in diff if d.startswith("+"))
            entry["deletions"] = sum(1 for d in diff if d.startswith("-"))
            entry["changes"] = entry["additions"] + entry["deletions"]
            if path not in self.no_patch:
                entry["patch"] = "\n".join(diff)
            return entry
        binary = b"\0" in (before or b"") or b"\0" in (after or b"")
        if before == after:
            return entry  # a pure rename: no patch, no changes
        if binary:
            return entry  # GitHub sends no patch for binary files
        old_lines = (before or b"").decode("utf-8").splitlines()
        new_lines = (after or b"").decode("utf-8").splitlines()
        diff = list(difflib.unified_diff(old_lines, new_lines, lineterm="", n=3))[2:]
        entry["additions"] = sum(1 for d in diff if d.startswith("+"))
        entry["deletions"] = sum(1 for d in diff if d.startswith("-"))
        entry["changes"] = entry["additions"] + entry["deletions"]
        if path not in self.no_patch:
            entry["patch"] = "\n".join(diff)
        return entry

    def _pull_json(self, pull: Pull) -> dict[str, Any]:
        api, full = self.api_url, self.full_name
        files = self._diff_files(self._merge_base(pull.base, pull.head), pull.head)
        repo = self._repo_json()
        return {
            "url": f"{api}/repos/{full}/pulls/{pull.number}", "id": pull.number * 11,
            "node_id": "PR_x", "number": pull.number, "state": pull.state,
            "title": f"PR {pull.number}", "user": User("octocat").json(api),
            "html_url": f"{self.server_url}/{full}/pull/{pull.number}",
            "issue_url": f"{api}/repos/{full}/issues/{pull.number}",
            "statuses_url": f"{api}/repos/{full}/statuses/{pull.head}",
            "head": {"label": f"{(pull.head_repo or full).split('/')[0]}:{pull.head_ref}",
                     "ref": pull.head_ref, "sha": pull.head,
                     "repo": self._repo_json(pull.head_repo) | (
                         {"fork": True} if pull.head_repo else {}),
                     "user": User((pull.head_repo or full).split("/")[0]).json(api)},
            "base": {"label": f"{self.owner}:{pull.base_ref}", "ref": pull.base_ref,
                     "sha": pull.base, "repo": repo, "user": User(self.owner).json(api)},
            "merged": False, "mergeable": None, "comments": len(self.comments[pull.number]),
            "review_comments": 0, "commits": 1,
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
            "changed_files": len(files),
        }

    def event_payload(self, number: int, action: str = "synchronize") -> dict[str, Any]:
        """A `pull_request_target` webhook payload for the PR as it is now."""
        with self.lock:
            return {"action": action, "number": number,
                    "pull_request": self._pull_json(self.pulls[number]),
                    "repository": self._repo_json()}

    def _content_json(self, path: str, ref: str, data: bytes) -> dict[str, Any]:
        api, full = self.api_url, self.full_name
        large = len(data) > CONTENTS_INLINE_LIMIT
        return {
            "type": "file", "encoding": "none" if large else "base64", "size": len(data),
            "name": path.rsplit("/", 1)[-1], "path": path,
            "content": "" if large else base64.b64encode(data).decode(),
            "sha": blob_sha(data), "url": f"{api}/repos/{full}/contents/{quote(path)}?ref={ref}",
            "git_url": f"{api}/repos/{full}/git/blobs/{blob_sha(data)}",
            "html_url": f"{self.server_url}/{full}/blob/{ref}/{quote(path)}",
            "download_url": None,
        }

    def _status_list(self, sha: str) -> list[dict[str, Any]]:
        # GitHub lists a ref's statuses in reverse chronological order.
        return list(reversed(self.statuses.get(sha, [])))

    def _comment_json(self, comment: dict[str, Any]) -> dict[str, Any]:
        return dict(comment)

    # -- request handling --------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
               ) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        found = next(((p.match(path), t) for m, p, t in _ROUTES
                      if m == method and p.match(path)), None)
        if found is None or found[0] is None:
            return 404, {}, {"message": "Not Found"}
        match, template = found
        with self.lock:
            self.calls[(method, template)] += 1
            fault = next((f for f in self.faults if f.method == method
                          and f.route == template and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
            barrier = self.barriers.get((method, template))
        if barrier is not None:
            barrier.wait()
        if fault is not None:
            return fault.status, fault.headers, fault.body
        params = match.groupdict()
        if template.startswith("/codeload/"):  # codeload: the URL's token is the credential
            return self._GET_codeload_owner_repo_legacy_tar_gz_ref(params=params, query=query)
        user = self._auth(headers)
        if params.get("owner") and f"{params['owner']}/{params['repo']}" != self.full_name:
            raise _HttpError(404, "Not Found")
        handler = getattr(self, "_" + re.sub(r"\W+", "_", f"{method} {template}").strip("_"))
        payload = json.loads(body) if body else None
        return handler(params=params, query=query, payload=payload, user=user)

    def _auth(self, headers: Mapping[str, str]) -> User:
        value = headers.get("Authorization", "")
        token = value.split(" ", 1)[1] if " " in value else ""
        user = self.tokens.get(token)
        if user is None:
            raise _HttpError(401, "Bad credentials")
        return user

    def _paginate(self, items: list[Any], query: Mapping[str, str], route_path: str,
                  *, cap: int | None = None) -> tuple[int, dict[str, str], Any]:
        if cap is not None:
            items = items[:cap]
        per_page = max(1, min(100, int(query.get("per_page", 30))))
        page = max(1, int(query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        base = f"{self.api_url}{quote(route_path)}"
        if page < last:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, chunk

    def _pull(self, params: Mapping[str, str]) -> Pull:
        pull = self.pulls.get(int(params["number"]))
        if pull is None:
            raise _HttpError(404, "Not Found")
        return pull

    def _GET_repos_owner_repo(self, **kw: Any) -> tuple[int, dict[str, str], Any]:
        return 200, {}, self._repo_json()

    def _GET_repos_owner_repo_pulls_number(self, params: Mapping[str, str], **kw: Any
                                           ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            return 200, {}, self._pull_json(self._pull(params))

    def _GET_repos_owner_repo_pulls_number_files(self, params: Mapping[str, str],
                                                 query: Mapping[str, str], **kw: Any
                                                 ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            pull = self._pull(params)
            files = self._diff_files(self._merge_base(pull.base, pull.head), pull.head)
        path = f"/repos/{self.full_name}/pulls/{pull.number}/files"
        return self._paginate(files, query, path, cap=FILES_CAP)

    def _commit(self, ref: str) -> Commit:
        commit = self.commits.get(ref)
        if commit is None:
            raise _HttpError(404, "No commit found for the ref " + ref)
        return commit

    def _GET_repos_owner_repo_tarball_ref(self, params: Mapping[str, str], **kw: Any
                                          ) -> tuple[int, dict[str, str], Any]:
        """"Download a repository archive (tar)": a 302 to codeload; for a private repository
        the link carries a token and expires after five minutes (docs.github.com/rest/repos)."""
        with self.lock:
            sha = self._commit(params["ref"]).sha
            token = secrets.token_urlsafe(24)
            self.archive_tokens[token] = sha
        location = (f"{self.api_url}/codeload/{self.full_name}/legacy.tar.gz/{sha}"
                    f"?token={token}")
        return 302, {"Location": location}, None

    def _GET_codeload_owner_repo_legacy_tar_gz_ref(self, params: Mapping[str, str],
                                                   query: Mapping[str, str], **kw: Any
                                                   ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            allowed = self.archive_tokens.get(query.get("token", ""))
            if allowed is None or allowed != params["ref"]:
                raise _HttpError(404, "Not Found")
            commit = self._commit(allowed)
            data = tarball(commit, f"{self.owner}-{self.name}-{commit.sha[:7]}")
        return 200, {"Content-Type": "application/x-gzip",
                     "Content-Disposition": f"attachment; filename={self.owner}-{self.name}-"
                                            f"{commit.sha[:7]}.tar.gz"}, data

    def _GET_repos_owner_repo_contents_path(self, params: Mapping[str, str],
                                            query: Mapping[str, str], **kw: Any
                                            ) -> tuple[int, dict[str, str], Any]:
        ref = query.get("ref", "")
        with self.lock:
            # A branch or tag name, as GitHub takes it (default: the default branch).
            tree = self._commit(self.resolve(ref or self.default_branch)).tree
            data = tree.get(params["path"])
        if data is None:
            raise _HttpError(404, "Not Found")
        pinned = _gitlink(data)
        if pinned is not None:  # docs.github.com/rest/repos/contents: "type": "submodule"
            return 200, {}, {"type": "submodule", "name": params["path"].rsplit("/", 1)[-1],
                             "path": params["path"], "sha": pinned, "size": 0,
                             "submodule_git_url": "https://github.example/acme/lib.git",
                             "url": "", "git_url": None, "html_url": None,
                             "download_url": None}
        return 200, {}, self._content_json(params["path"], ref, data)

    def _GET_repos_owner_repo_rules_branches_branch(self, params: Mapping[str, str],
                                                    query: Mapping[str, str], **kw: Any
                                                    ) -> tuple[int, dict[str, str], Any]:
        # docs.github.com/rest/repos/rules#get-rules-for-a-branch: every ACTIVE rule applying
        # to the branch, each with its ruleset's source and id.
        with self.lock:
            rules = [{**rule, "ruleset_source_type": "Repository",
                      "ruleset_source": self.full_name, "ruleset_id": ruleset["id"]}
                     for ruleset in self.rulesets if ruleset["enforcement"] == "active"
                     and params["branch"] in ruleset["branches"]
                     for rule in ruleset["rules"]]
        return self._paginate(rules, query,
                              f"/repos/{self.full_name}/rules/branches/{params['branch']}")

    def _environment(self, params: Mapping[str, str]) -> dict[str, Any]:
        env = self.environments.get(params["name"])
        if env is None:
            raise _HttpError(404, "Not Found")
        return env

    def _GET_repos_owner_repo_environments_name(self, params: Mapping[str, str], **kw: Any
                                                ) -> tuple[int, dict[str, str], Any]:
        # docs.github.com/rest/deployments/environments#get-an-environment
        with self.lock:
            env = self._environment(params)
        api, full, name = self.api_url, self.full_name, params["name"]
        rules: list[dict[str, Any]] = []
        if env["reviewers"]:
            rules.append({"id": env["id"] + 1, "node_id": "GA_r", "type": "required_reviewers",
                          "prevent_self_review": False,
                          "reviewers": [{"type": "User",
                                         "reviewer": User(login, "User", 100 + i).json(api)}
                                        for i, login in enumerate(env["reviewers"])]})
        policy = None
        if env["branch_policy"] is not None:
            rules.append({"id": env["id"] + 2, "node_id": "GA_b", "type": "branch_policy"})
            policy = {"protected_branches": env["branch_policy"] == "protected",
                      "custom_branch_policies": env["branch_policy"] == "custom"}
        return 200, {}, {
            "id": env["id"], "node_id": "EN_x", "name": name,
            "url": f"{api}/repos/{full}/environments/{name}",
            "html_url": f"{self.server_url}/{full}/deployments/activity_log?environments_filter"
                        f"={name}",
            "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z",
            "can_admins_bypass": True, "protection_rules": rules,
            "deployment_branch_policy": policy,
        }

    def _GET_repos_owner_repo_environments_name_secrets(self, params: Mapping[str, str],
                                                        **kw: Any
                                                        ) -> tuple[int, dict[str, str], Any]:
        # docs.github.com/rest/actions/secrets#list-environment-secrets: names, never values.
        with self.lock:
            names = self._environment(params)["secrets"]
        return 200, {}, {"total_count": len(names), "secrets": [
            {"name": name, "created_at": "2026-11-01T10:00:00Z",
             "updated_at": "2026-11-01T10:00:00Z"} for name in names]}

    def _GET_repos_owner_repo_environments_name_deployment_branch_policies(
            self, params: Mapping[str, str], **kw: Any) -> tuple[int, dict[str, str], Any]:
        # docs.github.com/rest/deployments/branch-policies#list-deployment-branch-policies
        with self.lock:
            env = self._environment(params)
        policies = env["branch_policies"] if env["branch_policy"] == "custom" else ()
        return 200, {}, {"total_count": len(policies), "branch_policies": [
            {"id": env["id"] + 10 + i, "node_id": "MDE2", "name": name, "type": "branch"}
            for i, name in enumerate(policies)]}

    def _GET_repos_owner_repo_git_blobs_sha(self, params: Mapping[str, str], **kw: Any
                                            ) -> tuple[int, dict[str, str], Any]:
        data = self.blobs.get(params["sha"])
        if data is None:
            raise _HttpError(404, "Not Found")
        return 200, {}, {"sha": params["sha"], "size": len(data), "encoding": "base64",
                         "content": base64.b64encode(data).decode(), "node_id": "B_x",
                         "url": f"{self.api_url}/repos/{self.full_name}/git/blobs/"
                                f"{params['sha']}"}

    def _GET_repos_owner_repo_git_trees_sha(self, params: Mapping[str, str], **kw: Any
                                            ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            tree = self._commit(params["sha"]).tree
        entries = [{"path": p, "mode": "100644", "type": "blob", "sha": blob_sha(d),
                    "size": len(d),
                    "url": f"{self.api_url}/repos/{self.full_name}/git/blobs/{blob_sha(d)}"}
                   if _gitlink(d) is None else
                   {"path": p, "mode": "160000", "type": "commit", "sha": _gitlink(d)}
                   for p, d in sorted(tree.items())]
        return 200, {}, {"sha": params["sha"], "url": "", "tree": entries, "truncated": False}

    def _GET_repos_owner_repo_compare_basehead(self, params: Mapping[str, str],
                                               query: Mapping[str, str], **kw: Any
                                               ) -> tuple[int, dict[str, str], Any]:
        # docs.github.com/rest/commits/commits#compare-two-commits: `{base}...{head}`, each a
        # branch, tag or sha; `status` is head relative to base (`behind`: head is an ancestor).
        base_ref, _, head_ref = params["basehead"].partition("...")
        with self.lock:
            base, head = self.resolve(base_ref), self.resolve(head_ref)
            merge_base = self._merge_base(base, head)
            files = self._diff_files(merge_base, head)
            ahead = behind = 0
            sha: str | None = head
            while sha and sha != merge_base:
                ahead += 1
                sha = self.commits[sha].parent
            sha = base
            while sha and sha != merge_base:
                behind += 1
                sha = self.commits[sha].parent
        status = ("identical" if ahead == behind == 0 else "ahead" if behind == 0
                  else "behind" if ahead == 0 else "diverged")
        api, full = self.api_url, self.full_name

        def commit_json(sha: str) -> dict[str, Any]:
            return {"sha": sha, "url": f"{api}/repos/{full}/commits/{sha}",
                    "html_url": f"{self.server_url}/{full}/commit/{sha}", "parents": []}

        asked = f"{base_ref}...{head_ref}"  # GitHub echoes the refs as asked, and pins shas
        return 200, {}, {
            "url": f"{api}/repos/{full}/compare/{asked}",
            "html_url": f"{self.server_url}/{full}/compare/{asked}",
            "permalink_url": f"{self.server_url}/{full}/compare/{self.owner}:{base}..."
                             f"{self.owner}:{head}",
            "diff_url": f"{self.server_url}/{full}/compare/{asked}.diff",
            "patch_url": f"{self.server_url}/{full}/compare/{asked}.patch",
            "status": status, "ahead_by": ahead, "behind_by": behind,
            "total_commits": ahead, "base_commit": commit_json(base),
            "merge_base_commit": commit_json(merge_base), "commits": [],
            "files": files[:COMPARE_FILES_CAP],
        }

    def _POST_repos_owner_repo_statuses_sha(self, params: Mapping[str, str], payload: Any,
                                            user: User, **kw: Any
                                            ) -> tuple[int, dict[str, str], Any]:
        state = (payload or {}).get("state")
        if state not in ("error", "failure", "pending", "success"):
            raise _HttpError(422, "Validation Failed")
        with self.lock:
            self._commit(params["sha"])
            status = self.add_status(params["sha"], state=state,
                                     context=payload.get("context", "default"), creator=user,
                                     description=payload.get("description"),
                                     target_url=payload.get("target_url"))
        return 201, {}, status

    def _GET_repos_owner_repo_statuses_sha(self, params: Mapping[str, str],
                                           query: Mapping[str, str], **kw: Any
                                           ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            items = self._status_list(params["sha"])
        return self._paginate(items, query, f"/repos/{self.full_name}/statuses/{params['sha']}")

    def _GET_repos_owner_repo_commits_sha_statuses(self, params: Mapping[str, str],
                                                   query: Mapping[str, str], **kw: Any
                                                   ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            items = self._status_list(params["sha"])
        return self._paginate(items, query,
                              f"/repos/{self.full_name}/commits/{params['sha']}/statuses")

    def _GET_repos_owner_repo_commits_sha_status(self, params: Mapping[str, str], **kw: Any
                                                 ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            latest: dict[str, dict[str, Any]] = {}
            for status in self.statuses.get(params["sha"], []):
                latest[status["context"]] = status
        states = {s["state"] for s in latest.values()}
        combined = ("failure" if states & {"failure", "error"} else
                    "pending" if "pending" in states or not states else "success")
        return 200, {}, {"state": combined, "sha": params["sha"],
                         "total_count": len(latest), "statuses": list(latest.values()),
                         "repository": self._repo_json()}

    def _GET_repos_owner_repo_issues_number_comments(self, params: Mapping[str, str],
                                                     query: Mapping[str, str], **kw: Any
                                                     ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            items = [dict(c) for c in self.comments.get(int(params["number"]), [])]
        return self._paginate(items, query,
                              f"/repos/{self.full_name}/issues/{params['number']}/comments")

    def _POST_repos_owner_repo_issues_number_comments(self, params: Mapping[str, str],
                                                      payload: Any, user: User, **kw: Any
                                                      ) -> tuple[int, dict[str, str], Any]:
        number = int(params["number"])
        # Real comment creation takes a while and is not serialised against listing: concurrent
        # "list, none found, create" runs all create (what the command must dedupe).
        time.sleep(random.uniform(0, self.comment_race_delay))
        with self.lock:
            if number not in self.comments:
                raise _HttpError(404, "Not Found")
            comment_id = self._next_id()
            api, full = self.api_url, self.full_name
            comment = {
                "id": comment_id, "node_id": "IC_x",
                "url": f"{api}/repos/{full}/issues/comments/{comment_id}",
                "html_url": f"{self.server_url}/{full}/pull/{number}#issuecomment-{comment_id}",
                "issue_url": f"{api}/repos/{full}/issues/{number}",
                "body": payload["body"], "user": user.json(api),
                "created_at": _now(), "updated_at": _now(),
                "author_association": "CONTRIBUTOR",
            }
            self.comments[number].append(comment)
        return 201, {}, dict(comment)

    def _find_comment(self, comment_id: int) -> tuple[int, dict[str, Any]]:
        for number, comments in self.comments.items():
            for comment in comments:
                if comment["id"] == comment_id:
                    return number, comment
        raise _HttpError(404, "Not Found")

    def _GET_repos_owner_repo_issues_comments_id(self, params: Mapping[str, str], **kw: Any
                                                 ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            return 200, {}, dict(self._find_comment(int(params["id"]))[1])

    def _PATCH_repos_owner_repo_issues_comments_id(self, params: Mapping[str, str],
                                                   payload: Any, **kw: Any
                                                   ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            _, comment = self._find_comment(int(params["id"]))
            comment["body"] = payload["body"]
            comment["updated_at"] = _now()
            return 200, {}, dict(comment)

    def _DELETE_repos_owner_repo_issues_comments_id(self, params: Mapping[str, str], **kw: Any
                                                    ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            number, comment = self._find_comment(int(params["id"]))
            self.comments[number].remove(comment)
        return 204, {}, None

    def _GET_repos_owner_repo_actions_workflows_workflow_runs(
            self, params: Mapping[str, str], query: Mapping[str, str], **kw: Any
    ) -> tuple[int, dict[str, str], Any]:
        # List workflow runs for a workflow (docs.github.com/rest/actions/workflow-runs): newest
        # first, filtered by branch / event / status ("success" filters on the conclusion),
        # wrapped as {"total_count", "workflow_runs"}.
        workflow = params["workflow"]
        with self.lock:
            runs = [self._run_json(r) for r in reversed(self.runs.values())
                    if r["path"].rsplit("/", 1)[-1] == workflow or str(r["workflow_id"])
                    == workflow]
        if "branch" in query:
            runs = [r for r in runs if r["head_branch"] == query["branch"]]
        if "event" in query:
            runs = [r for r in runs if r["event"] == query["event"]]
        if "status" in query:
            wanted = query["status"]
            runs = [r for r in runs if wanted in (r["status"], r["conclusion"])]
        code, headers, chunk = self._paginate(
            runs, query, f"/repos/{self.full_name}/actions/workflows/{workflow}/runs")
        return code, headers, {"total_count": len(runs), "workflow_runs": chunk}

    def _GET_repos_owner_repo_git_commits_sha(self, params: Mapping[str, str], **kw: Any
                                              ) -> tuple[int, dict[str, str], Any]:
        sha = params["sha"]
        with self.lock:
            commit = self._commit(sha)
        api, full = self.api_url, self.full_name
        person = {"name": "octocat", "email": "octocat@example.com", "date": _now()}
        tree = self.tree_sha(sha)
        parents = [{"sha": commit.parent, "url": f"{api}/repos/{full}/git/commits/{commit.parent}",
                    "html_url": f"{self.server_url}/{full}/commit/{commit.parent}"}
                   ] if commit.parent else []
        return 200, {}, {
            "sha": sha, "node_id": "C_x", "url": f"{api}/repos/{full}/git/commits/{sha}",
            "html_url": f"{self.server_url}/{full}/commit/{sha}", "author": person,
            "committer": person, "message": "commit",
            "tree": {"sha": tree, "url": f"{api}/repos/{full}/git/trees/{tree}"},
            "parents": parents,
            "verification": {"verified": False, "reason": "unsigned", "signature": None,
                             "payload": None, "verified_at": None},
        }

    def _GET_repos_owner_repo_pulls(self, query: Mapping[str, str], **kw: Any
                                    ) -> tuple[int, dict[str, str], Any]:
        state = query.get("state", "open")
        with self.lock:
            items = [self._pull_json(p) for n, p in sorted(self.pulls.items(), reverse=True)
                     if state == "all" or p.state == state]
        return self._paginate(items, query, f"/repos/{self.full_name}/pulls")

    def _GET_repos_owner_repo_branches_branch(self, params: Mapping[str, str], **kw: Any
                                              ) -> tuple[int, dict[str, str], Any]:
        name = params["branch"]
        with self.lock:
            sha = self.branches.get(name)
        if sha is None:
            raise _HttpError(404, "Branch not found")
        api, full = self.api_url, self.full_name
        return 200, {}, {
            "name": name, "protected": False,
            "commit": {"sha": sha, "node_id": "C_x", "url": f"{api}/repos/{full}/commits/{sha}",
                       "html_url": f"{self.server_url}/{full}/commit/{sha}",
                       "commit": {"message": "commit", "tree": {"sha": self.tree_sha(sha)}},
                       "parents": []},
            "_links": {"self": f"{api}/repos/{full}/branches/{name}",
                       "html": f"{self.server_url}/{full}/tree/{name}"},
        }

    def _GET_user(self, user: User, headers: Mapping[str, str] | None = None, **kw: Any
                  ) -> tuple[int, dict[str, str], Any]:
        """GET /user: the token's own user; an app installation token (GITHUB_TOKEN) gets 403
        "Resource not accessible by integration" (docs.github.com/rest/users/users)."""
        if user.type == "Bot":
            return 403, {}, {"message": "Resource not accessible by integration",
                             "documentation_url": "https://docs.github.com/rest/users/users"
                                                  "#get-the-authenticated-user",
                             "status": "403"}
        return 200, {}, user.json(self.api_url)

    def _GET_repos_owner_repo_actions_runs_id(self, params: Mapping[str, str], **kw: Any
                                             ) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            run = self.runs.get(int(params["id"]))
            if run is None:
                raise _HttpError(404, "Not Found")
            return 200, {}, self._run_json(run)


    def _POST_graphql(self, payload: Any, **kw: Any) -> tuple[int, dict[str, str], Any]:
        """Many blobs in one query, as GitHub's GraphQL API answers it: HTTP 200 with `data`,
        or with `errors` for a query it cannot run; `object` is null for a path that does not
        exist, a Blob's `text` is null when binary and cut at GRAPHQL_TEXT_LIMIT."""
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            raise _HttpError(400, "Problems parsing JSON")
        variables = payload.get("variables") or {}
        shape = _GRAPHQL_QUERY.match(payload["query"])
        objects = list(_GRAPHQL_OBJECT.finditer(shape.group("objects"))) if shape else []
        if shape is None or "".join(m.group(0) for m in objects).strip() != \
                shape.group("objects").strip():
            return 200, {}, {"errors": [{"message": "the fake serves repository { object } "
                                                    "blob queries only"}]}
        if f"{variables.get('owner')}/{variables.get('name')}" != self.full_name:
            return 200, {}, {"data": {"repository": None}, "errors": [
                {"type": "NOT_FOUND", "path": ["repository"],
                 "message": "Could not resolve to a Repository with the name "
                            f"'{variables.get('owner')}/{variables.get('name')}'."}]}
        repository: dict[str, Any] = {}
        for found in objects:
            fields = set(found.group("fields").split())
            if not fields or not fields <= _BLOB_FIELDS:
                return 200, {}, {"errors": [{"message": f"unknown Blob fields {sorted(fields)}"}]}
            expression = variables.get(found.group("var"))
            if not isinstance(expression, str):
                return 200, {}, {"errors": [{"message": f"Variable ${found.group('var')} of "
                                                        "type String! was provided invalid value"}]}
            repository[found.group("alias")] = self._graphql_object(expression, fields)
        return 200, {}, {"data": {"repository": repository}}

    def _graphql_object(self, expression: str, fields: set[str]) -> dict[str, Any] | None:
        rev, _, path = expression.partition(":")
        with self.lock:
            commit = self.commits.get(rev)
            tree = commit.tree if commit else {}
        data = tree.get(path)
        if _gitlink(data) is not None:
            return {}  # a submodule resolves to a Commit, which does not match `... on Blob`
        if data is None:
            is_dir = any(p.startswith(path.rstrip("/") + "/") for p in tree)
            return {} if is_dir else None  # a Tree does not match `... on Blob`
        binary = b"\0" in data[:8000]  # git's own test for binary content
        text = None if binary else data[:GRAPHQL_TEXT_LIMIT].decode("utf-8", "replace")
        blob = {"text": text, "isBinary": binary, "byteSize": len(data),
                "isTruncated": len(data) > GRAPHQL_TEXT_LIMIT, "oid": blob_sha(data)}
        return {key: value for key, value in blob.items() if key in fields}


def tarball(commit: Commit, prefix: str) -> bytes:
    """The commit's files as `git archive --format=tar.gz --prefix=PREFIX/` lays them out: one
    top folder, and the commit id as the pax global header's `comment` (git-archive(1))."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": commit.sha}) as archive:
        for path in sorted(commit.tree):
            data = commit.tree[path]
            info = tarfile.TarInfo(f"{prefix}/{path}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms
        # to every response (a real server does not do that).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.owner
        try:
            status, headers, payload = fake.handle(self.command, self.path, self.headers, body)
        except _HttpError as error:
            status, headers, payload = error.status, error.headers, error.body
        except Exception as error:  # a bug in the fake: say so loudly, as a 500
            status, headers, payload = 500, {}, {"message": f"fake crashed: {error!r}"}
        with fake.lock:
            route = next((t for m, p, t in _ROUTES if m == self.command
                          and p.match(unquote(urlsplit(self.path).path))), "?")
            fake.hits.append(Hit(time.monotonic(), self.command, route, self.path, status))
        raw = isinstance(payload, bytes)
        data = payload if isinstance(payload, bytes) else (
            b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        if not raw:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", "4999")
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve
