"""The shipped rules.yaml: it protects every file the gate depends on, and its checklist names
the team's app from smoke.heroku_app (no hard-coded production app)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.fitting.rules_text import GATE_FILES
from release_gate.core.verdict import Verdict
from tests.fakes.context import FakeContext

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "rules.yaml").read_text("utf-8")
POLICY = config.load_text(SHIPPED, "rules.yaml")


def _install_md_files() -> list[str]:
    """Every file docs/install.md has the adopter add, as a repository path."""
    text = (ROOT / "docs" / "install.md").read_text("utf-8")
    named = set(re.findall(r"`(\.github/[\w./-]+|[\w-]+\.ya?ml)`", text))
    named |= set(re.findall(r"\*\*`([\w-]+\.yml)`\*\*", text))
    paths = set()
    for name in named:
        if name.endswith("/"):
            continue  # a directory: its files are named too
        if name.startswith(".github/") or name in ("rules.yaml", "action.yml"):
            paths.add(name)
        elif (ROOT / ".github" / "workflows" / name).is_file():
            paths.add(f".github/workflows/{name}")
    return sorted(paths)


GATE_DEPENDS_ON = sorted({*_install_md_files(), "action.yml", "rules.yaml",
                          *(f".github/workflows/{p.name}"
                            for p in (ROOT / ".github" / "workflows").glob("*.yml"))})


def test_install_md_names_the_files_it_has_you_add() -> None:
    assert {".github/workflows/config-watch.yml", ".github/workflows/smoke.yml",
            ".github/workflows/release-gate.yml", ".github/dependabot.yml",
            "rules.yaml"} <= set(GATE_DEPENDS_ON)


@pytest.mark.parametrize("path", GATE_DEPENDS_ON)
def test_editing_a_file_the_gate_depends_on_is_flagged(path: str) -> None:
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, (
        FileChange(path, FileStatus.MODIFIED, added=(Line(1, "x: 1"),)),)))
    evaluation = engine.evaluate(POLICY, ctx)
    assert evaluation.verdict is not Verdict.CLEAR
    assert "gate-self-protection" in {f.rule for f in evaluation.findings}


def test_init_protects_the_same_files_as_the_shipped_policy() -> None:
    rule = next(r for r in POLICY.rules if r.id == "gate-self-protection")
    raw = SHIPPED.split("id: gate-self-protection", 1)[1].split("checklist:", 1)[0]
    assert re.findall(r"^      - (\S+)$", raw, re.M) == list(GATE_FILES), rule


def test_the_shipped_copy_and_the_repository_policy_are_identical() -> None:
    assert (ROOT / "release_gate" / "data" / "rules.yaml").read_text("utf-8") == SHIPPED


@pytest.mark.parametrize("app", ["acme-api-prod", "raxx-api-staging"])
def test_the_checklist_names_the_app_of_smoke_heroku_app(app: str) -> None:
    text = SHIPPED.replace("heroku_app: raxx-api-prod", f"heroku_app: {app}")
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, (
        FileChange("app.json", FileStatus.MODIFIED, added=(Line(3, '"WEBAUTHN_ORIGIN": {}'),)),)))
    checklist = engine.evaluate(config.load_text(text, "rules.yaml"), ctx).checklist
    config_items = [item for item in checklist if "heroku config" in item]
    assert config_items and all(f"--app {app} " in item for item in config_items)
    assert not any("raxx-api-prod" in item for item in checklist)
