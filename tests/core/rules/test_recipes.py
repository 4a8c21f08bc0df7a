"""The two recipes of docs/architecture.md, followed for real.

"Add a rule (data only)": a `session-secret` content rule, written into a copy of the files the
recipe lists, judged by the real `release-gate check` on a real repository. "Add a rule kind
(code)": a toy kind, written into a copy of the package touching only the files that recipe
lists, registered in that copy's KINDS, its schema regenerated with `validate --schema`, and
used by a rule. Each shows that the recipe's file list is enough (every check that guards those
files passes on the copy) and that the verdict flags the change. docs/architecture.md must list
exactly these files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_gate.core import config
from release_gate.core.verdict import EXIT_CODES, Verdict
from tests.core.rules.test_docs import documents_kind, documents_rule
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[3]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")

DATA_RECIPE = ("rules.yaml", "docs/rules.md", "tests/core/rules/test_path_and_content_rules.py")
EMBEDDED = "release_gate/data/rules.yaml"  # a symlink to rules.yaml in the repository
CODE_RECIPE = ("release_gate/core/rules/<kind>.py", "release_gate/core/rules/__init__.py",
               "docs/rules.schema.json", "docs/rules.md", "tests/core/rules/test_<kind>.py")

SESSION_SECRET_RULE = """\
  # A new SESSION_SECRET signs every session out: the signup flow must be smoked after it.
  - id: session-secret
    kind: content
    description: Session signing secret changed
    outcome: needs-smoke
    patterns: ['\\bSESSION_SECRET\\b']
    exclude: [rules.yaml, "docs/**"]
    checklist:
      - "Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f pr=<PR>`)"

"""
SESSION_SECRET_DOC = """
<a id="session-secret"></a>
### `session-secret`

- **Kind** `content`, **outcome** needs-smoke. Pattern `\\bSESSION_SECRET\\b` in any file except
  `rules.yaml` and `docs/**`.
- **Why**: a new session secret signs every session out; the signup flow is smoked after it.
- **Example**: ``[needs-smoke] app.json:2 (session-secret) Session signing secret changed: line 2
  adds `SESSION_SECRET`.``
"""

TOY_KIND = '''"""`large-change`: a file with more added lines than `max_lines` (a toy kind)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.core.context import ChangeContext
from release_gate.core.rules.base import Locate, Rule
from release_gate.core.verdict import Finding


@dataclass(frozen=True)
class LargeChangeCheck:
    KIND: ClassVar[str] = "large-change"
    DESCRIPTION: ClassVar[str] = "Flags a file with more added lines than max_lines."
    SCHEMA: ClassVar[Mapping[str, Any]] = {
        "required": ["max_lines"],
        "properties": {"max_lines": {"type": "integer", "minimum": 1}},
    }

    max_lines: int

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> LargeChangeCheck:
        return cls(int(raw["max_lines"]))

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        for change in ctx.changes.files:
            if len(change.added) > self.max_lines:
                yield rule.finding(change.path, None, f"{rule.description}: "
                                   f"{len(change.added)} lines added to {change.path}.")
'''
TOY_DOC = """
<a id="kind-large-change"></a>
### Kind `large-change`

Flags a file with more added lines than `max_lines`.
"""
TOY_RULE = """\
  - id: too-large
    kind: large-change
    description: A large change
    outcome: needs-smoke
    max_lines: 2

"""


def _copy(files: tuple[str, ...], into: Path) -> None:
    for name in files:
        if "<kind>" in name:
            continue
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, into / name)


def _add_rule(rules_yaml: Path, rule: str) -> None:
    text = rules_yaml.read_text(encoding="utf-8")
    assert "\nrules:\n" in text
    rules_yaml.write_text(text.replace("\nrules:\n", "\nrules:\n" + rule, 1), encoding="utf-8")


def _check(package_root: Path, repo: GitRepo, base: str, head: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    done = subprocess.run([sys.executable, "-m", "release_gate", "check", "--repo",
                           str(repo.root), "--base", base, "--head", head, "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=package_root)
    verdict: dict[str, object] = json.loads(done.stdout)
    assert done.returncode == EXIT_CODES[Verdict(verdict["verdict"])], done.stderr
    return verdict


def _rules_of(verdict: dict[str, object]) -> set[str]:
    findings = verdict["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings}


def test_the_architecture_page_lists_each_recipes_files() -> None:
    for title, files in (("Add a rule (data only)", DATA_RECIPE),
                         ("Add a rule kind (code)", CODE_RECIPE)):
        section = ARCHITECTURE.split(f"### {title}", 1)[1].split("\n### ", 1)[0]
        listed = tuple(re.findall(r"^\d+\. `([^`]+)`", section, re.MULTILINE))
        assert listed == files, f"docs/architecture.md, {title}: {listed}"


@pytest.mark.slow  # the real CLI on a real repository, in a subprocess
def test_add_a_rule_data_only_a_session_secret_rule(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    _copy(DATA_RECIPE, copy)
    (copy / EMBEDDED).parent.mkdir(parents=True)
    os.symlink(os.readlink(ROOT / EMBEDDED), copy / EMBEDDED)  # as the repository holds it
    # 1. the rule in rules.yaml; 2. its section (the embedded default follows by itself).
    _add_rule(copy / "rules.yaml", SESSION_SECRET_RULE)
    doc = copy / "docs/rules.md"
    doc.write_text(doc.read_text(encoding="utf-8") + SESSION_SECRET_DOC, encoding="utf-8")

    # What guards those files passes on the copy: it loads, the two copies are one, it is
    # documented.
    loaded = config.load_file(copy / "rules.yaml")
    assert "session-secret" in {r.id for r in loaded.rules}
    assert (copy / "rules.yaml").read_bytes() == (copy / EMBEDDED).read_bytes()
    assert documents_rule(doc.read_text(encoding="utf-8"), "session-secret")

    # The base's rules.yaml judges the PR (docs/design.md §6): the new rule flags it.
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit({"rules.yaml": (copy / "rules.yaml").read_text(encoding="utf-8"),
                        "app.json": "{\n}\n"})
    head = repo.commit({"app.json": '{\n  "env": {"SESSION_SECRET": {"required": true}}\n}\n'})
    verdict = _check(ROOT, repo, base, head)
    assert verdict["verdict"] == "needs-smoke"
    assert _rules_of(verdict) == {"session-secret"}
    repo.branch("unrelated", base)
    unrelated = repo.commit({"app.json": '{\n  "name": "raxx"\n}\n'})
    assert "session-secret" not in _rules_of(_check(ROOT, repo, base, unrelated))


@pytest.mark.slow  # a copy of the package, the real CLI in a subprocess
def test_add_a_rule_kind_code_a_toy_kind(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "release_gate", copy / "release_gate",
                    ignore=shutil.ignore_patterns("__pycache__"))
    _copy(("docs/rules.md", "docs/rules.schema.json"), copy)
    # 1. the kind's module; 2. its registration in KINDS.
    (copy / "release_gate/core/rules/large_change.py").write_text(TOY_KIND, encoding="utf-8")
    registry = copy / "release_gate/core/rules/__init__.py"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("from release_gate.core.rules.content import ContentCheck\n",
                        "from release_gate.core.rules.content import ContentCheck\n"
                        "from release_gate.core.rules.large_change import LargeChangeCheck\n")
    text = text.replace("    PathCheck.KIND: PathCheck,\n",
                        "    PathCheck.KIND: PathCheck,\n"
                        "    LargeChangeCheck.KIND: LargeChangeCheck,\n")
    registry.write_text(text, encoding="utf-8")
    # 3. the schema, regenerated as docs/cli.md says; 4. the kind's section.
    env = {**os.environ, "PYTHONPATH": str(copy)}
    schema = subprocess.run([sys.executable, "-m", "release_gate", "validate", "--schema"],
                            capture_output=True, text=True, env=env, timeout=120, check=True,
                            cwd=copy)
    (copy / "docs/rules.schema.json").write_text(schema.stdout, encoding="utf-8")
    doc = copy / "docs/rules.md"
    doc.write_text(doc.read_text(encoding="utf-8") + TOY_DOC, encoding="utf-8")

    # The copy's package changed only where the recipe says.
    changed = {str(p.relative_to(copy)) for p in (copy / "release_gate").rglob("*.py")
               if not (ROOT / p.relative_to(copy)).is_file()
               or (ROOT / p.relative_to(copy)).read_bytes() != p.read_bytes()}
    assert changed == {"release_gate/core/rules/large_change.py",
                       "release_gate/core/rules/__init__.py"}
    assert '"large-change"' in schema.stdout
    assert documents_kind(doc.read_text(encoding="utf-8"), "large-change")

    # A rule of the new kind (the data recipe) flags a change through the real CLI.
    rules = (ROOT / "rules.yaml").read_text(encoding="utf-8")
    rules = rules.replace("\nrules:\n", "\nrules:\n" + TOY_RULE, 1)
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit({"rules.yaml": rules, "notes.txt": "a\n"})
    head = repo.commit({"notes.txt": "a\nb\nc\nd\n"})
    verdict = _check(copy, repo, base, head)
    assert verdict["verdict"] == "needs-smoke"
    assert _rules_of(verdict) == {"too-large"}
    small = repo.commit({"notes.txt": "a\nb\nc\nd\ne\n"})
    assert _rules_of(_check(copy, repo, head, small)) == set()
