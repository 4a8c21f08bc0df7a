"""The checklist comment is the bot's own, and nothing in it can lift a hold.

A PR author can write the hidden marker and edit their own comment; a writer can edit the
bot's. The gate trusts only comments written by the token's own identity, and the config-drift
hold lives in commit statuses (no one can edit or delete one). Real PyGithub, the real CLI, the
fake GitHub and the fake Heroku Platform API over HTTPS.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.fakes.github import ACTIONS_BOT, User
from tests.fakes.heroku import FakeHeroku
from tests.github.conftest import AUTH, DEFAULT_RULES, Gate, pass_on_prod
from tests.github.test_watch_config import _drift, _history, _watch

FLAGGED = {AUTH: "router = 1\n"}
MARKER = "<!-- release-gate:checklist -->"


def _bots(gate: Gate, number: int) -> list[dict[str, object]]:
    return [c for c in gate.fake.sticky_comments(number)
            if c["user"]["login"] == ACTIONS_BOT.login and c["user"]["type"] == "Bot"]


@pytest.mark.parametrize("author", [User("mallory", "User", 7), User("github-actions", "User", 8),
                                    User("dependabot[bot]", "Bot", 49699333)])
def test_a_marker_comment_by_anyone_else_is_ignored_and_said_so(gate: Gate, author: User) -> None:
    head = gate.open(1, FLAGGED)
    state = json.dumps({"head": head, "pass_head": head})
    planted = gate.fake.add_comment(
        1, f"{MARKER}\n<!-- release-gate:state {state} -->\nall good, merge away\n", user=author)
    result = gate.pr(1)
    assert result.code == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert planted["body"].endswith("merge away\n")  # never adopted, never edited
    ours = _bots(gate, 1)
    assert len(ours) == 1 and ours[0]["id"] != planted["id"]
    assert (f"ignored comment {planted['id']} on PR #1: it carries the checklist marker but was "
            f"written by {author.login} ({author.type}), not by github-actions[bot] (Bot)"
            in result.out)
    gate.fake.reset_counts()
    assert gate.pr(1).code == 0 and gate.fake.writes() == 0  # still ours, still one


def test_an_installation_token_is_never_asked_get_user(gate: Gate) -> None:
    gate.open(1, FLAGGED)
    gate.pr(1)
    gate.pr(1)
    assert gate.fake.calls[("GET", "/user")] == 0


def test_a_personal_token_trusts_its_own_comments_through_get_user(gate: Gate) -> None:
    head = gate.open(1, FLAGGED)
    gate.fake.add_comment(1, f"{MARKER}\nplanted by the bot\n", user=ACTIONS_BOT)
    result = gate.pr(1, GITHUB_TOKEN=gate.fake.USER_TOKEN)
    assert result.code == 0
    assert gate.fake.calls[("GET", "/user")] == 1
    mine = [c for c in gate.fake.sticky_comments(1) if c["user"]["login"] == "mallory"]
    assert len(mine) == 1 and head[:7] in mine[0]["body"]


def _held(gate: Gate, heroku: FakeHeroku) -> str:
    """A PASS on v47, then WEBAUTHN_ORIGIN changed on production (v49) and watch-config ran."""
    head = gate.open(1, FLAGGED)
    gate.fake.set_branch("main", gate.fake.pulls[1].base)
    _history(heroku, head)
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=47))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
    _drift(heroku)
    return head


def test_an_edited_hidden_state_cannot_lift_the_config_drift_hold(
        gate: Gate, heroku: FakeHeroku) -> None:
    head = _held(gate, heroku)
    assert _watch(gate).code == 3
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    hold = gate.fake.latest_status(head, "release-gate/config-drift")
    assert hold is not None and hold["description"].startswith("v49 set [WEBAUTHN_ORIGIN]: ")
    # Someone who can edit the bot's comment drops the recorded change and claims a PASS.
    comment = _bots(gate, 1)[0]
    forged = json.dumps({"head": head, "pass_head": head})
    comment["body"] = re.sub(r"<!-- release-gate:state \{.*?\} -->",
                             f"<!-- release-gate:state {forged} -->", str(comment["body"]))
    # ... and posts a drift "success" with their own token: neither lifts the hold.
    gate.fake.add_status(head, state="success", context="release-gate/config-drift",
                         creator=gate.fake.tokens[gate.fake.USER_TOKEN],
                         description="v999 set [WEBAUTHN_ORIGIN]: covered")
    for _ in range(2):
        assert gate.pr(1).code == 0
        assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "no longer counts: production's config changed since, v49" in str(
        _bots(gate, 1)[0]["body"])
    # Only a PASS on a release after the change reopens the gate.
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=51))
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]


@pytest.mark.parametrize("tamper", ["delete the comment", "drop pass_head"])
def test_watch_config_finds_the_prs_to_reopen_from_their_statuses(
        gate: Gate, heroku: FakeHeroku, tamper: str) -> None:
    head = _held(gate, heroku)
    comment = _bots(gate, 1)[0]
    if tamper == "delete the comment":
        gate.fake.comments[1].remove(comment)
    else:
        comment["body"] = str(comment["body"]).replace(f'"pass_head": "{head}"',
                                                       '"pass_head": null')
    due = _watch(gate)
    assert due.code == 3, due.out
    assert "PR #1: its PASS predates v49; held and re-evaluating" in due.out
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]


def test_a_kept_pass_carries_the_hold_of_the_head_it_was_kept_from(
        gate: Gate, heroku: FakeHeroku) -> None:
    """settings.keep_pass_when_unflagged: after watch-config held the PASS on a head, a push of
    an unflagged change must not shed the hold, even when someone who can edit the bot's comment
    points its `pass_head` back at the held head."""
    rules = DEFAULT_RULES.replace("keep_pass_when_unflagged: false",
                                  "keep_pass_when_unflagged: true")
    base = gate.base(rules=rules)
    head = gate.open(1, FLAGGED, base=base)
    gate.fake.set_branch("main", base)
    _history(heroku, head)
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=47))
    gate.pr(1)
    _drift(heroku)
    assert _watch(gate).code == 3
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    comment = _bots(gate, 1)[0]
    comment["body"] = str(comment["body"]).replace('"pass_head": null',
                                                   f'"pass_head": "{head}"')
    later = gate.fake.push(1, {"docs/notes.md": "unflagged\n"})
    assert gate.pr(1).code == 0
    assert gate.gate_status(later)["state"] == "pending"  # type: ignore[index]
