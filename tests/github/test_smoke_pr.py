"""`release-gate smoke --pr N`: the real sandbox smoke, its result bound to the PR head."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout

from release_gate import cli, smoke_gate
from release_gate.github.client import GitHub, GitHubEnv, Transport
from release_gate.smoke.result import SmokeResult, Verdict
from tests.github.conftest import AUTH, Gate

FLAGGED_FILE = {AUTH: "router = 1\n"}


def _smoke_env(gate: Gate, number: int) -> int:
    run_id = gate.fake.add_run(display_title=f"smoke PR #{number} on sandbox")
    gate.run_id = run_id
    for key, value in gate.env().items():
        gate.monkeypatch.setenv(key, value)
    return run_id


def _cli(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = cli.main(list(argv))
    return code, buffer.getvalue()


def test_smoke_pass_is_posted_on_the_head_and_the_gate_refreshed(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.pr(1)
    run_id = _smoke_env(gate, 1)
    code, out = _cli("smoke", "--target", "sandbox", "--pr", "1")
    assert code == 0, out
    assert "SMOKE VERDICT: PASS" in out
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None
    assert (smoke["state"], smoke["description"]) == ("success", "PASS on sandbox")
    assert smoke["target_url"] == gate.fake.run_url(run_id)
    status = gate.gate_status(head)
    assert status is not None
    assert (status["state"], status["description"]) == ("success", f"Prod smoke PASS on {head[:7]}")
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert "- [x] Run the prod signup smoke" in body


def test_smoke_fail_is_posted_and_the_gate_stays_pending(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _smoke_env(gate, 1)
    code, out = _cli("smoke", "--target", "sandbox", "--sandbox-fault", "verify-no-commit",
                     "--pr", "1")
    assert code == 1, out
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None and smoke["state"] == "failure"
    assert str(smoke["description"]).startswith("FAIL on sandbox at step 5")
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "FAILED" in gate.fake.sticky_comments(1)[0]["body"]


def _passed() -> smoke_gate.SmokeOutcome:
    # A genuine result value (the sandbox run itself is covered by the two tests above).
    return SmokeResult(target="sandbox", api_url="http://127.0.0.1:1", email="smoke@x",
                       started_at="now", verdict=Verdict.PASS)


def test_a_push_during_the_smoke_means_no_pass_is_posted(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _smoke_env(gate, 1)
    api = GitHub(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    moved_to: list[str] = []

    def push_then_smoke() -> smoke_gate.SmokeOutcome:
        moved_to.append(gate.fake.push(1, {"docs/late.md": "pushed mid-smoke\n"}))
        return _passed()

    out = io.StringIO()
    code = smoke_gate.smoke_for_pr(number=1, api=api, run=push_then_smoke, out=out)
    assert code == 1
    assert "PASS NOT posted" in out.getvalue()
    old = gate.fake.latest_status(head, "release-gate/smoke")
    assert old is not None and old["state"] == "error"
    assert gate.fake.latest_status(moved_to[0], "release-gate/smoke") is None
    new_gate = gate.gate_status(moved_to[0])
    assert new_gate is not None and new_gate["state"] == "pending"


def test_outside_actions_the_pass_is_not_posted(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _smoke_env(gate, 1)
    gate.monkeypatch.delenv("GITHUB_RUN_ID")
    api = GitHub(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    out = io.StringIO()
    assert smoke_gate.smoke_for_pr(number=1, api=api, run=_passed, out=out) == 1
    assert "GITHUB_RUN_ID unset" in out.getvalue()
    assert gate.fake.latest_status(head, "release-gate/smoke") is None
