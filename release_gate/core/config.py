"""Load and validate rules.yaml into frozen dataclasses, with located errors (docs/design.md §2).

The schema is declared once, as JSON Schema (`json_schema()`), exported for editors
(`release-gate validate --schema`) and validated with `jsonschema`; a file that is valid is
recognised by `schemacheck.py` without importing `jsonschema` (start-up time: `check` runs on
every PR), and `jsonschema` explains the first error of one that is not. Every error names
file:line:col, the key path and, where there is a closed set, the allowed values. Unknown keys
are errors: in a gate a misspelt key must not silently disable a rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from release_gate.core import schemacheck, yamlnodes
from release_gate.core.production import Production, from_smoke_section
from release_gate.core.rules import KINDS
from release_gate.core.rules.base import Rule
from release_gate.core.smoke_config.schema import (
    SCHEMA as SMOKE_SCHEMA,  # not settings.py: see schema.py
)
from release_gate.core.smoke_config.schema import sql_parameter_errors
from release_gate.core.verdict import Outcome
from release_gate.errors import ConfigError, ConfigErrors

SCHEMA_ID = "https://release-gate.invalid/rules.schema.json"
DEFAULT_RULES_NAME = "rules.yaml"

_COMMON_RULE_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$",
           "description": "Stable id, used in findings and docs/rules.md anchors."},
    "kind": {"enum": sorted(KINDS), "description": "The rule kind (docs/rules.md)."},
    "description": {"type": "string", "minLength": 1, "description": "One line a reviewer reads."},
    "outcome": {"enum": [o.value for o in Outcome]},
    "checklist": {"type": "array", "items": {"type": "string", "minLength": 1}},
}

_SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "keep_pass_when_unflagged": {
            "type": "boolean",
            "description": "Keep a smoke PASS across pushes whose new commits touch no flagged "
                           "file (docs/design.md §6). Default false: any push needs a new PASS.",
        },
        "smoke_workflow": {"type": "string", "minLength": 1,
                           "description": "File name of the smoke workflow (.github/workflows/)."},
        "owners": {"type": "array", "items": {"type": "string", "minLength": 1},
                   "description": "GitHub handles called on for gate self-protection findings."},
    },
}


@dataclass(frozen=True)
class GateSettings:
    keep_pass_when_unflagged: bool = False
    smoke_workflow: str = "smoke.yml"
    owners: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    source: str
    rules: tuple[Rule, ...]
    settings: GateSettings = field(default_factory=GateSettings)
    # The raw `smoke:` section, already schema-checked (core/smoke_config/settings.py parses it
    # for the smoke; the gate needs only `production`, read from it here).
    smoke: Mapping[str, Any] = field(default_factory=dict)
    # What a counted smoke PASS must have run against (smoke.prod_url, smoke.heroku_app,
    # smoke.production): evidence.py, smoke_gate.py and watch-config all read it from here.
    production: Production = field(default_factory=lambda: from_smoke_section(None))
    smoke_only: bool = False  # the file had only `smoke:` (accepted by `smoke --rules`)


def json_schema() -> dict[str, Any]:
    by_kind = []
    for kind, check in sorted(KINDS.items()):
        own = dict(check.SCHEMA.get("properties", {}))
        by_kind.append({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {
                "properties": {**{k: True for k in _COMMON_RULE_PROPERTIES}, **own},
                "required": list(check.SCHEMA.get("required", [])),
                "additionalProperties": False,
            },
        })
    rule = {
        "type": "object",
        "required": ["id", "kind", "description", "outcome"],
        "properties": _COMMON_RULE_PROPERTIES,
        "allOf": by_kind,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "release-gate rules.yaml",
        "type": "object",
        "required": ["version", "rules"],
        "additionalProperties": False,
        # `x-...` keys hold YAML anchors (shared checklists), as in docker-compose files.
        "patternProperties": {"^x-": {}},
        "properties": {
            "version": {"const": 1},
            "rules": {"type": "array", "items": rule},
            "settings": _SETTINGS_SCHEMA,
            "smoke": SMOKE_SCHEMA,
        },
    }


_SCHEMA = json_schema()


def load_file(path: str | Path, *, smoke_only: bool = False) -> Config:
    """`smoke_only`: the caller reads only the `smoke:` section (`smoke --rules`), so a file
    holding nothing else is accepted as it is."""
    path = Path(path)
    try:
        with path.open("rb") as stream:  # bounded: a rules file is never megabytes
            data = stream.read(yamlnodes.MAX_CHARACTERS * 4 + 1)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such rules file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read rules file: {error}") from None
    return load_text(text, str(path), smoke_only=smoke_only)


def load_default() -> Config:
    """The policy shipped with the package (the same file as the repository's rules.yaml)."""
    text = resources.files("release_gate").joinpath("data", DEFAULT_RULES_NAME).read_text("utf-8")
    return load_text(text, f"<embedded default {DEFAULT_RULES_NAME}>")


def load_text(text: str, source: str, *, smoke_only: bool = False) -> Config:
    located = _parse(text, source)
    data = located.data
    if "smoke" in data and "rules" not in data:
        if not smoke_only:
            raise ConfigError(
                f"{source}:1:1: this file has only a `smoke:` section; to use it as a rules "
                "file add `version: 1` and `rules: []` at the top level (`release-gate smoke "
                "--rules` accepts it as it is)")
        data.setdefault("version", 1)
        data["rules"] = []
        smoke_only = True
    else:
        smoke_only = False
    # Every error, each located (install.md: one line per error), not only the first.
    errors = _schema_errors(located, source)
    rules: tuple[Rule, ...] = ()
    if not errors:
        errors = [_located(located, source, path, message)
                  for path, message in sql_parameter_errors(data.get("smoke"))]
        compiled: list[Rule] = []
        for index, raw in enumerate(data["rules"]):
            try:
                compiled.append(_compile_rule(raw, index, located, source))
            except ConfigError as error:
                errors.append(error)
        rules = tuple(compiled)
    errors.extend(_duplicate_ids(data.get("rules"), located, source))
    if errors:
        raise ConfigErrors(errors)
    raw_settings = data.get("settings", {})
    settings = GateSettings(
        keep_pass_when_unflagged=raw_settings.get("keep_pass_when_unflagged", False),
        smoke_workflow=raw_settings.get("smoke_workflow", "smoke.yml"),
        owners=tuple(raw_settings.get("owners", ())),
    )
    smoke = data.get("smoke", {})
    return Config(source=source, rules=rules, settings=settings, smoke=smoke,
                  production=from_smoke_section(smoke), smoke_only=smoke_only)


def _parse(text: str, source: str) -> yamlnodes.Located:
    try:
        located = yamlnodes.load(text, source)
    except yamlnodes.LocatedYAMLError as error:
        pos = error.position
        raise ConfigError(f"{source}:{pos.line}:{pos.column}: {error}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as error:  # a character YAML forbids; no mark, an offset
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise ConfigError(f"{source}:{line}:{column}: invalid YAML: character "
                          f"{error.character!r} is not allowed") from None
    except yaml.YAMLError as error:
        detail = " ".join(str(error).split())
        raise ConfigError(f"{source}: invalid YAML: {detail}") from None
    except RecursionError:  # a backstop: yamlnodes bounds the depth before this can happen
        raise ConfigError(f"{source}:1:1: invalid YAML: nested too deeply") from None
    if not isinstance(located.data, dict):
        raise ConfigError(
            f"{source}:1:1: the top level must be a mapping with `version` and `rules`"
        )
    return located


def _located(located: yamlnodes.Located, source: str, path: tuple[Any, ...], message: str,
             *, key: bool = False) -> ConfigError:
    pos = located.position(path, key=key) or located.position(path)
    where = f"{source}:{pos.line}:{pos.column}" if pos else source
    keypath = ".".join(str(p) for p in path) or "(top level)"
    return ConfigError(f"{where}: {keypath}: {message}")


def _schema_errors(located: yamlnodes.Located, source: str) -> list[ConfigError]:
    try:
        if schemacheck.is_valid(_SCHEMA, located.data):
            return []
    except Exception:  # a keyword or a value the small checker does not judge: jsonschema does
        pass
    import jsonschema  # deferred: ~40% of check's start-up, needed only to explain an error

    errors = list(jsonschema.Draft202012Validator(_SCHEMA).iter_errors(located.data))
    # jsonschema is the reference: no error means the small checker was stricter than the schema.
    # An unknown key explains a "missing" one (a typo), and a wrong `kind` explains every other
    # complaint about its rule: those complaints are not repeated.
    wrong_kind = {tuple(e.absolute_path)[:-1] for e in errors
                  if e.validator == "enum" and tuple(e.absolute_path)[-1:] == ("kind",)}
    unknown_at = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    described: list[ConfigError] = []
    seen: set[str] = set()
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        if any(path[:len(rule)] == rule and path != (*rule, "kind") for rule in wrong_kind):
            continue
        if error.validator == "required" and path in unknown_at:
            continue
        for one in _describe(error, located, source):
            if str(one) not in seen:
                seen.add(str(one))
                described.append(one)
    return described


def _describe(error: Any, located: yamlnodes.Located, source: str) -> list[ConfigError]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        unknown = [k for k in error.instance if k not in schema.get("properties", {})
                   and not any(p.search(str(k)) for p in patterns)]
        return [_located(located, source, (*path, key),
                         f"unknown key {key!r}; allowed keys: {', '.join(allowed)}", key=True)
                for key in unknown or ["?"]]
    if error.validator == "enum":
        return [_located(located, source, path,
                         f"{error.instance!r} is not allowed; allowed values: "
                         f"[{', '.join(map(str, error.validator_value))}]")]
    if error.validator == "required":
        return [_located(located, source, path, error.message.replace("property", "key"))]
    return [_located(located, source, path, error.message)]


def _compile_rule(raw: Mapping[str, Any], index: int, located: yamlnodes.Located,
                  source: str) -> Rule:
    base = ("rules", index)

    def locate(key: str, message: str) -> Exception:
        parts: tuple[Any, ...] = tuple(int(p) if p.isdigit() else p for p in key.split("/"))
        return _located(located, source, (*base, *parts), message)

    try:
        check = KINDS[raw["kind"]].from_config(raw, locate)
    except ConfigError:
        raise
    except Exception as error:  # a backstop: bad input is exit 2 and located
        raise _located(located, source, base,
                       f"cannot compile this rule: {type(error).__name__}: {error}") from None
    return Rule(
        id=raw["id"],
        kind=raw["kind"],
        description=raw["description"],
        outcome=Outcome(raw["outcome"]),
        checklist=tuple(raw.get("checklist", ())),
        check=check,
    )


def _duplicate_ids(raw_rules: Any, located: yamlnodes.Located,
                   source: str) -> list[ConfigError]:
    seen: set[str] = set()
    errors: list[ConfigError] = []
    if not isinstance(raw_rules, list):
        return errors  # the schema error says so
    for index, raw in enumerate(raw_rules):
        rule_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            errors.append(_located(located, source, ("rules", index, "id"),
                                   f"duplicate rule id {rule_id!r}"))
        seen.add(rule_id)
    return errors
