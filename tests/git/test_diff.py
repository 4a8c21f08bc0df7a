"""git/diff.py on hand-written `git diff --raw -p -z -U0` output, including the odd shapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core.changes import FileStatus, Line
from release_gate.errors import GitError
from release_gate.git.diff import PatchLines, _Hunks, _parse_hunks, parse_raw_and_patch


def raw(*records: str) -> bytes:
    return "".join(records).encode() + b"\0"


def test_no_newline_markers_do_not_shift_numbers() -> None:
    output = raw(":100644 100644 1111111 2222222 M\0a.txt\0") + (
        b"diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n"
        b"@@ -3 +3,2 @@\n-old\n\\ No newline at end of file\n+new\n+newer\n"
        b"\\ No newline at end of file\n"
    )
    (change,) = parse_raw_and_patch(output)
    assert [(ln.number, ln.text) for ln in change.removed] == [(3, "old")]
    assert [(ln.number, ln.text) for ln in change.added] == [(3, "new"), (4, "newer")]


def test_lines_that_look_like_headers_inside_a_hunk() -> None:
    output = raw(":100644 100644 1111111 2222222 M\0a.txt\0") + (
        b"diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n"
        b"@@ -1,2 +1,2 @@\n--- not a header\n-@@ nor a hunk\n++++ added\n+@@ -9 +9 @@\n"
    )
    (change,) = parse_raw_and_patch(output)
    assert [ln.text for ln in change.removed] == ["-- not a header", "@@ nor a hunk"]
    assert [ln.text for ln in change.added] == ["+++ added", "@@ -9 +9 @@"]


def test_a_merged_hunk_with_context_lines_keeps_every_added_line() -> None:
    # What git prints with diff.interHunkContext set: two changes joined by context lines.
    output = raw(":100644 100644 1111111 2222222 M\0a.txt\0") + (
        b"diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n"
        b"@@ -2,4 +2,5 @@\n+REDIS_URL=x\n c\n-d\n e\n+WEBAUTHN_ORIGIN=y\n f\n"
    )
    (change,) = parse_raw_and_patch(output)
    assert [(ln.number, ln.text) for ln in change.added] == [(2, "REDIS_URL=x"),
                                                             (5, "WEBAUTHN_ORIGIN=y")]
    assert [(ln.number, ln.text) for ln in change.removed] == [(3, "d")]


def test_typechange_spans_two_sections() -> None:
    output = raw(":100644 120000 1111111 2222222 T\0link\0") + (
        b"diff --git a/link b/link\ndeleted file mode 100644\n--- a/link\n+++ /dev/null\n"
        b"@@ -1 +0,0 @@\n-text\n"
        b"diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n"
        b"@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n"
    )
    (change,) = parse_raw_and_patch(output)
    assert change.status is FileStatus.TYPE_CHANGED
    assert [ln.text for ln in change.removed] == ["text"]
    assert [ln.text for ln in change.added] == ["target"]


def test_binary_and_submodule_are_unknown_content() -> None:
    output = raw(":000000 100644 0000000 2222222 A\0img.bin\0",
                 ":160000 160000 1111111 2222222 M\0vendor/lib\0") + (
        b"diff --git a/img.bin b/img.bin\nnew file mode 100644\nindex 0..2\n"
        b"Binary files /dev/null and b/img.bin differ\n"
        b"diff --git a/vendor/lib b/vendor/lib\nindex 1..2 160000\n--- a/vendor/lib\n"
        b"+++ b/vendor/lib\n@@ -1 +1 @@\n-Subproject commit 1\n+Subproject commit 2\n"
    )
    binary, submodule = parse_raw_and_patch(output)
    assert (binary.content_known, binary.unknown_reason) == (False, "binary file")
    assert (submodule.content_known, submodule.unknown_reason) == (False, "submodule")


def test_non_utf8_path_and_content_survive() -> None:
    output = b":100644 100644 1 2 M\0caf\xe9.txt\0\0" + (
        b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-\xff\n+ok\n"
    )
    (change,) = parse_raw_and_patch(output)
    assert change.path == "caf\udce9.txt"
    assert change.removed[0].text == "\ufffd"


@pytest.mark.parametrize("output", [
    b":100644 100644 1 2 M\0a\0\0",  # a file with no patch section
    b":100644 100644 1 2 Q\0a\0\0diff --git a/a b/a\n",  # unknown status letter
    b":100644 100644 1 M\0a\0\0",  # short raw record
    b":100644 100644 1 2 M\0a\0\0garbage\n",  # not a patch
    b":100644 100644 1 2 M\0a\0\0diff --git a/a b/a\ndiff --git a/b b/b\n",  # extra section
    b":100644 100644 1 2 R100\0a\0",  # truncated rename record
])
def test_unexpected_output_is_an_error_not_a_pass(output: bytes) -> None:
    with pytest.raises(GitError):
        parse_raw_and_patch(output)


def test_empty_diff() -> None:
    assert parse_raw_and_patch(b"") == []


HUNK_LINE = st.text(alphabet="ab +-\\@é\r\t", max_size=6)


@st.composite
def u0_bodies(draw: st.DrawFn) -> str:
    """A -U0 patch body: hunks of removed lines then added lines, "\\ No newline" markers."""
    parts = []
    old = new = 1
    for _ in range(draw(st.integers(0, 4))):
        removed = draw(st.lists(HUNK_LINE, max_size=3))
        added = draw(st.lists(HUNK_LINE, max_size=3))
        parts.append(f"@@ -{old},{len(removed)} +{new},{len(added)} @@ ctx")
        parts += [f"-{text}" for text in removed]
        if removed and draw(st.booleans()):
            parts.append("\\ No newline at end of file")
        parts += [f"+{text}" for text in added]
        old += len(removed) + draw(st.integers(0, 3))
        new += len(added) + draw(st.integers(0, 3))
    return "\n".join(parts) + "\n"


@given(u0_bodies())
def test_lazy_lines_agree_with_the_eager_parse(body: str) -> None:
    hunks = _Hunks(body)
    added, removed = PatchLines(hunks, "+"), PatchLines(hunks, "-")
    eager_added: list[Line] = []
    eager_removed: list[Line] = []
    _parse_hunks(body, eager_added, eager_removed)
    # Joined text first (the fast path never numbers), then the numbered lines.
    assert added.joined_text == "\n".join(line.text for line in eager_added)
    assert removed.joined_text == "\n".join(line.text for line in eager_removed)
    assert list(added) == eager_added and list(removed) == eager_removed
    assert added == tuple(eager_added) and len(removed) == len(eager_removed)


DIFF_PIECES = [b":100644 100644 1111111 2222222 M\0", b":000000 100644 0 2 A\0",
               b":100644 100644 1 2 R100\0", b":160000 160000 1 2 M\0", b":1 2 3\0", b"a.txt\0",
               b"\xff.txt\0", b"\0", b"diff --git a/a.txt b/a.txt\n", b"--- a/a.txt\n",
               b"+++ b/a.txt\n", b"@@ -1 +1 @@\n", b"@@ -1,3 +1,99999999999 @@ f\n", b"+x\n",
               b"-y\n", b" z\n", b"\\ No newline at end of file\n", b"Binary files differ\n",
               b"new file mode 100644\n", b"deleted file mode 100644\n", b"\r\n", b"\n", b"+\r\n"]


@settings(max_examples=300, deadline=1000)
@given(st.lists(st.one_of(st.sampled_from(DIFF_PIECES), st.binary(max_size=8)), max_size=14))
def test_any_diff_output_parses_or_is_a_git_error(pieces: list[bytes]) -> None:
    try:
        changes = parse_raw_and_patch(b"".join(pieces))
    except GitError as error:
        assert "\n" not in str(error).strip()
        return
    for change in changes:  # numbering the lines must not fail either
        assert len(change.added) >= 0 and len(change.removed) >= 0
