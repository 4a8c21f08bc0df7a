"""github/patch.py: the API's `patch` hunks and text diffs to numbered changed lines."""

from __future__ import annotations

import pytest

from release_gate.core.changes import Line
from release_gate.github.patch import PatchError, decode_text, diff_texts, parse_hunks


@pytest.mark.parametrize("patch, added, removed", [
    ("@@ -0,0 +1,2 @@\n+a\n+b", [(1, "a"), (2, "b")], []),
    ("@@ -3,3 +3,3 @@ def f():\n x\n-y\n+Y\n z", [(4, "Y")], [(4, "y")]),
    ("@@ -1 +1 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file",
     [(1, "new")], [(1, "old")]),
    ("@@ -1,2 +1,2 @@\n\n-b\n+c\n@@ -10,0 +11,1 @@\n+z", [(2, "c"), (11, "z")], [(2, "b")]),
    ("", [], []),
])
def test_parse_hunks(patch: str, added: list[tuple[int, str]],
                     removed: list[tuple[int, str]]) -> None:
    lines = parse_hunks(patch)
    assert lines.added == tuple(Line(n, t) for n, t in added)
    assert lines.removed == tuple(Line(n, t) for n, t in removed)


@pytest.mark.parametrize("patch", ["not a hunk", "@@ -1,3 +1,3 @@\n a\n", "@@ -1 +1 @@\n?x"])
def test_bad_patches_are_errors_not_short_lists(patch: str) -> None:
    with pytest.raises(PatchError):
        parse_hunks(patch)


def test_diff_texts_and_decode() -> None:
    lines = diff_texts("a\nb\nc\n", "a\nB\nc\nd\n")
    assert lines.added == (Line(2, "B"), Line(4, "d"))
    assert lines.removed == (Line(2, "b"),)
    assert decode_text(b"\x00\x01") is None
    assert decode_text(b"\xff\xfe") is None
    assert decode_text("é\n".encode()) == "é\n"
