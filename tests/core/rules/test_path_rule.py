"""The `path` kind's own findings: how a change is described (docs/rules.md, `path`)."""

from __future__ import annotations

import pytest

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus
from release_gate.core.config import Config
from release_gate.errors import ConfigError
from tests.fakes.context import FakeContext

AUTH = "backend_v2/api/routes/auth.py"


def _messages(change: FileChange) -> list[str]:
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, (change,)))
    evaluation = engine.evaluate(config.load_default(), ctx)
    return [f.message for f in evaluation.findings if f.rule == "auth-routes"]


def test_a_rename_names_both_paths_under_each() -> None:
    messages = _messages(FileChange(path="backend_v2/api/routes/login.py",
                                    status=FileStatus.RENAMED, old_path=AUTH))
    assert messages == [f"Auth routes changed: {AUTH} was renamed {AUTH} -> "
                        "backend_v2/api/routes/login.py."]


def test_a_modification_is_described_as_one_whatever_old_path_says() -> None:
    assert _messages(FileChange(path=AUTH, status=FileStatus.MODIFIED, old_path=AUTH)) == [
        f"Auth routes changed: {AUTH} was modified."]


def test_the_module_itself_carries_no_shadow_note_and_its_package_does() -> None:
    (own,) = _messages(FileChange(path=AUTH, status=FileStatus.MODIFIED))
    assert "shadows" not in own
    (package,) = _messages(FileChange(path="backend_v2/api/routes/auth/__init__.py",
                                      status=FileStatus.ADDED))
    assert package.endswith("(Python imports it under the name of a flagged module: a "
                            "package, stub, extension or bytecode file shadows the module's .py).")


RULES = """version: 1
rules:
  - id: app
    kind: path
    description: App changed
    outcome: needs-smoke
    paths: [{paths}]
    exclude: [{exclude}]
"""


def _custom(paths: str, exclude: str = "'docs/**'") -> Config:
    return config.load_text(RULES.format(paths=paths, exclude=exclude), "rules.yaml")


def test_a_path_the_rule_names_itself_carries_no_shadow_note() -> None:
    # app/** names the package directly: it is flagged as itself, not as a shadow of auth.py
    policy = _custom("'app/auth.py', 'app/**'")
    change = FileChange(path="app/auth/__init__.py", status=FileStatus.ADDED)
    (finding,) = engine.evaluate(policy, FakeContext(ChangeSet("b" * 40, "h" * 40,
                                                               (change,)))).findings
    assert finding.message == "App changed: app/auth/__init__.py was added."


def test_a_bad_exclude_glob_is_located() -> None:
    with pytest.raises(ConfigError) as caught:
        _custom("'app/**'", exclude="'[z-a]'")
    assert str(caught.value).startswith("rules.yaml:8:15: rules.0.exclude.0: invalid glob")
