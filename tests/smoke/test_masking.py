"""Secrets are masked in all output (runbook transcript: token=eyJ2IjoxLCJlbWFp...abc12345)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from release_gate.smoke.masking import Masker, mask, redact_url, url_secrets
from tests.smoke._harness import cli, new_email, run, sandbox, smoke_section, write_rules

TOKEN = "eyJ2IjoxLCJlbWFpbCI6InNtb2tlLXRlc3RAbW9vc2VxdWVzdC5uZXQifQ.sig-abc12345"


def test_mask_shape_is_the_runbooks() -> None:
    assert mask(TOKEN) == "eyJ2IjoxLCJlbWFp...abc12345"
    assert mask("short-secret") == "********"


def test_redact_replaces_every_occurrence() -> None:
    masker = Masker()
    masker.add(TOKEN)
    masker.add("hunter2-password", partial=False)
    text = f"token={TOKEN} body={{'t': '{TOKEN}'}} url=postgresql://u:hunter2-password@h/db"
    assert masker.redact(text) == ("token=eyJ2IjoxLCJlbWFp...abc12345 body={'t': "
                                   "'eyJ2IjoxLCJlbWFp...abc12345'} url=postgresql://u:********@h/db")


def test_add_mask_under_github_actions_only() -> None:
    emitted: list[str] = []
    Masker(github_actions=False, emit=emitted.append).add(TOKEN)
    assert emitted == []
    masker = Masker.from_env({"GITHUB_ACTIONS": "true"}, emitted.append)
    masker.add(TOKEN)
    masker.add(TOKEN)  # once per secret
    assert emitted == [f"::add-mask::{TOKEN}"]


def test_database_urls_lose_their_password() -> None:
    assert redact_url("postgresql://smoke:s3cret@db.example:5432/app") == \
        "postgresql://smoke:***@db.example:5432/app"
    assert redact_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_urls_lose_secret_query_parameters_and_unparseable_ones_their_userinfo() -> None:
    assert redact_url("postgresql://u:pw@db/app?sslmode=require&password=x&sslpassword=y") == \
        "postgresql://u:***@db/app?sslmode=require&password=***&sslpassword=***"
    assert redact_url("https://api.example/?api_key=k&token=t&page=2") == \
        "https://api.example/?api_key=***&token=***&page=2"
    assert redact_url("http://user:hunter2@[::1") == "http://***@[::1"
    assert url_secrets("postgresql://u:pw-secret@db/app?password=q-secret&sslmode=require") == \
        ["pw-secret", "q-secret"]


@pytest.mark.slow  # the smoke end to end against a real server
def test_url_secrets_never_reach_transcript_report_or_stderr_and_are_registered_under_actions(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    # A password in the target URL's userinfo and a ?password= parameter of DATABASE_URL.
    target_secret, db_secret = "target-pass-4242", "db-query-secret-77"
    with sandbox(postgres_url, redis_url) as target:
        url = target.server.base_url.replace("http://", f"http://smoke:{target_secret}@")
        database_url = f"{postgres_url}?sslmode=disable&password={db_secret}"
        rules = write_rules(tmp_path / "rules.yaml", smoke_section(target.server))
        report = tmp_path / "report.json"
        done = run(cli("smoke", "--target", url, "--rules", str(rules), "--email", new_email(),
                       "--report", str(report)),
                   target.env(DATABASE_URL=database_url, GITHUB_ACTIONS="true"))
    assert done.returncode == 0, done.stdout + done.stderr
    registered = re.findall(r"^::add-mask::(.+)$", done.stdout, re.MULTILINE)
    assert target_secret in registered and db_secret in registered
    text = report.read_text("utf-8")
    for secret in (target_secret, db_secret):
        assert done.stdout.count(secret) == 1  # its own ::add-mask:: line only
        assert secret not in text and secret not in done.stderr
    assert re.search(r"^API: http://smoke:\*\*\*@127\.0\.0\.1:\d+$", done.stdout, re.MULTILINE)
    assert "?sslmode=disable&password=***)..." in done.stdout  # step 5's database line
    assert json.loads(text)["api_url"].startswith("http://smoke:***@127.0.0.1:")
