"""A repository's files as they are on disk: the adapter `init` and `validate --repo` read.

In a git work tree the files are git's (`git ls-files`: tracked and untracked but not ignored,
so `.venv/` and build output stay out); elsewhere a walk of the directory that skips VCS and
virtual-environment folders. Reads are bounded: `init` looks at source and config files, never
at megabytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from release_gate.errors import ConfigError, GitError
from release_gate.git.repo import run_git

MAX_FILES = 50_000
MAX_READ = 512 * 1024  # bytes of one file: a route module or a migration is far smaller
_SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                 ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", "build", "dist"}


@dataclass(frozen=True)
class LocalTree:
    """The files under `root`, relative POSIX paths, sorted."""

    root: Path
    paths: tuple[str, ...]

    @classmethod
    def of(cls, root: Path | str) -> LocalTree:
        root = Path(root)
        if not root.is_dir():
            raise ConfigError(f"{root}: no such directory")
        return cls(root, tuple(sorted(_git_files(root) or _walked(root))))

    def read(self, path: str) -> bytes | None:
        """The file's first MAX_READ bytes, or None when it cannot be read."""
        try:
            with (self.root / path).open("rb") as handle:
                return handle.read(MAX_READ)
        except OSError:
            return None


def _git_files(root: Path) -> list[str] | None:
    if not (root / ".git").exists():
        return None
    try:
        output = run_git(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
    except GitError:
        return None
    paths = [p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p]
    # Deleted but still in the index: not a file of the repository any more.
    return [p for p in dict.fromkeys(paths) if (root / p).is_file()][:MAX_FILES]


def _walked(root: Path) -> list[str]:
    found: list[str] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in files:
            found.append(Path(directory, name).relative_to(root).as_posix())
            if len(found) >= MAX_FILES:
                return found
    return found
