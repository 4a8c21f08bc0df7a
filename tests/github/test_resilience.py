"""Retries, rate limits and failing closed (docs/design.md §6); PRs the files API cannot list."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.github.conftest import AUTH, REPO_ROOT, Gate

FLAGGED_FILE = {AUTH: "router = 1\n"}
STATUSES = "/repos/{owner}/{repo}/statuses/{sha}"
FILES = "/repos/{owner}/{repo}/pulls/{number}/files"


def _gate_posts(gate: Gate, sha: str) -> list[dict[str, object]]:
    return [s for s in gate.fake.statuses.get(sha, []) if s["context"] == "release-gate"]


def test_502_twice_then_ok_posts_exactly_one_status(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("POST", STATUSES, 502, times=2)
    assert gate.pr(1).code == 0
    assert gate.fake.calls[("POST", STATUSES)] == 3
    posted = _gate_posts(gate, head)
    assert [s["state"] for s in posted] == ["pending"]


def test_secondary_rate_limit_waits_for_retry_after_then_succeeds(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", FILES, 403, times=1, retry_after=1)
    assert gate.pr(1).code == 0
    attempts = [h for h in gate.fake.hits if h.route == FILES]
    assert [h.status for h in attempts] == [403, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # Retry-After: 1 was honoured
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]


def test_secondary_rate_limit_without_retry_after_backs_off(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", FILES, 403, times=1)  # the body says "secondary rate limit"
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]


def test_429_is_retried(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", "/repos/{owner}/{repo}/statuses/{sha}", 429, times=1)
    assert gate.pr(1).code == 0
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]


def test_a_plain_403_is_not_retried_and_fails_closed(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", FILES, 403, times=1, message="Resource not accessible by integration")
    assert gate.pr(1).code == 1
    assert gate.fake.calls[("GET", FILES)] == 1
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "error"
    assert "Resource not accessible" in str(status["description"])


def test_repeated_failures_post_error_and_exit_1(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", FILES, 502, times=100)
    assert gate.pr(1).code == 1
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "error"
    assert str(status["description"]).startswith("release-gate failed: GitHub API: listing the "
                                                 "files of PR #1")
    assert gate.fake.sticky_comments(1) == []


def test_a_retry_after_beyond_the_limit_fails_closed_without_waiting(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.fake.fail("GET", FILES, 403, times=1, retry_after=3600)
    assert gate.pr(1, RELEASE_GATE_GITHUB_MAX_WAIT="5").code == 1
    assert gate.gate_status(head)["state"] == "error"  # type: ignore[index]


def test_bad_rules_at_base_posts_error_and_exits_2(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules="version: 1\nrules: [oops]\n"))
    assert gate.pr(1).code == 2
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "error"
    assert "rules.yaml@" in str(status["description"])


def test_3001_files_are_judged_completely(gate: Gate) -> None:
    filler = {f"a/f{i:04d}.txt": f"line {i}\n" for i in range(2998)}
    # Sorted after every filler file, so beyond the files API's 3,000 entries.
    late = {
        "app.json": '{"env": {"WEBAUTHN_ORIGIN": "https://raxx.app"}}\n',
        "backend_v2/api/routes/auth.py": "router = 1\n",
        "zz.txt": "tail\n",
    }
    head = gate.open(1, {**filler, **late})
    result = gate.pr(1)
    assert result.code == 0, result.out
    assert gate.fake.calls[("GET", FILES)] == 30  # all 30 pages of 100, then the cap
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert "auth-routes" in body
    assert "sensitive-config" in body and "app.json:1" in body
    assert "listed 3000 of 3001 changed files" in body


def test_a_file_without_patch_is_diffed_from_its_contents(gate: Gate) -> None:
    base = gate.base({"backend_v2/db/migrations/0042.sql": "-- orders\n" * 50})
    head = gate.open(1, {"backend_v2/db/migrations/0042.sql":
                         "-- orders\n" * 50 + "ALTER TABLE webauthn_credentials ADD x int;\n"},
                     base=base)
    gate.fake.no_patch.add("backend_v2/db/migrations/0042.sql")
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert "0042.sql:51" in body and "auth-migrations" in body


def test_a_binary_file_without_patch_fails_closed_on_content_rules(gate: Gate) -> None:
    head = gate.open(1, {"backend_v2/db/dump.bin": b"\x00\x01users\x00"})
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    assert "binary file" in gate.fake.sticky_comments(1)[0]["body"]


def test_the_cli_in_a_subprocess_trusts_the_fake_through_requests_ca_bundle(gate: Gate) -> None:
    head = gate.open(1, {"docs/a.md": "a\n"})
    env = {**os.environ, **gate.env(), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "release_gate", "pr", "--pr", "1"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
    assert gate.fake.ACTIONS_TOKEN not in done.stdout + done.stderr


def test_missing_token_is_bad_input_exit_2_without_a_traceback(gate: Gate) -> None:
    # A missing token is the job's set-up, not a failure of the gate (docs/cli.md: exit 2).
    gate.open(1, FLAGGED_FILE)
    gate.monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    result = gate.pr(1, GITHUB_TOKEN="")
    assert result.code == 2
