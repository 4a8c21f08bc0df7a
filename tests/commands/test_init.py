"""`release-gate init` fits rules.yaml to the repository: on three layouts and on the two test
backends of this repository, every sensitive change is flagged after init, as on backend_v2 with
the shipped rules (the auth file edit, a begin route without its twin, a migration on an auth
table, a module-level challenge store, a config variable change). Real git repositories, the
real `check`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from release_gate.cli import main
from release_gate.core import config
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]

ROUTES = '''from fastapi import APIRouter

router = APIRouter(prefix="/api/auth")


@router.post("/register/begin-with-token")
def begin():
    return {}


@router.post("/register/verify-with-token")
def verify():
    return {}
'''
WEBAUTHN = "from webauthn import verify_registration_response\n\n\ndef verify():\n    return 1\n"
TOKENS = "import hmac\n\n\ndef mint(key, email):\n    return hmac.new(key, email, 'sha256')\n"
ORPHAN = ('\n\n@router.post("/recover/begin")\ndef recover_begin():\n    return {}\n')
STORE = ("_challenge_store = {}\n\n\ndef remember(user_id, challenge):\n"
         "    _challenge_store[user_id] = challenge\n")


@dataclass(frozen=True)
class Layout:
    """A repository layout, and where each sensitive change goes in it."""

    name: str
    files: dict[str, str]
    route_file: str       # the auth route module (edited; gets an orphan begin route)
    migration: tuple[str, str]  # a new migration (or schema edit) on an auth table
    state_module: str     # where a module-level challenge store is added
    config_change: tuple[str, str]  # a file mentioning a signing / RP / origin / Redis variable


LAYOUTS = [
    Layout("backend_v2", {
        "backend_v2/api/routes/auth.py": ROUTES,
        "backend_v2/api/services/webauthn_service.py": WEBAUTHN,
        "backend_v2/api/services/bootstrap_token_service.py": TOKENS,
        "backend_v2/db/versions/0001_init.py": "op.create_table('users')\n",
        "backend_v2/api/settings.py": "import os\nORIGIN = os.environ['WEBAUTHN_ORIGIN']\n",
        "Procfile": "web: gunicorn backend_v2.api.main:app --preload\n",
        "README.md": "x\n",
    }, "backend_v2/api/routes/auth.py",
        ("backend_v2/db/versions/0002_users.py", "op.add_column('users', 'x')\n"),
        "backend_v2/api/services/challenges.py", (".env.example", "REDIS_URL=redis://x\n")),
    Layout("flat app", {
        "app/auth.py": ROUTES,
        "services/webauthn_service.py": WEBAUTHN,
        "services/bootstrap_tokens.py": TOKENS,
        "migrations/0001_users.sql": "CREATE TABLE users (id int);\n",
        "app/config.py": "import os\nRP = os.environ.get('APP_RP_ID')\n",
        "Procfile": "web: gunicorn app.main:app\n",
        "README.md": "x\n",
    }, "app/auth.py", ("migrations/0002_users.sql", "ALTER TABLE users ADD COLUMN x int;\n"),
        "app/challenges.py", ("app.json", '{"env": {"APP_RP_ID": {}}}\n')),
    Layout("src package", {
        "src/acme/api/routes.py": ROUTES,
        "src/acme/passkeys.py": WEBAUTHN,
        "src/acme/invite_tokens.py": "import jwt\n\n\ndef mint():\n    return jwt.encode({})\n",
        "alembic/versions/001_accounts.py": "op.create_table('accounts')\n",
        "src/acme/settings.py": "import os\nSIGN = os.environ['ACME_SIGNING_SECRET']\n",
        "heroku.yml": "run:\n  web: gunicorn acme.main:app\n",
        "pyproject.toml": "[project]\nname = 'acme'\n",
    }, "src/acme/api/routes.py",
        ("alembic/versions/002_accounts.py", "op.add_column('accounts', 'x')\n"),
        "src/acme/state.py", ("deploy/env.yml", "ACME_SIGNING_SECRET: from-vault\n")),
]


def _copied(package: Path, name: str) -> dict[str, str]:
    return {f"{name}/{p.relative_to(package).as_posix()}": p.read_text("utf-8")
            for p in sorted(package.rglob("*.py"))}


SANDBOX = _copied(ROOT / "release_gate" / "sandbox", "sandbox")
ACME = _copied(ROOT / "tests" / "otherbackend", "otherbackend")
LAYOUTS += [
    Layout("the sandbox", SANDBOX, "sandbox/registration.py",
           ("sandbox/storage.py", SANDBOX["sandbox/storage.py"]
            + "\n# ALTER TABLE users ADD COLUMN x int\n"),
           "sandbox/challenges.py", ("sandbox/settings.py", SANDBOX["sandbox/settings.py"]
                                     + "\n# WEBAUTHN_ORIGIN changes\n")),
    Layout("the other backend", ACME, "otherbackend/app.py",
           ("otherbackend/app.py", ACME["otherbackend/app.py"].replace(
               "CREATE TABLE IF NOT EXISTS passkeys (",
               "ALTER TABLE accounts ADD COLUMN IF NOT EXISTS created_at TIMESTAMP;\n"
               "CREATE TABLE IF NOT EXISTS passkeys (")),
           "otherbackend/challenges.py", (".env.example", "ACME_ORIGIN=https://acme.test\n")),
]


def initialised(tmp_path: Path, layout: Layout) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write(layout.files)
    assert main(["init", "--repo", str(repo.root), "--heroku-app", "acme-prod",
                 "--protected-email", "ops@acme.test"]) == 0
    repo.write({"rules.yaml": (repo.root / "rules.yaml").read_text("utf-8")})
    repo.commit({})
    repo.branch("pr")
    return repo


def judged(repo: GitRepo, files: dict[str, str], capsys: pytest.CaptureFixture[str]
           ) -> tuple[int, str]:
    repo.commit(files)
    capsys.readouterr()
    code = main(["check", "--repo", str(repo.root), "--base", "main", "--head", "pr"])
    return code, capsys.readouterr().out


def changes(layout: Layout) -> dict[str, tuple[dict[str, str], int, str]]:
    """Each sensitive change: (files, exit code of check, the rule that must flag it)."""
    route_text = layout.files[layout.route_file]
    return {
        "auth file edit": ({layout.route_file: route_text + "\n# edited\n"}, 3, ""),
        "begin without twin": ({layout.state_module.rsplit("/", 1)[0] + "/recovery.py":
                                ROUTES.split("@router")[0] + ORPHAN}, 4, "begin-verify-pairing"),
        "migration on an auth table": (dict([layout.migration]), 3, "auth-migrations"),
        "module-level challenge store": ({layout.state_module: STORE}, 4, "process-local-state"),
        "config variable change": (dict([layout.config_change]), 3, "sensitive-config"),
    }


CASES = [(layout, change) for layout in LAYOUTS for change in changes(layout)]


@pytest.mark.slow  # `init` then `check` on a repository per layout and change
@pytest.mark.parametrize(("layout", "change"), CASES,
                         ids=[f"{layout.name}: {change}" for layout, change in CASES])
def test_after_init_every_sensitive_change_is_flagged(
        tmp_path: Path, layout: Layout, change: str, capsys: pytest.CaptureFixture[str]) -> None:
    repo = initialised(tmp_path, layout)
    files, expected, rule = changes(layout)[change]
    code, out = judged(repo, files, capsys)
    assert code == expected, out
    assert f"({rule})" in out if rule else "CLEAR" not in out
    assert "matches no file" not in out  # init writes no rule that cannot fire


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_init_writes_valid_commented_rules_with_the_teams_values(
        tmp_path: Path, layout: Layout, capsys: pytest.CaptureFixture[str]) -> None:
    repo = initialised(tmp_path, layout)
    text = (repo.root / "rules.yaml").read_text("utf-8")
    loaded = config.load_text(text, "rules.yaml")
    assert loaded.smoke["heroku_app"] == "acme-prod"
    assert loaded.smoke["protected_emails"] == ["ops@acme.test"]
    assert "raxx-api-prod" not in text and "kris@moosequest.net" not in text
    lines = text.splitlines()
    for index, line in enumerate(lines):  # every rule has a comment right above it
        if line.startswith("  - id: "):
            assert lines[index - 1].startswith("  #"), line
    assert main(["validate", "--repo", str(repo.root)]) == 0


def test_init_on_the_sandbox_names_what_it_found_and_where(tmp_path: Path) -> None:
    repo = initialised(tmp_path, LAYOUTS[3])
    text = (repo.root / "rules.yaml").read_text("utf-8")
    assert "#   sandbox/registration.py: routes /api/auth/register/begin-with-token" in text
    assert "begin route: POST /api/auth/register/begin-with-token (sandbox/registration.py:" in text
    assert "#   sandbox/storage.py: creates or alters" in text
    assert "#   WEBAUTHN_ORIGIN: sandbox/settings.py" in text


def test_init_never_overwrites_without_force(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "rules.yaml").write_text("mine\n")
    assert main(["init", "--repo", str(root)]) == 2
    assert "rules.yaml already exists" in capsys.readouterr().err
    assert (root / "rules.yaml").read_text() == "mine\n"
    assert main(["init", "--repo", str(root), "--force"]) == 0
    assert (root / "rules.yaml").read_text() != "mine\n"


SHA = "0123456789abcdef0123456789abcdef01234567"


def test_init_workflows_are_ours_pinned_to_the_action_commit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "r"
    root.mkdir()
    assert main(["init", "--repo", str(root), "--workflows", "--action",
                 f"acme/release-gate@{SHA}", "--github-repo", "acme/api",
                 "--reviewer", "kris"]) == 0
    out = capsys.readouterr().out
    gate = (root / ".github/workflows/release-gate.yml").read_text()
    assert f"uses: acme/release-gate@{SHA}" in gate and "uses: ./" not in gate
    pip = f"git+https://github.com/acme/release-gate@{SHA}"
    smoke = (root / ".github/workflows/smoke.yml").read_text()
    assert f'"release-gate[${{extras}}] @ {pip}"' in smoke and '".[' not in smoke
    watch = (root / ".github/workflows/config-watch.yml").read_text()
    assert f'"release-gate[smoke] @ {pip}"' in watch
    for name in ("release-gate.yml", "smoke.yml", "config-watch.yml"):  # valid workflows
        assert yaml.safe_load((root / ".github/workflows" / name).read_text())["jobs"]
    assert (root / ".github/dependabot.yml").read_text() == (
        ROOT / ".github/dependabot.yml").read_text()
    # The settings still to make, as gh commands.
    assert "gh api --method POST repos/acme/api/rulesets" in out
    assert '"integration_id": 15368' in out and '"context": "release-gate"' in out
    assert "gh api --method PUT repos/acme/api/environments/production" in out
    assert "$(gh api users/kris --jq .id)" in out
    assert "gh secret set HEROKU_API_KEY --env production --repo acme/api" in out
    assert "repos/acme/api/environments/config-watch" in out


@pytest.mark.parametrize("action", [None, "acme/release-gate@main", "acme/release-gate@v1.2.0",
                                    f"acme@{SHA}"])
def test_init_workflows_need_a_commit_pin(tmp_path: Path, action: str | None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = ["init", "--repo", str(tmp_path), "--workflows"]
    assert main([*args, "--action", action] if action else args) == 2
    assert "--action" in capsys.readouterr().err
    assert not (tmp_path / "rules.yaml").exists()


@pytest.mark.parametrize("name", ["release-gate.yml", "smoke.yml", "config-watch.yml"])
def test_the_shipped_workflow_templates_are_this_repositorys_workflows(name: str) -> None:
    # Symbolic links in the repository (a wheel holds their content): they cannot drift.
    shipped = ROOT / "release_gate" / "data" / "workflows" / name
    assert shipped.read_text() == (ROOT / ".github" / "workflows" / name).read_text()


def test_the_shipped_dependabot_file_is_this_repositorys() -> None:
    shipped = ROOT / "release_gate" / "data" / "workflows" / "dependabot.yml"
    assert shipped.read_text() == (ROOT / ".github" / "dependabot.yml").read_text()


def test_sandbox_copy_is_real() -> None:  # the fixtures above read the real backends
    assert "sandbox/registration.py" in SANDBOX and "otherbackend/app.py" in ACME
    assert shutil.which("git")


def test_install_md_installs_what_the_workflows_install() -> None:
    """docs/install.md's install lines are the workflows' own, pointed at the pinned commit (as
    init writes them): a `release-gate[smoke] @ git+...` that drops the sandbox a rehearsal
    needs is caught here."""
    import re

    install_md = (ROOT / "docs" / "install.md").read_text("utf-8")
    shown = re.findall(r"uv pip install --quiet (\"release-gate\[[^\"]+\")", install_md)
    pip = "git+https://github.com/OWNER/release-gate@<sha>"
    for name in ("smoke.yml", "config-watch.yml"):
        workflow_text = (ROOT / ".github" / "workflows" / name).read_text("utf-8")
        for extras in re.findall(r'uv pip install --quiet "\.\[([^\]]+)\]"', workflow_text):
            assert f'"release-gate[{extras}] @ {pip}"' in shown, (name, extras, shown)
    smoke = (ROOT / ".github" / "workflows" / "smoke.yml").read_text("utf-8")
    block = re.search(r"extras=smoke\n.*?uv pip install", smoke, re.S)
    assert block and block.group(0).replace("          ", "") in install_md.replace(
        "          ", "")
