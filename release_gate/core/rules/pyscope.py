"""What the AST rule kinds share: which Python files they read (`scope` globs minus `exclude`,
`.py` only) and how they fail closed on a file they cannot read or parse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from release_gate.core.pyast.source import PythonSourceError
from release_gate.core.rules.base import Locate, Rule
from release_gate.core.rules.globs import PathMatcher
from release_gate.core.rules.path import GLOBS
from release_gate.core.verdict import Finding

# Parsing Python costs ~200 bytes of memory per byte of source (an 8 MB file: 1.5 GB, 90 s):
# above this size a file is not parsed and counts as unknown content (docs/reliability.md).
MAX_PYTHON_BYTES = 2_000_000


def schema(description: str) -> dict[str, Any]:
    """The `scope` / `exclude` / `max_python_bytes` keys of an AST rule kind."""
    return {"properties": {
        "scope": {**GLOBS, "description": description},
        "exclude": GLOBS,
        "max_python_bytes": {
            "type": "integer", "minimum": 1, "maximum": 50_000_000,
            "description": "A Python file larger than this is not parsed: its content is "
                           f"unknown and it blocks (default {MAX_PYTHON_BYTES:,}).",
        },
    }}


@dataclass(frozen=True)
class PythonScope:
    scope: PathMatcher
    exclude: PathMatcher
    max_bytes: int = MAX_PYTHON_BYTES

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], default: Sequence[str],
                    locate: Locate) -> PythonScope:
        return cls(PathMatcher.from_config(raw, "scope", locate, default),
                   PathMatcher.from_config(raw, "exclude", locate),
                   int(raw.get("max_python_bytes", MAX_PYTHON_BYTES)))

    def covers(self, path: str) -> bool:
        # Only Python source is read: a README in scope is not a syntax error.
        return (path.endswith(".py") and self.scope.matches(path)
                and not (self.exclude and self.exclude.matches(path)))


@dataclass(frozen=True)
class PythonRule:
    """The set-up every AST rule kind repeats: its files from rules.yaml, and its fail-closed
    findings (docs/design.md §1, fail closed: a file that cannot be read or parsed blocks)."""

    DEFAULT_SCOPE: ClassVar[tuple[str, ...]]
    CANNOT_CHECK: ClassVar[str]  # "its routes cannot be checked for ..." (ends a clause)
    RCA: ClassVar[str]

    files: PythonScope

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> Self:
        return cls(PythonScope.from_config(raw, cls.DEFAULT_SCOPE, locate))

    def covers(self, path: str) -> bool:
        return self.files.covers(path)

    def too_big(self, data: bytes) -> bool:
        return len(data) > self.files.max_bytes

    def oversized(self, rule: Rule, path: str, size: int) -> Finding:
        return rule.finding(
            path, None, f"{path} is {size:,} bytes, above the {self.files.max_bytes:,}-byte cap "
                        f"on Python the gate parses (`max_python_bytes`): its content is unknown, "
                        f"so {self.CANNOT_CHECK}; treated as failing (fail closed; {self.RCA}).")

    def unreadable(self, rule: Rule, path: str) -> Finding:
        return rule.finding(path, None, f"{path} could not be read at the head, so "
                                        f"{self.CANNOT_CHECK}; treated as failing (fail closed; "
                                        f"{self.RCA}).")

    def unparsable(self, rule: Rule, path: str, error: PythonSourceError) -> Finding:
        return rule.finding(path, error.line, f"{path} {error.reason}: {self.CANNOT_CHECK}, so "
                                              f"this blocks (fail closed; {self.RCA}). If it is "
                                              f"valid on a newer Python, run the gate on that "
                                              f"Python (the action's `python-version`).")
