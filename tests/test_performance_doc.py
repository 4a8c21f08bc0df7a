"""docs/performance.md is what `python -m bench` wrote: every figure comes from a benchmark.

Not a benchmark run (timings are never asserted in tests): the file is read back and checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report
from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "performance.md").read_text("utf-8")


def test_each_row_names_a_benchmark_that_exists() -> None:
    rows, _ = report.parse(DOC)
    assert rows
    for row in rows:
        assert row.benchmark in BENCHMARKS, row.figure
        module = ROOT / "bench" / f"{row.benchmark}.py"
        assert module.is_file(), module
        assert "def rows(" in module.read_text("utf-8"), module


def test_every_benchmark_has_a_row() -> None:
    rows, _ = report.parse(DOC)
    assert {row.benchmark for row in rows} == set(BENCHMARKS)


def test_the_file_is_exactly_what_bench_writes() -> None:
    """A figure typed in by hand (or an edited note) would not survive a re-render."""
    rows, run = report.parse(DOC)
    assert report.render(rows, run) == DOC


def test_a_row_without_a_benchmark_is_refused() -> None:
    rows, run = report.parse(DOC)
    text = report.render(rows, run)
    forged = text.replace(f"(`bench/{rows[0].benchmark}.py`)", "(by hand)", 1)
    with pytest.raises(ValueError, match="names no bench/ module"):
        report.parse(forged)
