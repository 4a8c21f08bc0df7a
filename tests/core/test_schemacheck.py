"""schemacheck.py says "valid" exactly when jsonschema does, on the schema rules.yaml is held to.

The small checker lets `check` skip importing jsonschema for a valid file (docs/performance.md),
so a "valid" it gives where jsonschema says "invalid" would let a broken policy through. The
corpus is every node of the shipped rules.yaml replaced by values of every JSON type, every key
removed and an unknown key added to every mapping: both validators must agree on each.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from release_gate.core import config, schemacheck
from release_gate.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((ROOT / "rules.yaml").read_text("utf-8"))
SCHEMA = config.json_schema()
REFERENCE = jsonschema.Draft202012Validator(SCHEMA)
REPLACEMENTS: list[Any] = [None, True, False, 0, 1, -1, 1.0, 2.5, "", "x", "needs-smoke",
                           "Not-An-Id", [], ["x"], [""], {}, {"zz": 1}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _mutants() -> Iterator[Any]:
    for path in _paths(SHIPPED):
        if isinstance(_at(SHIPPED, path), dict):
            for key in ("unknown_key", "x-note"):  # `x-` keys are allowed at the top only
                doc = copy.deepcopy(SHIPPED)
                _at(doc, path)[key] = "x"
                yield doc
        if not path:
            continue
        parent, last = path[:-1], path[-1]
        for value in REPLACEMENTS:
            doc = copy.deepcopy(SHIPPED)
            _at(doc, parent)[last] = value
            yield doc
        doc = copy.deepcopy(SHIPPED)
        del _at(doc, parent)[last]
        yield doc


def test_the_shipped_policy_is_valid_without_jsonschema() -> None:
    assert schemacheck.is_valid(SCHEMA, SHIPPED) is True


@pytest.mark.slow  # every mutation of the shipped policy through jsonschema too
def test_both_validators_agree_on_every_mutation_of_the_shipped_policy() -> None:
    checked = disagreements = 0
    for doc in _mutants():
        checked += 1
        try:
            fast = schemacheck.is_valid(SCHEMA, doc)
        except schemacheck.Unsupported as error:
            pytest.fail(f"the shipped schema uses a keyword the checker lacks: {error}")
        if fast != REFERENCE.is_valid(doc):
            disagreements += 1
            assert not fast, f"schemacheck accepts what jsonschema rejects: {doc!r:.300}"
    assert checked > 1000
    assert disagreements == 0


@pytest.mark.parametrize(("schema", "instance", "valid"), [
    ({"const": 1}, True, False),  # true is not 1
    ({"enum": [1]}, 1.0, True),  # numbers compare by value
    ({"type": "integer"}, 2.0, True),
    ({"type": "integer"}, True, False),
    ({"type": "number"}, False, False),
    ({"pattern": "b"}, "abc", True),  # a search, not a full match
    ({"items": {"type": "string"}}, ["a", 1], False),
    ({"additionalProperties": False, "patternProperties": {"^x-": {}}}, {"x-a": 1}, True),
    ({"if": {"const": 1}, "then": {"type": "string"}}, 1, False),
    ({"exclusiveMinimum": 0}, 0, False),
])
def test_edge_cases_match_jsonschema(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert jsonschema.Draft202012Validator(schema).is_valid(instance) is valid
    assert schemacheck.is_valid(schema, instance) is valid


def test_an_unknown_keyword_is_not_guessed() -> None:
    with pytest.raises(schemacheck.Unsupported, match="maxLength"):
        schemacheck.is_valid({"maxLength": 2}, "abc")


def test_check_does_not_import_jsonschema_for_a_valid_policy(tmp_path: Path) -> None:
    """Counted in modules, not timed: a valid rules.yaml never loads jsonschema."""
    code = ("import sys; from release_gate.core import config; config.load_file(sys.argv[1]); "
            "print('jsonschema' in sys.modules)")
    ok = subprocess.run([sys.executable, "-c", code, str(ROOT / "rules.yaml")],
                        capture_output=True, text=True, check=True)
    assert ok.stdout.strip() == "False"
    broken = tmp_path / "rules.yaml"
    broken.write_text("version: 1\nrules: []\nsettings:\n  keep_pass: true\n", "utf-8")
    with pytest.raises(ConfigError, match="unknown key 'keep_pass'"):
        config.load_file(broken)
