"""Begin/verify pairing written so the analyser might be fooled (RCA 2026-05-25, factor 2).

A twin counts only when the analyser can show it is served by the same app as the begin route;
a begin route registered in a way the analyser cannot resolve is a finding naming file and line.
Generated: the twin hidden (under `if False:` and other conditions, in a function never called,
on a router never included, on a stub app) and the begin route registered evasively (an alias of
`router.post`, call form, a path from a subscript, `*args` / `**kwargs`, a name rebound in a
block), at any nesting. Each PR is a real git branch judged by `check` with the shipped
rules.yaml: never CLEAR.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.rules.gate_repo import GateRepo, assert_not_clear, rules_of

GENERATED = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
RULE = "begin-verify-pairing"
NEW = "backend_v2/api/routes/magic.py"
HEADER = ("from fastapi import APIRouter, FastAPI\n\n"
          "from backend_v2.api.routes.auth import router\n\n")
BEGIN = '@router.post("/register/begin-magic")\ndef begin_magic():\n    return {}\n'
TWIN = '@{router}.post("/register/verify-magic")\ndef verify_magic():\n    return {{}}\n'


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateRepo]:
    yield GateRepo(tmp_path_factory.mktemp("pairing") / "backend")


def _indent(text: str, levels: int) -> str:
    return "".join("    " * levels + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


def test_a_plain_pair_in_a_new_file_is_clear(gate: GateRepo) -> None:
    """The base line: the same pair written plainly is accepted."""
    report = gate.judge({NEW: HEADER + BEGIN + "\n\n" + TWIN.format(router="router")})
    assert RULE not in rules_of(report), report


# --- a twin that is not served -------------------------------------------------------------

def _hidden_twin(how: str, depth: int) -> str:
    twin = TWIN.format(router="router")
    if how == "if":
        wrappers = ["if False:\n", "if settings.DEBUG:\n", "while False:\n",
                    "for _ in ():\n", "try:\n    pass\nexcept Exception:\n"]
        out = twin
        for level in range(depth):
            out = wrappers[level % len(wrappers)] + _indent(out, 1)
        return out
    if how == "function":
        out = twin
        for level in range(depth):
            out = f"def _register_{level}():\n" + _indent(out, 1)
        return out
    # The same full path as the begin route's twin (auth.router's prefix is /api/auth), on an
    # object no app serves.
    if how == "stray-router":
        return 'stray = APIRouter(prefix="/api/auth")\n\n\n' + TWIN.format(router="stray")
    if how == "stub-app":
        return ("stub = FastAPI()\n\n\n"
                + TWIN.format(router="stub").replace('"/register/', '"/api/auth/register/'))
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["if", "function", "stray-router", "stub-app"])
def test_the_listed_hidden_twins(gate: GateRepo, how: str) -> None:
    report = gate.judge({NEW: HEADER + BEGIN + "\n\n" + _hidden_twin(how, 1)})
    assert_not_clear(report, RULE)


@GENERATED
@given(how=st.sampled_from(["if", "function", "stray-router", "stub-app"]),
       depth=st.integers(1, 4), twin_elsewhere=st.booleans())
def test_a_twin_that_is_not_served_is_no_twin(gate: GateRepo, how: str, depth: int,
                                              twin_elsewhere: bool) -> None:
    hidden = _hidden_twin(how, depth)
    if twin_elsewhere:
        files = {NEW: HEADER + BEGIN,
                 "backend_v2/api/routes/magic_twin.py": HEADER + hidden}
    else:
        files = {NEW: HEADER + BEGIN + "\n\n" + hidden}
    assert_not_clear(gate.judge(files), RULE)


# --- a begin route the analyser cannot resolve -----------------------------------------------

BEGIN_FORMS = [
    'post = router.post\n\n\n@post("/register/begin-magic")\ndef begin_magic():\n    return {}\n',
    'def begin_magic():\n    return {}\n\n\nrouter.post("/register/begin-magic")(begin_magic)\n',
    'PATHS = ["/register/begin-magic"]\n\n\n@router.post(PATHS[0])\ndef begin_magic():\n'
    '    return {}\n',
    'ARGS = ("/register/begin-magic",)\n\n\n@router.post(*ARGS)\ndef begin_magic():\n'
    '    return {}\n',
    'KW = {"path": "/register/begin-magic"}\n\n\n@router.post(**KW)\ndef begin_magic():\n'
    '    return {}\n',
    'P = "/register/other"\nif True:\n    P = "/register/begin-magic"\n\n\n@router.post(P)\n'
    'def begin_magic():\n    return {}\n',
    'route = getattr(router, "post")\n\n\n@route("/register/begin-magic")\n'
    'def begin_magic():\n    return {}\n',
    'def begin_magic():\n    return {}\n\n\nrouter.add_api_route(*["/register/begin-magic",'
    ' begin_magic], methods=["POST"])\n',
]


@pytest.mark.parametrize("form", range(len(BEGIN_FORMS)))
def test_the_listed_begin_registrations(gate: GateRepo, form: int) -> None:
    report = gate.judge({NEW: HEADER + BEGIN_FORMS[form]})
    assert_not_clear(report, RULE)
    (finding,) = [f for f in report["findings"] if f["rule"] == RULE and f["path"] == NEW]
    assert finding["line"] is not None
    assert "could not resolve" in finding["message"] or "has no" in finding["message"]


@GENERATED
@given(form=st.sampled_from(BEGIN_FORMS), suffix=st.sampled_from(["magic", "x", "with-link"]),
       prefix=st.sampled_from(["/register", "/api/v2/register", ""]),
       nesting=st.sampled_from(["", "if", "with"]))
def test_an_unresolvable_begin_registration_is_a_finding(gate: GateRepo, form: str,
                                                         suffix: str, prefix: str,
                                                         nesting: str) -> None:
    code = form.replace("/register/begin-magic", f"{prefix}/begin-{suffix}")
    if nesting == "if":
        code = "if settings.SIGNUP:\n" + _indent(code, 1)
    elif nesting == "with":
        code = "with open(__file__):\n" + _indent(code, 1)
    report = gate.judge({NEW: "settings = object()\n" + HEADER + code})
    assert_not_clear(report, RULE)
