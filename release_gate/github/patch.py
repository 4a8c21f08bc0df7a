"""Unified-diff hunks as the GitHub API gives them (a file's `patch`), and text diffs. Pure.

The PR files API returns each file's hunks (`@@ -a,b +c,d @@` plus context lines), not a whole
`git diff`; the git adapter's diff.py reads git's own `-U0` sections. When the API has no patch
(large files, docs/design.md §6) `diff_texts` rebuilds the changed lines from both versions of the
file, so the content rules still see every added and removed line with its number.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from release_gate.core.changes import Line

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# How GitHub (and git) show a submodule (mode 160000) in a patch: the commit it pins.
_SUBPROJECT = re.compile(r"^Subproject commit [0-9a-fA-F]{7,64}(?:-dirty)?\s*$")


class PatchError(ValueError):
    """The patch text is not a sequence of well-formed hunks."""


@dataclass(frozen=True)
class ChangedLines:
    added: tuple[Line, ...]
    removed: tuple[Line, ...]


def parse_hunks(patch: str) -> ChangedLines:
    """Added lines numbered in the new file, removed lines numbered in the old file.

    Each hunk is read by its own counts, so an empty context line (some tools strip the
    leading space) cannot shift the numbering, and a truncated patch is an error, not a
    silently shorter list.
    """
    added: list[Line] = []
    removed: list[Line] = []
    lines = patch.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    index = 0
    while index < len(lines):
        header = _HUNK.match(lines[index])
        if header is None:
            raise PatchError(
                f"expected a hunk header at patch line {index + 1}: {lines[index][:60]!r}")
        index += 1
        old_number, new_number = int(header.group(1)), int(header.group(3))
        old_left = int(header.group(2)) if header.group(2) is not None else 1
        new_left = int(header.group(4)) if header.group(4) is not None else 1
        while old_left > 0 or new_left > 0:
            if index >= len(lines):
                raise PatchError("patch ends inside a hunk")
            text = lines[index]
            index += 1
            marker, body = text[:1], text[1:]
            if marker == "\\":
                continue  # "\ No newline at end of file"
            if marker == "+":
                added.append(Line(new_number, body))
                new_number += 1
                new_left -= 1
            elif marker == "-":
                removed.append(Line(old_number, body))
                old_number += 1
                old_left -= 1
            elif marker in (" ", ""):
                old_number += 1
                new_number += 1
                old_left -= 1
                new_left -= 1
            else:
                raise PatchError(f"unexpected line in hunk: {text[:60]!r}")
        while index < len(lines) and lines[index].startswith("\\"):
            index += 1
    return ChangedLines(tuple(added), tuple(removed))


def diff_texts(old: str, new: str) -> ChangedLines:
    """The changed lines between two versions of a file (the no-patch fallback)."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    added: list[Line] = []
    removed: list[Line] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed.extend(Line(i + 1, old_lines[i]) for i in range(old_start, old_end))
        added.extend(Line(j + 1, new_lines[j]) for j in range(new_start, new_end))
    return ChangedLines(tuple(added), tuple(removed))


def decode_text(data: bytes) -> str | None:
    """UTF-8 text, or None for content the rules cannot read (binary: a NUL byte, not UTF-8)."""
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def pins_a_submodule(lines: ChangedLines) -> bool:
    """The patch changes a `Subproject commit <sha>` line: a submodule (gitlink), whose content
    is another repository's. The git adapter calls such a change unknown content; so must the
    API path (a text file holding such a line is judged unknown too: fail closed)."""
    return any(_SUBPROJECT.match(line.text) for line in (*lines.added, *lines.removed))
