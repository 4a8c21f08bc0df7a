"""What a change set is, independent of where it came from (git, GitHub API, a test fake)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "type-changed"


class Line(NamedTuple):
    """One added or removed line; `number` is in the head file (added) or base file (removed).

    A NamedTuple, not a dataclass: a large PR makes 100,000 of them, and a tuple is built
    several times faster than a frozen dataclass (bench/check_large.py).
    """

    number: int
    text: str


@dataclass(frozen=True)
class FileChange:
    path: str
    status: FileStatus
    old_path: str | None = None
    # Any sequence: git's parser hands over lazily numbered lines (diffparse.PatchLines).
    added: Sequence[Line] = ()
    removed: Sequence[Line] = ()
    # False when the lines could not be read (binary, too large, no patch from the API):
    # content rules then treat the file as matching (fail closed, DESIGN.md §1).
    content_known: bool = True
    unknown_reason: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches: renames count under the old and the new path."""
        if self.old_path and self.old_path != self.path:
            return (self.path, self.old_path)
        return (self.path,)

    @cached_property
    def added_text(self) -> str:
        """The added lines joined by newlines: content rules scan this in one regex call."""
        return _joined(self.added)

    @cached_property
    def removed_text(self) -> str:
        return _joined(self.removed)

    def changed_lines(self) -> Iterator[tuple[str, Line]]:
        """Added lines (side "head") then removed lines (side "base")."""
        for line in self.added:
            yield "head", line
        for line in self.removed:
            yield "base", line


def _joined(lines: Sequence[Line]) -> str:
    joined = getattr(lines, "joined_text", None)  # a lazy sequence joins without numbering
    if isinstance(joined, str):
        return joined
    return "\n".join([line.text for line in lines])


@dataclass(frozen=True)
class ChangeSet:
    base: str
    head: str
    files: tuple[FileChange, ...] = field(default_factory=tuple)

    def by_path(self) -> dict[str, FileChange]:
        return {f.path: f for f in self.files}
