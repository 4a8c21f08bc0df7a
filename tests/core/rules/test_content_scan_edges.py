"""Edges of the change set's text that the content rule scans on a large PR
(changes.Corpus, changes.arrived_whole): no file is skipped for where it sits in the PR, and a
rename that arrives whole is read, not reported unreadable."""

from __future__ import annotations

import pytest

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line, arrived_whole
from release_gate.core.verdict import Evaluation
from tests.fakes.context import FakeContext

RULES = """version: 1
rules:
  - id: redis
    kind: content
    description: Redis config changed
    outcome: needs-smoke
    patterns: ['REDIS_URL']
"""
FILES = 70  # above the count from which the whole change set's text is scanned at once


def _evaluate(files: list[FileChange]) -> Evaluation:
    return engine.evaluate(config.load_text(RULES, "rules.yaml"),
                           FakeContext(ChangeSet("b" * 40, "h" * 40, tuple(files))))


def _judge(files: list[FileChange]) -> set[str]:
    return {finding.path for finding in _evaluate(files).findings if finding.rule == "redis"}


def _file(index: int, text: str) -> FileChange:
    return FileChange(f"src/m{index:03}.py", FileStatus.MODIFIED, None, (Line(1, text),), ())


@pytest.mark.parametrize("holding", [
    (FILES - 2, FILES - 1), (FILES - 1,), (0, FILES - 1), (0, 1), (FILES - 3, FILES - 2),
    tuple(range(FILES)),
])
def test_every_file_holding_the_literal_is_found_wherever_it_sits(holding: tuple[int, ...]
                                                                  ) -> None:
    files = [_file(i, "REDIS_URL = 'x'" if i in holding else f"value = {i}")
             for i in range(FILES)]
    assert _judge(files) == {f"src/m{i:03}.py" for i in holding}


def test_a_rename_that_arrives_whole_is_read_not_reported_unreadable() -> None:
    # The pull's file list gave no patch (content unknown); the blobs were then read whole.
    listed = FileChange("src/new.py", FileStatus.RENAMED, "src/old.py", content_known=False,
                        unknown_reason="no patch")
    whole = arrived_whole(listed, b"x = 1\n", b"REDIS_URL = 'redis://h'\n")
    assert whole.content_known is True and whole.unknown_reason is None
    (finding,) = _evaluate([whole]).findings
    assert finding.line == 1 and "could not be read" not in finding.message
