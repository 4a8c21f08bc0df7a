"""Real repositories an attacker or an unlucky user could hand to `check` (docs/reliability.md).

Copies and renames carry their whole content; no git configuration (repository, global, or
environment) changes what the gate reads; bad command lines and odd file names are exit 2 or a
readable report, never "internal error".
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_gate.cli import main
from release_gate.core.changes import FileStatus
from release_gate.git import GitContext
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
POLICY = (ROOT / "rules.yaml").read_text()
MIGRATION = "CREATE TABLE users (id serial primary key);\n"
STAGING = '{\n  "env": {\n    "WEBAUTHN_ORIGIN": {"value": "https://staging.example"}\n  }\n}\n'


@pytest.fixture
def backend(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "backend")
    repo.commit({
        "rules.yaml": POLICY,
        "README.md": "backend\n",
        "backend_v2/db/migrations/0001_users.sql": MIGRATION,
        "config/app.staging.json": STAGING,
        "notes.txt": "a\nb\nc\nd\ne\nf\ng\nh\n",
    })
    repo.branch("pr")
    return repo


def verdict(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[str, set[str]]:
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr",
                 "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 3, 4)
    return report["verdict"], {f"{f['rule']}@{f['path']}" for f in report["findings"]}


# --- copies and renames -------------------------------------------------------------------

def copy_in_git(repo: GitRepo, source: str, target: str) -> None:
    (repo.root / target).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / target).write_bytes((repo.root / source).read_bytes())
    repo.git("add", "--", target)


@pytest.mark.parametrize("source_edited", [True, False], ids=["copy found", "copy not found"])
def test_a_copied_migration_is_judged_by_its_content(
        backend: GitRepo, capsys: pytest.CaptureFixture[str], source_edited: bool) -> None:
    # With the source edited a little, git finds the copy (C100) and shows no lines; from an
    # unchanged source it reports an addition. Either way the new path's content is judged.
    copy_in_git(backend, "backend_v2/db/migrations/0001_users.sql",
                "backend_v2/db/migrations/0003_users_again.sql")
    edits = {"README.md": "backend v2\n"}
    if source_edited:
        edits["backend_v2/db/migrations/0001_users.sql"] = MIGRATION + "-- note\n"
    backend.commit(edits)
    result = verdict(backend, capsys)
    assert result[0] == "needs-smoke"
    assert "auth-migrations@backend_v2/db/migrations/0003_users_again.sql" in result[1]


def test_a_pure_rename_of_sensitive_config_is_judged_by_its_content(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.rename("config/app.staging.json", "app.json")
    result = verdict(backend, capsys)
    assert result[0] == "needs-smoke"
    assert "sensitive-config@app.json" in result[1]


def test_a_renamed_users_migration_is_flagged_like_a_deleted_one(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.rename("backend_v2/db/migrations/0001_users.sql",
                   "backend_v2/db/migrations/0002_users.sql")
    assert verdict(backend, capsys)[0] == "needs-smoke"
    with GitContext.from_repo(backend.root, "main", "pr") as ctx:
        (change,) = ctx.changes.files
    assert change.status is FileStatus.RENAMED
    assert [line.text for line in change.added] == [MIGRATION.rstrip("\n")]
    assert [line.text for line in change.removed] == [MIGRATION.rstrip("\n")]


def test_a_renamed_binary_file_is_unknown_content(backend: GitRepo) -> None:
    backend.commit({"config/blob.bin": b"\0WEBAUTHN_ORIGIN\0"}, "binary")
    backend.git("branch", "-f", "main", "HEAD")
    backend.rename("config/blob.bin", "config/blob2.bin")
    with GitContext.from_repo(backend.root, "main", "pr") as ctx:
        (change,) = ctx.changes.files
    assert change.status is FileStatus.RENAMED
    assert not change.content_known


# --- git configuration must not change the parse ------------------------------------------

EXTERNAL_DIFF = "#!/bin/sh\nexit 0\n"

SETTINGS = [
    ("diff.interHunkContext", "5"),
    ("diff.noprefix", "true"),
    ("diff.mnemonicPrefix", "true"),
    ("color.diff", "always"),
    ("color.ui", "always"),
    ("diff.renames", "false"),
    ("diff.renames", "copies"),
    ("core.quotePath", "true"),
    ("diff.suppressBlankEmpty", "true"),
    ("diff.algorithm", "patience"),
    ("diff.submodule", "log"),
    ("diff.orderFile", "/nonexistent/order"),
    ("core.bigFileThreshold", "1"),
    ("diff.context", "9"),
    ("diff.relative", "true"),
    ("core.attributesFile", "{attributes}"),
    ("diff.external", "{external}"),
]


def sensitive_change(repo: GitRepo) -> None:
    """Two added lines close enough for merged hunks, a rename, an odd name, a deletion."""
    repo.commit({
        "notes.txt": "a\nb\nREDIS_URL=x\nc\nd\ne\nWEBAUTHN_ORIGIN=y\nf\ng\nh\n",
        "dir with space/ü ñ.txt": "REDIS_URL=z\n",
        "README.md": None,
    })
    repo.rename("config/app.staging.json", "app.json")


def snapshot(repo: GitRepo) -> list[tuple[str, str, str | None, tuple, tuple, bool]]:
    with GitContext.from_repo(repo.root, "main", "pr") as ctx:
        return [(f.path, f.status.value, f.old_path, tuple(f.added), tuple(f.removed),
                 f.content_known) for f in ctx.changes.files]


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, str]:
    external = tmp_path / "external-diff.sh"
    external.write_text(EXTERNAL_DIFF)
    external.chmod(external.stat().st_mode | stat.S_IEXEC)
    attributes = tmp_path / "attributes"
    attributes.write_text("* -diff\n")
    return {"external": str(external), "attributes": str(attributes)}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    yield


@pytest.mark.slow  # `check` under every git setting in three scopes
@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("scope", ["repository", "global", "environment"])
@pytest.mark.parametrize(("key", "value"), SETTINGS, ids=[f"{k}={v}" for k, v in SETTINGS])
def test_no_git_setting_changes_what_the_gate_reads(
        backend: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        hostile_files: dict[str, str], scope: str, key: str, value: str) -> None:
    sensitive_change(backend)
    expected = snapshot(backend)
    value = value.format(**hostile_files)
    if scope == "repository":
        backend.git("config", key, value)
    elif scope == "global":
        home = tmp_path / "home"
        home.mkdir()
        section, name = key.split(".")
        (home / ".gitconfig").write_text(f"[{section}]\n\t{name} = {value}\n")
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    else:
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", key)
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", value)
    assert snapshot(backend) == expected


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(("variable", "value"), [
    ("GIT_DIFF_OPTS", "--unified=5"),
    ("GIT_EXTERNAL_DIFF", "{external}"),
    ("GIT_CONFIG_PARAMETERS", "'diff.interhunkcontext'='5' 'diff.noprefix'='true'"),
    ("GIT_DIR", "/nonexistent"),
])
def test_no_git_environment_variable_changes_what_the_gate_reads(
        backend: GitRepo, monkeypatch: pytest.MonkeyPatch, hostile_files: dict[str, str],
        variable: str, value: str) -> None:
    sensitive_change(backend)
    expected = snapshot(backend)
    monkeypatch.setenv(variable, value.format(**hostile_files))
    assert snapshot(backend) == expected


@pytest.mark.usefixtures("clean_env")
def test_attributes_and_textconv_drivers_do_not_hide_content(backend: GitRepo) -> None:
    sensitive_change(backend)
    expected = snapshot(backend)
    # Committed and checked out: every file binary, or shown through a driver that hides it.
    backend.commit({".gitattributes": "* -diff\n*.txt diff=hide\n*.json diff=hide\n"})
    backend.git("config", "diff.hide.textconv", "true")
    backend.git("config", "diff.hide.binary", "true")
    backend.git("config", "diff.hide.command", "true")
    got = [entry for entry in snapshot(backend) if entry[0] != ".gitattributes"]
    assert got == expected


@pytest.mark.usefixtures("clean_env")
def test_replacement_objects_do_not_swap_what_the_gate_reads(
        backend: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    backend.commit({"notes.txt": "WEBAUTHN_ORIGIN=https://evil.example\n"})
    blob = backend.git("rev-parse", "pr:notes.txt")
    (backend.root / "innocent.txt").write_text("nothing to see\n")
    replacement = backend.git("hash-object", "-w", "innocent.txt")
    backend.git("replace", blob, replacement)
    assert verdict(backend, capsys)[0] == "needs-smoke"


# --- command line and output --------------------------------------------------------------

def test_a_file_as_repo_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--repo", "/etc/hostname", "--base", "main"]) == 2
    err = capsys.readouterr().err
    assert "not a directory" in err and "internal error" not in err


def test_a_directory_that_is_no_repository_is_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["check", "--repo", str(plain)]) == 2
    err = capsys.readouterr().err
    assert f"not a git repository: {plain}" in err and "origin/HEAD" not in err


@pytest.mark.parametrize("output", ["text", "json"])
def test_non_utf8_file_names_with_a_strict_utf8_stdout(backend: GitRepo, output: str) -> None:
    name = b"config/\xff\xfe-settings.env"
    (backend.root / "config").mkdir(exist_ok=True)
    (backend.root / os.fsdecode(name)).write_bytes(b"REDIS_URL=redis://x\n")
    backend.git("add", "--", os.fsdecode(name))
    backend.git("commit", "-q", "-m", "odd name")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "release_gate", "check", "--repo", str(backend.root), "--base",
         "main", "--head", "pr", "--format", output], capture_output=True, env=env, check=False)
    assert result.returncode == 3, result.stderr
    out = result.stdout.decode("utf-8")  # valid UTF-8, whatever the file name held
    if output == "json":
        paths = {f["path"] for f in json.loads(out)["findings"]}
        assert os.fsencode(next(p for p in paths if p.startswith("config/"))) == name
    else:
        assert "config/\\xff\\xfe-settings.env" in out


def test_a_symlinked_rules_file_at_base_is_followed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "linked")
    custom = ("version: 1\nrules:\n  - id: readme\n    kind: path\n    description: d\n"
              "    outcome: blocked\n    paths: [README.md]\n")
    repo.commit({"policy/rules.yaml": custom, "README.md": "x\n"})
    os.symlink("policy/rules.yaml", repo.root / "rules.yaml")
    repo.git("add", "rules.yaml")
    repo.git("commit", "-q", "-m", "link")
    repo.branch("pr")
    repo.commit({"README.md": "y\n"})
    assert main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr",
                 "--format", "json"]) == 4
    assert json.loads(capsys.readouterr().out)["findings"][0]["rule"] == "readme"


def test_a_rules_symlink_out_of_the_repository_is_a_located_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(tmp_path / "escape")
    repo.commit({"README.md": "x\n"})
    os.symlink("../../etc/passwd", repo.root / "rules.yaml")
    repo.git("add", "rules.yaml")
    repo.git("commit", "-q", "-m", "link")
    repo.branch("pr")
    repo.commit({"README.md": "y\n"})
    assert main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr"]) == 2
    err = capsys.readouterr().err
    assert "rules.yaml is a symlink that points outside the repository" in err
