"""The smoke against the sandbox under a real server, real PostgreSQL and Redis (design.md §8).

PASS with the rows gone after teardown; every fault switch FAILS at its step with the runbook's
diagnosis (a test per row); SIGTERM / Ctrl-C after step 4 still tears down.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.smoke._harness import (
    LineReader,
    cli,
    new_email,
    run,
    sandbox,
    smoke_section,
    write_rules,
)

pytestmark = pytest.mark.slow  # the smoke end to end against a real server

# The runbook's "Reading the output", line for line (values vary, the shape does not).
PASS_TRANSCRIPT = [
    r"={60}",
    r"RAXX SIGNUP E2E SMOKE — \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ UTC",
    r"API: http://127\.0\.0\.1:\d+",
    r"Heroku app: .+",
    r"Mint: local command \(python -m release_gate\.sandbox mint\)",
    r"Database: SQL \(postgresql://postgres@127\.0\.0\.1:\d+/\w+\)",
    r"Origin: http://localhost:\d+",
    r"RP id: rp\.id of the registration options \(smoke\.rp_id unset\)",
    r"Test email: (?P<email>\S+@moosequest\.net)",
    r"={60}",
    r"\[step 1\] minting bootstrap token for '(?P=email)' via .+\.\.\.",
    r"\[step 1\] OK token=eyJ2IjoxLCJlbWFp\.\.\.[A-Za-z0-9_-]{8}",
    r"\[step 2\] POST /api/auth/register/begin-with-token \.\.\.",
    r"\[step 2\] OK challenge=[A-Za-z0-9_-]{16}\.\.\. user\.id=[A-Za-z0-9_-]{8}\.\.\.",
    r"\[step 3\] building synthetic credential \(EC P-256, fmt=none, icloud-keychain profile: "
    r"flags UP\|UV\|BE\|BS\|AT\)\.\.\.",
    r"\[step 3\] using origin=http://localhost:\d+ rp_id=localhost",
    r"\[step 3\] OK cred_id=(?P<cred>[A-Za-z0-9_-]{16})\.\.\. clientData challenge matches "
    r"options challenge",
    r"\[step 4\] POST /api/auth/register/verify-with-token \.\.\.",
    r"\[step 4\] OK user_id=(?P<uid>\d+) status=ok",
    r"\[step 5\] confirming DB persistence via SQL \(postgresql://.+\)\.\.\.",
    r"\[step 5\] token nonce recorded as used in bootstrap_tokens_used",
    r"\[step 5\] OK user\.id=(?P=uid) email=(?P=email) cred_count=1",
    r"\[teardown\] deleting smoke rows for user_id=(?P=uid) email='(?P=email)'\.\.\.",
    r"\[teardown\] OK deleted 1 credential row\(s\), 0 recovery code row\(s\), 1 user row\(s\)",
    r"={60}",
    r"SMOKE VERDICT: PASS",
    r"user_id: (?P=uid)",
    r"credential_id prefix: (?P=cred)\.\.\.",
    r"DB cred_count: 1",
    r"recovery codes: 0",
    r"timings: health \d+ ms, step 1 \d+ ms, step 2 \d+ ms, step 3 \d+ ms, step 4 \d+ ms, "
    r"step 5 \d+ ms, teardown \d+ ms; total \d+ ms",
    r"={60}",
]


def test_pass_transcript_and_rows_gone(postgres_url: str, redis_url: str,
                                       tmp_path: Path) -> None:
    email = new_email()
    with sandbox(postgres_url, redis_url) as target:
        done, report = target.smoke(tmp_path, email=email)
        assert done.returncode == 0, done.stdout + done.stderr
        assert re.fullmatch("\n".join(PASS_TRANSCRIPT) + "\n", done.stdout), done.stdout
        # Runbook: both rows deleted by teardown; the used nonce stays recorded.
        assert target.rows(email) == {"users": 0, "credentials": 0, "nonces": 1}
        target.server.wait_for_log("webauthn.challenge_popped store=redis")
    assert report["verdict"] == "PASS"
    assert report["failure"] is None
    assert [s["step"] for s in report["steps"]] == ["health", "1", "2", "3", "4", "5",
                                                    "teardown"]
    assert all(s["ms"] >= 0 for s in report["steps"])
    assert report["ids"]["cred_count"] == 1 and report["ids"]["nonce_recorded"] is True
    assert report["teardown"]["deleted"] == {"credential": 1, "recovery code": 0, "user": 1}


def test_optional_login_and_replay_steps(postgres_url: str, redis_url: str,
                                         tmp_path: Path) -> None:
    email = new_email()
    with sandbox(postgres_url, redis_url) as target:
        section = smoke_section(target.server, steps={"login": True, "replay": True})
        done, report = target.smoke(tmp_path, email=email, section=section)
        assert done.returncode == 0, done.stdout
        assert "[login] OK signed in with the registered key user_id=" in done.stdout
        assert "[replay] OK refused with 400 (Invalid or expired signup link)" in done.stdout
        assert target.rows(email)["users"] == 0
    assert [s["step"] for s in report["steps"]][-3:] == ["login", "replay", "teardown"]


@pytest.mark.parametrize(("profile", "key"), [("icloud-keychain", "EC P-256"),
                                              ("security-key", "Ed25519"),
                                              ("generic", "EC P-256")])
def test_each_authenticator_profile_registers_and_signs_in(
        profile: str, key: str, postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    # The sandbox's py_webauthn offers EdDSA first: the security key answers with Ed25519, and
    # the login round signs with that same key (the Ed25519 path: storage, then login).
    email = new_email()
    with sandbox(postgres_url, redis_url) as target:
        section = smoke_section(target.server, authenticator=profile, steps={"login": True})
        done, report = target.smoke(tmp_path, email=email, section=section)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"[step 3] building synthetic credential ({key}, fmt=none, {profile} profile" \
        in done.stdout
    assert "[login] OK signed in with the registered key" in done.stdout
    assert report["verdict"] == "PASS"


# (WEBAUTHN_ORIGIN, WEBAUTHN_RP_ID) of the target, each refused by Chromium's create() -> id
BROWSER_REFUSED = {
    "localhost-origin-raxx-rp-id": ("http://localhost:8767", "raxx.app", "rp-id-not-suffix"),
    "ip-origin": ("http://127.0.0.1:8765", "127.0.0.1", "origin-is-ip"),
    "non-suffix": ("https://signup.raxx.app", "raxx.dev", "rp-id-not-suffix"),
}


@pytest.mark.parametrize("case", sorted(BROWSER_REFUSED))
def test_a_pair_a_browser_refuses_fails_before_verify(case: str, postgres_url: str,
                                                      redis_url: str, tmp_path: Path) -> None:
    origin, rp_id, diagnosis = BROWSER_REFUSED[case]
    email = new_email()
    with sandbox(postgres_url, redis_url, WEBAUTHN_ORIGIN=origin,
                 WEBAUTHN_RP_ID=rp_id) as target:
        done, report = target.smoke(tmp_path, email=email,
                                    section=smoke_section(target.server, origin=origin))
        assert target.rows(email)["users"] == 0
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "SMOKE VERDICT: FAIL" in out and "[step 4]" not in out
    assert "[step 3] FAIL" in out and "a real device would refuse" in out
    failure = report["failure"]
    assert failure["step"] == "3" and failure["diagnosis"]["id"] == diagnosis
    assert origin in failure["diagnosis"]["symptom"] and rp_id in failure["diagnosis"]["symptom"]


# fault -> (failing step, diagnosis id, the runbook's "likely cause" text)
FAULTS = {
    "wrong-signing-key": ("2", "wrong-signing-key",
                          "Token minted against wrong BOOTSTRAP_TOKEN_SIGNING_KEY"),
    "registration-disabled": ("2", "registration-disabled", "FLAG_WEBAUTHN_REGISTRATION is off"),
    "challenge-store-split": ("4", "challenge-miss",
                              "in-process challenge store split across gunicorn processes"),
    "user-row-missing": ("4", "session-not-found", "User row was not created in step 2"),
    "verify-no-commit": ("5", "no-credential-row",
                         "verify-with-token returned 200 but DB write failed silently"),
    "cbor-regression": ("4", "verification-failed",
                        "Challenge mismatch in the synthetic credential, or CBOR encoding "
                        "regression"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_at_its_step_with_the_runbook_diagnosis(
        fault: str, postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    step, diagnosis, cause = FAULTS[fault]
    email = new_email()
    with sandbox(postgres_url, redis_url, fault=fault) as target:
        done, report = target.smoke(tmp_path, email=email)
        assert done.returncode == 1, done.stdout + done.stderr
        assert target.rows(email)["users"] == 0  # teardown ran on FAIL too
        assert target.rows(email)["credentials"] == 0
    out = done.stdout
    assert "SMOKE VERDICT: FAIL" in out and "SMOKE VERDICT: PASS" not in out
    assert f"[step {step}] FAIL" in out
    assert f"likely cause: {cause}" in out or cause in out
    # The sandbox is the target: no hint sends the operator to production's Heroku app.
    assert "raxx-api-prod" not in json.dumps(report["failure"]["diagnosis"])
    assert "heroku config" not in json.dumps(report["failure"]["diagnosis"])
    if fault == "cbor-regression":  # the next step follows the log, not "Check Redis"
        assert "attestationObject was malformed" in report["failure"]["diagnosis"]["symptom"]
        assert "Redis" not in report["failure"]["diagnosis"]["next_step"]
    assert report["verdict"] == "FAIL"
    assert report["failure"]["step"] == step
    assert report["failure"]["diagnosis"]["id"] == diagnosis
    # No step after the failing one ran.
    ran = [s["step"] for s in report["steps"] if s["step"] not in ("health", "teardown")]
    assert ran[-1] == step and all(s <= step for s in ran)


def test_no_db_row_after_200_never_passes(postgres_url: str, redis_url: str,
                                          tmp_path: Path) -> None:
    # The boolean-cast bug class: verify says 200 {"status": "ok"}, the row never lands.
    email = new_email()
    with sandbox(postgres_url, redis_url, fault="verify-no-commit") as target:
        done, report = target.smoke(tmp_path, email=email)
    assert "[step 4] OK user_id=" in done.stdout
    assert "[step 5] FAIL" in done.stdout
    assert "Step 5 cred_count=0" in done.stdout
    assert "Boolean cast bug (#2748 class)" in done.stdout
    assert report["ids"]["cred_count"] == 0 and done.returncode == 1


def test_challenge_miss_cites_the_rca_and_the_log_line(postgres_url: str, redis_url: str,
                                                       tmp_path: Path) -> None:
    with sandbox(postgres_url, redis_url, fault="challenge-store-split") as target:
        done, report = target.smoke(tmp_path, email=new_email())
    assert report["failure"]["diagnosis"]["source"] == "RCA 2026-05-25"
    assert "the target logged `webauthn.challenge_miss`" in done.stdout
    assert "[server log]" in done.stdout and "webauthn.challenge_miss store=redis" in done.stdout
    assert report["failure"]["http_status"] == 400
    assert report["failure"]["body"] == '{"detail":"passkey verification failed"}'


def test_slow_dependency_times_out_at_step_2_and_cleanup_removes_late_rows(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with sandbox(postgres_url, redis_url, fault="slow-dependency",
                 SANDBOX_SLOW_SECONDS="1.5") as target:
        section = smoke_section(target.server, timeouts={"http": 0.5})
        done, report = target.smoke(tmp_path, email=email, section=section)
        assert done.returncode == 1, done.stdout
        assert report["failure"]["step"] == "2"
        assert report["failure"]["diagnosis"]["id"] == "timeout"
        # A URL target without Heroku backends: the hint names its log, not a Heroku app.
        assert ("Re-run the smoke; if it persists, check the target's log (`--server-log "
                "FILE` lets the smoke read it) and the database") in done.stdout
        assert "heroku" not in report["failure"]["diagnosis"]["next_step"].lower()
        assert "may still write rows" in done.stdout
        # The server finishes begin after our teardown: the orphan the runbook warns about.
        deadline = time.monotonic() + 10
        while target.rows(email)["users"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert target.rows(email)["users"] == 1
        rules = write_rules(tmp_path / "cleanup.yaml", section)
        cleaned = run(cli("smoke", "cleanup", "--email", email, "--rules", str(rules)),
                      target.env())
        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert "[cleanup] OK deleted 0 credential row(s), 0 recovery code row(s), " \
               "1 user row(s)" in cleaned.stdout
        assert target.rows(email)["users"] == 0


def test_mint_failure_is_step_1_with_the_signing_key_diagnosis(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    # Runbook row 1: "Step 1 fails with `heroku run exited 1`" when the key is not set.
    email = new_email()
    script = ("import os, sys\n"
              "if not os.environ.get('BOOTSTRAP_TOKEN_SIGNING_KEY'):\n"
              "    sys.exit('BOOTSTRAP_TOKEN_SIGNING_KEY is not set')\n")
    with sandbox(postgres_url, redis_url) as target:
        section = smoke_section(target.server, mint={
            "backend": "command", "command": ["{python}", "-c", script, "{email}"]})
        env = target.env()
        del env["BOOTSTRAP_TOKEN_SIGNING_KEY"]
        done, report = target.smoke(tmp_path, email=email, section=section, env=env)
    assert done.returncode == 1
    assert report["failure"]["step"] == "1"
    assert report["failure"]["diagnosis"]["id"] == "mint-failed"
    assert "symptom: Step 1 fails with `mint command exited 1`" in done.stdout
    assert "[step 1] output: BOOTSTRAP_TOKEN_SIGNING_KEY is not set" in done.stdout
    # A URL target with a local mint: the hint names the target, not a Heroku app.
    assert "BOOTSTRAP_TOKEN_SIGNING_KEY on the target" in done.stdout
    assert "heroku" not in report["failure"]["diagnosis"]["next_step"].lower()
    assert "[teardown] nothing to delete" in done.stdout


def test_database_timeout_is_step_5_with_the_timeout_diagnosis(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    # Runbook row "Step 5 heroku run timeout": here the DB check's connection hangs (a listener
    # that never answers), then the real database still gets cleaned up.
    import socket

    email = new_email()
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(8)
    try:
        with sandbox(postgres_url, redis_url) as target:
            section = smoke_section(target.server, timeouts={"http": 5, "command": 1})
            dead = f"postgresql://smoke@127.0.0.1:{hole.getsockname()[1]}/nowhere"
            done, report = target.smoke(tmp_path, email=email, section=section,
                                        env=target.env(DATABASE_URL=dead))
            assert done.returncode == 1, done.stdout
            assert report["failure"]["step"] == "5"
            assert report["failure"]["diagnosis"]["id"] == "timeout"
            assert "[teardown] FAILED" in done.stdout
            assert f"release-gate smoke cleanup --email {email}" in done.stdout
            assert target.rows(email)["credentials"] == 1  # orphaned, as the runbook says
            rules = write_rules(tmp_path / "cleanup.yaml", section)
            cleaned = run(cli("smoke", "cleanup", "--email", email, "--rules", str(rules)),
                          target.env())
            assert cleaned.returncode == 0, cleaned.stderr
            assert target.rows(email) == {"users": 0, "credentials": 0, "nonces": 1}
    finally:
        hole.close()


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGINT],
                                     [signal.SIGINT, signal.SIGTERM]],
                         ids=lambda s: "+".join(x.name for x in s))
def test_signal_after_step_4_still_tears_down(signals: list[signal.Signals], postgres_url: str,
                                              redis_url: str, tmp_path: Path) -> None:
    # GitHub Actions cancels with SIGINT, then SIGTERM: the second must not cut the teardown.
    signum = signals[0]
    email = new_email()
    with sandbox(postgres_url, redis_url) as target:
        rules = write_rules(tmp_path / "rules.yaml", smoke_section(target.server))
        report = tmp_path / "report.json"
        process = subprocess.Popen(
            cli("smoke", "--target", target.server.base_url, "--rules", str(rules),
                "--email", email, "--report", str(report)),
            env=target.env(RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP="4:60"),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            reader = LineReader(process)
            reader.until("pausing")
            # The rows exist: there is something to tear down.
            assert target.rows(email) == {"users": 1, "credentials": 1, "nonces": 1}
            for each in signals:
                process.send_signal(each)
            process.wait(timeout=30)
            out = reader.rest()
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 1, out
        assert f"interrupted by {signum.name}" in out
        assert "[teardown] OK deleted 1 credential row(s), 0 recovery code row(s), " \
               "1 user row(s)" in out
        assert "SMOKE VERDICT: FAIL" in out
        assert target.rows(email)["users"] == 0 and target.rows(email)["credentials"] == 0
    data = json.loads(report.read_text())
    assert data["interrupted"] == signum.name
    assert data["failure"]["diagnosis"]["id"] == "interrupted"
