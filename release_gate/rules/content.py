"""`content`: an added or removed line matches a regex, optionally only in some paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.changes import FileChange
from release_gate.context import ChangeContext
from release_gate.rules.base import Locate, Rule
from release_gate.rules.globs import PathMatcher
from release_gate.rules.path import GLOBS
from release_gate.verdict import Finding


@dataclass(frozen=True)
class ContentCheck:
    KIND: ClassVar[str] = "content"
    DESCRIPTION: ClassVar[str] = (
        "Flags a change whose added or removed lines match a pattern (in the given paths)."
    )
    SCHEMA: ClassVar[Mapping[str, Any]] = {
        "required": ["patterns"],
        "properties": {
            "patterns": {"type": "array", "items": {"type": "string", "minLength": 1},
                         "minItems": 1},
            "paths": GLOBS,
            "exclude": GLOBS,
        },
    }

    pattern: re.Pattern[str]
    paths: PathMatcher
    exclude: PathMatcher

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> ContentCheck:
        for index, text in enumerate(raw["patterns"]):
            try:
                re.compile(text)
            except re.error as error:
                raise locate(f"patterns/{index}", f"invalid regular expression: {error}") from None
        # One alternation, scanned once per line, however many patterns (bench/check_large.py).
        combined = re.compile("|".join(f"(?:{text})" for text in raw["patterns"]))
        return cls(
            combined,
            PathMatcher.compile(raw.get("paths", [])),
            PathMatcher.compile(raw.get("exclude", [])),
        )

    def covers(self, path: str) -> bool:
        if self.exclude and self.exclude.matches(path):
            return False
        return not self.paths or self.paths.matches(path)

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        for change in ctx.changes.files:
            covered = [path for path in change.paths if self.covers(path)]
            if not covered:
                continue
            if not change.content_known:
                reason = change.unknown_reason or "content not readable"
                yield rule.finding(
                    covered[0], None,
                    f"{rule.description}: {covered[0]} could not be read ({reason}); "
                    "treated as matching (fail closed).",
                )
                continue
            finding = self._first_match(rule, change, covered[0])
            if finding is not None:
                yield finding

    def _first_match(self, rule: Rule, change: FileChange, path: str) -> Finding | None:
        search = self.pattern.search
        hits = 0
        first: tuple[str, int, str] | None = None
        for side, line in change.changed_lines():
            match = search(line.text)
            if match is None:
                continue
            hits += 1
            if first is None:
                first = (side, line.number, match.group(0))
        if first is None:
            return None
        side, number, word = first
        more = f" (and {hits - 1} more changed line{'s' if hits > 2 else ''})" if hits > 1 else ""
        if side == "head":
            return rule.finding(
                change.path, number, f"{rule.description}: line {number} adds `{word}`{more}."
            )
        # A removed line has no place in the head file, so the finding carries no line number.
        return rule.finding(
            path, None, f"{rule.description}: removed line {number} mentioned `{word}`{more}."
        )
