"""Secrets are masked in all output (runbook transcript: token=eyJ2IjoxLCJlbWFp...abc12345)."""

from __future__ import annotations

from release_gate.smoke.masking import Masker, mask, redact_url

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
