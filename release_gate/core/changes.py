"""What a change set is, independent of where it came from (git, GitHub API, a test fake)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
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
    # Any sequence: git's parser hands over lazily numbered lines (git/diff.py PatchLines).
    added: Sequence[Line] = ()
    removed: Sequence[Line] = ()
    # False when the lines could not be read (binary, too large, no patch from the API):
    # content rules then treat the file as matching (fail closed, docs/design.md §1).
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

    @property
    def scan_text(self) -> str:
        """A text holding every added and removed line whole, perhaps with more around them
        (never less): a literal without a newline that is in no line is not in it either.
        From git, the patch body both sides share, so no side is joined for it."""
        body = getattr(self.added, "haystack", None)
        shared = isinstance(body, str) and getattr(self.removed, "haystack", None) is body
        return str(body) if shared else f"{self.added_text}\n{self.removed_text}"


def _joined(lines: Sequence[Line]) -> str:
    joined = getattr(lines, "joined_text", None)  # a lazy sequence joins without numbering
    if isinstance(joined, str):
        return joined
    return "\n".join([line.text for line in lines])


def arrived_whole(change: FileChange, old: bytes | None, new: bytes | None) -> FileChange:
    """A rename or copy judged by its whole content: content that arrives at a path is new there.

    Git and the GitHub files API report `cp a b` and `git mv a b` as a copy or rename with no
    changed lines (C100/R100), and a rename with edits with only the edits, so content rules
    saw nothing of what arrived at the new path. Here every line of the new file is added, and
    for a rename every line of the old file is removed (the old path no longer holds it).
    `old` and `new` are the blobs at the old path (base) and the new path (head); a blob that is
    missing or binary leaves the content unknown, which content rules treat as matching.
    """
    if change.status not in (FileStatus.RENAMED, FileStatus.COPIED):
        return change
    new_lines = _text_lines(new)
    old_lines = _text_lines(old) if change.status is FileStatus.RENAMED else ()
    if new_lines is None or old_lines is None:
        missing = new is None or (change.status is FileStatus.RENAMED and old is None)
        unreadable = "content not readable" if missing else "binary file"
        return replace(change, added=(), removed=(), content_known=False,
                       unknown_reason=f"{change.status.value}: {unreadable}")
    return replace(change, added=new_lines, removed=old_lines, content_known=True,
                   unknown_reason=None)


def _text_lines(data: bytes | None) -> tuple[Line, ...] | None:
    """Numbered lines as git's patches give them (split on "\\n"); None: missing or binary."""
    if data is None or b"\0" in data[:8000]:  # git's own binary test looks at 8,000 bytes
        return None
    lines = data.decode("utf-8", "replace").split("\n")
    if lines[-1] == "":
        lines.pop()
    return tuple(Line(number, text) for number, text in enumerate(lines, start=1))


@dataclass(frozen=True)
class ChangeSet:
    base: str
    head: str
    files: tuple[FileChange, ...] = field(default_factory=tuple)

    def by_path(self) -> dict[str, FileChange]:
        return {f.path: f for f in self.files}

    @cached_property
    def corpus(self) -> Corpus:
        """Every file's `scan_text` in one string (made once, for every rule)."""
        return Corpus([change.scan_text for change in self.files])


class Corpus:
    """The changed texts of a whole change set joined by newlines: which files hold a literal
    is then one C-level `str.find` scan per literal, where a test per file and pattern was a
    Python call each (a 3,000-file PR times every content pattern, bench/check_large.py).
    Text i is file i's `scan_text`: a literal holding a newline cannot be looked up here."""

    def __init__(self, texts: list[str]) -> None:
        self.text = "\n".join(texts)
        self.starts: list[int] = []
        offset = 0
        for text in texts:
            self.starts.append(offset)
            offset += len(text) + 1

    @cached_property
    def lowered(self) -> str | None:
        """The text lower-cased, when it is all ASCII (the same offsets); else None."""
        return self.text.lower() if self.text.isascii() else None

    def files_holding(self, needles: Iterable[str], *, lowered: bool = False) -> set[int]:
        """The indexes of the files whose text (lower-cased when `lowered`, which needs
        `self.lowered`) holds one of the needles (none may hold a newline)."""
        text = self.lowered if lowered else self.text
        assert text is not None, "lowered needs an ASCII corpus"
        found: set[int] = set()
        starts, count = self.starts, len(self.starts)
        for needle in needles:
            assert "\n" not in needle, "a newline may join two lines, or two files"
            position = text.find(needle)
            while position >= 0:
                index = bisect_right(starts, position) - 1
                found.add(index)
                if index + 1 >= count:
                    break
                position = text.find(needle, starts[index + 1])
        return found
