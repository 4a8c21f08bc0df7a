"""scripts/mutation's own decisions: which survivor is a reworded message, and that a run of
some modules keeps the other rows of docs/reliability.md's table."""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation"


@pytest.fixture(scope="module")
def mutation() -> ModuleType:
    loader = SourceFileLoader("mutation_script", str(SCRIPT))
    spec = importlib.util.spec_from_loader("mutation_script", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_script"] = module  # its dataclasses look their module up
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(("before", "after", "text_only"), [
    ('who = login or "no one here"', 'who = login or "XXno one hereXX"', True),
    ('who = login or "no one here"', 'who = login or "NO ONE HERE"', True),
    ("f\"a ({d or 'no description'}): x\"", "f\"a ({d or 'XXno descriptionXX'}): x\"", True),
    ('path = p.split("@", 1)[0]', 'path = p.split("XX@XX", 1)[0]', False),  # a token
    ('ok = state == "success"', 'ok = state == "SUCCESS"', False),
    ('x = a or "b c"', 'x = a and "b c"', False),                           # not a literal
    ('x = "b c"', 'x = None', False),
])
def test_only_a_reworded_prose_literal_is_text_only(mutation: ModuleType, before: str,
                                                    after: str, text_only: bool) -> None:
    diff = f"@@ -1 +1 @@\n-    {before}\n+    {after}\n"
    assert mutation.is_text_only(diff) is text_only


def test_a_partial_run_keeps_the_other_rows(mutation: ModuleType, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "reliability.md"
    doc.write_text("# Reliability\n", "utf-8")
    monkeypatch.setattr(mutation, "DOC", doc)
    first = mutation.Row("release_gate/core/evidence.py", 100, 96, 4, 0, 0, 0, 60.0)
    second = mutation.Row("release_gate/core/changes.py", 50, 40, 10, 2, 0, 0, 30.0)
    mutation.write_doc(mutation.table(
        {first.module: mutation.row_line(first, measured="d1 @ a"),
         second.module: mutation.row_line(second, measured="d1 @ a")}, {}))
    redone = mutation.Row("release_gate/core/changes.py", 50, 48, 2, 0, 0, 0, 30.0)
    rows = mutation.previous_rows()
    rows[redone.module] = mutation.row_line(redone, measured="d2 @ b")
    mutation.write_doc(mutation.table(rows, {}))
    text = doc.read_text("utf-8")
    assert text.startswith("# Reliability\n")
    assert "| `release_gate/core/evidence.py` | 100 | 96 | 4 | 0 | 0 | 0 | 96.0% (met) |" in text
    assert "| `release_gate/core/changes.py` | 50 | 48 | 2 |" in text and "d2 @ b" in text
    assert text.count("release_gate/core/changes.py") == 1
    assert "83.3%" not in text  # the first changes.py row, 40 / (50 - 2 text-only), is gone


def test_table_runs_nothing_and_lists_a_newly_named_equivalent(
        mutation: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc, listed = tmp_path / "reliability.md", tmp_path / "equivalents.txt"
    row = mutation.Row("release_gate/core/changes.py", 50, 48, 2, 0, 0, 0, 30.0)
    doc.write_text("# Reliability\n", "utf-8")
    monkeypatch.setattr(mutation, "DOC", doc)
    monkeypatch.setattr(mutation, "EQUIVALENTS", listed)
    mutation.write_doc(mutation.table({row.module: mutation.row_line(row, measured="d @ a")}, {}))
    listed.write_text("release_gate.core.changes.x_f__mutmut_1 both spellings mean the same\n",
                      "utf-8")
    monkeypatch.setattr(mutation, "run_module", None)  # --table must not run mutmut
    monkeypatch.setattr(sys, "argv", ["mutation", "--table"])
    assert mutation.main() == 0
    text = doc.read_text("utf-8")
    assert "| `release_gate/core/changes.py` | 50 | 48 | 2 |" in text and "d @ a" in text
    assert "`release_gate.core.changes.x_f__mutmut_1`: both spellings mean the same" in text
