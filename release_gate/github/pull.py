"""A PR's change context: the `ChangeContext` the rules read, built from the GitHub API.

`pull_context` lists every changed file of a PR through the client (client.py), parses the API's
hunks (patch.py) and, when given a local clone, reads contents from the git adapter instead. It
decides no policy and never talks to GitHub except through `GitHub`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from release_gate.core.changes import ChangeSet, FileChange, FileStatus, arrived_whole
from release_gate.core.context import ClosableContext
from release_gate.errors import GitError, GitHubError
from release_gate.git import fetch
from release_gate.github.client import (
    COMPARE_FILES_CAP,
    FILES_CAP,
    ApiFile,
    Comparison,
    GitHub,
    GitHubEnv,
    PullInfo,
    TreeKind,
)
from release_gate.github.patch import (
    PatchError,
    decode_text,
    diff_texts,
    parse_hunks,
    pins_a_submodule,
)

_STATUS = {
    "added": FileStatus.ADDED, "removed": FileStatus.DELETED, "modified": FileStatus.MODIFIED,
    "renamed": FileStatus.RENAMED, "copied": FileStatus.COPIED,
    "changed": FileStatus.TYPE_CHANGED, "unchanged": FileStatus.MODIFIED,
}
# Files without a patch are diffed from their contents: two reads each, so bound the cost.
MAX_CONTENT_FILES = 100
# The git adapter's word for a gitlink (git/diff.py): the same change reads the same both ways.
SUBMODULE = "submodule"


class HeadMoved(GitHubError):
    """The files API answered for a newer head than the one we are judging."""

    def __init__(self, expected: str, seen: str) -> None:
        super().__init__(f"the PR head moved from {expected[:7]} to {seen[:7]} while reading it")
        self.expected = expected
        self.seen = seen


def event_pull(env: GitHubEnv, number: int) -> PullInfo | None:
    """The PR from the Actions event payload (saves one API call), when it is this PR.

    Only `pull_request_target`/`pull_request` events carry it. The payload can be older than the
    PR (a re-run reuses it): `pull_context` checks every file entry against its head SHA and the
    command re-reads the PR when the head moved (HeadMoved).
    """
    if env.event_name not in ("pull_request_target", "pull_request") or not env.event_path:
        return None
    try:
        with open(env.event_path, encoding="utf-8") as handle:
            payload = json.load(handle)
        data = payload["pull_request"]
        if int(data["number"]) != number:
            return None
        if str(payload["repository"]["full_name"]).lower() != env.repository.lower():
            return None
        if "changed_files" not in data or "comments" not in data:
            return None
        return PullInfo.from_json(data, source="event")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def comparison_context(api: GitHub, comparison: Comparison, *, base: str, head: str
                       ) -> PullContext | None:
    """base...head from a compare answer, or None when its file list may be cut (>= 300)."""
    if len(comparison.files) >= COMPARE_FILES_CAP:
        return None
    files = tuple(_from_patch(f) or _unknown(
        f.filename, _STATUS.get(f.status, FileStatus.MODIFIED), f.previous_filename,
        "renamed or copied: the compare API gives no whole content" if f.previous_filename
        else "no patch from the compare API") for f in comparison.files)
    return PullContext(api, base=comparison.merge_base, head=head, files=files,
                       merge_base=lambda: comparison.merge_base)


def commits_context(api: GitHub, *, base: str, head: str) -> PullContext:
    """base...head of any two commits (a merge queue's group), through one compare call.

    The compare API lists at most 300 files: a change that may be cut is refused (an `error`
    status, never a judgment of part of it).
    """
    comparison = api.compare(base, head)
    ctx = comparison_context(api, comparison, base=base, head=head)
    if ctx is None:
        raise GitHubError(f"{base[:7]}...{head[:7]} changes {COMPARE_FILES_CAP} files or more, "
                          "more than the compare API lists: it cannot be judged as a whole")
    return ctx


class PullContext:
    """A ChangeContext for base...head of a PR, over the API (and a local clone when given)."""

    def __init__(self, api: GitHub, *, base: str, head: str, files: tuple[FileChange, ...],
                 merge_base: Callable[[], str], local: ClosableContext | None = None,
                 notes: tuple[str, ...] = ()) -> None:
        self._api = api
        self._changes = ChangeSet(base=base, head=head, files=files)
        self._merge_base = merge_base
        self._local = local
        self.notes = notes
        self._cache: dict[tuple[str, str], bytes | None] = {}
        self._paths: tuple[str, ...] | None = None

    @property
    def changes(self) -> ChangeSet:
        return self._changes

    def read_base(self, path: str) -> bytes | None:
        if self._local is not None:
            return self._local.read_base(path)
        return self._read(path, self._merge_base())

    def read_head(self, path: str) -> bytes | None:
        if self._local is not None:
            return self._local.read_head(path)
        return self._read(path, self._changes.head)

    def read_bases(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        if self._local is not None:
            return self._local.read_bases(paths)
        base = self._merge_base()
        return self._read_many([(base, path) for path in paths])

    def read_heads(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        if self._local is not None:
            return self._local.read_heads(paths)
        head = self._changes.head
        wanted = [(head, path) for path in paths]
        # The rules that read a changed file at the head (the AST rules) compare it with its
        # base: both sides go in the same query, so a PR costs one query, not two.
        by_path = self._changes.by_path()
        olds = [by_path[path].old_path or path for _, path in wanted if path in by_path
                and by_path[path].status is not FileStatus.ADDED]
        extra = [(self._merge_base(), old) for old in olds] if olds else []
        return self._read_many(wanted, also=extra)

    def head_paths(self) -> Iterable[str]:
        if self._local is not None:
            return self._local.head_paths()
        if self._paths is None:
            self._paths = tuple(sorted(self._api.tree(self._changes.head)))
        return self._paths

    def _read(self, path: str, ref: str) -> bytes | None:
        key = (ref, path)
        if key not in self._cache:
            self._cache[key] = self._api.read(path, ref)
        return self._cache[key]

    def _read_many(self, wanted: list[tuple[str, str]], *, also: Iterable[tuple[str, str]] = ()
                   ) -> dict[str, bytes | None]:
        # One GraphQL query for what is not cached yet, instead of a contents call per file.
        missing = [key for key in [*wanted, *also] if key not in self._cache]
        if missing:
            self._cache.update(self._api.read_many(missing))
        return {path: self._cache[(ref, path)] for ref, path in wanted}

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None


def _open_local(clone: str | None, base: str, head: str, merge_base: Callable[[], str]
                ) -> tuple[ClosableContext | None, tuple[str, ...]]:
    """The git adapter's context over a local clone holding both commits, or None and a note
    that says why (the job log and the comment show it: a fallback is never silent).

    A shallow clone (the workflow's history-independent set-up, docs/github.md) gets GitHub's
    merge base (the compare API's `merge_base_commit`) fetched into it (git/fetch.py).
    """
    if not clone:
        return None, ()
    try:
        return fetch.clone_context(clone, base, head, merge_base), ()
    except GitError as error:
        return None, (f"the local clone ({clone}) could not be read ({error}): judged through "
                      "the GitHub API instead",)


def _from_patch(entry: ApiFile) -> FileChange | None:
    """The FileChange of an API entry, or None when its lines must come from elsewhere."""
    status = _STATUS.get(entry.status, FileStatus.MODIFIED)
    if status in (FileStatus.RENAMED, FileStatus.COPIED):
        return None  # its whole content is judged (changes.arrived_whole), not the patch
    if entry.patch is None:
        return None
    old_path = None
    try:
        lines = parse_hunks(entry.patch)
    except PatchError as error:
        return FileChange(entry.filename, status, old_path, content_known=False,
                          unknown_reason=f"unreadable patch from the API ({error})")
    if pins_a_submodule(lines):
        return _unknown(entry.filename, status, old_path, SUBMODULE)
    return FileChange(entry.filename, status, old_path, lines.added, lines.removed)


def _from_contents(path: str, status: FileStatus, old_path: str | None,
                   old: bytes | None, new: bytes | None, *, what: str) -> FileChange:
    old_text = "" if old is None else decode_text(old)
    new_text = "" if new is None else decode_text(new)
    if old_text is None or new_text is None:
        return FileChange(path, status, old_path, content_known=False,
                          unknown_reason=f"binary file ({what})")
    lines = diff_texts(old_text, new_text)
    return FileChange(path, status, old_path, lines.added, lines.removed)


def _unknown(path: str, status: FileStatus, old_path: str | None, reason: str) -> FileChange:
    return FileChange(path, status, old_path, content_known=False, unknown_reason=reason)


class _MergeBase:
    def __init__(self, api: GitHub, base: str, head: str) -> None:
        self._api, self._base, self._head = api, base, head
        self._value: str | None = None

    def __call__(self) -> str:
        if self._value is None:
            self._value = self._api.compare(self._base, self._head).merge_base
        return self._value


def pull_context(api: GitHub, pull: PullInfo, *, clone: str | None = None) -> PullContext:
    """Every changed file of the PR, with its lines: never a partial list (docs/design.md §6).

    1. the files API (one page per 100 files, patches parsed) is the list, and binds it to the
       head we judge (every entry names the commit it was computed at);
    2. a local clone holding both commits (`--clone`: the workflow's base checkout with the PR
       head fetched as data) serves every file read the rules make, so content reads cost no
       API calls, and fills in what the API leaves out;
    3. a file without `patch` (large or binary) and no clone: both versions read from the API
       and diffed here, else content unknown (content rules then fail closed);
    4. a PR over the API's 3,000-file cap: the clone's whole diff, else the complete list from
       the two trees (merge base and head), with the API's patches where it gave them.
    """
    entries = api.pull_files(pull.number)
    for entry in entries:
        if entry.ref and entry.ref != pull.head_sha:
            raise HeadMoved(pull.head_sha, entry.ref)
    merge_base = _MergeBase(api, pull.base_sha, pull.head_sha)
    local, fallback = _open_local(clone, pull.base_sha, pull.head_sha, merge_base)
    complete = len(entries) == pull.changed_files and len(entries) <= FILES_CAP
    if not complete:
        note = (f"the files API listed {len(entries)} of {pull.changed_files} changed files "
                f"(its cap is {FILES_CAP})")
        if local is not None:
            return PullContext(api, base=pull.base_sha, head=pull.head_sha,
                               files=local.changes.files, merge_base=merge_base, local=local,
                               notes=(f"{note}: judged from the local clone's git diff",))
        files = _from_trees(api, pull, entries, merge_base)
        return PullContext(api, base=pull.base_sha, head=pull.head_sha, files=files,
                           merge_base=merge_base,
                           notes=(*fallback,
                                  f"{note}: judged from the full trees of both commits"))
    changes: list[FileChange] = []
    missing: list[ApiFile] = []
    for entry in entries:
        change = _from_patch(entry)
        if change is None:
            missing.append(entry)
        changes.append(change or _unknown(entry.filename, FileStatus.MODIFIED, None, "pending"))
    notes: tuple[str, ...] = fallback
    if missing:
        filled = _fill_missing(api, pull, missing, merge_base, local)
        changes = [filled.get(c.path, c) for c in changes]
        notes = (*notes, f"{len(missing)} file(s) renamed, copied or without a patch in the API: "
                 f"read {'from the local clone' if local is not None else 'from their contents'}")
    return PullContext(api, base=pull.base_sha, head=pull.head_sha, files=tuple(changes),
                       merge_base=merge_base, local=local, notes=notes)


def _fill_missing(api: GitHub, pull: PullInfo, missing: list[ApiFile],
                  merge_base: Callable[[], str], local: ClosableContext | None
                  ) -> dict[str, FileChange]:
    filled: dict[str, FileChange] = {}
    by_path = local.changes.by_path() if local is not None else {}
    for count, entry in enumerate(missing):
        status = _STATUS.get(entry.status, FileStatus.MODIFIED)
        old_path = entry.previous_filename if status in (FileStatus.RENAMED, FileStatus.COPIED) \
            else None
        if entry.filename in by_path:
            filled[entry.filename] = by_path[entry.filename]
            continue
        if count >= MAX_CONTENT_FILES:
            filled[entry.filename] = _unknown(
                entry.filename, status, old_path,
                f"no patch from the API and more than {MAX_CONTENT_FILES} such files")
            continue
        if old_path is not None:  # renamed or copied: content that arrives at a path is new there
            old = api.read(old_path, merge_base()) if status is FileStatus.RENAMED else None
            filled[entry.filename] = arrived_whole(
                FileChange(entry.filename, status, old_path), old,
                api.read(entry.filename, pull.head_sha))
            continue
        old = None if status is FileStatus.ADDED else api.read(entry.filename, merge_base())
        new = None if status is FileStatus.DELETED else api.read(entry.filename, pull.head_sha)
        if (old is None and status is not FileStatus.ADDED) or (
                new is None and status is not FileStatus.DELETED):
            # The API lists it as changed but it is no file at one side: a submodule (the
            # contents API's `type: submodule`), a directory, a type change. Fail closed.
            filled[entry.filename] = _unknown(
                entry.filename, status, old_path,
                f"{SUBMODULE} or other non-file entry: no patch and no file content from the API")
            continue
        filled[entry.filename] = _from_contents(entry.filename, status, old_path, old, new,
                                                what="no patch from the API")
    return filled


def _from_trees(api: GitHub, pull: PullInfo, entries: list[ApiFile],
                merge_base: Callable[[], str]) -> tuple[FileChange, ...]:
    base_tree = api.tree(merge_base())
    head_tree = api.tree(pull.head_sha)
    by_name = {e.filename: e for e in entries}
    handled: set[str] = set()
    changes: list[FileChange] = []
    reads = 0
    for path in sorted(set(base_tree) | set(head_tree)):
        if path in handled or base_tree.get(path) == head_tree.get(path):
            continue
        entry = by_name.get(path)
        # Use the API's patch only when it is for exactly this blob (same head tree).
        if entry is not None and entry.sha in {item.sha for item in (
                head_tree.get(path), base_tree.get(path)) if item is not None}:
            change = _from_patch(entry)
            if change is not None:
                changes.append(change)
                handled.update(change.paths)
                continue
        status = (FileStatus.ADDED if path not in base_tree
                  else FileStatus.DELETED if path not in head_tree else FileStatus.MODIFIED)
        if any(item.kind == TreeKind.SUBMODULE
               for item in (base_tree.get(path), head_tree.get(path)) if item is not None):
            changes.append(_unknown(path, status, None, SUBMODULE))
            continue
        if reads >= MAX_CONTENT_FILES:
            changes.append(_unknown(path, status, None,
                                    "beyond the files API's cap and too many files to read"))
            continue
        reads += 1
        old = api.blob(base_tree[path].sha) if path in base_tree else None
        new = api.blob(head_tree[path].sha) if path in head_tree else None
        changes.append(_from_contents(path, status, None, old, new,
                                      what="beyond the files API's cap"))
    # A renamed file's old path was covered by its API entry; drop a duplicate deletion.
    return tuple(sorted(changes, key=lambda c: c.path))
