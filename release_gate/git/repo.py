"""The local-git adapter: a ChangeContext for `base...head` of a repository on disk.

The whole diff comes from ONE `git diff` process (raw records + patches, see diffparse.py);
file contents come from one long-lived `git cat-file --batch`, only for the files a rule asks
for. Nothing here decides policy.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from release_gate.changes import ChangeSet
from release_gate.errors import GitError
from release_gate.git.diff import parse_raw_and_patch

# Plumbing flags that make the output independent of the user's git config: no pager, colour,
# external diff tools, textconv filters or path quoting; renames and copies found.
_DIFF = (
    "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
    "--raw", "-p", "-z", "-U0", "--find-renames", "--find-copies", "--ignore-submodules=none",
)


def run_git(repo: Path, args: Sequence[str], *, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo, input=stdin, capture_output=True, check=False,
            env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitError("git is not installed (needed to read the local repository)") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit {result.returncode}"
        raise GitError(f"git {args[0] if args[0] != '-c' else args[2]} failed in {repo}: {detail}")
    return result.stdout


def resolve(repo: Path, rev: str) -> str:
    try:
        out = run_git(repo, ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"])
    except GitError:
        raise GitError(f"unknown revision {rev!r} in {repo}") from None
    return out.decode().strip()


def merge_base(repo: Path, base: str, head: str) -> str:
    try:
        return run_git(repo, ["merge-base", base, head]).decode().strip()
    except GitError:
        raise GitError(f"{base} and {head} have no common ancestor in {repo}") from None


def default_base(repo: Path) -> str:
    """The remote default branch: origin/HEAD, then origin/main, then main (DESIGN.md §3)."""
    for candidate in ("origin/HEAD", "origin/main", "main"):
        try:
            return resolve(repo, candidate)
        except GitError:
            continue
    raise GitError(f"no origin/HEAD, origin/main or main in {repo}: pass --base")


def read_blob(repo: Path, rev: str, path: str) -> bytes | None:
    try:
        return run_git(repo, ["cat-file", "blob", f"{rev}:{path}"])
    except GitError:
        return None


class GitContext:
    """A ChangeContext over a local repository (see context.py)."""

    def __init__(self, repo: Path, changes: ChangeSet) -> None:
        self.repo = repo
        self._changes = changes
        self._batch: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_repo(cls, repo: Path | str, base: str, head: str) -> GitContext:
        repo = Path(repo)
        head_sha = resolve(repo, head)
        base_sha = merge_base(repo, resolve(repo, base), head_sha)
        output = run_git(repo, [*_DIFF, base_sha, head_sha, "--"])
        files = tuple(parse_raw_and_patch(output))
        return cls(repo, ChangeSet(base=base_sha, head=head_sha, files=files))

    @property
    def changes(self) -> ChangeSet:
        return self._changes

    def read_base(self, path: str) -> bytes | None:
        return self._read(self._changes.base, path)

    def read_head(self, path: str) -> bytes | None:
        return self._read(self._changes.head, path)

    def head_paths(self) -> Iterable[str]:
        return self._head_paths

    @cached_property
    def _head_paths(self) -> tuple[str, ...]:
        output = run_git(self.repo, ["ls-tree", "-r", "-z", "--name-only", self._changes.head])
        return tuple(p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p)

    def _read(self, rev: str, path: str) -> bytes | None:
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
                ["git", "cat-file", "--batch"], cwd=self.repo,
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
