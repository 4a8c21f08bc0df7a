"""The `content` kind's own findings: which line is named, how many more, and which files it
reads (docs/rules.md, `content`). Each pins a decision a mutation of content.py would change."""

from __future__ import annotations

from collections.abc import Sequence

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.verdict import Finding
from tests.fakes.context import FakeContext

RULES = """version: 1
rules:
  - id: redis
    kind: content
    description: Redis config changed
    outcome: needs-smoke
    paths: ['app/settings.py', 'deploy/**']
    patterns: ['REDIS_URL', 'redis://\\S+', '(?i)worker']
"""
POLICY = config.load_text(RULES, "rules.yaml")


def _change(path: str, added: Sequence[str] = (), removed: Sequence[str] = ()) -> FileChange:
    return FileChange(path=path, status=FileStatus.MODIFIED,
                      added=tuple(Line(i + 10, t) for i, t in enumerate(added)),
                      removed=tuple(Line(i + 20, t) for i, t in enumerate(removed)))


def _findings(*changes: FileChange) -> list[Finding]:
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, tuple(changes)))
    return list(engine.evaluate(POLICY, ctx).findings)


def test_one_match_names_its_line_and_no_more() -> None:
    (finding,) = _findings(_change("app/settings.py", ["REDIS_URL = env()"]))
    assert (finding.path, finding.line) == ("app/settings.py", 10)
    assert finding.message == "Redis config changed: line 10 adds `REDIS_URL`."


def test_the_count_of_more_lines_adds_added_and_removed_with_its_plural() -> None:
    (one_more,) = _findings(_change("app/settings.py", ["REDIS_URL = a"], ["REDIS_URL = b"]))
    assert one_more.message.endswith("adds `REDIS_URL` (and 1 more changed line).")
    (two_more,) = _findings(_change("app/settings.py", ["REDIS_URL = a", "x = 'redis://h'"],
                                    ["REDIS_URL = b"]))
    assert two_more.message.endswith("adds `REDIS_URL` (and 2 more changed lines).")


def test_a_removed_line_only_names_the_file_and_no_line() -> None:
    (finding,) = _findings(_change("app/settings.py", removed=["REDIS_URL = old"]))
    assert (finding.path, finding.line) == ("app/settings.py", None)
    assert finding.message == "Redis config changed: removed line 20 mentioned `REDIS_URL`."


def test_the_leftmost_match_on_a_line_is_the_word_named() -> None:
    # two patterns match; the one starting first on the line is named, whatever the rule's order
    (finding,) = _findings(_change("app/settings.py", ["url = redis://h # REDIS_URL"]))
    assert "adds `redis://h`" in finding.message
    (other,) = _findings(_change("deploy/x", ["REDIS_URL workers"]))
    assert "adds `REDIS_URL`" in other.message


def test_files_out_of_scope_do_not_stop_the_walk() -> None:
    found = _findings(_change("README.md", ["REDIS_URL"]),
                      FileChange(path="docs/x.bin", status=FileStatus.MODIFIED,
                                 content_known=False, unknown_reason="binary file"),
                      _change("deploy/a.env", ["nothing"]),
                      _change("deploy/b.env", ["REDIS_URL=1"]))
    assert [(f.path, f.line) for f in found] == [("deploy/b.env", 10)]


def test_unreadable_content_in_scope_matches_and_the_walk_goes_on() -> None:
    found = _findings(FileChange(path="deploy/blob", status=FileStatus.MODIFIED,
                                 content_known=False),
                      _change("deploy/b.env", ["REDIS_URL=1"]))
    assert [f.path for f in found] == ["deploy/b.env", "deploy/blob"]  # sorted by path
    assert found[1].message == ("Redis config changed: deploy/blob could not be read (content "
                                "not readable); treated as matching (fail closed).")


def test_what_imports_as_the_module_is_read_and_nothing_else() -> None:
    found = _findings(_change("app/settings/__init__.py", ["REDIS_URL = env()"]),
                      _change("app/other.py", ["REDIS_URL = env()"]))
    assert [f.path for f in found] == ["app/settings/__init__.py"]


def test_lines_without_a_required_literal_are_skipped_and_later_ones_read() -> None:
    (finding,) = _findings(_change("app/settings.py", ["a = 1", "b = 2", "c = redis://cache"]))
    assert finding.line == 12 and "`redis://cache`" in finding.message
