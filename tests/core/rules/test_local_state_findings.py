"""`process-local-state` findings, each pinned through the engine's verdict (RCA 2026-05-25,
factor 1): every container of a file is judged on its own, whatever comes before it; the message
names the first three mutations and counts the rest; a touched file the adapter could not read,
and a base above the size cap, fail closed.

Generated: files holding several containers (unchanged, allowed, new, newly mutated, allowed
without a reason) in any order, and containers mutated by one to seven functions.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core import config, engine
from release_gate.core.verdict import Finding, Outcome, Verdict
from tests.core.rules.helpers import line_of, pr
from tests.core.rules.test_local_state import RULE, SERVICE, STORE, judge
from tests.fakes.context import FakeContext

ALLOW = "# release-gate: allow-process-local-state"

# --- every container on its own --------------------------------------------------------------

# kind -> (defined at the base, mutated at the base, allow comment at the head, flagged, words)
KINDS = {
    "unchanged": (True, True, "", False, ""),
    "allowed": (False, False, f"  {ALLOW} one per process is fine", False, ""),
    "new": (False, False, "", True, "is a new module-level dict"),
    "newly mutated": (True, False, "", True, "is a module-level dict"),
    "allowed without a reason": (False, False, f"  {ALLOW}", True, "gives no reason"),
}


def _file(kinds: list[str], order: list[int], *, base: bool) -> str:
    """Containers `_s0`, `_s1`, ... defined in that order; their functions in `order` (the
    engine reports containers by their first mutation, so `order` is the order they are judged
    in). At the base only what the kind says is there."""
    lines = ["import logging", ""]
    for i, kind in enumerate(kinds):
        defined_at_base, _, allow, _, _ = KINDS[kind]
        if base and not defined_at_base:
            continue
        lines.append(f"_s{i} = {{}}" + ("" if base else allow))
    for i in order:
        defined_at_base, mutated_at_base, _, _, _ = KINDS[kinds[i]]
        if base and not defined_at_base:
            continue
        body = f"_s{i}[k] = v" if mutated_at_base or not base else f"return _s{i}.get(k)"
        lines += ["", "", f"def f{i}(k, v):", f"    {body}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None)
@given(data=st.data(), kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6))
def test_each_container_is_judged_on_its_own(data: st.DataObject, kinds: list[str]) -> None:
    order = data.draw(st.permutations(range(len(kinds))))
    head = _file(kinds, order, base=False)
    found = judge({SERVICE: _file(kinds, order, base=True)}, {SERVICE: head})
    expected = {}
    for i, kind in enumerate(kinds):
        _, _, _, flagged, words = KINDS[kind]
        if flagged:
            blamed = f"_s{i}[k] = v" if kind == "newly mutated" else f"_s{i} = {{}}"
            expected[line_of(head, blamed)] = (f"`_s{i}` is a", words)
    assert sorted(f.line for f in found) == sorted(expected)
    for finding in found:
        name, words = expected[finding.line or 0]
        assert finding.message.startswith(name) and words in finding.message
        assert finding.outcome is Outcome.BLOCKED


def test_an_unchanged_container_before_a_new_one_hides_nothing() -> None:
    base = "_old = {}\n\n\ndef keep(k, v):\n    _old[k] = v\n"
    head = base + "\n\n_new = []\n\n\ndef add(x):\n    _new.append(x)\n"
    (finding,) = judge({SERVICE: base}, {SERVICE: head})
    assert finding.line == line_of(head, "_new = []")
    assert "`_new` is a new module-level list" in finding.message


def test_an_allowed_container_before_a_new_one_hides_nothing() -> None:
    head = (f"_seen = set()  {ALLOW} dedup of log lines\n_store = {{}}\n\n\n"
            "def log_once(x):\n    _seen.add(x)\n\n\ndef put(k, v):\n    _store[k] = v\n")
    (finding,) = judge({}, {SERVICE: head})
    assert finding.line == 2
    assert "`_store` is a new module-level dict" in finding.message


# --- the message: three mutations named, the rest counted ------------------------------------


@pytest.mark.parametrize("count", range(1, 8))
def test_the_message_names_three_mutations_and_counts_the_rest(count: int) -> None:
    head = "_store = {}\n" + "".join(f"\n\ndef f{i}(k, v):\n    _store[k] = v\n"
                                     for i in range(count))
    (finding,) = judge({}, {SERVICE: head})
    named = ", ".join(f"f{i}() at line {line_of(head, f'def f{i}(') + 1} (assigns an item)"
                      for i in range(min(count, 3)))
    more = f" and {count - 3} more" if count > 3 else ""
    assert f"mutated by {named}{more}: under gunicorn --preload" in finding.message
    assert "f3()" not in finding.message


# --- a side the gate could not read or parse -------------------------------------------------


def _unreadable(ctx: FakeContext, path: str, *, known: bool) -> FakeContext:
    """`ctx` with `path` missing at the head; `known`: whether the adapter knew its content."""
    files = tuple(dataclasses.replace(c, content_known=known,
                                      unknown_reason=None if known else "too large")
                  if c.path == path else c for c in ctx.changes.files)
    return FakeContext(dataclasses.replace(ctx.changes, files=files), ctx.base_files,
                       {p: d for p, d in ctx.head_files.items() if p != path})


OTHER = "backend_v2/api/services/other.py"
TOUCHED = {  # how the file is touched: (base, head, renames)
    "added": ({}, {SERVICE: STORE}, {}),
    "modified": ({SERVICE: "import logging\n"}, {SERVICE: STORE}, {}),
    "renamed": ({OTHER: STORE}, {SERVICE: STORE + "# moved\n"}, {SERVICE: OTHER}),
    "unchanged state": ({SERVICE: STORE}, {SERVICE: STORE + "# edited\n"}, {}),
}


@pytest.mark.parametrize("how", sorted(TOUCHED))
def test_a_touched_file_the_adapter_could_not_read_blocks_and_names_it(how: str) -> None:
    base, head, renames = TOUCHED[how]
    ctx = _unreadable(pr(base, head, renames=renames), SERVICE, known=False)
    evaluation = engine.evaluate(config.load_default(), ctx)
    (finding,) = [f for f in evaluation.findings if f.rule == RULE]
    assert (finding.path, finding.line, finding.outcome) == (SERVICE, None, Outcome.BLOCKED)
    assert finding.message.startswith(
        f"{SERVICE} could not be read at the head, so it cannot be checked for process-local "
        f"state; treated as failing (fail closed")
    assert evaluation.verdict is Verdict.BLOCKED


@pytest.mark.parametrize("how", sorted(TOUCHED))
def test_a_file_known_to_be_absent_at_the_head_is_no_read_error(how: str) -> None:
    base, head, renames = TOUCHED[how]
    ctx = _unreadable(pr(base, head, renames=renames), SERVICE, known=True)
    assert [f for f in engine.evaluate(config.load_default(), ctx).findings
            if f.rule == RULE] == []


CAP = 4096
POLICY = config.load_text(f"""version: 1
rules:
  - id: {RULE}
    kind: {RULE}
    description: Module-level mutable state that request code mutates
    outcome: blocked
    scope: ["backend_v2/api/**"]
    max_python_bytes: {CAP}
""", "rules.yaml")


def _padded(text: str, size: int) -> str:
    """`text` and a comment line, `size` bytes in all."""
    padding = size - len(text.encode()) - 1
    assert padding > 1
    return text + "#" * padding + "\n"


def _cap_findings(base: dict[str, str], head: dict[str, str],
                  renames: dict[str, str] | None = None) -> list[Finding]:
    return list(engine.evaluate(POLICY, pr(base, head, renames=renames)).findings)


@pytest.mark.parametrize("renamed", [False, True])
def test_a_base_above_the_cap_counts_as_empty_so_all_head_state_is_new(renamed: bool) -> None:
    old_path = OTHER if renamed else SERVICE
    base = {old_path: _padded(STORE, CAP + 1)}
    (finding,) = _cap_findings(base, {SERVICE: STORE},
                               {SERVICE: OTHER} if renamed else None)
    assert (finding.path, finding.line) == (SERVICE, line_of(STORE, "_challenge_store = {}"))
    assert "`_challenge_store` is a new module-level dict" in finding.message


@pytest.mark.parametrize("size", [len(STORE.encode()) + 10, CAP])
def test_a_base_within_the_cap_is_read(size: int) -> None:
    assert _cap_findings({SERVICE: _padded(STORE, size)}, {SERVICE: STORE}) == []


def test_a_head_above_the_cap_blocks_even_when_the_base_is_the_same() -> None:
    big = _padded(STORE, CAP + 1)
    (finding,) = _cap_findings({SERVICE: big}, {SERVICE: big + "# edited\n"})
    assert (finding.path, finding.line) == (SERVICE, None)
    assert f"above the {CAP:,}-byte cap" in finding.message
