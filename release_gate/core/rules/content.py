"""`content`: an added or removed line matches a regex, optionally only in some paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.core.changes import ChangeSet, FileChange, Line
from release_gate.core.context import ChangeContext
from release_gate.core.rules.base import Locate, Rule
from release_gate.core.rules.globs import PathMatcher
from release_gate.core.rules.path import GLOBS, shadows_of
from release_gate.core.rules.patterns import (
    PATTERN_BUDGET_SECONDS,
    LinePattern,
    PatternClock,
    PatternTimedOut,
)
from release_gate.core.verdict import Finding

_CORPUS_FROM = 64  # covered files from which ContentCheck scans the change set's whole text


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

    patterns: tuple[LinePattern, ...]
    paths: PathMatcher
    exclude: PathMatcher
    shadows: PathMatcher  # what imports under the name of a `.py` module in `paths`

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> ContentCheck:
        compiled = []
        for index, text in enumerate(raw["patterns"]):
            try:
                compiled.append(LinePattern.compile(text))
            except ValueError as error:
                raise locate(f"patterns/{index}", str(error)) from None
        paths = PathMatcher.from_config(raw, "paths", locate)
        return cls(tuple(compiled), paths, PathMatcher.from_config(raw, "exclude", locate),
                   shadows_of(paths))

    def covers(self, path: str) -> bool:
        if self.exclude and self.exclude.matches(path):
            return False
        return (not self.paths or self.paths.matches(path)
                or (bool(self.shadows) and self.shadows.matches(path)))

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        clock = PatternClock()  # each pattern's time budget, for this whole check
        for change, covered in self._covering(ctx.changes):
            if not change.content_known:
                reason = change.unknown_reason or "content not readable"
                yield rule.finding(
                    covered[0], None,
                    f"{rule.description}: {covered[0]} could not be read ({reason}); "
                    "treated as matching (fail closed).",
                )
                continue
            try:
                finding = self._first_match(rule, change, covered[0], clock)
            except _TimedOut as timed_out:
                where = change.path if timed_out.line is None else \
                    f"{change.path}:{timed_out.line.number}"
                finding = rule.finding(
                    change.path, None if timed_out.line is None else timed_out.line.number,
                    f"{rule.description}: pattern {timed_out.pattern!r} timed out on {where} "
                    f"(time budget {PATTERN_BUDGET_SECONDS:g} s per pattern and check): "
                    "treated as matching (fail closed).")
            if finding is not None:
                yield finding

    def _covering(self, changes: ChangeSet) -> list[tuple[FileChange, list[str]]]:
        """Each file this rule covers that a pattern may match, with its covered paths. On many
        files the whole change set's text is scanned once per literal (`_candidates`; joining
        it is paid once for every rule); a few, as `backend_v2/db/**` covers: file by file."""
        files = changes.files
        candidates = None
        if not self.paths and len(files) >= _CORPUS_FROM:  # every path but the excluded
            candidates = self._candidates(changes)
        covering = []
        for index, change in enumerate(files):
            if candidates is not None and change.content_known and index not in candidates:
                continue  # no pattern's prefilter lets it through: _first_match finds nothing
            covered = [path for path in change.paths if self.covers(path)]
            if covered:
                covering.append((change, covered))
        if candidates is None and self.paths and len(covering) >= _CORPUS_FROM:
            candidates = self._candidates(changes)
            if candidates is not None:
                where = {id(change): index for index, change in enumerate(files)}
                covering = [(change, covered) for change, covered in covering
                            if not change.content_known or where[id(change)] in candidates]
        return covering

    def _candidates(self, changes: ChangeSet) -> set[int] | None:
        """The files some pattern's literal prefilter (`_lines_matching`) lets through, found
        by scanning the whole change set's text once per literal; None: every file (a pattern
        without literals, or folded literals on a change set that is not all ASCII)."""
        corpus = changes.corpus
        found: set[int] = set()
        for pattern in self.patterns:
            if pattern.literals is not None and _single_line(pattern.literals):
                found |= corpus.files_holding(pattern.literals)
            elif pattern.literals is None and pattern.folded is not None \
                    and _single_line(pattern.folded) and corpus.lowered is not None:
                found |= corpus.files_holding(pattern.folded, lowered=True)
            else:
                return None
        return found

    def _first_match(self, rule: Rule, change: FileChange, path: str,
                     clock: PatternClock) -> Finding | None:
        added = self._matching_lines(change.added_text, change.added, clock)
        removed = self._matching_lines(change.removed_text, change.removed, clock)
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

    def _matching_lines(self, text: str, lines: Sequence[Line],
                        clock: PatternClock | None = None) -> list[tuple[Line, str]]:
        """Each line that some pattern matches on its own, with the leftmost matched text."""
        clock = clock or PatternClock()
        best: dict[int, tuple[int, str]] = {}  # line index -> (match start, matched text)
        folded = _Folded(text)
        for pattern in self.patterns:
            for index, start, word in _lines_matching(pattern, text, lines, clock, folded):
                if index not in best or start < best[index][0]:
                    best[index] = (start, word)
        return [(lines[index], best[index][1]) for index in sorted(best)]


def _single_line(literals: frozenset[str]) -> bool:
    return not any("\n" in literal for literal in literals)


class _TimedOut(Exception):
    def __init__(self, pattern: str, line: Line | None) -> None:
        super().__init__(pattern)
        self.pattern = pattern
        self.line = line


class _Folded:
    """A file side's text lower-cased, made once and only if a case-insensitive pattern needs
    it; None when the text is not ASCII (folded literals hold on ASCII text only)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._folded: str | None = None
        self._made = False

    def text(self) -> str | None:
        if not self._made:
            self._folded = self._text.lower() if self._text.isascii() else None
            self._made = True
        return self._folded


def _lines_matching(pattern: LinePattern, text: str, lines: Sequence[Line],
                    clock: PatternClock, folded: _Folded) -> Iterator[tuple[int, int, str]]:
    """(line index, start, matched text) of each line the pattern matches on its own.

    `text` is the lines joined by "\n". When the pattern is joinable, one search over it finds
    the candidates (C speed; per-line Python calls dominated `check` on a 100k-line PR) and
    only those lines are searched alone; otherwise every line holding a required literal is.
    A case-insensitive pattern's literals are looked for in the lower-cased text when it is
    ASCII (`_Folded`): a plain substring test, where `(?i)` had no prefilter at all.
    """
    literals = pattern.literals
    if not text and not lines:  # no lines join to "", where `x?` would match a line not there
        return
    if literals is not None and not any(lit in text for lit in literals):
        return
    lowered = folded.text() if pattern.folded is not None else None
    folded_literals = pattern.folded if lowered is not None else None
    if folded_literals is not None and lowered is not None \
            and not any(lit in lowered for lit in folded_literals):
        return
    if not pattern.joinable:
        for index, line in enumerate(lines):
            if literals is not None and not any(lit in line.text for lit in literals):
                continue
            if folded_literals is not None and \
                    not any(lit in line.text.lower() for lit in folded_literals):
                continue
            own = _search(clock, pattern, line.text, line)
            if own is not None:
                yield index, own.start(), own.group(0)
        return
    position = index = counted_to = 0
    while (candidate := _search(clock, pattern, text, None, position)) is not None:
        index += text.count("\n", counted_to, candidate.start())
        counted_to = candidate.start()
        line = lines[index]
        # Re-check on the line alone, so `\s` or `$` never match across a line break.
        own = _search(clock, pattern, line.text, line)
        if own is not None:
            yield index, own.start(), own.group(0)
        end_of_line = text.find("\n", candidate.start())
        if end_of_line < 0:
            break
        position = end_of_line + 1


def _search(clock: PatternClock, pattern: LinePattern, text: str, line: Line | None,
            pos: int = 0) -> Any:
    try:
        return clock.search(pattern, text, pos)
    except PatternTimedOut:
        raise _TimedOut(pattern.text, line) from None
