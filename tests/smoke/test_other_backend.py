"""The smoke against a second, independent backend with other shapes (tests/otherbackend/),
configured with the example config of docs/configure-smoke.md as written there.

Real parts: the backend under uvicorn, real PostgreSQL; the smoke as a subprocess. Its failure
modes must be diagnosed with the names configured for it, never the runbook team's.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml

from tests.servers import ServerProcess, run_uvicorn_app
from tests.smoke._harness import (
    REPO,
    base_env,
    cli,
    new_email,
    run,
    sandbox,
    smoke_section,
    write_rules,
)

pytestmark = pytest.mark.slow  # the smoke end to end against another backend

SECRET = "acme-invite-secret-for-tests"
ORIGIN = "https://app.acme.test"
# What must never appear when the smoke runs against another team's backend.
RUNBOOK_NAMES = ("RAXX", "BOOTSTRAP", "FLAG_WEBAUTHN", "webauthn_credentials", "users row",
                 "bootstrap_tokens_used", "raxx-api-prod", "WEBAUTHN_ORIGIN")


def example_config() -> dict[str, Any]:
    """The YAML block after the `example-config` marker of docs/configure-smoke.md."""
    text = (REPO / "docs" / "configure-smoke.md").read_text("utf-8")
    found = re.search(r"<!-- example-config.*?-->\n```yaml\n(.*?)```", text, re.DOTALL)
    assert found, "docs/configure-smoke.md lost its example-config block"
    config = yaml.safe_load(found.group(1))
    assert set(config) == {"smoke"}  # a file with only `smoke:` is what the guide promises
    return dict(config)


@contextmanager
def acme(postgres_url: str, **env: str) -> Iterator[ServerProcess]:
    with run_uvicorn_app("tests.otherbackend.app:create_app", {
            "ACME_DATABASE_URL": postgres_url, "INVITE_SIGNING_SECRET": SECRET,
            "ACME_ORIGIN": ORIGIN, "ACME_RP_ID": "acme.test", **env},
            health_path=None) as server:  # it has no health endpoint
        yield server


def smoke(server: ServerProcess, postgres_url: str, tmp: Path, *, secret: str = SECRET
          ) -> tuple[str, dict[str, Any], str]:
    rules = tmp / "acme-smoke.yaml"
    rules.write_text(yaml.safe_dump(example_config()), "utf-8")
    report = tmp / "report.json"
    email = f"smoke+{uuid.uuid4().hex[:12]}@acme.test"
    done = run(cli("smoke", "--target", server.base_url, "--rules", str(rules), "--email",
                   email, "--report", str(report)),
               base_env(ACME_SMOKE_ALLOW="1", ACME_DATABASE_URL=postgres_url,
                        INVITE_SIGNING_SECRET=secret))
    assert done.stderr == "", done.stderr
    assert done.returncode in (0, 1), done.stdout
    return done.stdout, json.loads(report.read_text("utf-8")), email


def rows(postgres_url: str, email: str) -> dict[str, int]:
    with psycopg.connect(postgres_url) as connection:
        def count(sql: str) -> int:
            row = connection.execute(sql, (email,)).fetchone()
            assert row is not None
            return int(row[0])
        return {
            "accounts": count("SELECT count(*) FROM accounts WHERE email_address = %s"),
            "passkeys": count("SELECT count(*) FROM passkeys JOIN accounts ON account_id = "
                              "owner_account WHERE email_address = %s"),
            "invites": count("SELECT count(*) FROM invites_redeemed WHERE redeemed_for = %s"),
        }


def assert_no_runbook_names(out: str) -> None:
    for name in RUNBOOK_NAMES:
        assert name not in out, (name, out)


def test_example_config_passes_end_to_end(postgres_url: str, tmp_path: Path) -> None:
    with acme(postgres_url) as server:
        out, report, email = smoke(server, postgres_url, tmp_path)
        assert report["verdict"] == "PASS", out
        # Step 5 saw the rows; the teardown deleted them (the redeemed invite stays).
        assert rows(postgres_url, email) == {"accounts": 0, "passkeys": 0, "invites": 1}
    assert out.splitlines()[1].startswith("ACME SIGNUP SMOKE — ")
    assert f"Origin: {ORIGIN}" in out
    assert "Mint: local command (python -m tests.otherbackend.mint)" in out
    assert "[health] skipped: smoke.endpoints.health is null" in out
    assert "[step 4] OK account.id=" in out and "result=created" in out
    assert "[step 5] token nonce recorded as used in invites_redeemed" in out
    assert re.search(r"\[step 5\] OK user\.id=\d+ email=\S+@acme\.test cred_count=1", out)
    assert "[teardown] OK deleted 1 passkey row(s), 0 challenge row(s), 1 account row(s)" in out
    assert report["ids"]["nonce_recorded"] is True and report["ids"]["cred_count"] == 1
    assert_no_runbook_names(out)


# failure -> (backend env, the smoke's signing secret, step, diagnosis, texts it must name)
FAILURES = {
    "wrong key": ({}, "another-secret", "2", "wrong-signing-key",
                  ("Step 2 returns 401 invite rejected", "wrong INVITE_SIGNING_SECRET")),
    "origin mismatch": ({"ACME_ORIGIN": "https://login.acme.test"}, SECRET, "4",
                        "origin-mismatch", (f"({ORIGIN})", "(https://login.acme.test)",
                                            "ACME_ORIGIN on the target")),
    "no row": ({"ACME_FAULT": "skip-passkey-insert"}, SECRET, "5", "no-credential-row",
               ("cred_count=0 in passkeys", "check Acme.add_passkey")),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failure_modes_name_the_configured_names(failure: str, postgres_url: str,
                                                 tmp_path: Path) -> None:
    backend_env, secret, step, diagnosis_id, texts = FAILURES[failure]
    with acme(postgres_url, **backend_env) as server:
        out, report, email = smoke(server, postgres_url, tmp_path, secret=secret)
        assert rows(postgres_url, email)["accounts"] == 0  # teardown ran on FAIL
    assert report["verdict"] == "FAIL", out
    assert (report["failure"]["step"], report["failure"]["diagnosis"]["id"]) == \
        (step, diagnosis_id), out
    for text in texts:
        assert text in out, (text, out)
    assert_no_runbook_names(out)


def test_sandbox_with_a_wrong_origin_is_an_origin_mismatch(postgres_url: str, redis_url: str,
                                                           tmp_path: Path) -> None:
    # The sandbox answers only "passkey verification failed", fast: before the origin row this
    # read as a challenge miss (latency) or a CBOR regression (log). Its log says why.
    with sandbox(postgres_url, redis_url) as target:
        expected = f"http://localhost:{target.server.port}"
        # Another port: an origin a browser accepts with rp.id localhost, that the backend
        # does not expect (a host the RP id does not cover fails earlier, at step 3).
        section = smoke_section(target.server, origin="http://localhost:1")
        done, report = target.smoke(tmp_path, email=new_email(), section=section)
    diagnosis = report["failure"]["diagnosis"]
    assert diagnosis["id"] == "origin-mismatch", done.stdout
    assert "(http://localhost:1)" in diagnosis["likely_cause"]
    assert f"({expected})" in diagnosis["likely_cause"]
    assert f"Set smoke.origin to the backend's origin {expected}" in diagnosis["next_step"]
    assert "challenge" not in diagnosis["likely_cause"].split(":")[0]


def test_without_the_server_log_a_wrong_origin_is_not_guessed(postgres_url: str, redis_url: str,
                                                              tmp_path: Path) -> None:
    # The same wrong origin with no log at hand: the candidates and the deciding evidence, never
    # a challenge miss or a CBOR regression picked by latency.
    with sandbox(postgres_url, redis_url) as target:
        section = smoke_section(target.server, origin="http://localhost:1")
        rules = write_rules(tmp_path / "rules.yaml", section)
        for attempt in range(3):
            report = tmp_path / f"report{attempt}.json"
            done = run(cli("smoke", "--target", target.server.base_url, "--rules", str(rules),
                           "--email", new_email(), "--report", str(report)), target.env())
            assert done.returncode == 1, done.stdout + done.stderr
            diagnosis = json.loads(report.read_text("utf-8"))["failure"]["diagnosis"]
            assert diagnosis["id"] == "verify-undecided", done.stdout
            assert "origin or RP id" in diagnosis["likely_cause"]
            assert "--server-log" in diagnosis["next_step"]


def test_other_backend_imports_nothing_from_release_gate() -> None:
    # A second backend, not the sandbox with a flag: nothing from release_gate (the tester).
    imported = set()
    for path in (REPO / "tests" / "otherbackend").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    assert {"webauthn", "starlette.applications", "psycopg"} <= imported
    assert not [name for name in imported if name.split(".")[0] == "release_gate"]


def test_a_health_path_that_answers_404_is_one_line_and_the_smoke_goes_on(
        postgres_url: str, tmp_path: Path) -> None:
    # A newcomer keeps the default health path against a backend that has none: the smoke says
    # so in one line, with the key to set, and runs without a latency baseline.
    with acme(postgres_url) as server:
        config = example_config()
        config["smoke"].setdefault("endpoints", {})["health"] = "/healthz"
        rules = tmp_path / "with-health.yaml"
        rules.write_text(yaml.safe_dump(config), "utf-8")
        done = run(cli("smoke", "--target", server.base_url, "--rules", str(rules), "--email",
                       f"smoke+{uuid.uuid4().hex[:12]}@acme.test"),
                   base_env(ACME_SMOKE_ALLOW="1", ACME_DATABASE_URL=postgres_url,
                            INVITE_SIGNING_SECRET=SECRET))
    health = [line for line in done.stdout.splitlines() if line.startswith("[health]")]
    assert health == ["[health] GET /healthz answered 404: no latency baseline; set "
                      "smoke.endpoints.health to the backend's health path, or null if it has "
                      "none"], done.stdout
    assert done.returncode == 0 and "SMOKE VERDICT: PASS" in done.stdout, done.stdout
