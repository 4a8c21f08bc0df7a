"""The PR gate's decisions (usecases/pr_gate.py) against the in-memory GitHub: which status,
which comment, which PASS counts. The same use case over PyGithub and TLS is
tests/github/test_pr_gate.py; here each case runs in milliseconds."""

from __future__ import annotations

import io

import pytest

from release_gate.core.deployment import Deployment, pass_description
from release_gate.core.evidence import SMOKE_CONTEXT
from release_gate.core.verdict import StatusState
from release_gate.errors import ConfigError
from release_gate.usecases.pr_gate import GateResult, refresh_gate
from tests.fakes.memory_github import MemoryGitHub
from tests.github.conftest import APP, AUTH, DEFAULT_RULES

BASE = {"rules.yaml": DEFAULT_RULES, "README.md": "raxx\n"}
FLAGGED = {**BASE, AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n"}
CLEAR = {**BASE, "docs/intro.md": "hello\n"}
GATE = "release-gate"


def gate(api: MemoryGitHub, number: int = 1) -> GateResult:
    return refresh_gate(api, number=number, out=io.StringIO())


def smoke_pass(api: MemoryGitHub, number: int, head: str, **creator: str) -> None:
    """What the smoke job posts after a PASS on production running `head` (smoke_gate.py)."""
    description = pass_description(Deployment(APP, 47, head, "Heroku release"), head)
    extra = {"creator": (creator["login"], creator["type"])} if creator else {}
    api.post_status(head, state=StatusState.SUCCESS, description=description,
                    context=SMOKE_CONTEXT, target_url=api.smoke_run(number), **extra)


def test_a_clear_pr_gets_success_and_no_comment() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, CLEAR).head_sha
    result = gate(api)
    assert result.comment_action == "none"
    latest = api.latest(head, GATE)
    assert latest is not None
    assert (latest.state, latest.description) == ("success", "No release-sensitive changes")
    assert api.writes == [f"status {GATE}=success on {head[:7]}"]


def test_a_flagged_pr_is_pending_with_one_comment_and_a_rerun_writes_nothing() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    gate(api)
    latest = api.latest(head, GATE)
    assert latest is not None
    assert (latest.state, latest.description) == ("pending", f"Prod smoke required for {head[:7]}")
    (comment,) = api.comments(1)
    assert "- [ ] Run the prod signup smoke" in comment.body
    api.writes.clear()
    assert gate(api).comment_action == "unchanged"
    assert api.writes == []


def test_a_genuine_pass_turns_the_gate_green_and_a_new_push_needs_a_new_one() -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    smoke_pass(api, 1, head)
    assert gate(api).evidence.passed
    assert api.latest(head, GATE).description == f"Prod smoke PASS on {head[:7]}"  # type: ignore[union-attr]
    pushed = api.push(1, {**FLAGGED, "docs/notes.md": "typo\n"})
    result = gate(api)
    assert not result.evidence.passed
    assert api.latest(pushed, GATE).state == "pending"  # type: ignore[union-attr]
    assert f"the PASS on `{head[:7]}` was for an older head" in api.comments(1)[0].body


@pytest.mark.parametrize("login, kind", [("mallory", "User"), ("renovate[bot]", "Bot")])
def test_a_pass_posted_by_anyone_but_the_actions_app_is_ignored(login: str, kind: str) -> None:
    api = MemoryGitHub()
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    smoke_pass(api, 1, head, login=login, type=kind)
    result = gate(api)
    assert not result.evidence.passed
    assert api.latest(head, GATE).state == "pending"  # type: ignore[union-attr]
    assert f"posted by {login}" in api.comments(1)[0].body


def test_the_base_rules_judge_the_pr_not_the_rules_the_pr_brings() -> None:
    api = MemoryGitHub()
    disarmed = {**FLAGGED, "rules.yaml": "version: 1\nrules: []\n"}
    head = api.open_pull(1, BASE, disarmed).head_sha
    gate(api)
    assert api.latest(head, GATE).state == "pending"  # type: ignore[union-attr]


def test_a_broken_base_rules_file_posts_error_and_raises() -> None:
    api = MemoryGitHub()
    broken = {**BASE, "rules.yaml": "version: 1\nrules: [\n"}
    head = api.open_pull(1, broken, FLAGGED).head_sha
    with pytest.raises(ConfigError):
        gate(api)
    latest = api.latest(head, GATE)
    assert latest is not None and latest.state == "error"
    assert latest.description is not None and "invalid YAML" in latest.description


def test_a_head_that_moves_while_it_is_read_is_judged_as_it_is_now() -> None:
    api = MemoryGitHub()
    stale = api.open_pull(1, BASE, CLEAR)
    moved = api.push(1, FLAGGED)
    result = refresh_gate(api, number=1, pull=stale, out=io.StringIO())
    assert result.pull.head_sha == moved
    assert api.latest(moved, GATE).state == "pending"  # type: ignore[union-attr]
    assert api.latest(stale.head_sha, GATE) is None


def test_duplicate_comments_collapse_to_the_oldest() -> None:
    api = MemoryGitHub()
    api.open_pull(1, BASE, FLAGGED)
    gate(api)
    (first,) = api.comments(1)
    api.create_comment(1, first.body)  # a concurrent run's copy
    gate(api)
    assert [c.id for c in api.comments(1)] == [first.id]
