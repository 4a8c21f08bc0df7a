"""What a PR author (or a writer's stray workflow) can no longer turn into a counted PASS.

Real PyGithub over HTTPS against the fake GitHub (tests/fakes/github.py): runs that conclude,
tags named like the default branch, compare answers in GitHub's shape.
"""

from __future__ import annotations

import pytest

from tests.github.conftest import AUTH, SMOKE_TITLE, Gate

FLAGGED_FILE = {AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n"}


@pytest.mark.parametrize("state", ["failure", "error"])
@pytest.mark.parametrize("conclusion", ["failure", "cancelled", "timed_out"])
def test_a_newer_fail_keeps_the_gate_closed_after_its_run_concluded(
        gate: Gate, state: str, conclusion: str) -> None:
    """PASS (run A), then a genuine FAIL on the same head (run B), then run B concludes as a
    failing smoke does: every later gate run stays pending, and the comment names the FAIL."""
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    gate.smoke_pass(1, head)
    failed = fake.add_run(display_title=SMOKE_TITLE.format(n=1))
    fake.add_status(head, state=state, context="release-gate/smoke",
                    creator=fake.tokens[fake.ACTIONS_TOKEN],
                    description="FAIL on raxx-api-prod v47 @ " + head[:7] + " at step 4",
                    target_url=fake.run_url(failed))
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    fake.finish_run(failed, conclusion)
    for _ in range(2):  # a re-run, a title edit, watch-config: each a fresh gate run
        assert gate.pr(1).code == 0
        assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    body = fake.sticky_comments(1)[0]["body"]
    assert f"the latest smoke on `{head[:7]}` FAILED" in body
    assert "at step 4" in body
    assert f"/actions/runs/{failed}" in body


def test_a_newer_pass_reopens_the_gate_after_a_concluded_fail(gate: Gate) -> None:
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    failed = fake.add_run(display_title=SMOKE_TITLE.format(n=1))
    fake.add_status(head, state="failure", context="release-gate/smoke",
                    creator=fake.tokens[fake.ACTIONS_TOKEN], description="FAIL at step 4",
                    target_url=fake.run_url(failed))
    fake.finish_run(failed, "failure")
    gate.smoke_pass(1, head)
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]


def test_a_pass_from_a_run_of_a_tag_named_like_the_default_branch_is_ignored(gate: Gate) -> None:
    """`head_branch` is only a name: a run dispatched from a tag `main` reports `main` too and
    runs the tag's own smoke.yml. Its commit must be on the default branch."""
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    main_head = fake.commit({".github/workflows/smoke.yml": "name: smoke\n"})
    fake.set_branch("main", main_head)
    forged_workflow = fake.commit({".github/workflows/smoke.yml": "name: smoke\n# posts PASS\n"},
                                  parent=main_head)
    fake.set_tag("main", forged_workflow)
    run_id = gate.smoke_pass(1, head, head_branch="main", head_sha=forged_workflow)
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    body = fake.sticky_comments(1)[0]["body"]
    assert (f"run {run_id} ran {forged_workflow[:7]}, which is not on the default branch 'main'"
            in body)
    compares = [h.path.split("?")[0] for h in fake.hits if "/compare/refs/heads/" in h.path]
    assert compares == [f"/repos/{fake.full_name}/compare/refs/heads/main...{forged_workflow}"]


def test_a_pass_from_a_run_of_an_older_default_branch_commit_counts(gate: Gate) -> None:
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    older = fake.commit({".github/workflows/smoke.yml": "name: smoke\n"})
    fake.set_branch("main", fake.commit({"README.md": "later\n"}, parent=older))
    fake.set_tag("main", fake.commit({"x": "y"}))  # a tag of the same name changes nothing
    gate.smoke_pass(1, head, head_branch="main", head_sha=older)
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
