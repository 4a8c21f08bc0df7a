"""`path`: any change to a file whose path (old or new) matches a glob."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.core.changes import FileStatus
from release_gate.core.context import ChangeContext
from release_gate.core.rules.base import Locate, Rule
from release_gate.core.rules.globs import PathMatcher
from release_gate.core.verdict import Finding

GLOBS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}


@dataclass(frozen=True)
class PathCheck:
    KIND: ClassVar[str] = "path"
    DESCRIPTION: ClassVar[str] = "Flags any change to a file whose old or new path matches."
    SCHEMA: ClassVar[Mapping[str, Any]] = {
        "required": ["paths"],
        "properties": {"paths": GLOBS, "exclude": GLOBS},
    }

    paths: PathMatcher
    exclude: PathMatcher

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> PathCheck:
        return cls(PathMatcher.from_config(raw, "paths", locate),
                   PathMatcher.from_config(raw, "exclude", locate))

    def covers(self, path: str) -> bool:
        return self.paths.matches(path) and not (self.exclude and self.exclude.matches(path))

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        for change in ctx.changes.files:
            for path in change.paths:
                if not self.covers(path):
                    continue
                how = change.status.value
                if change.status in (FileStatus.RENAMED, FileStatus.COPIED) and change.old_path:
                    how = f"{how} {change.old_path} -> {change.path}"
                yield rule.finding(path, None, f"{rule.description}: {path} was {how}.")
