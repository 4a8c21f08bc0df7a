"""`release-gate pr`: only a PASS of production running this head opens the gate.

Genuine runs of the smoke workflow (Actions bot, dispatch on the default branch, named for the
PR) whose PASS says it ran against the sandbox, an ad-hoc URL, another app or another commit
leave the gate pending, each with its reason in the checklist; docs/github.md, "What a PASS
proves". Real PyGithub against the fake GitHub.
"""

from __future__ import annotations

import pytest

from tests.github.conftest import AUTH, DEFAULT_RULES, Gate, pass_on_prod

FLAGGED = {AUTH: "router = 1\n"}


@pytest.mark.parametrize("title, description, reason", [
    ("smoke PR #1 on sandbox", "PASS on sandbox",
     "ran on sandbox: only a smoke against production (prod) counts"),
    ("smoke PR #1 on https://staging.raxx.app", "PASS on staging.raxx.app",
     "ran on https://staging.raxx.app: only a smoke against production (prod) counts"),
    ("smoke PR #1 on prod", "PASS on raxx-api-staging v12 @ {head7}",
     "it ran against raxx-api-staging, not production (raxx-api-prod"),
    ("smoke PR #1 on prod", "PASS on raxx-api-prod v46 @ abc1234",
     "it tested abc1234 on production, not the head {head7}"),
    ("smoke PR #1 on prod", "PASS on prod",
     "does not name production's release and commit"),
])
def test_a_genuine_pass_that_is_not_production_running_the_head_leaves_the_gate_pending(
        gate: Gate, title: str, description: str, reason: str) -> None:
    head = gate.open(1, FLAGGED)
    gate.smoke_pass(1, head, display_title=title, description=description.format(head7=head[:7]))
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("pending",
                                                        f"Prod smoke required for {head[:7]}")
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert "- ⚠️ ignored `release-gate/smoke` = success by github-actions[bot]: " in body
    assert reason.format(head7=head[:7]) in body
    assert "- [ ] Run the prod signup smoke" in body


def test_a_pass_of_production_running_the_head_opens_the_gate_with_its_facts(gate: Gate) -> None:
    head = gate.open(1, FLAGGED)
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=47))
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("success",
                                                        f"Prod smoke PASS on {head[:7]}")
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert f"smoke ran against {head[:7]}, release v47, " in body
    assert " UTC on raxx-api-prod" in body and "ignored" not in body


def test_production_is_what_the_base_rules_name(gate: Gate) -> None:
    """A base rules.yaml naming another app moves what counts: the PR cannot choose it."""
    rules = DEFAULT_RULES.replace("heroku_app: raxx-api-prod", "heroku_app: raxx-api-eu")
    head = gate.open(1, FLAGGED, base=gate.base(rules=rules))
    gate.smoke_pass(1, head, description=pass_on_prod(head))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "not production (raxx-api-eu" in gate.fake.sticky_comments(1)[0]["body"]
