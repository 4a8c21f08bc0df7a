"""Real temporary git repositories for replaying PRs (no fakes of git itself)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}


class GitRepo:
    """A repository on disk. `commit({path: text-or-bytes-or-None})` writes (None deletes)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {**os.environ, **_ENV}
        result = subprocess.run(["git", *args], cwd=self.root, env=env, check=True,
                                capture_output=True)
        return result.stdout.decode("utf-8", "replace").strip()

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        for name, content in files.items():
            path = self.root / name
            if content is None:
                self.git("rm", "-q", "--", name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            self.git("add", "--", name)

    def commit(self, files: Mapping[str, str | bytes | None], message: str = "change") -> str:
        self.write(files)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def rename(self, old: str, new: str, message: str = "rename") -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)
        self.git("commit", "-q", "-m", message)
        return self.head()

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def commit_on(self, branch: str, start: str, files: Mapping[str, str | bytes | None],
                  message: str = "change") -> None:
        """Commit `files` (None deletes) on a new `branch` off `start` in one `git fast-import`,
        without touching the work tree: a generated test commits one branch per example, and
        five git processes per example (checkout, add, commit, ...) were most of its time."""
        stream = bytearray()
        body = message.encode("utf-8")
        stream += (f"commit refs/heads/{branch}\n"
                   "committer Test <test@example.invalid> 1700000000 +0000\n"
                   f"data {len(body)}\n").encode() + body + f"\nfrom refs/heads/{start}\n".encode()
        for name, content in files.items():
            if content is None:
                stream += b"D " + _quoted(name) + b"\n"
                continue
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            stream += b"M 100644 inline " + _quoted(name) + f"\ndata {len(data)}\n".encode()
            stream += data + b"\n"
        env = {**os.environ, **_ENV}
        subprocess.run(["git", "fast-import", "--quiet"], cwd=self.root, env=env, check=True,
                       input=bytes(stream), capture_output=True)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def _quoted(path: str) -> bytes:
    """A path as git fast-import reads it: C-style quoted, so spaces, quotes and newlines in a
    hostile file name reach the tree as written."""
    escaped = path.encode("utf-8").replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return b'"' + escaped.replace(b"\n", b"\\n").replace(b"\t", b"\\t") + b'"'
