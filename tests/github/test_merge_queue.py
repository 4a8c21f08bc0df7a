"""The merge queue judges the tree that will ship: two PRs, each clear, together blocked.

RCA contributing factor 2: `begin-with-token` shipped without `verify-with-token`. Here PR 1
adds the begin route while its twin exists, PR 2 removes the twin while no begin exists; each
is clear alone. The queue's commit holds both. `release-gate pr --merge-group` (the real CLI,
PyGithub over HTTPS, the fake GitHub) must fail it.
"""

from __future__ import annotations

import json

from release_gate import cli
from tests.github.conftest import Gate

ROUTES = "backend_v2/api/routes/register.py"
HEADER = "from fastapi import FastAPI\n\napp = FastAPI()\n"
VERIFY = ('\n\n@app.post("/api/auth/register/verify-with-token")\n'
          "def verify_with_token() -> dict:\n    return {\"status\": \"ok\"}\n")
BEGIN = ('\n\n@app.post("/api/auth/register/begin-with-token")\n'
         "def begin_with_token() -> dict:\n    return {\"challenge\": \"x\"}\n")


def _queue(gate: Gate, *, base: str, group: str, number: int, pr_head: str) -> int:
    event = gate.tmp / "merge_group.json"
    event.write_text(json.dumps({"action": "checks_requested", "merge_group": {
        "head_sha": group, "base_sha": base, "base_ref": "refs/heads/main",
        "head_ref": f"refs/heads/gh-readonly-queue/main/pr-{number}-{pr_head}",
        "head_commit": {"id": group, "message": f"Merge pull request #{number}"}}}), "utf-8")
    for key, value in gate.env(GITHUB_EVENT_NAME="merge_group",
                               GITHUB_EVENT_PATH=str(event)).items():
        gate.monkeypatch.setenv(key, value)
    return cli.main(["pr", "--merge-group"])


def test_two_clear_prs_that_together_orphan_a_begin_route_are_stopped_in_the_queue(
        gate: Gate) -> None:
    base = gate.base({ROUTES: HEADER + VERIFY})
    adds_begin = gate.open(1, {ROUTES: HEADER + VERIFY + BEGIN}, base=base)
    drops_verify = gate.open(2, {ROUTES: HEADER}, base=base)
    for number, head in ((1, adds_begin), (2, drops_verify)):
        assert gate.pr(number).code == 0
        assert gate.gate_status(head) is not None
        assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]

    # The queue: PR 1 first (its group is PR 1 alone), then PR 2 on top of it.
    first = gate.fake.commit({ROUTES: HEADER + VERIFY + BEGIN}, parent=base)
    assert _queue(gate, base=base, group=first, number=1, pr_head=adds_begin) == 0
    assert gate.gate_status(first)["state"] == "success"  # type: ignore[index]

    both = gate.fake.commit({ROUTES: HEADER + BEGIN}, parent=base)
    assert _queue(gate, base=base, group=both, number=2, pr_head=drops_verify) == 0
    status = gate.gate_status(both)
    assert status is not None and status["state"] == "failure"
    assert str(status["description"]).startswith("Merge group: Blocked: ")
    assert "begin-with-token" in str(status["description"])
    # Each PR's own status and comment stay as they were.
    assert gate.gate_status(drops_verify)["state"] == "success"  # type: ignore[index]
    assert gate.fake.sticky_comments(2) == []


def test_a_queue_commit_that_cannot_be_judged_whole_gets_an_error(gate: Gate) -> None:
    base = gate.base()
    head = gate.open(1, {"docs/a.md": "a\n"}, base=base)
    huge = gate.fake.commit({f"docs/f{i}.md": f"{i}\n" for i in range(300)}, parent=base)
    assert _queue(gate, base=base, group=huge, number=1, pr_head=head) != 0
    assert gate.gate_status(huge)["state"] == "error"  # type: ignore[index]
