"""The local-git adapter: a ChangeContext for `base...head` of a repository on disk.

The whole diff comes from ONE `git diff` process (raw records + patches, parsed by diff.py);
file contents come from one long-lived `git cat-file --batch`, only for the files a rule asks
for. Nothing here decides policy.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

from release_gate.core.changes import ChangeSet, FileChange, FileStatus, arrived_whole
from release_gate.errors import GitError, GitLookupError
from release_gate.git import isolation
from release_gate.git.diff import parse_raw_and_patch

_SYMLINK_MODE = b"120000"
_MAX_SYMLINK_HOPS = 8


def run_git(repo: Path | str, args: Sequence[str], *, stdin: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
    """Run git isolated from user and repository settings (isolation.py); raise on failure."""
    try:
        result = subprocess.run(
            isolation.command(args), cwd=repo, input=stdin, capture_output=True, check=False,
            env=dict(env) if env is not None else isolation.environment(),
        )
    except FileNotFoundError:
        if not Path(repo).exists():
            raise GitLookupError(f"{repo}: no such directory") from None
        raise GitError("git is not installed (needed to read the local repository)") from None
    except NotADirectoryError:
        raise GitLookupError(f"{repo}: not a directory (expected a git repository)") from None
    except OSError as error:
        raise GitLookupError(f"{repo}: cannot run git there: {error.strerror}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit {result.returncode}"
        raise GitError(f"git {args[0]} failed in {repo}: {detail}")
    return result.stdout


def git_dir(repo: Path) -> str:
    try:
        return run_git(repo, ["rev-parse", "--absolute-git-dir"]).decode(
            "utf-8", "surrogateescape").strip()
    except GitLookupError:
        raise
    except GitError as error:
        raise GitLookupError(f"not a git repository: {repo} ({error})") from None


def has_uncommitted_changes(repo: Path) -> bool:
    """Tracked changes (staged or not) or untracked files in the working tree."""
    return run_git(repo, ["status", "--porcelain", "--ignore-submodules=none"]).strip() != b""


def resolve(repo: Path, rev: str) -> str:
    try:
        out = run_git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                             f"{rev}^{{commit}}"])
    except GitLookupError:
        raise
    except GitError:
        raise GitLookupError(f"unknown revision {rev!r} in {repo}") from None
    return out.decode().strip()


_OBJECT_NAME = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _resolve_together(repo: Path, head: str, other: str) -> tuple[str, str, str] | None:
    """(git dir, head commit, other commit) from one `git rev-parse`, where three processes
    did it (check's fixed cost, bench/startup.py); None on any doubt (the caller then asks one
    at a time, and says which one is wrong)."""
    if head.startswith("-") or other.startswith("-"):
        return None  # an option to rev-parse (its --end-of-options is printed, not obeyed)
    try:
        out = run_git(repo, ["rev-parse", "--absolute-git-dir", f"{head}^{{commit}}",
                             f"{other}^{{commit}}"])
    except GitError:
        return None
    lines = out.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) != 4 or lines[3] or not all(_OBJECT_NAME.fullmatch(x) for x in lines[1:3]):
        return None
    return lines[0], lines[1], lines[2]


def _merge_base(repo: Path, base: str, head: str) -> str:
    try:
        return run_git(repo, ["merge-base", base, head]).decode().strip()
    except GitError:
        raise GitError(f"{base} and {head} have no common ancestor in {repo}") from None


def default_base(repo: Path) -> str:
    """The remote default branch: origin/HEAD, then origin/main, then main (docs/design.md §3)."""
    git_dir(repo)  # a missing repository is said as such, not as "no origin/HEAD"
    for candidate in ("origin/HEAD", "origin/main", "main"):
        try:
            return resolve(repo, candidate)
        except GitError:
            continue
    raise GitLookupError(f"no origin/HEAD, origin/main or main in {repo}: pass --base")


def read_blob(repo: Path, rev: str, path: str) -> bytes | None:
    try:
        return run_git(repo, ["cat-file", "blob", f"{rev}:{path}"])
    except GitError:
        return None


def read_file(repo: Path, rev: str, path: str) -> bytes | None:
    """The file at `path` in `rev`, following symlinks inside the tree (as GitHub's API does).

    A symlinked rules.yaml read as a blob gave its target's name, then "top level must be a
    mapping". A link that leaves the tree, loops or dangles is an error, never a silent None
    (None means "no such file": the embedded policy would then apply).
    """
    seen = path
    for _ in range(_MAX_SYMLINK_HOPS):
        listing = run_git(repo, ["ls-tree", "-z", "--full-tree", rev, "--", path])
        if not listing:
            return None if path == seen else _broken_link(seen, path, "points at nothing")
        mode = listing.split(b" ", 1)[0]
        if mode in (b"040000", b"160000"):
            return _broken_link(seen, path, "is a directory or submodule, not a file")
        data = read_blob(repo, rev, path)
        if mode != _SYMLINK_MODE or data is None:
            return data
        target = data.decode("utf-8", "surrogateescape")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if target.startswith("/") or joined == ".." or joined.startswith("../"):
            return _broken_link(seen, target, "points outside the repository")
        path = joined
    return _broken_link(seen, path, f"is more than {_MAX_SYMLINK_HOPS} symlinks deep")


def _broken_link(path: str, target: str, why: str) -> bytes | None:
    if path == target:
        raise GitError(f"{path} {why}")
    raise GitError(f"{path} is a symlink that {why} ({target})")


class PendingDiff:
    """A running `git diff` of base...head whose output goes to a temporary file (a pipe
    nobody reads while the caller works would stall git). Use as a context manager: leaving it
    without `finish()` stops git and removes the files."""

    def __init__(self, kind: type[GitContext], repo: Path, directory: str, base: str,
                 head: str) -> None:
        self.repo, self.base, self.head = repo, base, head
        self._kind = kind
        self._empty = tempfile.TemporaryDirectory(prefix="release-gate-")
        # Outside the empty directory (git's work tree for attributes); closed by close().
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        args = ["diff", *isolation.DIFF_FLAGS, base, head, "--"]
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                isolation.command(args), cwd=self._empty.name, stdout=self._out,
                stderr=self._err, env=isolation.diff_environment(directory, self._empty.name))
        except OSError:
            self.close()
            raise GitError("git is not installed (needed to read the local repository)"
                           ) from None

    def finish(self) -> GitContext:
        """Wait for git, parse its output, and return the context over the repository."""
        assert self._process is not None, "finish() once"
        code = self._process.wait()
        self._process = None
        self._out.seek(0)
        output = self._out.read()
        if code != 0:
            self._err.seek(0)
            message = self._err.read().decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git diff failed in {self.repo}: "
                           f"{message[-1] if message else f'exit {code}'}")
        return self._kind.from_diff(self.repo, self.base, self.head, output)

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        self._out.close()
        self._err.close()
        self._empty.cleanup()

    def __enter__(self) -> PendingDiff:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class GitContext:
    """A ChangeContext over a local repository (see context.py)."""

    def __init__(self, repo: Path, changes: ChangeSet) -> None:
        self.repo = repo
        self._changes = changes
        self._batch: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._blobs: dict[tuple[str, str], bytes | None] = {}

    @classmethod
    def from_repo(cls, repo: Path | str, base: str, head: str, *,
                  merge_base: str | None = None) -> GitContext:
        with cls.start(repo, base, head, merge_base=merge_base) as pending:
            return pending.finish()

    @classmethod
    def from_diff(cls, repo: Path, base: str, head: str, output: bytes) -> GitContext:
        """The context of base...head from its `git diff` output (see PendingDiff)."""
        files = tuple(parse_raw_and_patch(output))
        context = cls(repo, ChangeSet(base=base, head=head, files=files))
        context._changes = ChangeSet(base=base, head=head,
                                     files=tuple(context._whole(f) for f in files))
        return context

    @classmethod
    def start(cls, repo: Path | str, base: str, head: str, *,
              merge_base: str | None = None) -> PendingDiff:
        """Resolve `base...head` and start its `git diff` without waiting for it.

        The caller does its own work (imports, loading the rules) while git prints the patch,
        then calls `finish()`: on a large PR git's ~0.2 s and Python's start-up overlap
        instead of adding up (bench/check_large.py). `merge_base`, when given, is the merge
        base of `base...head` as GitHub computed it: a shallow clone cannot compute it
        (fetch.py), so the diff runs from it and `base` is not read.
        """
        repo = Path(repo)
        other = merge_base if merge_base is not None else base
        together = _resolve_together(repo, head, other)
        if together is None:  # one at a time, for the error that says which one
            directory, head_sha = git_dir(repo), resolve(repo, head)
            other_sha = resolve(repo, other)
        else:
            directory, head_sha, other_sha = together
        base_sha = other_sha if merge_base is not None else _merge_base(repo, other_sha, head_sha)
        return PendingDiff(cls, repo, directory, base_sha, head_sha)

    def _whole(self, change: FileChange) -> FileChange:
        """Renames and copies carry their whole content (changes.arrived_whole)."""
        if change.status not in (FileStatus.RENAMED, FileStatus.COPIED):
            return change
        old = self.read_base(change.old_path) if change.old_path else None
        return arrived_whole(change, old, self.read_head(change.path))

    @property
    def changes(self) -> ChangeSet:
        return self._changes

    def read_base(self, path: str) -> bytes | None:
        return self._read(self._changes.base, path)

    def read_head(self, path: str) -> bytes | None:
        return self._read(self._changes.head, path)

    def read_bases(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {path: self.read_base(path) for path in paths}  # one cat-file process anyway

    def read_heads(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {path: self.read_head(path) for path in paths}

    def head_paths(self) -> Iterable[str]:
        return self._head_paths

    @cached_property
    def _head_paths(self) -> tuple[str, ...]:
        output = run_git(self.repo, ["ls-tree", "-r", "-z", "--name-only", self._changes.head])
        return tuple(p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p)

    def _read(self, rev: str, path: str) -> bytes | None:
        # Each AST rule reads both sides of the files in its scope: one cat-file round trip
        # per blob and check, not per rule.
        key = (rev, path)
        if key not in self._blobs:
            self._blobs[key] = self._read_uncached(rev, path)
        return self._blobs[key]

    def _read_uncached(self, rev: str, path: str) -> bytes | None:
        if "\n" in path:  # the batch protocol is line-based
            return read_blob(self.repo, rev, path)
        with self._lock:
            batch = self._ensure_batch()
            assert batch.stdin is not None and batch.stdout is not None
            batch.stdin.write(f"{rev}:{path}\n".encode("utf-8", "surrogateescape"))
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if len(header) != 3:
                return None  # "<rev>:<path> missing"
            if header[1] != b"blob":
                batch.stdout.read(int(header[2]) + 1)
                return None
            data = batch.stdout.read(int(header[2]))
            batch.stdout.read(1)  # trailing newline
            return data

    def _ensure_batch(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = subprocess.Popen(
                isolation.command(["cat-file", "--batch"]), cwd=self.repo,
                env=isolation.environment(),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
        return self._batch

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin:
                self._batch.stdin.close()
            self._batch.wait(timeout=5)
            self._batch = None

    def __enter__(self) -> GitContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
