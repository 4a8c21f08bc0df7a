"""Table-driven tests of the `path` and `content` rule kinds on a fake change context (no git)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.verdict import Evaluation, Verdict
from tests.fakes.context import FakeContext

# This table covers the path and content kinds; the AST kinds have their own tables (and need
# file contents, which these fakes leave out).
_DEFAULT = config.load_default()
POLICY = dataclasses.replace(
    _DEFAULT, rules=tuple(r for r in _DEFAULT.rules if r.kind in ("path", "content")))


def change(path: str, *, added: Sequence[str] = (), removed: Sequence[str] = (),
           status: FileStatus = FileStatus.MODIFIED, old_path: str | None = None,
           known: bool = True) -> FileChange:
    return FileChange(
        path=path, status=status, old_path=old_path,
        added=tuple(Line(i + 1, t) for i, t in enumerate(added)),
        removed=tuple(Line(i + 1, t) for i, t in enumerate(removed)),
        content_known=known, unknown_reason=None if known else "binary file",
    )


def judge(*files: FileChange) -> Evaluation:
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, tuple(files)))
    return engine.evaluate(POLICY, ctx)


CASES = [
    # (id, files, expected verdict, expected rule ids)
    ("readme only", [change("README.md", added=["docs"])], Verdict.CLEAR, set()),
    ("auth routes", [change("backend_v2/api/routes/auth.py", added=["x = 1"])],
     Verdict.NEEDS_SMOKE, {"auth-routes"}),
    ("webauthn service", [change("backend_v2/api/services/webauthn_service.py", added=["y"])],
     Verdict.NEEDS_SMOKE, {"webauthn-service"}),
    ("bootstrap service",
     [change("backend_v2/api/services/bootstrap_token_service.py", removed=["z"])],
     Verdict.NEEDS_SMOKE, {"bootstrap-token-service"}),
    ("auth.py deleted",
     [change("backend_v2/api/routes/auth.py", status=FileStatus.DELETED, removed=["a"])],
     Verdict.NEEDS_SMOKE, {"auth-routes"}),
    ("auth.py renamed away",
     [change("backend_v2/api/routes/login.py", status=FileStatus.RENAMED,
             old_path="backend_v2/api/routes/auth.py")],
     Verdict.NEEDS_SMOKE, {"auth-routes"}),
    ("auth.py elsewhere is another file",
     [change("vendor/backend_v2/api/routes/auth.py", added=["x"])], Verdict.CLEAR, set()),
    ("migration on orders", [change("backend_v2/db/versions/0042_orders.py",
                                    added=["op.create_table('orders')"])], Verdict.CLEAR, set()),
    ("migration on users", [change("backend_v2/db/versions/0043.py",
                                   added=["op.add_column('users', sa.Column('x'))"])],
     Verdict.NEEDS_SMOKE, {"auth-migrations"}),
    ("migration dropping webauthn_credentials",
     [change("backend_v2/db/versions/0044.py", removed=["op.drop_table('webauthn_credentials')"])],
     Verdict.NEEDS_SMOKE, {"auth-migrations"}),
    ("migration on bootstrap_tokens_used",
     [change("backend_v2/db/versions/0045.sql", added=["ALTER TABLE bootstrap_tokens_used ADD x"])],
     Verdict.NEEDS_SMOKE, {"auth-migrations"}),
    ("users_archive is not users",
     [change("backend_v2/db/versions/0046.py", added=["op.create_table('users_archive')"])],
     Verdict.CLEAR, set()),
    ("binary migration fails closed",
     [change("backend_v2/db/seed.bin", known=False)], Verdict.NEEDS_SMOKE,
     {"auth-migrations", "sensitive-config", "process-model-flags"}),
    ("unreadable file anywhere fails closed on repo-wide content rules",
     [change("bin/tool.bin", known=False)], Verdict.NEEDS_SMOKE,
     {"sensitive-config", "process-model-flags"}),
    ("images are not config", [change("static/logo.png", known=False)], Verdict.CLEAR, set()),
    ("origin in app.json",
     [change("app.json", added=['    "WEBAUTHN_ORIGIN": {"required": true},'])],
     Verdict.NEEDS_SMOKE, {"sensitive-config"}),
    ("redis url removed from .env", [change(".env.production", removed=["REDIS_URL=redis://x"])],
     Verdict.NEEDS_SMOKE, {"sensitive-config"}),
    ("signing key in settings", [change("backend_v2/settings.py",
                                        added=["KEY = env('BOOTSTRAP_TOKEN_SIGNING_KEY')"])],
     Verdict.NEEDS_SMOKE, {"sensitive-config"}),
    ("rp id in workflow env", [change(".github/workflows/deploy.yml",
                                      added=["      WEBAUTHN_RP_ID: raxx.app"])],
     # Every workflow is a file the gate depends on (it could post the gate's statuses).
     Verdict.NEEDS_SMOKE, {"sensitive-config", "gate-self-protection"}),
    ("other env var", [change("app.json", added=['"SENTRY_DSN": {}'])], Verdict.CLEAR, set()),
    ("Procfile", [change("Procfile", added=["web: gunicorn app:app"])],
     Verdict.NEEDS_SMOKE, {"process-model-files"}),
    ("gunicorn config", [change("gunicorn.conf.py", added=["timeout = 30"])],
     Verdict.NEEDS_SMOKE, {"process-model-files"}),
    ("--preload in a script", [change("bin/start.sh", added=["exec gunicorn --preload app:app"])],
     Verdict.NEEDS_SMOKE, {"process-model-flags"}),
    ("WEB_CONCURRENCY in app.json", [change("app.json", added=['"WEB_CONCURRENCY": "2"'])],
     Verdict.NEEDS_SMOKE, {"process-model-flags"}),
    ("rules.yaml edited", [change("rules.yaml", removed=["  - id: auth-routes"])],
     Verdict.NEEDS_SMOKE, {"gate-self-protection"}),
    ("smoke workflow edited", [change(".github/workflows/smoke.yml", added=["on: push"])],
     Verdict.NEEDS_SMOKE, {"gate-self-protection"}),
]


@pytest.mark.parametrize(("files", "verdict", "rules"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_policy_table(files: list[FileChange], verdict: Verdict, rules: set[str]) -> None:
    evaluation = judge(*files)
    assert evaluation.verdict is verdict
    assert {f.rule for f in evaluation.findings} == rules


def test_rename_is_flagged_under_old_path() -> None:
    evaluation = judge(change("backend_v2/api/routes/login.py", status=FileStatus.RENAMED,
                              old_path="backend_v2/api/routes/auth.py"))
    assert [f.path for f in evaluation.findings] == ["backend_v2/api/routes/auth.py"]
    assert "renamed backend_v2/api/routes/auth.py -> backend_v2/api/routes/login.py" in (
        evaluation.findings[0].message)


def test_content_finding_points_at_first_added_line_and_counts_the_rest() -> None:
    f = change("app.json", added=["{", '"WEBAUTHN_ORIGIN": 1,', '"REDIS_URL": 2'])
    (finding,) = judge(f).findings
    assert (finding.path, finding.line) == ("app.json", 2)
    assert "`WEBAUTHN_ORIGIN`" in finding.message and "1 more changed line" in finding.message


def test_removed_line_has_no_head_line_number() -> None:
    (finding,) = judge(change(".env", removed=["REDIS_URL=x"])).findings
    assert finding.line is None
    assert "removed line 1" in finding.message


def test_unreadable_content_says_it_failed_closed() -> None:
    findings = judge(change("backend_v2/db/dump.bin", known=False)).findings
    (finding,) = [f for f in findings if f.rule == "auth-migrations"]
    assert "could not be read (binary file)" in finding.message
    assert "fail closed" in finding.message


def test_findings_sorted_and_checklist_merged_without_duplicates() -> None:
    evaluation = judge(
        change("backend_v2/api/services/webauthn_service.py", added=["a"]),
        change("backend_v2/api/routes/auth.py", added=["b"]),
        change("app.json", added=['"REDIS_URL": 1']),
    )
    keys = [(f.path, f.line or 0, f.rule) for f in evaluation.findings]
    assert keys == sorted(keys)
    assert len(evaluation.checklist) == len(set(evaluation.checklist))
    assert any("heroku config" in item for item in evaluation.checklist)


def test_path_rule_exclude_and_content_rule_scope() -> None:
    policy = config.load_text(
        "version: 1\nrules:\n"
        "  - {id: p, kind: path, description: P, outcome: needs-smoke,"
        " paths: ['src/**'], exclude: ['src/tests/**']}\n"
        "  - {id: c, kind: content, description: C, outcome: blocked,"
        " patterns: ['SECRET'], paths: ['conf/*']}\n",
        "inline.yaml",
    )
    cases = {
        "src/a.py": {"p"}, "src/tests/t.py": set(), "conf/x": {"c"}, "other/x": set(),
    }
    for path, expected in cases.items():
        ctx = FakeContext(ChangeSet("b", "h", (change(path, added=["SECRET"]),)))
        assert {f.rule for f in engine.evaluate(policy, ctx).findings} == expected, path
