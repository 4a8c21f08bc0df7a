"""`release-gate smoke --target sandbox`: the README's first command (no credentials, no network),
and masking of every secret, including under GitHub Actions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.smoke._harness import base_env, cli, new_marker, processes_with, run

pytestmark = pytest.mark.slow  # the smoke end to end against a spawned sandbox


def test_sandbox_target_passes_and_masks_secrets_under_actions(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    marker = new_marker()
    done = run(cli("smoke", "--target", "sandbox", "--report", str(report)),
               base_env(GITHUB_ACTIONS="true", RELEASE_GATE_TEST_MARK=marker), timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    assert processes_with(marker) == []  # the sandbox it started is gone
    out = done.stdout
    assert "SMOKE VERDICT: PASS" in out
    assert re.search(r"^Test email: smoke-test\+\d{10}@moosequest\.net$", out, re.MULTILINE)
    assert "[teardown] OK deleted 1 credential row(s), 0 recovery code row(s), 1 user row(s)" \
        in out
    # The token and the sandbox's signing key are registered with the runner, then never shown.
    secrets = re.findall(r"^::add-mask::(.+)$", out, re.MULTILINE)
    assert len(secrets) == 2
    token = next(s for s in secrets if s.startswith("eyJ2"))
    assert f"[step 1] OK token={token[:16]}...{token[-8:]}" in out
    text = report.read_text()
    for secret in secrets:
        assert out.count(secret) == 1  # only in its own ::add-mask:: line
        assert secret not in done.stderr and secret not in text
    assert json.loads(text)["verdict"] == "PASS"


def test_sandbox_target_with_a_fault_fails_with_its_diagnosis(tmp_path: Path) -> None:
    done = run(cli("smoke", "--target", "sandbox", "--sandbox-fault", "challenge-store-split"),
               base_env(), timeout=90)
    assert done.returncode == 1
    assert "[step 4] FAIL HTTP 400" in done.stdout
    assert "the target logged `webauthn.challenge_miss`" in done.stdout
    assert "webauthn.challenge_miss store=memory" in done.stdout  # the in-process store


def test_sandbox_target_uses_redis_when_set_and_never_the_callers_database(
        redis_url: str) -> None:
    # The sandbox gets its own SQLite file whatever DATABASE_URL says (a developer's shell may
    # point it at a real database); REDIS_URL selects the Redis challenge store.
    env = base_env(REDIS_URL=redis_url, DATABASE_URL="postgresql://nobody@127.0.0.1:1/nowhere")
    done = run(cli("smoke", "--target", "sandbox", "--sandbox-fault", "challenge-store-split"),
               env, timeout=90)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "webauthn.challenge_miss store=redis" in done.stdout
    # Teardown read the sandbox's SQLite file (the unreachable DATABASE_URL would have failed it).
    assert "[teardown] OK deleted 0 credential row(s), 0 recovery code row(s), 1 user row(s)" \
        in done.stdout


def test_a_refused_run_stops_the_early_started_sandbox(tmp_path: Path) -> None:
    # The CLI boots the sandbox before loading rules.yaml (to overlap its start); a fence that
    # then refuses must leave no sandbox process and no directory behind.
    marker = new_marker()
    done = run(cli("smoke", "--target", "sandbox", "--email", "kris@moosequest.net"),
               base_env(TMPDIR=str(tmp_path), RELEASE_GATE_TEST_MARK=marker), timeout=60)
    assert done.returncode == 2
    assert "protected email" in done.stderr
    assert done.stdout == ""
    assert not list(tmp_path.glob("release-gate-smoke-*"))
    assert processes_with(marker) == []


def test_smoke_origin_in_the_rules_is_honoured_by_the_sandbox(tmp_path: Path) -> None:
    # The team's own pair, rehearsed locally: the sandbox is started expecting it.
    from tests.smoke._harness import write_rules

    rules = write_rules(tmp_path / "rules.yaml", {"origin": "https://raxx.app",
                                                  "mint": {"backend": "command"},
                                                  "database": {"backend": "sql"}})
    done = run(cli("smoke", "--target", "sandbox", "--rules", str(rules)), base_env(),
               timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[sandbox] expecting smoke.origin=https://raxx.app" in done.stdout
    assert "Origin: https://raxx.app" in done.stdout and "RP id: raxx.app" in done.stdout
    # A pair no browser accepts fails at step 3 on the sandbox too.
    rules = write_rules(tmp_path / "refused.yaml", {"origin": "http://localhost:8767",
                                                    "rp_id": "raxx.app",
                                                    "mint": {"backend": "command"},
                                                    "database": {"backend": "sql"}})
    done = run(cli("smoke", "--target", "sandbox", "--rules", str(rules)), base_env(),
               timeout=90)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[step 3] FAIL" in done.stdout and "a real device would refuse" in done.stdout
