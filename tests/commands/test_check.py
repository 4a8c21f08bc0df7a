"""`release-gate check` and `validate` end to end on real git repositories replaying PRs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from release_gate.cli import main
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
POLICY = (ROOT / "rules.yaml").read_text()

AUTH_PY = '''from fastapi import APIRouter

router = APIRouter(prefix="/api/auth")


@router.post("/register/begin")
def register_begin():
    return {}


@router.post("/register/verify")
def register_verify():
    return {}
'''


@pytest.fixture
def backend(tmp_path: Path) -> GitRepo:
    """The protected backend's repo on main, with the team's rules.yaml committed."""
    repo = GitRepo(tmp_path / "backend")
    repo.commit({
        "rules.yaml": POLICY,
        "README.md": "backend\n",
        "app.json": '{\n  "env": {\n    "SENTRY_DSN": {}\n  }\n}\n',
        "backend_v2/api/routes/auth.py": AUTH_PY,
        "backend_v2/api/services/webauthn_service.py": "def verify():\n    return True\n",
        "backend_v2/api/services/bootstrap_token_service.py": "def mint():\n    return 't'\n",
        "backend_v2/db/versions/0001_init.py": "def upgrade():\n    pass\n",
    })
    repo.branch("pr")
    return repo


def check(repo: GitRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr",
                 "--format", "json", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out)


def rules_of(report: dict) -> set[str]:
    return {f["rule"] for f in report["findings"]}


def test_readme_only_is_clear(backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.commit({"README.md": "backend\nmore words\n"})
    code, report = check(backend, capsys)
    assert (code, report["verdict"], report["findings"]) == (0, "clear", [])
    assert report["schema"] == "release-gate/verdict@1"
    assert report["head"] == backend.head() and len(report["base"]) == 40


@pytest.mark.parametrize(("path", "rule"), [
    ("backend_v2/api/routes/auth.py", "auth-routes"),
    ("backend_v2/api/services/webauthn_service.py", "webauthn-service"),
    ("backend_v2/api/services/bootstrap_token_service.py", "bootstrap-token-service"),
])
def test_each_sensitive_file_needs_smoke(backend: GitRepo, capsys: pytest.CaptureFixture[str],
                                         path: str, rule: str) -> None:
    text = (backend.root / path).read_text()
    backend.commit({path: text + "# touched\n"})
    code, report = check(backend, capsys)
    assert (code, report["verdict"]) == (3, "needs-smoke")
    assert rule in rules_of(report)
    assert report["checklist"]


@pytest.mark.parametrize(("table", "verdict", "code"), [
    ("orders", "clear", 0),
    ("webauthn_credentials", "needs-smoke", 3),
    ("bootstrap_tokens_used", "needs-smoke", 3),
])
def test_migrations_flag_only_auth_tables(backend: GitRepo, capsys: pytest.CaptureFixture[str],
                                          table: str, verdict: str, code: int) -> None:
    backend.commit({f"backend_v2/db/versions/0002_{table}.py":
                    f"def upgrade():\n    op.add_column('{table}', sa.Column('x', sa.Text()))\n"})
    got_code, report = check(backend, capsys)
    assert (got_code, report["verdict"]) == (code, verdict)


def test_origin_added_to_app_json(backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.commit({"app.json": '{\n  "env": {\n    "SENTRY_DSN": {},\n'
                                '    "WEBAUTHN_ORIGIN": {"required": true}\n  }\n}\n'})
    code, report = check(backend, capsys)
    assert (code, report["verdict"]) == (3, "needs-smoke")
    (finding,) = [f for f in report["findings"] if f["rule"] == "sensitive-config"]
    assert (finding["path"], finding["line"]) == ("app.json", 4)


def test_rename_of_auth_is_flagged_under_old_path(backend: GitRepo,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    backend.rename("backend_v2/api/routes/auth.py", "backend_v2/api/routes/signup.py")
    code, report = check(backend, capsys)
    assert code == 3
    assert any(f["rule"] == "auth-routes" and f["path"] == "backend_v2/api/routes/auth.py"
               for f in report["findings"])


def test_pr_deleting_the_auth_rule_is_still_judged_by_base_rules(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    relaxed = POLICY.replace("  - id: auth-routes\n", "  - id: auth-routes-disabled\n").replace(
        "paths: [backend_v2/api/routes/auth.py]", "paths: [nothing/matches/this]")
    assert relaxed != POLICY
    backend.commit({"rules.yaml": relaxed,
                    "backend_v2/api/routes/auth.py": AUTH_PY + "# sneaky\n"})
    code, report = check(backend, capsys)
    assert code == 3
    assert {"auth-routes", "gate-self-protection"} <= rules_of(report)


def test_no_rules_at_base_uses_embedded_policy(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "bare")
    repo.commit({"README.md": "x\n"})
    repo.branch("pr")
    repo.commit({"backend_v2/api/routes/auth.py": "x = 1\n"})
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr"])
    out = capsys.readouterr().out
    assert code == 3
    assert "embedded default policy" in out


def test_rules_flag_overrides_base(backend: GitRepo, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    strict = tmp_path / "strict.yaml"
    strict.write_text("version: 1\nrules:\n  - {id: any-readme, kind: path, description: R,"
                      " outcome: blocked, paths: [README.md]}\n")
    backend.commit({"README.md": "changed\n"})
    code, report = check(backend, capsys, "--rules", str(strict))
    assert (code, report["verdict"], rules_of(report)) == (4, "blocked", {"any-readme"})


BROKEN = "version: 1\nrules:\n  - id: a\n    kind: path\n    description: d\n    outcome: nope\n"


def test_validate_broken_file_exits_2_with_one_located_line_per_error(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(BROKEN)  # two errors: no `paths`, and a wrong outcome
    result = subprocess.run([sys.executable, "-m", "release_gate", "validate", str(bad)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"release-gate: error: {bad}:3:5: rules.0: 'paths' is a required")
    assert lines[1].startswith(f"release-gate: error: {bad}:6:14: rules.0.outcome:")
    assert len(lines) == 2
    assert "Traceback" not in result.stderr


def test_check_with_broken_rules_exits_2_without_traceback(
        backend: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    code = main(["check", "--repo", str(backend.root), "--base", "main", "--head", "pr",
                 "--rules", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert all(line.startswith(f"release-gate: error: {bad}:") for line in lines)
    assert [line.split(":")[3:5] for line in lines] == [["3", "5"], ["6", "14"]]


def test_check_with_broken_rules_at_base_exits_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit({"rules.yaml": BROKEN})
    repo.branch("pr")
    repo.commit({"README.md": "x\n"})
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr"])
    err = capsys.readouterr().err
    assert code == 2
    assert "rules.yaml@" in err and ":6:14:" in err


@pytest.mark.parametrize("flag", ["--base", "--head"])
def test_bad_revision_is_a_usage_error_not_a_pass(backend: GitRepo, flag: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # docs/cli.md: a bad command line exits 2 (it exited 1, as if the gate itself had failed).
    code = main(["check", "--repo", str(backend.root), flag, "no-such-branch"])
    assert code == 2
    assert "unknown revision 'no-such-branch'" in capsys.readouterr().err


def test_text_and_markdown_formats(backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.commit({"backend_v2/api/routes/auth.py": AUTH_PY + "# x\n"})
    base = ["check", "--repo", str(backend.root), "--base", "main", "--head", "pr"]
    assert main([*base, "--format", "text"]) == 3
    text = capsys.readouterr().out
    assert "NEEDS SMOKE" in text and "backend_v2/api/routes/auth.py" in text and "[ ]" in text
    assert main([*base, "--format", "markdown"]) == 3
    md = capsys.readouterr().out
    assert "needs-smoke" in md and "- [ ]" in md
    # The rule links to its documentation; neither narrow column can wrap mid-word, and no
    # placeholder of the PR number is left (check knows no PR).
    assert "| [auth\u2011routes](docs/rules.md#auth-routes) |" in md
    assert "| 🟡&nbsp;needs\u2011smoke |" in md
    assert "<PR>" not in md and "pr=<" not in md
    assert "`gh workflow run smoke.yml -f pr=` followed by the PR's number" in md


def test_console_script_on_this_repository() -> None:
    """The README's quick check: works on a clone with no network and no credentials."""
    result = subprocess.run([sys.executable, "-m", "release_gate", "check", "--repo", str(ROOT),
                             "--base", "HEAD~1", "--format", "json"],
                            capture_output=True, text=True, check=False)
    assert result.returncode in (0, 3, 4), result.stderr
    assert json.loads(result.stdout)["schema"] == "release-gate/verdict@1"


def test_help_lists_commands_without_importing_them() -> None:
    code = ("import sys; from release_gate.cli import build_parser; "
            "build_parser(['check']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('github', 'httpx', 'fastapi', 'heroku3', 'uvicorn', 'requests')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    listing = subprocess.run([sys.executable, "-m", "release_gate", "--help"],
                             capture_output=True, text=True, check=True).stdout
    for name in ("check", "validate", "pr", "smoke", "sandbox"):
        assert f"    {name}" in listing


def test_unknown_command_exits_2_in_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "release_gate", "frobnicate"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("release-gate: error: argument COMMAND: invalid choice")


def test_format_choices_are_values(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "yaml"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'yaml' (choose from 'text', 'json', 'markdown')" in err
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "{text,json,markdown}" in capsys.readouterr().out


def test_same_commit_with_uncommitted_work_is_not_clear(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    (backend.root / "backend_v2/api/routes/auth.py").write_text("# edited, not committed\n")
    code = main(["check", "--repo", str(backend.root), "--base", "main", "--head", "main"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "base and head are the same commit (" in captured.err
    assert "has uncommitted changes, which check does not judge: commit them" in captured.err


def test_same_commit_with_a_clean_tree_says_there_was_nothing_to_judge(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--repo", str(backend.root), "--base", "main", "--head", "main"])
    out = capsys.readouterr().out
    assert code == 0
    assert "note: base and head are the same commit (" in out
    assert "): no change to judge" in out


def test_checklist_merges_items_that_differ_only_by_citation(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # process-model-files and process-local-state both ask for shared state in Redis/Postgres,
    # citing the RCA differently: one item, both citations.
    backend.checkout("pr")
    backend.commit({"Procfile": "web: gunicorn --preload app:app\n",
                    "backend_v2/api/services/cache.py":
                        "_cache = {}\n\n\ndef put(key, value):\n    _cache[key] = value\n"})
    code, report = check(backend, capsys)
    shared = [item for item in report["checklist"] if item.startswith("Shared state lives")]
    assert code == 4 and len(shared) == 1, report["checklist"]
    assert shared[0].endswith("(RCA 2026-05-25, factor 1; action item 3)")


@pytest.mark.parametrize(("items", "expected"), [
    (["Do X (runbook)", "Do X (RCA, factor 1)"], ["Do X (runbook; RCA, factor 1)"]),
    (["Do X (a; b)", "Do X (b)", "Do X"], ["Do X (a; b)"]),
    (["Run (`gh workflow run a`)", "Run (`gh workflow run b`)"],
     ["Run (`gh workflow run a`)", "Run (`gh workflow run b`)"]),
    (["Do X (a)", "Do Y (a)"], ["Do X (a)", "Do Y (a)"]),
])
def test_merge_item(items: list[str], expected: list[str]) -> None:
    from release_gate.core.engine import merge_item

    checklist: list[str] = []
    for item in items:
        merge_item(checklist, item)
    assert checklist == expected


def test_a_small_check_imports_no_engine_it_does_not_run(backend: GitRepo) -> None:
    """`check`'s fixed cost (bench/startup.py): a README change runs no pattern on the `regex`
    engine (literal prefilters rule it out), parses no Python, and never loads the GitHub,
    HTTP or crypto libraries; a change to a route file does load the analyser."""
    backend.commit({"README.md": "backend\nmore words\n"})
    heavy = ("regex", "release_gate.core.pyast.routes", "release_gate.core.pyast.state",
             "github", "httpx", "cryptography", "jsonschema", "traceback")
    code = ("import sys; from release_gate.cli import main; "
            f"code = main(['check', '--repo', {str(backend.root)!r}, '--base', 'main', "
            "'--head', 'pr', '--format', 'json']); "
            f"print(code, sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stderr.strip().splitlines()[-1] == "0 []"
    backend.commit({"backend_v2/api/routes/auth.py": AUTH_PY + "# x\n"})
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stderr.strip().splitlines()[-1] == (
        "3 ['release_gate.core.pyast.routes', 'release_gate.core.pyast.state']")


def test_the_process_ends_with_its_verdict_written_or_not_zero(backend: GitRepo) -> None:
    """`check` ends without the interpreter's teardown (cli.entry): its output is flushed
    first, and an output that cannot be written is never exit 0."""
    backend.commit({"README.md": "backend\nmore words\n"})
    argv = [sys.executable, "-m", "release_gate", "check", "--repo", str(backend.root),
            "--base", "main", "--head", "pr", "--format", "json"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "clear"
    with open("/dev/full", "w") as full:  # every write fails: ENOSPC
        failed = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, check=False)
    assert failed.returncode not in (0, 3)
    reader = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the reader leaves before the verdict is written
    reader.stderr.read()
    assert reader.wait() in (0, 141)  # quiet, as with `| head`: the pipe's end is not an error
