"""Parse `git diff --raw -p -z -U0` output into FileChanges. Pure: bytes in, dataclasses out.

One git process gives both parts: the NUL-separated raw records (exact paths, status, modes;
no quoting to undo, whatever the path holds) and, in the same order, the patch sections (the
changed lines). Pairing them by order avoids parsing quoted paths out of `diff --git` headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from release_gate.core.changes import FileChange, FileStatus, Line
from release_gate.errors import GitError

_STATUS = {
    "A": FileStatus.ADDED, "M": FileStatus.MODIFIED, "D": FileStatus.DELETED,
    "R": FileStatus.RENAMED, "C": FileStatus.COPIED, "T": FileStatus.TYPE_CHANGED,
}
_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
# The changed lines of a -U0 patch body (its file headers "--- a/x", "+++ b/x" come before it).
# A body starts with its first "@@" header, so every changed line follows a newline: a pattern
# that starts with the literal "\n" is found by a fast scan for it, where `^...` under
# re.MULTILINE is tried at every position (2.4x slower on the 5 MB patch of bench/check_large.py).
_ADDED = re.compile(r"\n\+([^\n]*)")
_REMOVED = re.compile(r"\n-([^\n]*)")
_SECTION_START = b"diff --git "
_SUBMODULE_MODE = "160000"


@dataclass(frozen=True)
class RawEntry:
    old_mode: str
    new_mode: str
    status: FileStatus
    path: str
    old_path: str | None


def _decode_path(raw: bytes) -> str:
    # Paths are bytes in git; non-UTF-8 names survive as surrogate escapes, never as errors.
    return raw.decode("utf-8", "surrogateescape")


def parse_raw_and_patch(output: bytes) -> list[FileChange]:
    try:
        entries, patch = _split_raw(output)
    except (ValueError, UnicodeDecodeError) as error:  # a truncated or garbled raw record
        raise GitError(f"cannot parse git diff --raw output: {error}") from None
    sections = _split_sections(patch)
    changes: list[FileChange] = []
    index = 0
    for entry in entries:
        if index >= len(sections):
            raise GitError(f"git diff printed no patch for {entry.path!r}: cannot judge it")
        section = sections[index]
        index += 1
        # A type change (file <-> symlink) is printed as a deletion and a creation.
        if (entry.status is FileStatus.TYPE_CHANGED and b"\ndeleted file mode" in section
                and index < len(sections) and b"\nnew file mode" in sections[index]):
            section = section + b"\n" + sections[index]
            index += 1
        changes.append(_file_change(entry, section))
    if index != len(sections):
        raise GitError(f"git diff printed {len(sections)} patches for {len(entries)} files")
    return changes


def _split_raw(output: bytes) -> tuple[list[RawEntry], bytes]:
    entries: list[RawEntry] = []
    pos = 0
    size = len(output)
    while pos < size and output[pos:pos + 1] == b":":
        end = output.index(b"\0", pos)
        meta = output[pos + 1:end].decode("ascii").split(" ")
        if len(meta) != 5:
            raise GitError(f"unexpected git diff --raw record: {output[pos:end]!r}")
        old_mode, new_mode, _old_sha, _new_sha, status_score = meta
        status = _STATUS.get(status_score[:1])
        if status is None:
            raise GitError(f"unexpected git diff status {status_score!r}")
        first_end = output.index(b"\0", end + 1)
        first = _decode_path(output[end + 1:first_end])
        pos = first_end + 1
        if status in (FileStatus.RENAMED, FileStatus.COPIED):
            second_end = output.index(b"\0", pos)
            second = _decode_path(output[pos:second_end])
            pos = second_end + 1
            entries.append(RawEntry(old_mode, new_mode, status, second, first))
        else:
            entries.append(RawEntry(old_mode, new_mode, status, first, None))
    if pos < size and output[pos:pos + 1] == b"\0":
        pos += 1  # the separator between the raw part and the patch part
    return entries, output[pos:]


def _split_sections(patch: bytes) -> list[bytes]:
    if not patch.strip():
        return []
    if not patch.startswith(_SECTION_START):
        raise GitError(f"unexpected git diff output: {patch[:60]!r}")
    return [
        part if i == 0 else _SECTION_START + part
        for i, part in enumerate(patch.split(b"\n" + _SECTION_START))
    ]


def _file_change(entry: RawEntry, section: bytes) -> FileChange:
    first_hunk = section.find(b"\n@@ ")
    header = section if first_hunk < 0 else section[:first_hunk]
    reason = None
    if b"\nBinary files " in header or b"\nGIT binary patch" in header:
        reason = "binary file"
    elif _SUBMODULE_MODE in (entry.old_mode, entry.new_mode):
        reason = "submodule"
    added: Sequence[Line] = ()
    removed: Sequence[Line] = ()
    if first_hunk >= 0 and reason is None:
        body = section[first_hunk + 1:].decode("utf-8", "replace")
        if "\ndiff --git " in body:  # a type change: its second section's headers sit inside
            added_list: list[Line] = []
            removed_list: list[Line] = []
            _parse_hunks(body, added_list, removed_list)
            added, removed = tuple(added_list), tuple(removed_list)
        else:
            hunks = _Hunks(body)
            added, removed = PatchLines(hunks, "+"), PatchLines(hunks, "-")
    return FileChange(
        path=entry.path,
        status=entry.status,
        old_path=entry.old_path,
        added=added,
        removed=removed,
        content_known=reason is None,
        unknown_reason=reason,
        old_mode=None if entry.old_mode == "000000" else entry.old_mode,
        new_mode=None if entry.new_mode == "000000" else entry.new_mode,
    )


class _Hunks:
    """One file's `-U0` patch body, numbered at most once, and only when a rule reads lines."""

    def __init__(self, body: str) -> None:
        self.body = body
        self._lines: tuple[tuple[Line, ...], tuple[Line, ...]] | None = None

    def lines(self, marker: str) -> tuple[Line, ...]:
        if self._lines is None:
            added: list[Line] = []
            removed: list[Line] = []
            _parse_hunks(self.body, added, removed)
            self._lines = (tuple(added), tuple(removed))
        return self._lines[0] if marker == "+" else self._lines[1]


class PatchLines(Sequence[Line]):
    """The added (`+`) or removed (`-`) lines of one file, materialized on first use.

    On a large PR most files match no content rule: their lines are only ever scanned as one
    joined string (`joined_text`, one C-level regex call), so the 100,000 `Line` objects that a
    per-line parse would build are never made (bench/check_large.py). Where a rule does index
    a line (to report its number), the whole file is numbered once.
    """

    def __init__(self, hunks: _Hunks, marker: str) -> None:
        self._hunks = hunks
        self._marker = marker
        self._joined: str | None = None

    @property
    def haystack(self) -> str:
        """The file's patch body: every added and removed line whole (and the diff's own
        markers); changes.FileChange.scan_text looks for a content rule's literals in it."""
        return self._hunks.body

    @property
    def joined_text(self) -> str:
        """The lines' texts joined by newlines: equal to "\\n".join(l.text for l in self)."""
        if self._joined is None:
            pattern = _ADDED if self._marker == "+" else _REMOVED
            self._joined = "\n".join(pattern.findall(self._hunks.body))
        return self._joined

    def _all(self) -> tuple[Line, ...]:
        return self._hunks.lines(self._marker)

    @overload
    def __getitem__(self, index: int) -> Line: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Line]: ...
    def __getitem__(self, index: int | slice) -> Line | Sequence[Line]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[Line]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def _parse_hunks(text: str, added: list[Line], removed: list[Line]) -> None:
    """Number the changed lines of a `-U0` patch body from its hunk headers.

    The hot loop of `check` on a large PR (bench/check_large.py). Measured against slicing each
    hunk by its header counts, this plain loop is faster on small hunks (the per-hunk setup
    dominates), and it also walks a type change's second section ("--- /dev/null" headers).
    """
    in_hunk = False
    old_number = new_number = 0
    append_added = added.append
    append_removed = removed.append
    for line in text.split("\n"):
        marker = line[:1]
        if in_hunk and marker == "+":
            append_added(Line(new_number, line[1:]))
            new_number += 1
        elif in_hunk and marker == "-":
            append_removed(Line(old_number, line[1:]))
            old_number += 1
        elif in_hunk and marker == " ":
            # A context line: none with -U0 and interHunkContext pinned to 0 (isolation.py),
            # but a merged hunk must still number the lines after it right.
            old_number += 1
            new_number += 1
        elif marker == "@" and (hunk := _HUNK.match(line)) is not None:
            old_number, new_number = int(hunk.group(1)), int(hunk.group(2))
            in_hunk = True
        elif marker != "\\":
            in_hunk = False  # the next section's headers ("diff --git", "--- /dev/null")
