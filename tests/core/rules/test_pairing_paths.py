"""`route-pairing` on the exact shape of a path and on the words of its findings.

Which route is a begin route, which route is its twin and which begin literal is accounted for
are decided on the text of the path (RCA 2026-05-25, contributing factor 2): a near miss is no
twin, a segment below `begin` is no begin route, any suffix pairs with the same suffix, a
non-literal last segment naming begin/verify is a finding even with a trailing slash. Judged
in-process by the engine with the shipped rules.yaml, so each finding is read whole.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core import engine
from release_gate.core.verdict import Finding, Verdict
from tests.core.rules.helpers import line_of, pr
from tests.core.rules.test_pairing import AUTH, BASE, OLD, POLICY, RCA, TOKEN, auth, judge

PREFIX = "/api/auth/register"  # main.py mounts auth.py's /register router under /api/auth


def where(found: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.path, f.line) for f in found]


# --- which route is the twin ------------------------------------------------------------------

@pytest.mark.parametrize("near_miss", ["/verify-x/X", "/verify-xX", "/verify-x/", "/verify-xy",
                                       "/verify-x/extra", "/verify", "/verify-X", "/verifyx",
                                       "/x/verify-x"])
def test_a_route_that_only_looks_like_the_twin_is_no_twin(near_miss: str) -> None:
    head = {**BASE, AUTH: auth(*OLD, "/begin-x", near_miss)}
    found = judge(pr(BASE, head))
    if near_miss == "/verify-x/":  # a trailing slash is the same route
        assert found == []
        return
    (finding,) = found
    assert where(found) == [(AUTH, line_of(head[AUTH], '"/begin-x"'))]
    assert finding.message.startswith(f"POST {PREFIX}/begin-x has no {PREFIX}/verify-x in this "
                                      f"PR's head")
    assert engine.evaluate(POLICY, pr(BASE, head)).verdict is Verdict.BLOCKED


@pytest.mark.parametrize("path", ["/begin/X", "/begin/x", "/begin-x/X", "/begin/", "/begin/{id}",
                                  "/begin-x/XX/"])
def test_a_route_below_a_begin_segment_is_not_a_begin_route(path: str) -> None:
    # Under another prefix than the pre-incident /begin + /verify pair, so no twin is at hand.
    head = {**BASE, TOKEN: auth(path, prefix="/other")}
    found = judge(pr(BASE, head))
    if path == "/begin/":  # the trailing slash is dropped: this one is /other/begin
        assert where(found) == [(TOKEN, line_of(head[TOKEN], f'"{path}"'))]
        assert "has no /api/auth/other/verify in this PR's head" in found[0].message
    else:
        assert found == []


SUFFIXES = ["with-token", "X", "XX", "WebAuthnX", "2FA", "x_y", "a-b-c", "x/"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_begin_pairs_with_the_verify_of_the_same_suffix(suffix: str) -> None:
    twin = suffix.rstrip("/")
    head = {**BASE, AUTH: auth(*OLD, f"/begin-{suffix}", f"/verify-{twin}")}
    assert judge(pr(BASE, head)) == []
    alone = {**BASE, AUTH: auth(*OLD, f"/begin-{suffix}")}
    (finding,) = judge(pr(BASE, alone))
    assert finding.line == line_of(alone[AUTH], f'"/begin-{suffix}"')
    assert f"has no {PREFIX}/verify-{twin} in this PR's head" in finding.message


@settings(max_examples=60, deadline=None)
@given(suffix=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,12}", fullmatch=True),
       slash=st.booleans())
def test_any_suffix_pairs_and_is_accounted_for(suffix: str, slash: bool) -> None:
    """The begin literal of a plainly registered, paired begin route is never reported as an
    unresolved registration, whatever characters its suffix ends with."""
    begin = f"/begin-{suffix}" + ("/" if slash else "")
    head = {**BASE, AUTH: auth(*OLD, begin, f"/verify-{suffix}")}
    assert judge(pr(BASE, head)) == []


# --- a begin literal the analyser cannot account for --------------------------------------------

CONDITIONAL_BEGIN = (auth(*OLD, "/verify-x") + "\nif settings.SIGNUP:\n"
                     '    @router.post("/begin-x")\n    async def conditional():\n'
                     "        return {}\n")
ALIASED_BEGIN = (auth(*OLD) + "\npost = router.post\n\n\n"
                 '@post("/begin-x")\nasync def aliased():\n    return {}\n')


@pytest.mark.parametrize("source", [CONDITIONAL_BEGIN, ALIASED_BEGIN],
                         ids=["under a condition", "through an alias"])
def test_a_begin_literal_counts_only_for_a_certain_route_of_its_own_file(source: str) -> None:
    # The same path is plainly declared, with its twin, in another file: that route does not
    # account for this file's registration, which the analyser cannot resolve.
    other = auth("/begin-x", "/verify-x", prefix="/register")
    head = {**BASE, AUTH: source, TOKEN: other}
    found = judge(pr(BASE, head))
    line = line_of(source, '"/begin-x"')
    assert (AUTH, line) in where(found)
    (unresolved,) = [f for f in found if f.line == line]
    assert unresolved.message.startswith("'/begin-x' reads as a begin route's path, but the "
                                         "analyser could not resolve where it is registered")


# --- a path that is not a literal ---------------------------------------------------------------

@pytest.mark.parametrize("tail", ['+ "/"', '+ "//"', ""])
def test_a_non_literal_begin_segment_blocks_with_or_without_a_trailing_slash(tail: str) -> None:
    head = {**BASE, AUTH: auth(*OLD) + f"\n@router.post(settings.BEGIN_X {tail})\n"
                                       "def dyn(): ...\n"}
    (finding,) = judge(pr(BASE, head))
    assert (finding.path, finding.line) == (AUTH, line_of(head[AUTH], "settings.BEGIN_X"))
    assert "cannot be checked; write the path as a literal" in finding.message


@pytest.mark.parametrize("last", ["X", "XX", "status", "x"])
def test_a_literal_last_segment_after_a_non_literal_one_is_not_a_pairing_word(last: str) -> None:
    head = {**BASE, AUTH: auth(*OLD) + f'\n@router.post(settings.BEGIN_X + "/{last}")\n'
                                       "def dyn(): ...\n"}
    assert judge(pr(BASE, head)) == []


# --- the words of an orphan's finding -----------------------------------------------------------

def test_an_orphan_names_every_method_of_its_begin_route() -> None:
    head = {**BASE, AUTH: auth(*OLD) + '\n@router.api_route("/begin-x", methods=["POST", "PUT"])'
                                       "\ndef both(): ...\n"}
    (finding,) = judge(pr(BASE, head))
    assert finding.message.startswith(f"POST,PUT {PREFIX}/begin-x has no {PREFIX}/verify-x ")


def test_an_orphan_whose_twin_is_not_served_says_where_the_twin_is_and_why_it_does_not_count(
) -> None:
    head = {**BASE, AUTH: auth(*OLD, "/begin-x") + "\nif settings.SIGNUP:\n"
                                                   '    @router.post("/verify-x")\n'
                                                   "    def hidden(): ...\n"}
    (finding,) = judge(pr(BASE, head))
    twin_line = line_of(head[AUTH], '"/verify-x"')
    assert finding.message == (
        f"POST {PREFIX}/begin-x has no {PREFIX}/verify-x in this PR's head; {PREFIX}/verify-x "
        f"at {AUTH} line {twin_line} does not count: the analyser cannot show it is served by "
        f"the same app (it is registered under a condition or in a function, or on a router or "
        f"app that is not mounted where the begin route is) {RCA}.")


def test_an_orphan_next_to_an_unparsable_file_is_worded_whole() -> None:
    broken = "def broken(:\n  '/verify-x'\n"
    base = {**BASE, TOKEN: broken}
    (orphan,) = [f for f in judge(pr(base, {**base, AUTH: auth(*OLD, "/begin-x")}))
                 if f.path == AUTH]
    assert orphan.message == (f"POST {PREFIX}/begin-x has no {PREFIX}/verify-x in this PR's "
                              f"head; could not parse {TOKEN}, which may define it {RCA}.")
