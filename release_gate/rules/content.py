"""`content`: an added or removed line matches a regex, optionally only in some paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.changes import FileChange, Line
from release_gate.context import ChangeContext
from release_gate.rules.base import Locate, Rule
from release_gate.rules.globs import PathMatcher
from release_gate.rules.literals import required_literals
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
    # Strings one of which every match contains (literals.py); None: scan everything.
    literals: frozenset[str] | None
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
        combined = re.compile("|".join(f"(?:{text})" for text in raw["patterns"]), re.MULTILINE)
        return cls(
            combined,
            required_literals(list(raw["patterns"])),
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
        # One regex scan over each side's joined text (C speed), then line numbers only for
        # what matched: per-line Python calls dominated `check` on a 100k-line PR.
        added = self._matching_lines(change.added_text, change.added)
        removed = self._matching_lines(change.removed_text, change.removed)
        hits = len(added) + len(removed)
        if not hits:
            return None
        more = f" (and {hits - 1} more changed line{'s' if hits > 2 else ''})" if hits > 1 else ""
        if added:
            line, word = added[0]
            message = f"{rule.description}: line {line.number} adds `{word}`{more}."
            return rule.finding(change.path, line.number, message)
        line, word = removed[0]
        # A removed line has no place in the head file, so the finding carries no line number.
        return rule.finding(
            path, None, f"{rule.description}: removed line {line.number} mentioned `{word}`{more}."
        )

    def _matching_lines(self, text: str, lines: Sequence[Line]) -> list[tuple[Line, str]]:
        """Each line that matches on its own, with the matched text (patterns are per line)."""
        found: list[tuple[Line, str]] = []
        if self.literals is not None and not any(lit in text for lit in self.literals):
            return found
        position = index = counted_to = 0
        search = self.pattern.search
        while (candidate := search(text, position)) is not None:
            index += text.count("\n", counted_to, candidate.start())
            counted_to = candidate.start()
            line = lines[index]
            # Re-check on the line alone, so `\s` or `$` never match across a line break.
            own = search(line.text)
            if own is not None:
                found.append((line, own.group(0)))
            end_of_line = text.find("\n", candidate.start())
            if end_of_line < 0:
                break
            position = end_of_line + 1
        return found
