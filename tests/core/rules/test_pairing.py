"""Table-driven tests of `route-pairing` (rule `begin-verify-pairing`) on a fake context."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from release_gate.core import config, engine
from release_gate.core.rules.pairing import pair_key, twin_path
from release_gate.core.verdict import Finding, Outcome
from tests.core.rules.helpers import line_of, pr
from tests.fakes.context import FakeContext

POLICY = config.load_default()
RULE = "begin-verify-pairing"
RCA = "(RCA 2026-05-25 factor 2: begin and verify ship in one PR)"

MAIN = "backend_v2/api/main.py"
AUTH = "backend_v2/api/routes/auth.py"
TOKEN = "backend_v2/api/routes/token_verify.py"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MAIN_SRC = src("""
    from fastapi import FastAPI
    from .routes import auth, token_verify
    app = FastAPI()
    app.include_router(auth.router, prefix="/api/auth")
    app.include_router(token_verify.router, prefix="/api/auth")
""")


def auth(*routes: str, prefix: str = "/register", body: str = "return {}") -> str:
    """routes/auth.py with `@router.post(<each route>)` handlers."""
    out = ["from fastapi import APIRouter", "", f'router = APIRouter(prefix="{prefix}")', ""]
    for i, route in enumerate(routes):
        out += [f'@router.post("{route}")', f"async def handler_{i}():", f"    {body}", ""]
    return "\n".join(out)


OLD = ("/begin", "/verify")  # the pre-incident pair: /api/auth/register/begin, .../verify
BASE = {MAIN: MAIN_SRC, AUTH: auth(*OLD), TOKEN: auth(prefix="/register")}
WITH_TOKEN = auth(*OLD, "/begin-with-token", "/verify-with-token")


def pairing(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == RULE]


def judge(ctx: FakeContext) -> list[Finding]:
    return pairing(engine.evaluate(POLICY, ctx).findings)


@dataclass(frozen=True)
class Case:
    id: str
    base: dict[str, str | bytes]
    head: dict[str, str | bytes]
    # (path, text on the blamed line or None, words of the message) per expected finding
    expect: list[tuple[str, str | None, str]] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("PR #2725: begin-with-token alone", BASE,
         {**BASE, AUTH: auth(*OLD, "/begin-with-token")},
         [(AUTH, '"/begin-with-token"',
           f"POST /api/auth/register/begin-with-token has no "
           f"/api/auth/register/verify-with-token in this PR's head {RCA}.")]),
    Case("PR #2726: the follow-up adds verify-with-token",
         {**BASE, AUTH: auth(*OLD, "/begin-with-token")}, {**BASE, AUTH: WITH_TOKEN}),
    Case("both in one PR", BASE, {**BASE, AUTH: WITH_TOKEN}),
    Case("editing only the body of a paired begin handler", {**BASE, AUTH: WITH_TOKEN},
         {**BASE, AUTH: auth(*OLD, "/begin-with-token", "/verify-with-token",
                             body="return {'changed': True}")}),
    Case("removing verify-with-token", {**BASE, AUTH: WITH_TOKEN},
         {**BASE, AUTH: auth(*OLD, "/begin-with-token")},
         [(AUTH, '"/begin-with-token"', "this PR removed or renamed it (at the base: "
                                        f"{AUTH} line ")]),
    Case("renaming verify-with-token", {**BASE, AUTH: WITH_TOKEN},
         {**BASE, AUTH: auth(*OLD, "/begin-with-token", "/verify-token")},
         [(AUTH, '"/begin-with-token"', "has no /api/auth/register/verify-with-token")]),
    Case("twin in another file under the same include prefix",
         BASE, {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
                TOKEN: auth("/verify-with-token", prefix="/register")}),
    Case("twin moved to another file", {**BASE, AUTH: WITH_TOKEN},
         {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
          TOKEN: auth("/verify-with-token", prefix="/register")}),
    Case("twin in another file under another prefix",
         BASE, {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
                TOKEN: auth("/verify-with-token", prefix="/signup")},
         [(AUTH, '"/begin-with-token"', "has no /api/auth/register/verify-with-token")]),
    Case("prefix change in main.py splits a pair across files (begin's file untouched)",
         {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
          TOKEN: auth("/verify-with-token", prefix="/register")},
         {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
          TOKEN: auth("/verify-with-token", prefix="/register"),
          MAIN: MAIN_SRC.replace('token_verify.router, prefix="/api/auth"',
                                 'token_verify.router, prefix="/api/v2/auth"')},
         [(AUTH, '"/begin-with-token"', "has no /api/auth/register/verify-with-token")]),
    Case("deleting the file that holds the twin",
         {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
          TOKEN: auth("/verify-with-token", prefix="/register")},
         {MAIN: MAIN_SRC, AUTH: auth(*OLD, "/begin-with-token")},
         [(AUTH, '"/begin-with-token"', f"(at the base: {TOKEN} line 5)")]),
    Case("renaming the twin's file keeps the pair",
         {**BASE, AUTH: auth(*OLD, "/begin-with-token"),
          TOKEN: auth("/verify-with-token", prefix="/register")},
         {MAIN: MAIN_SRC.replace("token_verify", "verify2"), AUTH: auth(*OLD, "/begin-with-token"),
          "backend_v2/api/routes/verify2.py": auth("/verify-with-token", prefix="/register")},
         renames={"backend_v2/api/routes/verify2.py": TOKEN}),
    Case("a bare `begin` needs a bare `verify`", BASE, {**BASE, AUTH: auth("/begin")},
         [(AUTH, '"/begin"', "POST /api/auth/register/begin has no /api/auth/register/verify")]),
    Case("path parameters pair by position", BASE,
         {**BASE, AUTH: auth(*OLD, "/{flow}/begin-x", "/{kind}/verify-x")}),
    Case("trailing slashes do not matter", BASE,
         {**BASE, AUTH: auth(*OLD, "/begin-x/", "/verify-x")}),
    Case("beginning is not begin", BASE, {**BASE, AUTH: auth(*OLD, "/beginning")}),
    Case("a verify without a begin is fine", BASE, {**BASE, AUTH: auth(*OLD, "/verify-x")}),
    Case("an orphan that predates the PR in an untouched file is not this PR's",
         {**BASE, TOKEN: auth("/begin-legacy", prefix="/register")},
         {**BASE, TOKEN: auth("/begin-legacy", prefix="/register"),
          AUTH: auth(*OLD, "/begin-x", "/verify-x")}),
    Case("an orphan that predates the PR in a file it touches is",
         {**BASE, AUTH: auth(*OLD, "/begin-legacy")},
         {**BASE, AUTH: auth(*OLD, "/begin-legacy", body="return None")},
         [(AUTH, '"/begin-legacy"', "has no /api/auth/register/verify-legacy")]),
    Case("a syntax error in a touched file blocks, on its line", BASE,
         {**BASE, AUTH: auth(*OLD) + "\n@router.post('/begin-x'\ndef broken(:\n"},
         [(AUTH, None, "does not parse as Python")]),
    Case("a touched file that is not UTF-8 blocks", BASE,
         {**BASE, AUTH: auth(*OLD).encode() + b"\nNAME = 'caf\xe9'\n"},
         [(AUTH, None, "is not decodable as Python source text")]),
    Case("a binary file posing as .py blocks", BASE, {**BASE, AUTH: b"\x00\x01\x02begin"},
         [(AUTH, None, "contains NUL bytes")]),
    Case("an untouched file that does not parse is a finding, and named in the orphan message",
         {**BASE, TOKEN: "def broken(:\n  '/verify-x'\n"},
         {**BASE, TOKEN: "def broken(:\n  '/verify-x'\n", AUTH: auth(*OLD, "/begin-x")},
         [(AUTH, '"/begin-x"', f"could not parse {TOKEN}, which may define it"),
          (TOKEN, None, "does not parse as Python")]),
    Case("a touched file without route words at the base declared no route there",
         {**BASE, AUTH: "def broken(:\n", TOKEN: auth("/begin-legacy", prefix="/register")},
         {**BASE, AUTH: auth(*OLD), TOKEN: auth("/begin-legacy", prefix="/register")}),
    Case("an untouched file without route words is not parsed at all",
         {**BASE, "backend_v2/api/util.py": "def broken(:\n"},
         {**BASE, "backend_v2/api/util.py": "def broken(:\n", AUTH: auth(*OLD, "/begin-x")},
         [(AUTH, '"/begin-x"', f"has no /api/auth/register/verify-x in this PR's head {RCA}")]),
    Case("a touched file whose base does not parse: every orphan counts",
         {**BASE, AUTH: "def broken(:\n  '/verify-legacy'\n",
          TOKEN: auth("/begin-legacy", prefix="/register")},
         {**BASE, AUTH: auth(*OLD), TOKEN: auth("/begin-legacy", prefix="/register")},
         [(TOKEN, '"/begin-legacy"', "has no /api/auth/register/verify-legacy")]),
    Case("a begin path that is not a literal cannot be checked", BASE,
         {**BASE, AUTH: auth(*OLD) + "\n@router.post(settings.BEGIN_WITH_TOKEN)\n"
                                     "def dyn(): ...\n"},
         [(AUTH, "settings.BEGIN_WITH_TOKEN", "cannot be checked")]),
    Case("a literal begin under an unknown prefix pairs with its sibling", BASE,
         {**BASE, AUTH: auth(*OLD, "/begin-x", "/verify-x").replace(
             'prefix="/register"', "prefix=settings.PREFIX")}),
    Case("a literal begin under an unknown prefix without sibling", BASE,
         {**BASE, AUTH: auth(*OLD, "/begin-x").replace('prefix="/register"',
                                                       "prefix=settings.PREFIX")},
         [(AUTH, '"/begin-x"', "/api/auth{?settings.PREFIX}/begin-x has no "
                               "/api/auth{?settings.PREFIX}/verify-x in this PR's head; note: "
                               "a router prefix (/api/auth{?settings.PREFIX}) is not a literal")]),
    Case("out of scope: scripts and tests", BASE,
         {**BASE, "scripts/dev_server.py": auth("/begin-x"),
          "backend_v2/tests/test_auth.py": auth("/begin-x")}),
    Case("non-Python files in scope are not parsed", BASE,
         {**BASE, "backend_v2/api/routes/README.md": "router.post('/begin-x') ((("}),
    Case("Flask blueprints pair too", {},
         {"backend_v2/api/flask_app.py": src("""
             from flask import Blueprint
             bp = Blueprint("auth", __name__, url_prefix="/auth")
             @bp.route("/begin-x", methods=["POST"])
             def b(): ...
             @bp.route("/begin-y", methods=["POST"])
             def c(): ...
             @bp.post("/verify-x")
             def v(): ...
         """)},
         [("backend_v2/api/flask_app.py", '"/begin-y"',
           "POST /auth/begin-y has no /auth/verify-y")]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pairing(case: Case) -> None:
    found = judge(pr(case.base, case.head, renames=case.renames))
    expected = sorted(case.expect, key=lambda e: _line(case, e))
    assert len(found) == len(expected), [f.message for f in found]
    for finding, (path, needle, words) in zip(found, expected, strict=True):
        assert finding.path == path
        assert finding.outcome is Outcome.BLOCKED
        assert words in finding.message
        if needle is not None:
            assert finding.line == line_of(_text(case.head[path]), needle)


def _text(data: str | bytes) -> str:
    return data.decode() if isinstance(data, bytes) else data


def _line(case: Case, expected: tuple[str, str | None, str]) -> tuple[str, int]:
    path, needle, _ = expected
    return (path, line_of(_text(case.head[path]), needle) if needle else 0)


@dataclass(frozen=True)
class CountingContext(FakeContext):
    """A FakeContext that records which files a rule reads (hand-written, no mocks)."""

    reads: list[tuple[str, str]] = field(default_factory=list)

    def read_base(self, path: str) -> bytes | None:
        self.reads.append(("base", path))
        return super().read_base(path)

    def read_head(self, path: str) -> bytes | None:
        self.reads.append(("head", path))
        return super().read_head(path)


def counting(ctx: FakeContext) -> CountingContext:
    return CountingContext(ctx.changes, ctx.base_files, ctx.head_files)


def test_a_pr_outside_the_scope_reads_nothing() -> None:
    ctx = counting(pr(BASE, {**BASE, "README.md": "docs"}))
    assert judge(ctx) == []
    assert ctx.reads == []


def test_a_pr_whose_files_never_mention_routes_reads_only_those_files() -> None:
    util = "backend_v2/api/util.py"
    ctx = counting(pr({**BASE, util: "X = 1\n"}, {**BASE, util: "X = 2\n"}))
    (rule,) = [r for r in POLICY.rules if r.id == RULE]
    assert rule.evaluate(ctx) == []
    assert sorted(ctx.reads) == [("base", util), ("head", util)]


def test_a_touched_file_without_route_words_that_does_not_parse_is_still_a_finding() -> None:
    util = "backend_v2/api/util.py"
    (finding,) = judge(pr({**BASE, util: "X = 1\n"}, {**BASE, util: "X = (\n"}))
    assert (finding.path, finding.rule) == (util, RULE)
    assert "does not parse" in finding.message


def test_untouched_files_are_read_once_and_base_only_for_touched_files() -> None:
    ctx = counting(pr(BASE, {**BASE, AUTH: WITH_TOKEN}))
    from release_gate.core.rules.pairing import RoutePairingCheck

    (rule,) = [r for r in POLICY.rules if r.id == RULE]
    assert isinstance(rule.check, RoutePairingCheck)
    assert rule.evaluate(ctx) == []
    assert sorted(ctx.reads) == [("base", AUTH), ("head", MAIN), ("head", AUTH), ("head", TOKEN)]


@pytest.mark.parametrize(("path", "twin"), [
    ("/a/begin", "/a/verify"), ("/a/begin-with-token", "/a/verify-with-token"),
    ("/a/begin/", "/a/verify"), ("/begin", "/verify"), ("/a/beginx", None), ("/a/verify", None),
    ("/a/begin-", "/a/verify-"), ("/a/begin/x", None),
])
def test_twin_path(path: str, twin: str | None) -> None:
    assert twin_path(path) == twin


def test_pair_key_ignores_parameter_names_and_trailing_slash() -> None:
    assert pair_key("/u/{id}/verify/") == pair_key("/u/{user_id}/verify")
    assert pair_key("/u/<int:id>/verify") == pair_key("/u/{id}/verify")
    assert pair_key("/{?settings.P}/verify") != pair_key("/{}/verify")
