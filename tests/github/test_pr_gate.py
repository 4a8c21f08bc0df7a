"""`release-gate pr` end to end: real PyGithub over HTTPS against the fake GitHub."""

from __future__ import annotations

import json
import threading

from tests.github.conftest import AUTH, DEFAULT_RULES, Gate

FLAGGED_FILE = {AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n"}
GATE = "release-gate"


def test_clear_pr_gets_success_and_no_comment(gate: Gate) -> None:
    head = gate.open(1, {"docs/intro.md": "hello\n"})
    result = gate.pr(1)
    assert result.code == 0
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("success", "No release-sensitive changes")
    run_url = f"{gate.fake.server_url}/{gate.fake.full_name}/actions/runs/900001"
    assert status["target_url"] == run_url
    assert gate.fake.sticky_comments(1) == []
    assert "verdict=clear" in gate.output()
    assert f"head_sha={head}" in gate.output()


def test_flagged_pr_is_pending_with_one_comment_and_a_rerun_writes_nothing(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    result = gate.pr(1)
    assert result.code == 0
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("pending",
                                                        f"Prod smoke required for {head[:7]}")
    comments = gate.fake.sticky_comments(1)
    assert len(comments) == 1
    body = comments[0]["body"]
    assert f"/blob/{head}/backend_v2/api/routes/auth.py" in body
    assert "gh workflow run smoke.yml -f pr=1" in body
    assert "- [ ] Run the prod signup smoke" in body
    assert f"::error file={AUTH},title=release-gate needs-smoke%3A auth-routes::" in result.out
    assert "verdict=needs-smoke" in gate.output()

    gate.fake.reset_counts()
    assert gate.pr(1).code == 0
    assert gate.fake.writes() == 0
    assert len(gate.fake.sticky_comments(1)) == 1


def test_a_genuine_pass_turns_the_gate_green_and_ticks_the_box(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.pr(1)
    run_id = gate.smoke_pass(1, head)
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("success", f"Prod smoke PASS on {head[:7]}")
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert ("- [x] Run the prod signup smoke on this PR's head "
            "(`gh workflow run smoke.yml -f pr=1`)") in body
    assert f"[run {run_id}]({gate.fake.run_url(run_id)})" in body
    # Items only a person can do stay open.
    assert "- [ ] Only after the smoke passes: tap the signup URL on a real device" in body


def test_a_new_push_needs_a_new_pass(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.smoke_pass(1, head)
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
    new_head = gate.fake.push(1, {"docs/notes.md": "typo fix\n"})
    assert gate.pr(1).code == 0
    status = gate.gate_status(new_head)
    assert status is not None
    assert (status["state"], status["description"]) == ("pending",
                                                        f"Prod smoke required for {new_head[:7]}")
    comments = gate.fake.sticky_comments(1)
    assert len(comments) == 1
    assert "- [ ] Run the prod signup smoke" in comments[0]["body"]
    assert f"the PASS on `{head[:7]}` was for an older head" in comments[0]["body"]


def test_keep_pass_when_unflagged_keeps_it_across_an_unflagged_push(gate: Gate) -> None:
    rules = DEFAULT_RULES.replace("keep_pass_when_unflagged: false",
                                  "keep_pass_when_unflagged: true")
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules))
    gate.smoke_pass(1, head)
    gate.pr(1)
    unflagged = gate.fake.push(1, {"docs/notes.md": "typo fix\n"})
    gate.pr(1)
    status = gate.gate_status(unflagged)
    assert status is not None and status["state"] == "success"
    assert "kept for" in gate.fake.sticky_comments(1)[0]["body"]
    flagged = gate.fake.push(1, {AUTH: "router = None\n"})
    gate.pr(1)
    status = gate.gate_status(flagged)
    assert status is not None and status["state"] == "pending"
    assert "touch `backend_v2/api/routes/auth.py`" in gate.fake.sticky_comments(1)[0]["body"]


def test_forged_passes_are_ignored_and_explained(gate: Gate) -> None:
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    bot = fake.tokens[fake.ACTIONS_TOKEN]
    human = fake.tokens[fake.USER_TOKEN]
    good_run = fake.add_run(display_title="smoke PR #1 on prod")
    # 1. another creator, pointing at a genuine run
    fake.add_status(head, state="success", context="release-gate/smoke", creator=human,
                    target_url=fake.run_url(good_run))
    # 2. the right creator, another context
    fake.add_status(head, state="success", context="release-gate/smoke-manual", creator=bot,
                    target_url=fake.run_url(good_run))
    # 3. a run that does not exist
    fake.add_status(head, state="success", context="release-gate/smoke", creator=bot,
                    target_url=f"{fake.server_url}/{fake.full_name}/actions/runs/424242")
    # 4. a run of another workflow, 5. from a branch, 6. of another PR, 7. another repository
    ci_run = fake.add_run(path=".github/workflows/ci.yml", display_title="smoke PR #1")
    branch_run = fake.add_run(head_branch="evil", display_title="smoke PR #1")
    other_pr = fake.add_run(display_title="smoke PR #2 on prod")
    for run_id in (ci_run, branch_run, other_pr):
        fake.add_status(head, state="success", context="release-gate/smoke", creator=bot,
                        target_url=fake.run_url(run_id))
    fake.add_status(head, state="success", context="release-gate/smoke", creator=bot,
                    target_url=f"{fake.server_url}/someone/else/actions/runs/{good_run}")
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"
    body = fake.sticky_comments(1)[0]["body"]
    assert "- [ ] Run the prod signup smoke" in body
    for reason in ("posted by mallory, not by the Actions app",
                   "its context is 'release-gate/smoke-manual'",
                   "run 424242 does not exist",
                   "is .github/workflows/ci.yml, not the smoke workflow",
                   "from 'evil', not the default branch 'main'",
                   "is not a smoke of PR #1",
                   "is not a workflow run of acme/signup-backend"):
        assert reason in body, reason


def test_a_replayed_run_link_posted_after_the_run_finished_is_ignored(gate: Gate) -> None:
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    run_id = fake.add_run(display_title="smoke PR #1 on prod")
    fake.finish_run(run_id)
    fake.runs[run_id]["updated_at"] = "2020-01-01T00:00:00Z"
    fake.add_status(head, state="success", context="release-gate/smoke",
                    creator=fake.tokens[fake.ACTIONS_TOKEN], target_url=fake.run_url(run_id))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "(a replayed link)" in fake.sticky_comments(1)[0]["body"]


def test_a_newer_genuine_fail_beats_an_older_pass(gate: Gate) -> None:
    fake = gate.fake
    head = gate.open(1, FLAGGED_FILE)
    gate.smoke_pass(1, head)
    failed = fake.add_run(display_title="smoke PR #1 on prod")
    fake.add_status(head, state="failure", context="release-gate/smoke",
                    creator=fake.tokens[fake.ACTIONS_TOKEN], description="FAIL at step 4",
                    target_url=fake.run_url(failed))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "FAILED (FAIL at step 4)" in fake.sticky_comments(1)[0]["body"]


def test_blocked_pr_fails_even_with_a_pass(gate: Gate) -> None:
    rules = DEFAULT_RULES.replace("\nrules:\n", (
        "\nrules:\n"
        "  - id: no-process-local-store\n"
        "    kind: path\n"
        "    description: Process-local challenge store (RCA factor 1)\n"
        "    outcome: blocked\n"
        "    paths: [backend_v2/api/services/challenge_store.py]\n"
    ), 1)
    head = gate.open(1, {**FLAGGED_FILE, "backend_v2/api/services/challenge_store.py": "s = {}\n"},
                     base=gate.base(rules=rules))
    gate.smoke_pass(1, head)
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "failure"
    assert str(status["description"]).startswith("Blocked: Process-local challenge store")
    assert "⛔ release-gate: blocked" in gate.fake.sticky_comments(1)[0]["body"]


def test_rules_come_from_the_base_not_the_pr(gate: Gate) -> None:
    relaxed = DEFAULT_RULES.replace("paths: [backend_v2/api/routes/auth.py]",
                                    "paths: [nothing/here.py]")
    head = gate.open(1, {**FLAGGED_FILE, "rules.yaml": relaxed})
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert "auth-routes" in body and "gate-self-protection" in body


def test_no_rules_at_base_uses_the_embedded_default_and_says_so(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=None))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "embedded default policy" in gate.fake.sticky_comments(1)[0]["body"]


def test_a_push_that_clears_the_pr_turns_the_comment_into_a_note(gate: Gate) -> None:
    gate.open(1, FLAGGED_FILE)
    gate.pr(1)
    cleared = gate.fake.push(1, {AUTH: None, "docs/x.md": "x\n"})
    gate.pr(1)
    assert gate.gate_status(cleared)["state"] == "success"  # type: ignore[index]
    comments = gate.fake.sticky_comments(1)
    assert len(comments) == 1
    assert "no longer flagged" in comments[0]["body"]
    gate.fake.push(1, {"docs/y.md": "y\n"})
    gate.fake.reset_counts()
    gate.pr(1)
    assert ("PATCH", "/repos/{owner}/{repo}/issues/comments/{id}") not in gate.fake.calls


def test_hand_ticks_survive_updates(gate: Gate) -> None:
    gate.open(1, FLAGGED_FILE)
    gate.pr(1)
    comment = gate.fake.sticky_comments(1)[0]
    item = "Teardown reported its deleted rows (runbook: Prod-write safety)"
    comment["body"] = comment["body"].replace(f"- [ ] {item}", f"- [x] {item}")
    gate.fake.push(1, {AUTH: "router = 1\n"})
    gate.pr(1)
    assert f"- [x] {item}" in gate.fake.sticky_comments(1)[0]["body"]


def test_ten_concurrent_runs_leave_exactly_one_comment(gate: Gate) -> None:
    gate.open(1, FLAGGED_FILE)
    # All ten read the PR (0 comments) at the same moment, as runs for one push would.
    gate.fake.hold("GET", "/repos/{owner}/{repo}/pulls/{number}", parties=10)
    codes: list[int] = []
    for key, value in gate.env().items():
        gate.monkeypatch.setenv(key, value)
    from release_gate import cli

    def one() -> None:
        codes.append(cli.main(["pr", "--pr", "1"]))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [0] * 10
    assert len(gate.fake.sticky_comments(1)) == 1
    # The race was real: more than one run created a comment and the extras were removed.
    assert gate.fake.calls[("POST", "/repos/{owner}/{repo}/issues/{number}/comments")] > 1


def test_dry_run_prints_and_writes_nothing(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    result = gate.pr(1, "--dry-run")
    assert result.code == 0
    assert gate.fake.writes() == 0
    assert f"would post release-gate = pending: Prod smoke required for {head[:7]}" in result.out
    assert "would create:" in result.out and "<!-- release-gate:checklist -->" in result.out


def test_event_payload_saves_the_pr_call_and_a_stale_one_is_caught(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    event = gate.tmp / "event.json"
    event.write_text(json.dumps(gate.fake.event_payload(1)), "utf-8")
    extra = {"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": str(event)}
    gate.pr(1, **extra)
    assert gate.fake.calls[("GET", "/repos/{owner}/{repo}/pulls/{number}")] == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    # The payload is now stale (a push happened): the files API shows it, the PR is re-read.
    new_head = gate.fake.push(1, {AUTH: "router = 2\n"})
    gate.pr(1, **extra)
    assert gate.fake.calls[("GET", "/repos/{owner}/{repo}/pulls/{number}")] == 1
    assert gate.gate_status(new_head)["state"] == "pending"  # type: ignore[index]
    assert len(gate.fake.sticky_comments(1)) == 1


def test_merge_group_gets_the_queued_prs_verdict(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.smoke_pass(1, head)
    queue_commit = gate.fake.commit({"merged": "1\n"}, parent=head)
    event = gate.tmp / "merge_group.json"
    event.write_text(json.dumps({"action": "checks_requested", "merge_group": {
        "head_sha": queue_commit, "base_sha": head, "base_ref": "refs/heads/main",
        "head_ref": f"refs/heads/gh-readonly-queue/main/pr-1-{head}"}}), "utf-8")
    for key, value in gate.env(GITHUB_EVENT_NAME="merge_group",
                               GITHUB_EVENT_PATH=str(event)).items():
        gate.monkeypatch.setenv(key, value)
    from release_gate import cli
    assert cli.main(["pr", "--merge-group"]) == 0
    status = gate.gate_status(queue_commit)
    assert status is not None
    assert (status["state"], status["description"]) == ("success", f"Prod smoke PASS on {head[:7]}")
    assert gate.fake.sticky_comments(1) == []  # the queue run leaves the PR's comment alone
