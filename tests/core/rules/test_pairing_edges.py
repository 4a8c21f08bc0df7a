"""`route-pairing` when a side cannot be read: the verdict never turns CLEAR for want of a file.

docs/design.md "Fail closed": a touched file whose head content the adapter could not get is a
finding; a touched file whose base is unknown (unreadable, over the size cap, unparsable) makes
the base side incomplete, so every orphan in the head counts as this PR's, old debt included
(RCA 2026-05-25, contributing factor 2).
"""

from __future__ import annotations

import dataclasses

import pytest

from release_gate.core import engine
from release_gate.core.rules.pyscope import MAX_PYTHON_BYTES
from release_gate.core.verdict import Finding, Outcome, Verdict
from tests.core.rules.helpers import line_of, pr
from tests.core.rules.test_pairing import AUTH, BASE, OLD, POLICY, TOKEN, auth, judge
from tests.fakes.context import FakeContext

UTIL = "backend_v2/api/util.py"
LEGACY = auth("/begin-legacy", prefix="/register")  # an orphan that predates every PR here
LEGACY_LINE = line_of(LEGACY, '"/begin-legacy"')


def without(ctx: FakeContext, *, base: str | None = None, head: str | None = None,
            unreadable: str | None = None) -> FakeContext:
    """`ctx` with a file missing from a side, and/or a change whose content is unknown."""
    files = tuple(dataclasses.replace(c, content_known=False, unknown_reason="too large")
                  if c.path == unreadable else c for c in ctx.changes.files)
    return FakeContext(
        dataclasses.replace(ctx.changes, files=files),
        {p: d for p, d in ctx.base_files.items() if p != base},
        {p: d for p, d in ctx.head_files.items() if p != head},
    )


def where(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.path, f.line) for f in findings]


def test_a_touched_file_the_adapter_could_not_read_blocks_and_names_it() -> None:
    ctx = without(pr(BASE, {**BASE, AUTH: auth(*OLD, body="return 1")}), head=AUTH,
                  unreadable=AUTH)
    (finding,) = judge(ctx)
    assert (finding.path, finding.line, finding.outcome) == (AUTH, None, Outcome.BLOCKED)
    assert f"{AUTH} could not be read at the head" in finding.message
    assert engine.evaluate(POLICY, ctx).verdict is Verdict.BLOCKED


def test_an_unreadable_touched_file_without_route_words_elsewhere_still_blocks() -> None:
    # No readable file mentions a route: the tree is not scanned, the read failure still counts.
    ctx = without(pr({**BASE, UTIL: "X = 1\n"}, {**BASE, UTIL: "X = 2\n"}), head=UTIL,
                  unreadable=UTIL)
    assert where(judge(ctx)) == [(UTIL, None)]


def test_a_touched_file_whose_content_is_known_but_absent_at_the_head_is_not_a_read_error(
) -> None:
    ctx = without(pr(BASE, {**BASE, AUTH: auth(*OLD, body="return 1")}), head=AUTH)
    assert judge(ctx) == []


OLD_DEBT = ({**BASE, TOKEN: LEGACY}, {**BASE, TOKEN: LEGACY, AUTH: auth(*OLD, body="return 1")})


def test_old_debt_in_an_untouched_file_is_not_this_prs_when_the_base_is_readable() -> None:
    assert judge(pr(*OLD_DEBT)) == []


def test_an_unreadable_base_of_a_touched_file_makes_every_head_orphan_count() -> None:
    ctx = without(pr(*OLD_DEBT), base=AUTH)
    (finding,) = judge(ctx)
    assert (finding.path, finding.line) == (TOKEN, LEGACY_LINE)
    assert "has no /api/auth/register/verify-legacy" in finding.message


def test_an_unreadable_base_without_route_words_at_the_head_still_scans_the_tree() -> None:
    # The touched file says nothing about routes at the head, but what it said at the base is
    # unknown: it may have held the twin, so the tree is read and the orphan counts.
    base = {**BASE, TOKEN: LEGACY, UTIL: "X = 1\n"}
    ctx = without(pr(base, {**base, UTIL: "X = 2\n"}), base=UTIL)
    assert where(judge(ctx)) == [(TOKEN, LEGACY_LINE)]


def test_an_oversized_base_of_a_touched_file_makes_every_head_orphan_count() -> None:
    huge = auth(*OLD) + "\n" + "#" * MAX_PYTHON_BYTES + "\n"
    base, head = OLD_DEBT
    assert where(judge(pr({**base, AUTH: huge}, head))) == [(TOKEN, LEGACY_LINE)]


def test_a_base_exactly_at_the_cap_is_parsed() -> None:
    text = auth(*OLD) + "\n#"
    at_cap = text + "#" * (MAX_PYTHON_BYTES - len(text.encode()) - 1) + "\n"
    assert len(at_cap.encode()) == MAX_PYTHON_BYTES
    base, head = OLD_DEBT
    assert judge(pr({**base, AUTH: at_cap}, head)) == []


def test_an_unreadable_base_of_a_renamed_file_counts_under_its_old_path() -> None:
    moved = "backend_v2/api/routes/auth2.py"
    base, head = OLD_DEBT
    main = base["backend_v2/api/main.py"]
    head = {**{p: d for p, d in head.items() if p != AUTH}, moved: base[AUTH],
            "backend_v2/api/main.py": main}
    ctx = pr(base, head, renames={moved: AUTH})
    assert judge(ctx) == []  # the rename alone: the old debt stays the old debt
    assert where(judge(without(ctx, base=AUTH))) == [(TOKEN, LEGACY_LINE)]


def test_an_added_file_has_no_base_to_miss() -> None:
    added = "backend_v2/api/routes/extra.py"
    base, head = OLD_DEBT
    head = {**base, added: "X = 1\n"}
    assert judge(pr(base, head)) == []


def test_an_orphan_message_names_at_most_three_unparsable_files() -> None:
    broken = {f"backend_v2/api/routes/broken{i}.py": "def broken(:\n  '/verify-x'\n"
              for i in range(4)}
    base = {**BASE, **broken}
    found = judge(pr(base, {**base, AUTH: auth(*OLD, "/begin-x")}))
    (orphan,) = [f for f in found if f.path == AUTH]
    names = sorted(broken)
    assert f"could not parse {', '.join(names[:3])} ..., which may define it" in orphan.message
    assert sorted(f.path for f in found if f.path != AUTH) == names


def test_three_unparsable_files_are_all_named_without_ellipsis() -> None:
    broken = {f"backend_v2/api/routes/broken{i}.py": "def broken(:\n  '/verify-x'\n"
              for i in range(3)}
    base = {**BASE, **broken}
    found = judge(pr(base, {**base, AUTH: auth(*OLD, "/begin-x")}))
    (orphan,) = [f for f in found if f.path == AUTH]
    assert f"could not parse {', '.join(sorted(broken))}, which may define it" in orphan.message


@pytest.mark.parametrize("name", ["settings.VERIFY_X", "paths.begin_x", "BEGIN"])
def test_a_pairing_word_path_that_is_not_a_literal_blocks_in_a_touched_file(name: str) -> None:
    head = {**BASE, AUTH: auth(*OLD) + f"\n@router.post({name})\ndef dyn(): ...\n"}
    (finding,) = judge(pr(BASE, head))
    assert (finding.path, finding.line) == (AUTH, line_of(head[AUTH], name))
    assert "cannot be checked" in finding.message


@pytest.mark.parametrize("name", ["settings.STATUS", "STATUS_PATH"])
def test_a_non_literal_path_without_a_pairing_word_is_not_a_finding(name: str) -> None:
    head = {**BASE, AUTH: auth(*OLD) + f"\n@router.post({name})\ndef dyn(): ...\n"}
    assert judge(pr(BASE, head)) == []


def test_an_opaque_begin_path_in_an_untouched_file_is_old_debt() -> None:
    opaque = auth(prefix="/register") + "\n@router.post(settings.BEGIN_X)\ndef dyn(): ...\n"
    base = {**BASE, TOKEN: opaque}
    assert judge(pr(base, {**base, AUTH: auth(*OLD, body="return 1")})) == []


# --- one file that cannot be judged hides nothing else -----------------------------------------
# BAD sorts before every other file in scope, so it is met first on each side.
BAD = "backend_v2/api/aaa.py"
ORPHAN_AND_UNRESOLVED = (auth(*OLD, "/begin-x", "/verify-y")
                         + '\npost = router.post\n\n\n@post("/begin-y")\ndef aliased(): ...\n')
HEAD_BAD = {
    "unreadable": "X = 2\n",  # and its content is unknown to the adapter
    "absent but known": "X = 2\n",  # content known, yet not in the head tree
    "oversized": "X = 2\n" + "#" * MAX_PYTHON_BYTES + "\n",
    "unparsable": "def broken(:\n",
}


@pytest.mark.parametrize("bad", list(HEAD_BAD))
def test_a_touched_file_that_cannot_be_judged_at_the_head_hides_no_other_finding(
        bad: str) -> None:
    base = {**BASE, BAD: "X = 1\n"}
    head = {**BASE, BAD: HEAD_BAD[bad], AUTH: ORPHAN_AND_UNRESOLVED}
    ctx = pr(base, head)
    if bad == "unreadable":
        ctx = without(ctx, head=BAD, unreadable=BAD)
    elif bad == "absent but known":
        ctx = without(ctx, head=BAD)
    found = where(judge(ctx))
    expected = [(AUTH, line_of(ORPHAN_AND_UNRESOLVED, '"/begin-x"')),
                (AUTH, line_of(ORPHAN_AND_UNRESOLVED, '"/begin-y"'))]
    assert sorted(f for f in found if f[0] == AUTH) == expected
    bad_findings = [f for f in found if f[0] == BAD]
    assert len(bad_findings) == (0 if bad == "absent but known" else 1)


BASE_BAD = {"unreadable": None, "without route words": "X = 1\n",
            # route words, so its size is judged (a base without them declared no route)
            "oversized": "X = 1  # no route\n" + "#" * MAX_PYTHON_BYTES + "\n",
            "unparsable": "def broken(:  # route\n"}


@pytest.mark.parametrize("bad", list(BASE_BAD))
def test_a_touched_file_that_cannot_be_judged_at_the_base_hides_no_other_base(bad: str) -> None:
    # The other touched file's base is still read: the twin it held is named as removed.
    base = {**BASE, BAD: BASE_BAD[bad] or "X = 1\n", AUTH: auth(*OLD, "/begin-x", "/verify-x")}
    head = {**BASE, BAD: "X = 2\n", AUTH: auth(*OLD, "/begin-x")}
    ctx = pr(base, head)
    if BASE_BAD[bad] is None:
        ctx = without(ctx, base=BAD)
    (finding,) = judge(ctx)
    assert (finding.path, finding.line) == (AUTH, line_of(head[AUTH], '"/begin-x"'))
    twin_line = line_of(base[AUTH], '"/verify-x"')
    assert f"this PR removed or renamed it (at the base: {AUTH} line {twin_line})" in (
        finding.message)


@pytest.mark.parametrize("bad", list(BASE_BAD))
def test_an_unknown_base_met_after_another_touched_file_still_counts_old_debt(bad: str) -> None:
    # BAD's base is judged first (whatever it is); AUTH's base does not parse, so old debt in
    # the untouched token_verify.py counts as this PR's (fail closed).
    base = {**OLD_DEBT[0], BAD: BASE_BAD[bad] or "X = 1\n", AUTH: "def broken(:\n  '/verify'\n"}
    head = {**OLD_DEBT[1], BAD: "X = 2\n"}
    ctx = pr(base, head)
    if BASE_BAD[bad] is None:
        ctx = without(ctx, base=BAD)
    assert where(judge(ctx)) == [(TOKEN, LEGACY_LINE)]
