"""Is this data valid against this JSON Schema? The keywords rules.yaml's schema uses, no more.

`config.py` validates every rules file, on every `check` and `pr` run. Importing `jsonschema`
(with `referencing`, `attrs`, `rpds` and its bundled meta-schemas) was the largest single cost of
`check`'s start-up (docs/performance.md), so a valid file is accepted by this small checker and
`jsonschema` is imported only to explain an invalid one, with its located messages.

It answers only what it fully understands: a keyword it does not know raises `Unsupported`, and
the caller then asks `jsonschema` (tests/core/test_schemacheck.py holds it to `jsonschema`'s
answer on the shipped schema and on many broken files). Semantics follow JSON Schema 2020-12:
`true` is not `1`, `1.0` is an integer, `pattern` is a search, `items` applies to every item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Keywords that never change validity.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default",
                          "examples", "deprecated", "readOnly", "writeOnly"})


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement."""


def is_valid(schema: Any, instance: Any) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, Mapping):
        raise Unsupported(f"schema of type {type(schema).__name__}")
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword in ("then", "else"):
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise Unsupported(keyword)
        if not check(value, instance, schema):
            return False
    return True


def _type_ok(expected: Any, instance: Any, _: Mapping[str, Any]) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    return any(_is_type(name, instance) for name in names)


def _is_type(name: str, instance: Any) -> bool:
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if isinstance(instance, bool):
        return False  # JSON booleans are not numbers
    if name == "number":
        return isinstance(instance, int | float)
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise Unsupported(f"type {name!r}")


def _equal(one: Any, other: Any) -> bool:
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(_equal, one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_equal(v, other[k]) for k, v in one.items())
    if type(one) is not type(other) and not (_is_number(one) and _is_number(other)):
        return False
    return bool(one == other)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)  # re keeps its own cache of compiled patterns


def _properties(value: Mapping[str, Any], instance: Any, _: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(is_valid(sub, instance[key]) for key, sub in value.items() if key in instance)


def _pattern_properties(value: Mapping[str, Any], instance: Any, _: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(is_valid(sub, item) for pattern, sub in value.items()
               for key, item in instance.items() if _regex(pattern).search(key))


def _additional(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    if not isinstance(instance, dict):
        return True
    known = schema.get("properties", {})
    patterns = [_regex(p) for p in schema.get("patternProperties", {})]
    return all(is_valid(value, item) for key, item in instance.items()
               if key not in known and not any(p.search(key) for p in patterns))


def _if(value: Any, instance: Any, schema: Mapping[str, Any]) -> bool:
    branch = "then" if is_valid(value, instance) else "else"
    return is_valid(schema.get(branch, True), instance)


def _items(value: Any, instance: Any, _: Mapping[str, Any]) -> bool:
    if isinstance(value, list):
        raise Unsupported("items as a list (draft 2019 tuple validation)")
    return not isinstance(instance, list) or all(is_valid(value, item) for item in instance)


_KEYWORDS = {
    "type": _type_ok,
    "enum": lambda value, instance, _: any(_equal(instance, option) for option in value),
    "const": lambda value, instance, _: _equal(instance, value),
    "minLength": lambda value, instance, _: not isinstance(instance, str)
    or len(instance) >= value,
    "pattern": lambda value, instance, _: not isinstance(instance, str)
    or _regex(value).search(instance) is not None,
    "minItems": lambda value, instance, _: not isinstance(instance, list)
    or len(instance) >= value,
    "minimum": lambda value, instance, _: not _is_number(instance) or instance >= value,
    "exclusiveMinimum": lambda value, instance, _: not _is_number(instance) or instance > value,
    "required": lambda value, instance, _: not isinstance(instance, dict)
    or all(key in instance for key in value),
    "properties": _properties,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional,
    "items": _items,
    "allOf": lambda value, instance, _: all(is_valid(sub, instance) for sub in value),
    "anyOf": lambda value, instance, _: any(is_valid(sub, instance) for sub in value),
    "oneOf": lambda value, instance, _: sum(is_valid(sub, instance) for sub in value) == 1,
    "not": lambda value, instance, _: not is_valid(value, instance),
    "if": _if,
}
