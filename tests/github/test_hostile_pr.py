"""The PR gate judges a renamed file by its whole content, as `check` does (docs/reliability.md).

The files API reports a pure rename as `renamed` with `changes: 0` and no patch: the content
rules saw nothing of what arrived at the new path, and the PR came out clear.
"""

from __future__ import annotations

from tests.github.conftest import AUTH, DEFAULT_RULES, Gate

STAGING = '{\n  "env": {\n    "WEBAUTHN_ORIGIN": {"value": "https://staging.example"}\n  }\n}\n'
MIGRATION = "CREATE TABLE users (id serial primary key);\n"


def test_a_pure_rename_of_sensitive_config_needs_the_smoke(gate: Gate) -> None:
    base = gate.base({"config/app.staging.json": STAGING})
    head = gate.open(1, {"config/app.staging.json": None, "app.json": STAGING}, base=base)
    entry = next(f for f in gate.fake._diff_files(base, head) if f["filename"] == "app.json")
    assert (entry["status"], entry["changes"], "patch" in entry) == ("renamed", 0, False)
    assert gate.pr(1).code == 0
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"
    assert "verdict=needs-smoke" in gate.output()
    (comment,) = gate.fake.sticky_comments(1)
    assert "sensitive-config" in comment["body"] and "app.json" in comment["body"]


def test_a_renamed_users_migration_needs_the_smoke(gate: Gate) -> None:
    old, new = "backend_v2/db/migrations/0001_users.sql", "backend_v2/db/migrations/0002_users.sql"
    base = gate.base({old: MIGRATION})
    head = gate.open(2, {old: None, new: MIGRATION}, base=base)
    assert gate.pr(2).code == 0
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"
    assert "auth-migrations" in gate.fake.sticky_comments(2)[0]["body"]


def test_a_pass_is_not_kept_across_a_push_that_renames_sensitive_config(gate: Gate) -> None:
    # settings.keep_pass_when_unflagged judges the commits since the PASS through the compare
    # API, which also lists a pure rename with no lines: its content must still count.
    rules = DEFAULT_RULES.replace("keep_pass_when_unflagged: false",
                                  "keep_pass_when_unflagged: true")
    base = gate.base({"config/app.staging.json": STAGING}, rules=rules)
    head = gate.open(3, {AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n"}, base=base)
    gate.smoke_pass(3, head)
    gate.pr(3)
    renamed = gate.fake.push(3, {"config/app.staging.json": None, "app.json": STAGING})
    gate.pr(3)
    status = gate.gate_status(renamed)
    assert status is not None and status["state"] == "pending"
    assert "is not kept" in gate.fake.sticky_comments(3)[0]["body"]
