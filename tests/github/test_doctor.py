"""`release-gate doctor` against the fake GitHub serving the set-up endpoints in GitHub's shapes
(rules for a branch, environments, their secrets and branch policies, contents): each item of
docs/install.md is ok, missing or wrong, with its fix; exit 0 only when every item is ok."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from importlib import resources
from typing import Any

import pytest

from release_gate import cli
from release_gate.core.fitting.setup import ActionPin, workflow
from tests.fakes.github import FakeGitHub
from tests.github.conftest import DEFAULT_RULES

PIN = ActionPin("acme/release-gate", "0123456789abcdef0123456789abcdef01234567")
TEMPLATES = resources.files("release_gate").joinpath("data", "workflows")
REQUIRED = [{"type": "required_status_checks", "parameters": {
    "strict_required_status_checks_policy": False,
    "required_status_checks": [{"context": "release-gate", "integration_id": 15368}]}}]


def files() -> dict[str, str]:
    out = {"rules.yaml": DEFAULT_RULES,
           ".github/dependabot.yml": TEMPLATES.joinpath("dependabot.yml").read_text("utf-8")}
    for name in ("release-gate.yml", "smoke.yml", "config-watch.yml"):
        out[f".github/workflows/{name}"] = workflow(
            name, TEMPLATES.joinpath(name).read_text("utf-8"), PIN)
    return out


def set_up(fake: FakeGitHub, *, tree: dict[str, str | None] | None = None,
           rules: list[dict[str, Any]] | None = None, **environments: dict[str, Any]) -> None:
    content: dict[str, str | bytes | None] = dict(files())
    content.update(tree or {})
    fake.set_branch("main", fake.commit({k: v for k, v in content.items() if v is not None}))
    fake.add_ruleset(REQUIRED if rules is None else rules)
    production = {"reviewers": ("kris",), "secrets": ("HEROKU_API_KEY",),
                  **environments.get("production", {})}
    watch = {"secrets": ("HEROKU_API_KEY",), **environments.get("config_watch", {})}
    if production.pop("absent", False) is False:
        fake.add_environment("production", **production)
    if watch.pop("absent", False) is False:
        fake.add_environment("config-watch", **watch)


def doctor(fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    for key, value in fake.environ(token=fake.USER_TOKEN).items():
        monkeypatch.setenv(key, value)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = cli.main(["doctor"])
    return code, buffer.getvalue()


def line(out: str, name: str) -> str:
    return next(row for row in out.splitlines() if f" {name} " in f"{row} ")


@pytest.fixture
def fake() -> Any:
    with FakeGitHub() as server:
        yield server


def test_a_repository_set_up_as_install_md_says_is_all_ok(
        fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    set_up(fake)
    code, out = doctor(fake, monkeypatch)
    assert code == 0, out
    assert "doctor: every item ok" in out
    assert line(out, "required check `release-gate` on main").startswith("ok ")
    assert "kris" in line(out, "environment `production` reviewers")
    assert "cron 17 * * * *" in out
    rules_calls = fake.calls[("GET", "/repos/{owner}/{repo}/rules/branches/{branch}")]
    assert rules_calls == 1


Case = tuple[dict[str, Any], str, str, str]
CASES: dict[str, Case] = {
    "no ruleset": ({"rules": []}, "required check `release-gate` on main", "missing",
                   "integration_id"),
    "check from any source": (
        {"rules": [{"type": "required_status_checks", "parameters": {
            "strict_required_status_checks_policy": False,
            "required_status_checks": [{"context": "release-gate"}]}}]},
        "required check `release-gate` on main", "wrong", "15368"),
    "no production environment": ({"production": {"absent": True}}, "environment `production`",
                                  "missing", "gh api"),
    "no reviewers": ({"production": {"reviewers": ()}}, "environment `production` reviewers",
                     "missing", "required reviewers"),
    "any branch deploys": ({"production": {"branch_policy": None}},
                           "environment `production` branches", "wrong", "main"),
    "another branch deploys": ({"production": {"branch_policies": ("main", "dev")}},
                               "environment `production` branches", "wrong", "main only"),
    "no secret": ({"production": {"secrets": ("OTHER",)}},
                  "environment `production` secret HEROKU_API_KEY", "missing",
                  "gh secret set HEROKU_API_KEY --env production --repo acme/signup-backend"),
    "no config-watch environment": ({"config_watch": {"absent": True}},
                                    "environment `config-watch`", "missing", "gh api"),
    "no schedule": ({"tree": {".github/workflows/config-watch.yml": "on:\n  "
                              "workflow_dispatch: {}\njobs: {}\n"}},
                    ".github/workflows/config-watch.yml schedule", "missing", "cron"),
    "a tag pin": ({"tree": {".github/workflows/smoke.yml": files()[".github/workflows/smoke.yml"]
                            .replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
                                     "actions/checkout@v7")}},
                  ".github/workflows/smoke.yml pins", "wrong", "commit SHA"),
    "an install from a branch": (
        {"tree": {".github/workflows/smoke.yml": files()[".github/workflows/smoke.yml"]
                  .replace(PIN.sha, "main")}},
        ".github/workflows/smoke.yml pins", "wrong", "git+...@main"),
    "no workflow": ({"tree": {".github/workflows/release-gate.yml": None}},
                    ".github/workflows/release-gate.yml", "missing", "release-gate init"),
    "no rules.yaml": ({"tree": {"rules.yaml": None}}, "rules.yaml", "missing", "init"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_item_not_as_install_md_says_is_reported_with_its_fix(
        case: str, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    setup, name, state, fix = CASES[case]
    set_up(fake, **setup)
    code, out = doctor(fake, monkeypatch)
    assert code == 3, out
    row = line(out, name)
    assert row.startswith(f"{state} "), row
    rows = out.splitlines()
    after = rows[rows.index(row):]
    assert fix in "\n".join(after[:3]), out
    bad = [r for r in rows if r.startswith(("missing ", "wrong "))]
    assert len(bad) == 1, bad  # only what this case broke


def test_doctor_without_a_token_is_bad_input_saying_what_it_needs(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert cli.main(["doctor", "--repo", "acme/api"]) == 2
    assert "doctor needs a token" in capsys.readouterr().err


def test_an_api_failure_is_exit_1_never_ok(fake: FakeGitHub,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    set_up(fake)
    fake.tokens.clear()  # every call: 401 Bad credentials
    code, out = doctor(fake, monkeypatch)
    assert code == 1 and "ok" not in out

