"""The pieces rules.yaml's JSON Schema is built from, declared once. Pure data.

config.py, production.py and the `smoke:` section's schema (smoke_config/schema.py,
smoke_config/heroku_settings.py) compose their parts from these, so a closed object or a
non-empty string means the same thing in every section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STR: Mapping[str, Any] = {"type": "string", "minLength": 1}
OPT_STR: Mapping[str, Any] = {"type": ["string", "null"], "minLength": 1}
ARGV: Mapping[str, Any] = {"type": "array", "items": {"type": "string"}, "minItems": 1}
SECONDS: Mapping[str, Any] = {"type": "number", "exclusiveMinimum": 0}


def closed_object(properties: Mapping[str, Any], description: str) -> dict[str, Any]:
    """An object with exactly these keys (an unknown key is an error: a misspelt key must not
    silently disable anything)."""
    return {"type": "object", "additionalProperties": False, "description": description,
            "properties": dict(properties)}
