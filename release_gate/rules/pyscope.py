"""Which Python files an AST rule reads: `scope` globs minus `exclude`, `.py` only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from release_gate.rules.globs import PathMatcher
from release_gate.rules.path import GLOBS


def schema(description: str) -> dict[str, Any]:
    """The `scope` / `exclude` keys of an AST rule kind."""
    return {"properties": {"scope": {**GLOBS, "description": description}, "exclude": GLOBS}}


@dataclass(frozen=True)
class PythonScope:
    scope: PathMatcher
    exclude: PathMatcher

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], default: Sequence[str]) -> PythonScope:
        return cls(PathMatcher.compile(raw.get("scope", default)),
                   PathMatcher.compile(raw.get("exclude", [])))

    def covers(self, path: str) -> bool:
        # Only Python source is read: a README in scope is not a syntax error.
        return (path.endswith(".py") and self.scope.matches(path)
                and not (self.exclude and self.exclude.matches(path)))
