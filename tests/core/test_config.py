"""rules.yaml loading: located one-line errors, strict keys, the exported JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from release_gate.core import config
from release_gate.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

RULE = "  - id: a\n    kind: path\n    description: d\n    outcome: needs-smoke\n"

BROKEN = [
    # (case, text, expected "line:col", expected words in the message)
    ("unknown top-level key", "version: 1\nrule: []\n", "2:1", ["unknown key 'rule'", "rules"]),
    ("unknown kind", "version: 1\nrules:\n  - id: a\n    kind: glob\n", "4:11",
     ["'glob' is not allowed", "allowed values: [", "path"]),
    ("misspelt rule key", f"version: 1\nrules:\n{RULE}    pahts: [x]\n", "7:5",
     ["unknown key 'pahts'", "paths"]),
    ("bad outcome", "version: 1\nrules:\n  - id: a\n    kind: path\n    description: d\n"
     "    outcome: maybe\n    paths: [x]\n", "6:14", ["allowed values: [needs-smoke, blocked]"]),
    ("bad regex", "version: 1\nrules:\n  - id: a\n    kind: content\n    description: d\n"
     "    outcome: blocked\n    patterns: ['ok', '(']\n", "7:22", ["invalid regular expression"]),
    ("yaml syntax", "version: 1\nrules: [\n  - id: a\n", "3:3", ["invalid YAML"]),
    ("duplicate key", "version: 1\nversion: 1\nrules: []\n", "2:1", ["duplicate key 'version'"]),
    ("duplicate rule id", f"version: 1\nrules:\n{RULE}    paths: [x]\n{RULE}    paths: [y]\n",
     "8:9", ["duplicate rule id 'a'"]),
    ("wrong version", "version: 2\nrules: []\n", "1:10", ["1 was expected"]),
    ("not a mapping", "- a\n", "1:1", ["top level must be a mapping"]),
    ("empty path list", f"version: 1\nrules:\n{RULE}    paths: []\n", "7:12",
     ["should be non-empty"]),
    ("unknown settings key", "version: 1\nrules: []\nsettings:\n  keep_pass: true\n", "4:3",
     ["unknown key 'keep_pass'", "keep_pass_when_unflagged"]),
    ("version-url without its url", "version: 1\nrules: []\nsmoke:\n  production:\n"
     "    commit_from: version-url\n", "5:5", ["version_url", "required"]),
    ("bad head mode", "version: 1\nrules: []\nsmoke:\n  production:\n    head: ancestor\n",
     "5:11", ["allowed values: [equal, contains]"]),
]


@pytest.mark.parametrize(("text", "where", "words"), [c[1:] for c in BROKEN],
                         ids=[c[0] for c in BROKEN])
def test_broken_rules_give_one_located_line(text: str, where: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        config.load_text(text, "rules.yaml")
    message = str(raised.value)
    assert message.startswith(f"rules.yaml:{where}: "), message
    assert "\n" not in message
    for word in words:
        assert word in message


def test_shipped_rules_load_and_cover_the_design_policy() -> None:
    loaded = config.load_file(ROOT / "rules.yaml")
    ids = {rule.id for rule in loaded.rules}
    assert {"auth-routes", "webauthn-service", "bootstrap-token-service", "auth-migrations",
            "sensitive-config", "process-model-files", "process-model-flags",
            "gate-self-protection"} <= ids
    for rule in loaded.rules:
        assert rule.checklist, f"{rule.id} adds no checklist item"


def test_embedded_default_is_the_repository_policy() -> None:
    embedded = config.load_default()
    on_disk = config.load_file(ROOT / "rules.yaml")
    assert [r.id for r in embedded.rules] == [r.id for r in on_disk.rules]


def test_json_schema_accepts_the_shipped_rules_and_rejects_typos() -> None:
    schema = config.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load((ROOT / "rules.yaml").read_text())
    jsonschema.validate(data, schema)
    data["rules"][0]["pahts"] = ["x"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_committed_schema_file_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "rules.schema.json").read_text())
    assert committed == config.json_schema(), (
        "docs/rules.schema.json is stale: release-gate validate --schema > docs/rules.schema.json")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such rules file"):
        config.load_file(tmp_path / "nope.yaml")
