"""`release-gate smoke --target prod` end to end against the fake Heroku and the sandbox.

The shipped rules.yaml and the runbook's environment only: dyno mode PASSes on at most two
one-off dynos, direct mode on none; each way a dyno can fail is diagnosed; the RCA's log
evidence is required; a SIGTERM during step 5 still tears the rows down; without
RAXX_SMOKE_ALLOW_PROD=1 nothing reaches any fake.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.heroku._prod import APP, heroku_prod
from tests.smoke._harness import REPO, SIGNING_KEY, LineReader, cli, new_email

pytestmark = pytest.mark.slow  # the prod smoke against the fake Heroku over TLS


def test_dyno_mode_passes_on_two_dynos_with_the_shipped_rules(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, redis_url) as prod:
        done, report = prod.smoke(tmp_path, email=email)
        out = done.stdout
        assert done.returncode == 0, out + done.stderr
        assert prod.fake.dyno_creations() == 2
        assert prod.rows(email) == {"users": 0, "credentials": 0, "nonces": 1}
    assert f"Heroku app: {APP} (dyno mode" in out
    assert f"[step 1] minting bootstrap token for '{email}' via {APP}..." in out
    assert re.search(r"\[step 1\] OK token=eyJ2IjoxLCJlbWFp\.\.\.\S{8}\n", out)
    assert f"[step 5] confirming DB persistence via heroku run ({APP})..." in out
    assert re.search(r"\[step 4\] log evidence: `webauthn.challenge_stored store=redis` \+ "
                     r"`webauthn.challenge_popped store=redis` \(user_id=\d+\)", out)
    assert "[teardown] OK deleted 1 credential row(s), 0 recovery code row(s), 1 user row(s)" \
        in out
    assert "SMOKE VERDICT: PASS" in out
    assert re.search(r"\[heroku\] dyno mode: 2 one-off dynos used \(step 1: run\.\d+; "
                     r"step 5 \+ teardown: run\.\d+\)", out)
    assert report["verdict"] == "PASS"
    # The dynos ran the runbook's snippets, with the CLI's exit-status marker appended.
    commands = [dyno.command for dyno in prod.fake.dynos]
    assert all("sys.path.insert(0, " in c and "/app" in c for c in commands)
    assert "from backend_v2.db.engine import get_engine" in commands[1]
    assert all(c.endswith(' ; echo "\uffff heroku-command-exit-status: $?"') for c in commands)
    assert SIGNING_KEY not in out


def test_direct_mode_uses_no_dyno(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    rules = {"heroku": {"mode": "direct"}, "mint": {"backend": "command"}}
    with heroku_prod(postgres_url, redis_url) as prod:
        done, _ = prod.smoke(tmp_path, email=email, rules=rules,
                             env=prod.env(BOOTSTRAP_TOKEN_SIGNING_KEY=SIGNING_KEY))
        out = done.stdout
        assert done.returncode == 0, out + done.stderr
        assert prod.fake.dyno_creations() == 0
        assert prod.fake.calls[("GET", "/apps/{app}/config-vars")] == 1
        assert prod.rows(email)["users"] == 0
    assert f"Heroku app: {APP} (direct mode" in out
    assert "[step 5] confirming DB persistence via SQL from this runner " \
           f"({APP}'s DATABASE_URL, sslmode=require)..." in out
    assert "[heroku] direct mode: no one-off dyno used" in out
    assert "postgres@" not in out.replace("postgresql", "")


def test_without_allow_prod_nothing_reaches_any_fake(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        env = prod.env()
        del env["RAXX_SMOKE_ALLOW_PROD"]
        done, _ = prod.smoke(tmp_path, email=new_email(), env=env)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "RAXX_SMOKE_ALLOW_PROD=1 is required" in done.stderr
        assert prod.fake.total_requests() == 0
        assert prod.api_requests() == 0
        cleanup = subprocess.run(cli("smoke", "cleanup", "--email", new_email()), env=env,
                                 cwd=REPO, capture_output=True, text=True, timeout=60,
                                 check=False)
        assert cleanup.returncode == 2, cleanup.stderr
        assert prod.fake.total_requests() == 0


def test_a_hung_step_5_dyno_is_retried_once_then_diagnosed_and_torn_down(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.behaviours = ["normal", "hang", "hang"]
        done, report = prod.smoke(tmp_path, email=email, rules={"heroku": {"boot_timeout": 1}})
        out = done.stdout
        assert done.returncode == 1, out + done.stderr
        assert prod.rows(email)["users"] == 0  # the teardown's own dyno deleted them
        assert prod.fake.dyno_creations() == 4
    assert "did not come up within 1 s" in out and "trying once more on a new dyno" in out
    assert report["failure"]["step"] == "5"
    assert report["failure"]["diagnosis"]["id"] == "timeout"
    assert "Dyno boot under load" in report["failure"]["diagnosis"]["likely_cause"]
    assert re.search(r"\[heroku\] dyno mode: 4 one-off dynos used \(step 1: run\.\d+; "
                     r"step 5 \+ teardown: run\.\d+, run\.\d+; teardown: run\.\d+\)", out)


def test_a_dropped_step_5_connection_is_diagnosed_and_the_rows_still_go(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.behaviours = ["normal", "drop"]
        done, report = prod.smoke(tmp_path, email=email)
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.rows(email)["users"] == 0
        assert prod.fake.dyno_creations() == 3  # never re-run blindly: the teardown's own dyno
    assert report["failure"]["step"] == "5"
    assert report["failure"]["diagnosis"]["id"] == "dyno-failed"
    assert "rendezvous connection dropped mid-output" in report["failure"]["message"]


def test_a_sigterm_during_step_5_still_tears_the_rows_down(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.behaviours = ["normal", "slow:5"]
        process = subprocess.Popen(
            cli("smoke", "--target", "prod", "--email", email), env=prod.env(), cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL)
        reader = LineReader(process)
        try:
            reader.until("[step 5] confirming DB persistence", timeout=60)
            assert prod.rows(email)["users"] == 1  # written, not yet torn down
            process.send_signal(signal.SIGTERM)
            out = reader.rest(timeout=60)
            assert process.wait(timeout=60) == 1
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert prod.rows(email) == {"users": 0, "credentials": 0, "nonces": 1}
        assert prod.fake.dyno_creations() == 3  # mint, the interrupted check, the teardown
    assert "interrupted by SIGTERM" in out
    assert re.search(r"\[teardown\] OK deleted 1 credential row\(s\), 0 recovery code row\(s\), "
                     r"1 user row\(s\)", out)


def test_mint_failure_on_the_dyno_is_the_runbooks_step_1_row(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        del prod.fake.apps[APP].config["BOOTSTRAP_TOKEN_SIGNING_KEY"]
        done, report = prod.smoke(tmp_path, email=new_email())
        assert done.returncode == 1
        assert prod.fake.dyno_creations() == 1 and prod.api_requests() == 0
    assert "[step 1] FAIL" in done.stdout and "heroku run exited 1" in done.stdout
    assert "output: RuntimeError: BOOTSTRAP_TOKEN_SIGNING_KEY is not set" in done.stdout
    assert report["failure"]["diagnosis"]["id"] == "mint-failed"


def test_bad_key_and_unknown_app_stop_before_the_target_is_touched(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        bad = prod.smoke(tmp_path, email=new_email(),
                         env=prod.env(HEROKU_API_KEY="hrku-not-the-key"))[0]
        unknown = prod.smoke(tmp_path, email=new_email(), env=prod.env(HEROKU_APP="raxx-nope"))[0]
        assert prod.api_requests() == 0 and prod.fake.dyno_creations() == 0
    assert bad.returncode == 1 and unknown.returncode == 1
    assert "401 Unauthorized" in bad.stderr and "hrku-not-the-key" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "unknown Heroku app 'raxx-nope' (404" in unknown.stderr


def _orphan(database_url: str, email: str) -> None:
    with psycopg.connect(database_url) as connection:
        row = connection.execute("INSERT INTO users (email) VALUES (%s) RETURNING id",
                                 (email,)).fetchone()
        assert row is not None
        connection.execute("INSERT INTO webauthn_credentials (user_id, credential_id, "
                           "public_key) VALUES (%s, %s, %s)", (row[0], email, b"k"))


def test_cleanup_on_a_dyno_and_direct(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        email = new_email()
        _orphan(postgres_url, email)
        dyno = subprocess.run(cli("smoke", "cleanup", "--email", email), env=prod.env(),
                              cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
        assert dyno.returncode == 0, dyno.stdout + dyno.stderr
        assert prod.rows(email)["users"] == 0 and prod.fake.dyno_creations() == 1
        assert "[cleanup] OK deleted 1 credential row(s), 0 recovery code row(s), 1 user " \
               "row(s)" in dyno.stdout
        assert "[heroku] dyno mode: 1 one-off dyno used (teardown: run." in dyno.stdout
        rules = tmp_path / "direct.yaml"
        rules.write_text("version: 1\nrules: []\nsmoke:\n  heroku: {mode: direct}\n")
        _orphan(postgres_url, email)
        direct = subprocess.run(cli("smoke", "cleanup", "--email", email, "--rules", str(rules)),
                                env=prod.env(), cwd=REPO, capture_output=True, text=True,
                                timeout=120, check=False)
        assert direct.returncode == 0, direct.stdout + direct.stderr
        assert prod.rows(email)["users"] == 0 and prod.fake.dyno_creations() == 1
        protected = subprocess.run(cli("smoke", "cleanup", "--email", "kris@moosequest.net"),
                                   env=prod.env(), cwd=REPO, capture_output=True, text=True,
                                   timeout=60, check=False)
        assert protected.returncode == 2 and "protected email" in protected.stderr
        assert prod.fake.dyno_creations() == 1


# ---- the RCA's log evidence, from the app's log session


def test_store_memory_in_the_log_fails_a_signup_that_worked(
        postgres_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, None) as prod:  # no REDIS_URL: the in-process store
        done, report = prod.smoke(tmp_path, email=email)
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.rows(email)["users"] == 0
        assert prod.fake.dyno_creations() == 2  # mint, then the teardown's own
    assert "[step 4] OK user_id=" in done.stdout  # verify itself answered 200
    failure = report["failure"]
    assert failure["step"] == "4" and failure["title"] == "log evidence"
    assert failure["diagnosis"]["id"] == "challenge-store-memory"
    assert failure["diagnosis"]["source"] == "RCA 2026-05-25"
    assert "webauthn.challenge_stored store=memory" in failure["message"]


def test_a_challenge_miss_in_the_log_is_the_rcas_diagnosis(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url, fault="challenge-store-split") as prod:
        done, report = prod.smoke(tmp_path, email=new_email())
        assert done.returncode == 1, done.stdout + done.stderr
    diagnosis = report["failure"]["diagnosis"]
    assert report["failure"]["step"] == "4" and diagnosis["id"] == "challenge-miss"
    assert "the target logged `webauthn.challenge_miss`" in diagnosis["symptom"]
    assert "app[web.1]:" in done.stdout and "[server log]" in done.stdout


def test_no_info_lines_warn_by_default_and_fail_with_the_switch(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.apps[APP].drop_levels = {"INFO"}  # the RCA's swallowed INFO lines
        warned, _ = prod.smoke(tmp_path, email=new_email(),
                               rules={"heroku": {"logs": {"wait": 1}}})
        strict, report = prod.smoke(tmp_path, email=new_email(),
                                    rules={"heroku": {"logs": {"wait": 1,
                                                               "require_info": True}}})
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "[step 4] warning: no INFO line of the app in its log" in warned.stdout
    assert strict.returncode == 1
    assert report["failure"]["diagnosis"]["id"] == "log-no-info"
