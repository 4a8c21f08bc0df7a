"""The local-repository adapter: a `ChangeContext` for `base...head` of a clone on disk.

repo.py runs git (one `git diff`, one `git cat-file --batch`); diff.py parses its output.
"""

from release_gate.git.repo import (
    GitContext,
    default_base,
    has_uncommitted_changes,
    read_blob,
    read_file,
)

__all__ = ["GitContext", "default_base", "has_uncommitted_changes", "read_blob", "read_file"]
