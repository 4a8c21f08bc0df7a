"""Build a FakeContext from two trees (path -> text), as a PR's base and head."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from tests.fakes.context import FakeContext

Tree = Mapping[str, str | bytes]


def _lines(data: str | bytes) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text.splitlines()


def _diff(old: str | bytes, new: str | bytes) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    a, b = _lines(old), _lines(new)
    added: list[Line] = []
    removed: list[Line] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(Line(i + 1, a[i]) for i in range(i1, i2))
        if tag in ("replace", "insert"):
            added.extend(Line(j + 1, b[j]) for j in range(j1, j2))
    return tuple(added), tuple(removed)


def pr(base: Tree, head: Tree, *, renames: Mapping[str, str] | None = None) -> FakeContext:
    """A change context for base -> head; `renames` maps new path -> old path."""
    renames = dict(renames or {})
    old_of_renamed = set(renames.values())
    files: list[FileChange] = []
    for path in sorted(set(base) | set(head)):
        if path in old_of_renamed and path not in head:
            continue
        if path in renames:
            added, removed = _diff(base[renames[path]], head[path])
            files.append(FileChange(path, FileStatus.RENAMED, renames[path], added, removed))
        elif path not in base:
            files.append(FileChange(path, FileStatus.ADDED, None, *_diff("", head[path])))
        elif path not in head:
            files.append(FileChange(path, FileStatus.DELETED, None, *_diff(base[path], "")))
        elif base[path] != head[path]:
            added, removed = _diff(base[path], head[path])
            files.append(FileChange(path, FileStatus.MODIFIED, None, added, removed))
    return FakeContext(
        ChangeSet("b" * 40, "h" * 40, tuple(files)),
        base_files={p: _bytes(d) for p, d in base.items()},
        head_files={p: _bytes(d) for p, d in head.items()},
    )


def _bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
