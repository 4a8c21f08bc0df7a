"""core/reach.py: a rule whose paths match no file of the repository is said out loud, and the
embedded default never turns that into a silent CLEAR."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_gate.core import config, policy, reach
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.verdict import Verdict
from release_gate.errors import ConfigError
from tests.fakes.context import FakeContext

DEFAULT = config.load_default()
FLAT_APP = {"app/auth.py": b"x = 1\n", "app/services/webauthn_service.py": b"y = 2\n",
            "migrations/0001_users.sql": b"create table users (id int);\n", "README.md": b"r\n"}


def context(base: dict[str, bytes], changes: tuple[FileChange, ...]) -> FakeContext:
    head = dict(base)
    for change in changes:
        if change.status is FileStatus.DELETED:
            head.pop(change.path, None)
        else:
            head[change.path] = b"changed\n"
    return FakeContext(ChangeSet("b" * 40, "h" * 40, changes), base_files=base, head_files=head)


def test_every_rule_of_the_default_matches_nothing_in_a_flat_app_layout() -> None:
    missing = reach.unreachable(DEFAULT, sorted(FLAT_APP))
    assert {"auth-routes", "webauthn-service", "auth-migrations", "begin-verify-pairing",
            "process-local-state", "gate-self-protection"} <= set(missing)
    assert "sensitive-config" not in missing  # no paths: it covers every file


def test_the_message_names_the_rule_and_the_fix() -> None:
    assert reach.message("auth-routes") == (
        "rule auth-routes matches no file in this repository: the gate cannot flag these "
        "changes (release-gate init fits the rules)")


@pytest.mark.parametrize("path", sorted(FLAT_APP))
def test_embedded_default_on_a_layout_it_does_not_fit_is_an_error_never_clear(path: str) -> None:
    chosen = policy.from_base(None, base="b" * 40)
    ctx = context(FLAT_APP, (FileChange(path, FileStatus.MODIFIED, added=(Line(1, "z"),)),))
    with pytest.raises(ConfigError, match="release-gate init"):
        reach.judge(chosen, ctx)


def test_rules_from_the_base_that_cannot_fire_are_notes_on_the_verdict() -> None:
    chosen = policy.from_base(b"version: 1\nrules:\n  - {id: auth-routes, kind: path, "
                              b"description: d, outcome: needs-smoke, paths: [backend_v2/x.py]}\n",
                              base="b" * 40)
    ctx = context(FLAT_APP, (FileChange("README.md", FileStatus.MODIFIED),))
    evaluation = reach.judge(chosen, ctx)
    assert evaluation.verdict is Verdict.CLEAR
    assert evaluation.unreachable == ("auth-routes",)
    assert reach.message("auth-routes") in evaluation.notes


def test_a_rule_that_fires_on_a_file_this_change_adds_is_reachable() -> None:
    chosen = policy.from_base(None, base="b" * 40)
    ctx = context({"README.md": b"r\n"},
                  (FileChange("backend_v2/api/routes/auth.py", FileStatus.ADDED),))
    evaluation = reach.judge(chosen, ctx)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert "auth-routes" not in evaluation.unreachable


@given(st.lists(st.from_regex(r"[a-z]{1,6}(/[a-z_]{1,8}){0,3}\.(py|sql|txt)", fullmatch=True),
                max_size=12))
def test_a_rule_is_unreachable_exactly_when_no_path_is_covered(paths: list[str]) -> None:
    missing = set(reach.unreachable(DEFAULT, paths))
    for rule in DEFAULT.rules:
        covered = any(rule.check.covers(p) for p in paths)  # type: ignore[attr-defined]
        assert (rule.id in missing) is not covered
