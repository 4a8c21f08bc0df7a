"""The sandbox rehearsal follows the team's smoke: section: with their endpoints, body field
names and answer shape, `smoke --target sandbox` runs their contract against the bundled sandbox
(sandbox/contract.py, smoke/local.py `contract_of`), and passes. The real CLI, the real sandbox
under uvicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs the smoke against the sandbox, as processes

ROOT = Path(__file__).resolve().parents[2]

CUSTOM = """smoke:
  endpoints:
    health: /status
    begin: /v2/signup/passkey/start
    verify: /v2/signup/passkey/finish
  bodies:
    begin: {signup: {inviteCode: "{token}"}}
    verify: {inviteCode: "{token}", attestation: "{credential}"}
  responses:
    options_key: creationOptions
    user_id_field: account.id
    ok: {result: created}
"""


def smoke(tmp_path: Path, rules: str, *extra: str) -> tuple[subprocess.CompletedProcess[str],
                                                             dict[str, object]]:
    (tmp_path / "rules.yaml").write_text(rules)
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SANDBOX_FAULT", "REDIS_URL") and not k.startswith(
               ("GITHUB_", "HEROKU_", "RAXX_"))}
    done = subprocess.run(
        [sys.executable, "-m", "release_gate", "smoke", "--target", "sandbox", "--rules",
         str(tmp_path / "rules.yaml"), "--report", str(report), *extra],
        cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False,
        env={**env, "PYTHONPATH": str(ROOT)})
    return done, json.loads(report.read_text()) if report.exists() else {}


def test_a_rehearsal_of_the_teams_own_contract_passes_on_the_sandbox(tmp_path: Path) -> None:
    done, report = smoke(tmp_path, CUSTOM)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SMOKE VERDICT: PASS" in done.stdout
    assert "POST /v2/signup/passkey/start" in done.stdout
    assert "POST /v2/signup/passkey/finish" in done.stdout
    assert report["verdict"] == "PASS"


@pytest.mark.parametrize("fault", ["registration-disabled", "verify-no-commit"])
def test_a_fault_rehearsed_on_the_teams_contract_fails_where_it_should(
        tmp_path: Path, fault: str) -> None:
    done, report = smoke(tmp_path, CUSTOM, "--sandbox-fault", fault)
    assert done.returncode == 1, done.stdout + done.stderr
    failure = report["failure"]
    assert isinstance(failure, dict)
    assert failure["step"] == ("2" if fault == "registration-disabled" else "5")
    # Every hint names the target used: the local sandbox, never production's app.
    assert "raxx-api-prod" not in json.dumps(failure)
    assert "heroku config" not in json.dumps(failure)
