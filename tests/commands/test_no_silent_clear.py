"""No silent CLEAR (core/reach.py): `check` and `validate --repo` on real git repositories laid
out as the embedded default does not expect (flat `app/...`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.cli import main
from tests.gitrepo import GitRepo

FLAT = {
    "README.md": "api\n",
    "app/auth.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
    "app/services/webauthn_service.py": "def verify():\n    return True\n",
    "migrations/0001_users.sql": "create table users (id int);\n",
}
ONE_RULE = ("version: 1\nrules:\n  - {id: auth-routes, kind: path, description: Auth routes, "
            "outcome: needs-smoke, paths: [backend_v2/api/routes/auth.py]}\n")
UNFIT = ("rule auth-routes matches no file in this repository: the gate cannot flag these "
         "changes (release-gate init fits the rules)")


@pytest.fixture
def flat(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "flat")
    repo.commit(FLAT)
    repo.branch("pr")
    return repo


@pytest.mark.parametrize("change", [
    {"app/auth.py": FLAT["app/auth.py"] + "# edit\n"},
    {"migrations/0002_users.sql": "alter table users add column x int;\n"},
    {"README.md": "docs only\n"},
])
def test_embedded_default_that_fits_nothing_is_exit_2_never_clear(
        flat: GitRepo, change: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    flat.commit(change)
    code = main(["check", "--repo", str(flat.root), "--base", "main", "--head", "pr"])
    captured = capsys.readouterr()
    assert code == 2, captured.out
    assert "CLEAR" not in captured.out
    (line,) = captured.err.strip().splitlines()
    assert "the embedded default policy does not fit this repository" in line
    assert "auth-routes" in line and "release-gate init" in line


def test_base_rules_that_cannot_fire_are_a_note_of_check(
        flat: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    flat.git("checkout", "-q", "main")
    flat.commit({"rules.yaml": ONE_RULE})
    flat.git("checkout", "-q", "pr")
    flat.git("merge", "-q", "main")
    flat.commit({"app/auth.py": FLAT["app/auth.py"] + "# edit\n"})
    code = main(["check", "--repo", str(flat.root), "--base", "main", "--head", "pr"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"note: {UNFIT}" in out


def test_validate_repo_reports_each_rule_that_cannot_fire(
        flat: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ONE_RULE)
    code = main(["validate", "--repo", str(flat.root), str(rules)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == f"{rules}: {UNFIT}"


def test_validate_repo_is_ok_when_every_rule_can_fire(
        flat: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ONE_RULE.replace("backend_v2/api/routes/auth.py", "app/auth.py"))
    assert main(["validate", "--repo", str(flat.root), str(rules)]) == 0
    assert "ok (1 rules)" in capsys.readouterr().out


def test_validate_reports_every_error_of_a_file_each_located(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: 1\nrules:\n"
                   "  - {id: a, kind: path, description: d, outcome: nope, paths: [x]}\n"
                   "  - {id: b, kind: path, description: d, outcome: blocked, paths: [x],"
                   " pahts: [y]}\n"
                   "  - {id: a, kind: path, description: d, outcome: blocked, paths: [x]}\n")
    assert main(["validate", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": ")[2].split(":")[1:3] for line in lines] == [
        ["3", "50"], ["4", "71"], ["5", "10"]]
    assert "rules.0.outcome" in lines[0] and "'pahts'" in lines[1] and "duplicate" in lines[2]
