"""Expressions nested deeper than the analysis reads are state, never a silent pass (RCA
2026-05-25 factor 1; fail closed): a container built `n` levels down in any nesting form, and a
mutation through a chain of `n` subscripts, walruses, conditionals, `or`, `.get()` or `getattr`.

Up to the depth read (8) the report is exact; past it a value is taken for a container and a
mutated expression for every name it holds (`_k`, used only as a key, is then mutated too).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from release_gate.core.pyast.source import parse_python, source_lines
from release_gate.core.pyast.state import StateReport, scan_state

READ = 8  # levels the analysis reads
TOO_DEEP = "value (nested too deep to tell)"


def report(source: str) -> StateReport:
    with_lines = scan_state(parse_python("m.py", source), source_lines(source))
    assert with_lines == scan_state(parse_python("m.py", source))
    return with_lines


def nest(form: Callable[[str, int], str], inner: str, levels: int) -> str:
    for level in range(levels):
        inner = form(inner, level)
    return inner


# How a value can wrap a container one level deeper.
BUILDS: dict[str, Callable[[str, int], str]] = {
    "walrus": lambda x, i: f"(_w{i} := {x})",
    "conditional body": lambda x, i: f"({x} if A else None)",
    "conditional else": lambda x, i: f"(None if A else {x})",
    "or": lambda x, i: f"(None or {x})",
    ".copy()": lambda x, i: f"{x}.copy()",
    "copy.copy()": lambda x, i: f"copy.copy({x})",
}


@pytest.mark.parametrize("levels", [READ, READ + 1])
@pytest.mark.parametrize("form", list(BUILDS), ids=list(BUILDS))
def test_a_container_built_deep_down(form: str, levels: int) -> None:
    value = nest(BUILDS[form], "{}", levels)
    found = report(f"_c = {value}\ndef put(k):\n    _c[k] = 1\n")
    assert found.containers["_c"].kind == ("dict" if levels <= READ else TOO_DEEP)
    assert "_c" in {m.container for m in found.mutations}


@pytest.mark.parametrize("levels", [READ, READ + 1])
def test_a_container_in_nested_tuples(levels: int) -> None:
    value = nest(lambda x, i: f"({x},)", "{}", levels)
    found = report(f"_c = {value}\n")
    innermost = "dict" if levels <= READ else TOO_DEEP
    assert found.containers["_c"].kind == "tuple holding a " * levels + innermost


# How an expression can reach (a part of) the container one level deeper.
REACHES: dict[str, Callable[[str, int], str]] = {
    "subscript": lambda x, i: f"{x}[0]",
    "walrus": lambda x, i: f"(_s{i} := {x})",
    "conditional body": lambda x, i: f"({x} if k else None)",
    "conditional else": lambda x, i: f"(None if k else {x})",
    "or": lambda x, i: f"(None or {x})",
    ".get()": lambda x, i: f"{x}.get(0)",
    ".setdefault()": lambda x, i: f"{x}.setdefault(0, {{}})",
    "getattr": lambda x, i: f"getattr({x}, 'a')",
}


@pytest.mark.parametrize("levels", [READ, READ + 1])
@pytest.mark.parametrize("form", list(REACHES), ids=list(REACHES))
def test_a_mutation_reached_deep_down(form: str, levels: int) -> None:
    target = nest(REACHES[form], "_c[_k]", levels)
    found = report(f"_c = {{}}\n_k = {{}}\ndef put(k):\n    {target}[k] = 1\n")
    mutated = {m.container for m in found.mutations}
    assert mutated == ({"_c"} if levels <= READ else {"_c", "_k"})
