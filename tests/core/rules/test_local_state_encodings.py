"""Process-local state in a file whose bytes are not plain UTF-8 is never invisible and never a
crash (RCA 2026-05-25, factor 1; fail closed, docs/design.md §1).

A coding cookie may name any codec Python knows, and some fail with a bare `UnicodeError`
(`punycode`, `undefined`); a file may hold a byte that is not UTF-8 inside a comment, which some
Python versions parse anyway. Whatever the encoding, the PR that adds the RCA's
`_challenge_store` gets a blocked `process-local-state` finding on that file: the state itself
when the file decodes and parses, else the file named as unreadable Python.

Exhaustive: every codec name Python knows (and its aliases) in the cookie; bytes that are not
UTF-8 in a comment on several lines.
"""

from __future__ import annotations

import encodings
import encodings.aliases
import pkgutil

import pytest

from release_gate.core import config, engine
from release_gate.core.verdict import Outcome
from tests.core.rules.gate_repo import GateRepo, assert_not_clear
from tests.core.rules.helpers import pr
from tests.core.rules.test_local_state import RULE, SERVICE, STORE

POLICY = config.load_default()
CODECS = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values())
                | {m.name for m in pkgutil.iter_modules(encodings.__path__)})


def _findings(data: bytes) -> list[tuple[int | None, str]]:
    found = [f for f in engine.evaluate(POLICY, pr({}, {SERVICE: data})).findings
             if f.rule == RULE]
    assert all(f.path == SERVICE and f.outcome is Outcome.BLOCKED for f in found)
    return [(f.line, f.message) for f in found]


def _with_cookie(codec: str, body: str = STORE) -> bytes:
    return f"# -*- coding: {codec} -*-\n".encode() + body.encode()


@pytest.mark.parametrize("codec", ["punycode", "undefined"])
def test_a_codec_that_fails_with_a_bare_unicode_error_names_the_file(codec: str) -> None:
    ((line, message),) = _findings(_with_cookie(codec))
    assert line is None  # a file Python cannot decode has no line to name
    assert message.startswith(f"{SERVICE} ")
    assert "punycode" in message or "undefined" in message


def test_a_file_a_codec_cannot_read_is_a_finding_of_check_not_an_internal_error(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    gate = GateRepo(tmp_path_factory.mktemp("codec") / "backend")
    report = gate.judge({"backend_v2/api/services/cache.py": _with_cookie("punycode")})
    assert_not_clear(report, RULE)
    assert report["verdict"] == "blocked"  # an internal error prints no report at all
    (finding,) = [f for f in report["findings"] if f["rule"] == RULE]
    assert finding["path"] == "backend_v2/api/services/cache.py"
    assert "punycode" in finding["message"]


@pytest.mark.parametrize("latin", [False, True], ids=["ascii", "latin letters"])
def test_state_under_any_coding_cookie_blocks(latin: bool) -> None:
    body = STORE.replace("import logging", "import logging  # café") if latin else STORE
    missed = {}
    for codec in CODECS:  # every one: a sample would miss the two that fail oddly
        found = _findings(_with_cookie(codec, body))
        decoded = [m for _, m in found if "`_challenge_store` is a new module-level dict" in m]
        named = [m for _, m in found if m.startswith(f"{SERVICE} ")]
        if len(found) != 1 or not (decoded or named):
            missed[codec] = found
    assert missed == {}


@pytest.mark.parametrize("junk", [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc", b"\xfe\xff"])
@pytest.mark.parametrize("where", ["first line", "on the definition", "in the function"])
def test_a_byte_that_is_not_utf8_in_a_comment_hides_no_state(junk: bytes, where: str) -> None:
    lines = STORE.encode().split(b"\n")
    number = {"first line": 0, "on the definition": 2, "in the function": 5}[where]
    lines[number] += b"  # " + junk
    ((line, message),) = _findings(b"\n".join(lines))
    # Python 3.11 parses it (the comment is not decoded): the state is flagged; a Python that
    # refuses the byte names the file instead.
    if "decodable" not in message:
        assert "`_challenge_store` is a new module-level dict" in message
        assert line == 3
