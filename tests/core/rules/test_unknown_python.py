"""Python the gate cannot read is never invisible: a file in scope that does not parse with the
gate's grammar, or is larger than `max_python_bytes`, is a finding that names it (fail closed).

Generated: syntax from newer Pythons (PEP 701 f-strings, PEP 695 type parameters and `type`,
PEP 696 defaults, PEP 758 bare `except A, B`, PEP 750 t-strings) in the file holding the begin
route, at the base or in the PR. Whatever Python runs the test, the verdict is never CLEAR: the
file either parses (and the orphaned begin route is found) or it is named as unparsable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate.core.rules.pyscope import MAX_PYTHON_BYTES
from tests.core.rules.gate_repo import GateRepo, assert_not_clear

GENERATED = settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])

BEGIN_FILE = "backend_v2/api/routes/signup.py"
VERIFY_FILE = "backend_v2/api/routes/signup_verify.py"
BEGIN = '''from fastapi import APIRouter

router = APIRouter(prefix="/api/signup")


@router.post("/register/begin-with-token")
def begin(body: dict):
{body}
'''
VERIFY = '''from fastapi import APIRouter

from backend_v2.api.routes.signup import router


@router.post("/register/verify-with-token")
def verify():
    return {}
'''
# Each is valid on some Python >= 3.12 and a syntax error on 3.11.
NEWER_SYNTAX = [
    '    return f"{body["token"]}"',                       # 3.12, PEP 701
    '    return f"{", ".join(body)}"',                     # 3.12, PEP 701
    "    type Token = str\n    return body",              # 3.12, PEP 695
    "    def first[T](xs: list[T]) -> T:\n        return xs[0]\n    return first([body])",
    "    class Box[T]:\n        pass\n    return Box",     # 3.12, PEP 695
    "    def first[T = int](x: T) -> T:\n        return x\n    return first(1)",  # 3.13, PEP 696
    "    try:\n        return body\n    except KeyError, ValueError:\n        return {}",  # 3.14
    '    return t"{body}"',                                # 3.14, PEP 750
]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateRepo]:
    yield GateRepo(tmp_path_factory.mktemp("unknown-python") / "backend")


def _begin(body: str) -> str:
    return BEGIN.format(body=body)


def test_the_listed_example_an_unparsable_base_and_a_removed_twin(gate: GateRepo) -> None:
    """Base: the begin route in a file holding a PEP 701 f-string; the PR removes its twin."""
    report = gate.judge({VERIFY_FILE: None},
                        base={BEGIN_FILE: _begin(NEWER_SYNTAX[0]), VERIFY_FILE: VERIFY})
    assert_not_clear(report, "begin-verify-pairing")
    if sys.version_info < (3, 12):
        (finding,) = [f for f in report["findings"] if f["path"] == BEGIN_FILE]
        assert "does not parse as Python 3.11" in finding["message"]
        assert finding["line"] == 8


@GENERATED
@given(syntax=st.sampled_from(NEWER_SYNTAX), at_base=st.booleans(),
       twin_removed=st.booleans())
def test_newer_syntax_in_scope_is_never_invisible(gate: GateRepo, syntax: str, at_base: bool,
                                                  twin_removed: bool) -> None:
    begin = _begin(syntax)
    if at_base:  # the begin file is untouched by the PR; the PR removes or edits the twin
        pr = {VERIFY_FILE: None if twin_removed else VERIFY + "# edited\n"}
        base = {BEGIN_FILE: begin, VERIFY_FILE: VERIFY}
    else:
        pr = {BEGIN_FILE: begin} if twin_removed else {BEGIN_FILE: begin, VERIFY_FILE: VERIFY}
        base = {}
    report = gate.judge(pr, base=base)
    if not twin_removed and sys.version_info >= (3, 14):
        return  # everything parses and the pair is whole: CLEAR is right
    assert_not_clear(report, "begin-verify-pairing", "process-local-state")


def test_an_unparsable_file_touched_by_the_pr_names_the_file_and_error(gate: GateRepo) -> None:
    report = gate.judge({"backend_v2/api/services/helpers.py": "def f(:\n    pass\n"})
    assert_not_clear(report, "process-local-state")
    messages = [f["message"] for f in report["findings"]
                if f["path"] == "backend_v2/api/services/helpers.py"]
    assert messages and all("does not parse as Python" in m for m in messages)


# --- size cap --------------------------------------------------------------------------------

def _big_module(size: int) -> str:
    lines, total, n = [], 0, 0
    while total <= size:
        line = f'value_{n} = {{"k": [{n}, "s{n}"]}}\n'
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines)


def test_a_python_file_above_the_cap_is_unknown_content(gate: GateRepo) -> None:
    path = "backend_v2/api/services/generated.py"
    report = gate.judge({path: _big_module(MAX_PYTHON_BYTES)})
    assert_not_clear(report)
    found = {f["rule"]: f["message"] for f in report["findings"] if f["path"] == path}
    # (a content pattern may also run out of its time budget on 2 MB: it then matches)
    assert {"begin-verify-pairing", "process-local-state"} <= set(found)
    for message in (found["begin-verify-pairing"], found["process-local-state"]):
        assert f"above the {MAX_PYTHON_BYTES:,}-byte cap" in message and "unknown" in message


def test_an_oversized_untouched_begin_file_blocks_a_pr_removing_its_twin(gate: GateRepo) -> None:
    begin = _begin("    return {}") + _big_module(MAX_PYTHON_BYTES)
    report = gate.judge({VERIFY_FILE: None}, base={BEGIN_FILE: begin, VERIFY_FILE: VERIFY})
    assert_not_clear(report, "begin-verify-pairing")
    assert any(f["path"] == BEGIN_FILE and "cap" in f["message"] for f in report["findings"])
