"""changes.py: what a change set is, and how a rename or copy is judged by its whole content.

These pin the fail-closed edges that the git and GitHub adapters rely on: a rename whose old or
new side cannot be read is unknown content (content rules then match it), never an empty change.
"""

from __future__ import annotations

import pytest

from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line, arrived_whole

TEXT_OLD = b"REDIS_URL=redis://old\nkeep\n"
TEXT_NEW = b"WEBAUTHN_ORIGIN=https://evil.example\nkeep"
BINARY = b"\x89PNG\r\n\x1a\n\0\0\0rest"


def _rename(status: FileStatus = FileStatus.RENAMED) -> FileChange:
    return FileChange(path="config/new.env", status=status, old_path="config/old.env")


def test_a_rename_counts_under_both_paths_and_a_plain_change_under_one() -> None:
    assert _rename().paths == ("config/new.env", "config/old.env")
    assert FileChange(path="a.py", status=FileStatus.MODIFIED).paths == ("a.py",)
    assert FileChange(path="a.py", status=FileStatus.MODIFIED, old_path="a.py").paths == ("a.py",)


def test_a_readable_rename_adds_every_new_line_and_removes_every_old_one() -> None:
    judged = arrived_whole(_rename(), TEXT_OLD, TEXT_NEW)
    assert judged.content_known and judged.unknown_reason is None
    assert judged.added == (Line(1, "WEBAUTHN_ORIGIN=https://evil.example"), Line(2, "keep"))
    assert judged.removed == (Line(1, "REDIS_URL=redis://old"), Line(2, "keep"))
    assert judged.added_text == "WEBAUTHN_ORIGIN=https://evil.example\nkeep"
    assert judged.removed_text == "REDIS_URL=redis://old\nkeep"


def test_a_copy_adds_the_new_file_and_removes_nothing() -> None:
    judged = arrived_whole(_rename(FileStatus.COPIED), TEXT_OLD, TEXT_NEW)
    assert judged.content_known
    assert [line.text for line in judged.added] == ["WEBAUTHN_ORIGIN=https://evil.example",
                                                    "keep"]
    assert judged.removed == ()


def test_a_copy_with_an_unreadable_source_is_still_judged_by_what_arrived() -> None:
    judged = arrived_whole(_rename(FileStatus.COPIED), None, TEXT_NEW)
    assert judged.content_known and len(judged.added) == 2


@pytest.mark.parametrize(("old", "new", "reason"), [
    (None, TEXT_NEW, "renamed: content not readable"),      # old side missing
    (BINARY, TEXT_NEW, "renamed: binary file"),             # old side binary
    (TEXT_OLD, None, "renamed: content not readable"),      # new side missing
    (TEXT_OLD, BINARY, "renamed: binary file"),             # new side binary
    (None, None, "renamed: content not readable"),
])
def test_a_rename_with_an_unreadable_side_is_unknown_content(
        old: bytes | None, new: bytes | None, reason: str) -> None:
    edited = FileChange(path="config/new.env", status=FileStatus.RENAMED,
                        old_path="config/old.env", added=(Line(1, "x"),),
                        removed=(Line(1, "y"),))
    judged = arrived_whole(edited, old, new)
    assert not judged.content_known
    assert judged.unknown_reason == reason
    assert judged.added == () and judged.removed == ()


def test_a_copy_whose_new_side_is_binary_is_unknown() -> None:
    judged = arrived_whole(_rename(FileStatus.COPIED), TEXT_OLD, BINARY)
    assert not judged.content_known and judged.unknown_reason == "copied: binary file"


@pytest.mark.parametrize("status", [FileStatus.ADDED, FileStatus.MODIFIED, FileStatus.DELETED,
                                    FileStatus.TYPE_CHANGED])
def test_only_renames_and_copies_are_rejudged(status: FileStatus) -> None:
    change = FileChange(path="a.env", status=status, added=(Line(3, "x"),))
    assert arrived_whole(change, None, None) is change


def test_binary_is_a_nul_in_the_first_8000_bytes_as_git_decides() -> None:
    late_nul = b"a" * 8000 + b"\0"
    judged = arrived_whole(_rename(FileStatus.COPIED), None, late_nul)
    assert judged.content_known  # git looks at 8,000 bytes only
    early_nul = b"a" * 7999 + b"\0"
    assert not arrived_whole(_rename(FileStatus.COPIED), None, early_nul).content_known


def test_lines_split_on_newline_with_no_phantom_last_line() -> None:
    judged = arrived_whole(_rename(FileStatus.COPIED), None, b"one\r\ntwo\n\nfour")
    assert judged.added == (Line(1, "one\r"), Line(2, "two"), Line(3, ""), Line(4, "four"))
    empty = arrived_whole(_rename(FileStatus.COPIED), None, b"")
    assert empty.content_known and empty.added == ()


def test_invalid_utf8_is_read_with_replacement_not_refused() -> None:
    judged = arrived_whole(_rename(FileStatus.COPIED), None, b"REDIS_URL=\xff\n")
    assert judged.content_known and judged.added == (Line(1, "REDIS_URL=\ufffd"),)


def test_joined_text_of_a_lazy_sequence_is_used_as_given() -> None:
    class Lazy(tuple):  # type: ignore[type-arg]
        joined_text = "from the adapter"

    change = FileChange(path="a", status=FileStatus.MODIFIED, added=Lazy([Line(1, "x")]))
    assert change.added_text == "from the adapter"
    assert FileChange(path="a", status=FileStatus.MODIFIED,
                      removed=(Line(1, "p"), Line(2, "q"))).removed_text == "p\nq"


def test_a_change_set_indexes_its_files_by_path() -> None:
    first = FileChange(path="a", status=FileStatus.ADDED)
    second = FileChange(path="b", status=FileStatus.DELETED)
    changes = ChangeSet(base="1" * 40, head="2" * 40, files=(first, second))
    assert changes.by_path() == {"a": first, "b": second}
    assert ChangeSet(base="1", head="2").files == ()
