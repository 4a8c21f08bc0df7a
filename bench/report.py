"""docs/performance.md: written whole by `python -m bench`, read back by its test.

The file is one table (figure, target, measured, how measured, date) under a header that says
when, how and under what load it was measured, then notes that carry no figures of their own
(NOTES below): every number in the file is a cell of the table. `parse` reads a written file
back, so tests/test_performance_doc.py can check that each row names a benchmark that exists
and that the file is exactly what `render` writes (nobody edited a figure in by hand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.common import Row

HEADER = "| figure | target | measured | how measured | date |"
_BENCH_CELL = re.compile(r"`bench/(?P<name>\w+)\.py`")


@dataclass(frozen=True)
class Run:
    date: str  # UTC, YYYY-MM-DD
    mode: str  # "full", "quick", or "partial" (`--only ... --keep`: the other rows kept)
    machine: str
    load_before: str
    load_after: str
    seconds: float


NOTES = """\
## Reading the table

- **Ratios** compare two commands run interleaved in the same rounds (A, B, A, B, ...), by their
  medians: a busy neighbour slows both sides alike, so the ratio moves far less than either
  time. Where wall and CPU ratios are both shown, CPU (user + sys of the child and its git
  processes) is the steadier one on a shared box; wall is what a user waits for.
- **Counts** (API calls, dynos) do not depend on the machine.
- Times of `release-gate` children are taken with bytecode cached, as in an installed package
  (pip compiles at install); the "no bytecode cached" row shows what a first run pays when it
  is not (`uv pip install` without `--compile-bytecode`).

## What limits the large-PR `check`

The budgets are in CPU (user + sys of `check` and its git processes), the steadier measure on
a shared box: the large PR within 2.5x of `git diff --numstat`, and a `check` on a 2-commit
repository within 3x of `python -c pass`. The command is a Python process (the `python -c
pass` floor), its imports and the rules load (the 2-commit row: the fixed cost, paid once
whatever the PR), git (one `git diff --raw -p -z -U0 --find-renames --find-copies`, which must
print every changed line: the `git diff -p` row is its floor against `--numstat`, which prints
only counts; plus `cat-file` for the files the AST rules read), then the parse and the rules.
The "where `check`'s CPU goes" row splits one run into those parts. In wall time the diff
runs while Python imports and loads the rules (`GitContext.start`), so on two cores the wall
ratio is below the CPU ratio.

How the variable part is kept small: one git process for the whole PR; each file's changed
lines are pulled out of the patch by one regex scan that starts with a literal newline, and
numbered only when a rule reports a line; a content rule over many files finds the files its
patterns' literals can be in with one `str.find` scan of the whole change set's text per
literal (case-insensitive patterns: lower-case literals on ASCII text), so the other files
cost nothing; a pattern is searched over a file side's joined text when no lookaround in it
can see past a line's end; globs are folded into one regex per rule; each blob is read and
each Python file parsed once per check, for every AST rule. How the fixed part is kept small:
subcommands import only what they use; the `regex` engine, the route and state analysers
are imported only when a pattern, a glob or a Python file needs them; a valid `rules.yaml` is
recognised without importing `jsonschema` (`core/schemacheck.py`); `check` ends without the
interpreter's teardown once its output is flushed (`cli.entry`).

The narrower diff (patches only for the files some content rule can match, with git
pathspecs) saves nothing with the shipped `rules.yaml`: `sensitive-config` and
`process-model-flags` read every path but images, fonts, archives and docs, so on a PR of
source files every patch is read.

## API calls without a clone

The AST rules read whole files at both sides; without `--clone` those reads go to GitHub as one
GraphQL query per 100 blobs (docs/github.md "File contents without a clone"), so the count no
longer grows with the PR's size.
"""


def render(rows: list[Row], run: Run) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `python -m bench` (each figure below comes from one run of it, on its row's",
        "date; do not edit by hand: re-run it). Budgets are designed in the code and measured",
        "here, never by timed assertions in tests.",
        "",
        f"- run: {run.date}, {run.mode} mode, {run.seconds:.0f} s",
        f"- machine: {run.machine}",
        f"- load average: {run.load_before} before, {run.load_after} after",
        "",
        HEADER,
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        verdict = {True: " **met**", False: " **not met**", None: ""}[row.met]
        lines.append(f"| {_cell(row.figure)} | {_cell(row.target)} | {_cell(row.measured)}"
                     f"{verdict} | {_cell(row.how)} (`bench/{row.benchmark}.py`) | "
                     f"{row.date or run.date} |")
    return "\n".join(lines) + "\n\n" + NOTES


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the table, as lists of cells."""
    lines = text.splitlines()
    start = lines.index(HEADER) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|")
                 for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows.append(cells)
    return rows


def benchmark_of(how_cell: str) -> str | None:
    found = _BENCH_CELL.search(how_cell)
    return found.group("name") if found else None


_RUN = re.compile(r"^- run: (?P<date>\S+), (?P<mode>\w+) mode, (?P<seconds>\d+) s$", re.M)
_MACHINE = re.compile(r"^- machine: (?P<machine>.+)$", re.M)
_LOAD = re.compile(r"^- load average: (?P<before>.+) before, (?P<after>.+) after$", re.M)
_VERDICTS = {" **met**": True, " **not met**": False}


def parse(text: str) -> tuple[list[Row], Run]:
    """The rows and run of a file `render` wrote (ValueError if it is not one)."""
    run_line, machine, load = _RUN.search(text), _MACHINE.search(text), _LOAD.search(text)
    if run_line is None or machine is None or load is None:
        raise ValueError("not a docs/performance.md written by python -m bench")
    run = Run(date=run_line["date"], mode=run_line["mode"], machine=machine["machine"],
              load_before=load["before"], load_after=load["after"],
              seconds=float(run_line["seconds"]))
    rows = []
    for figure, target, measured, how, date in table_rows(text):
        met = None
        for suffix, value in _VERDICTS.items():
            if measured.endswith(suffix):
                measured, met = measured[:-len(suffix)], value
        name = benchmark_of(how)
        if name is None:
            raise ValueError(f"row {figure!r} names no bench/ module")
        how = how.removesuffix(f" (`bench/{name}.py`)")
        rows.append(Row(figure, target, measured, how, name, met, date))
    return rows, run
