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


def test_a_partial_run_replaces_its_rows_and_keeps_the_others_with_their_dates() -> None:
    """`python -m bench --only NAME --keep`: a slow benchmark need not be re-run to refresh
    another's rows; a kept row still says when it was measured."""
    from bench.__main__ import merged
    from bench.common import Row

    rows, run = report.parse(DOC)
    kept = [Row(r.figure, r.target, r.measured, r.how, r.benchmark, r.met, "2020-01-01")
            for r in rows]
    fresh = [Row("`check` on the large PR / `git diff --numstat` (CPU)", "<= 2.5x", "2.00x",
                 "side by side", "check_large", True)]
    table = merged(kept, fresh, {"check_large"})
    assert [r for r in table if r.benchmark == "check_large"] == fresh
    assert [r for r in table if r.benchmark != "check_large"] == [
        r for r in kept if r.benchmark != "check_large"]
    assert [r.benchmark for r in table] == sorted(
        (r.benchmark for r in table), key=BENCHMARKS.index)
    text = report.render(table, run)
    assert f"2.00x **met** | side by side (`bench/check_large.py`) | {run.date} |" in text
    assert "| 2020-01-01 |" in text and report.parse(text)[0] == [
        Row(r.figure, r.target, r.measured, r.how, r.benchmark, r.met, r.date or run.date)
        for r in table]
