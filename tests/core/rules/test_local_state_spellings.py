"""Process-local state spelled with other Unicode letters is still state (RCA 2026-05-25, factor
1): Python reads identifiers NFKC-normalised, so `_ｃhallenge_store[k] = v` (a fullwidth `ｃ`)
writes the module's `_challenge_store`. A function whose text holds the container's name only in
such a spelling is still read, and the mutation blocks.

Generated: the container's name, which of its letters are written as fullwidth or mathematical
letters, where the other spelling is (the mutation, the definition, both), and how the function
mutates it (item assignment, `del`, a method, rebinding through `global`, a default argument).
"""

from __future__ import annotations

import keyword
import textwrap
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core import config, engine
from release_gate.core.verdict import Outcome
from tests.core.rules.gate_repo import GateRepo, assert_not_clear
from tests.core.rules.helpers import pr

POLICY = config.load_default()
RULE = "process-local-state"
SERVICE = "backend_v2/api/services/webauthn_service.py"

# Letters and digits that NFKC folds to an ASCII one: fullwidth, mathematical bold, sans-serif
# and monospace forms (the Unicode blocks FF00 and 1D400).
_FORMS = {
    **{c: [chr(0xFF21 + i), chr(0x1D400 + i), chr(0x1D5A0 + i), chr(0x1D670 + i)]
       for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
    **{c: [chr(0xFF41 + i), chr(0x1D41A + i), chr(0x1D5BA + i), chr(0x1D68A + i)]
       for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")},
    **{c: [chr(0xFF10 + i), chr(0x1D7CE + i)] for i, c in enumerate("0123456789")},
}
NAMES = st.from_regex(r"_?[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in {"k", "v", "put"})
# (module source; {d} is the name as defined, {u} as used in the function)
MUTATIONS = [
    "{d} = {{}}\n\n\ndef put(k, v):\n    {u}[k] = v\n",
    "{d} = {{}}\n\n\ndef put(k, v):\n    del {u}[k]\n",
    "{d} = []\n\n\ndef put(k, v):\n    {u}.append((k, v))\n",
    "{d} = {{}}\n\n\ndef put(k, v):\n    return {u}.pop(k, None)\n",
    "{d} = {{}}\n\n\ndef put(k, v):\n    global {u}\n    {u} = {{k: v}}\n",
    "{d} = {{}}\n\n\nclass Store:\n    async def put(self, k, v):\n        {u}.setdefault(k, v)\n",
    "def put(k, v, {d}={{}}):\n    {u}[k] = v\n",
]


@st.composite
def spellings(draw: st.DrawFn, name: str) -> str:
    """`name` with at least one of its letters or digits in a form NFKC folds back to it."""
    positions = [i for i, c in enumerate(name) if c in _FORMS]
    chosen = draw(st.sets(st.sampled_from(positions), min_size=1))
    letters = [draw(st.sampled_from(_FORMS[c])) if i in chosen else c
               for i, c in enumerate(name)]
    return "".join(letters)


def _flagged(source: str) -> list[tuple[int | None, str]]:
    evaluation = engine.evaluate(POLICY, pr({}, {SERVICE: source}))
    found = [f for f in evaluation.findings if f.rule == RULE]
    assert all(f.outcome is Outcome.BLOCKED for f in found)
    return [(f.line, f.message) for f in found]


@settings(max_examples=150, deadline=None)
@given(data=st.data(), name=NAMES, template=st.sampled_from(MUTATIONS),
       where=st.sampled_from(["use", "definition", "both"]))
def test_a_container_spelled_with_other_letters_is_still_state(
        data: st.DataObject, name: str, template: str, where: str) -> None:
    spelled = data.draw(spellings(name))
    assert spelled.isidentifier() and unicodedata.normalize("NFKC", spelled) == name
    defined = name if where == "use" else spelled
    used = name if where == "definition" else data.draw(spellings(name))
    source = template.format(d=defined, u=used)
    compile(source, SERVICE, "exec")  # valid Python, and the same names to Python
    ((line, message),) = _flagged(source)
    assert line == 1
    assert f"`{name}` is a new module-level" in message or f"({name}=...)" in message


def test_the_rcas_store_written_in_fullwidth_letters_blocks_the_pr(tmp_path: Path) -> None:
    """The listed example, judged by `check` on a real git branch with the shipped rules."""
    source = textwrap.dedent("""\
        _challenge_store = {}


        def store_challenge(user_id, challenge):
            _ｃｈａｌｌｅｎｇｅ_ｓｔｏｒｅ[user_id] = challenge


        def pop_challenge(user_id):
            return _ｃｈａｌｌｅｎｇｅ_ｓｔｏｒｅ.pop(user_id, None)
        """)
    gate = GateRepo(tmp_path / "backend")
    report = gate.judge({"backend_v2/api/services/challenge_cache.py": source})
    assert_not_clear(report, RULE)
    (finding,) = [f for f in report["findings"] if f["rule"] == RULE]
    assert finding["line"] == 1
    assert "store_challenge() at line 5 (assigns an item)" in finding["message"]
    assert "pop_challenge() at line 9 (calls .pop())" in finding["message"]
