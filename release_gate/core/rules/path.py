"""`path`: any change to a file whose path (old or new) matches a glob."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.core.changes import FileStatus
from release_gate.core.context import ChangeContext
from release_gate.core.rules.base import Locate, Rule
from release_gate.core.rules.globs import PathMatcher, import_shadows
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
    # What imports under the dotted name of a `.py` module in `paths` (globs.import_shadows).
    shadows: PathMatcher

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> PathCheck:
        paths = PathMatcher.from_config(raw, "paths", locate)
        return cls(paths, PathMatcher.from_config(raw, "exclude", locate),
                   shadows_of(paths))

    def covers(self, path: str) -> bool:
        return ((self.paths.matches(path) or (bool(self.shadows) and self.shadows.matches(path)))
                and not (self.exclude and self.exclude.matches(path)))

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        for change in ctx.changes.files:
            for path in change.paths:
                if not self.covers(path):
                    continue
                how = change.status.value
                if change.status in (FileStatus.RENAMED, FileStatus.COPIED) and change.old_path:
                    how = f"{how} {change.old_path} -> {change.path}"
                yield rule.finding(path, None, f"{rule.description}: {path} was {how}"
                                               f"{shadow_note(self.paths, self.shadows, path)}.")


def shadows_of(paths: PathMatcher) -> PathMatcher:
    """The import shadows of every `.py` module glob in `paths` (may be empty)."""
    return PathMatcher.compile([s for glob in paths.patterns for s in import_shadows(glob)])


def shadow_note(paths: PathMatcher, shadows: PathMatcher, path: str) -> str:
    if not shadows or paths.matches(path) or not shadows.matches(path):
        return ""
    return (" (Python imports it under the name of a flagged module: a package, stub, "
            "extension or bytecode file shadows the module's .py)")
