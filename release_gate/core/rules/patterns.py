"""One content pattern: checked alone at load, run alone with a time budget (docs/reliability.md).

Each pattern keeps exactly the meaning it has on its own: patterns are never joined into one
regex (that renumbers backreferences, moves inline flags and clashes group names). Patterns are
written in Python `re` syntax and validated with `re`; they run on the `regex` engine, whose
VERSION0 mode has `re`'s semantics and, unlike `re`, a timeout. A search that runs out of its
time budget is reported by the caller as a match (fail closed); the budget is per pattern and
per check, so a pathological pattern costs at most PATTERN_BUDGET_SECONDS in a whole check.

The `regex` engine is imported and a pattern compiled on it only when the pattern first runs:
most files of a change are ruled out by a literal prefilter, and on a small change no pattern
may run at all (the import and the compiling were a tenth of `check`'s fixed cost,
bench/startup.py). A pattern `regex` refused there would end the check with an error, never a
pass; `re` has already accepted it, and VERSION0 is `regex`'s `re`-compatible mode.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from release_gate.core.rules.literals import literals_of_parsed, required_literals

try:  # CPython's regex parser (private): used to refuse nested repeats and to decide joinability
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    sre_parse = sre_constants = None

PATTERN_BUDGET_SECONDS = 1.0


class PatternTimedOut(Exception):
    """The pattern used up its time budget; the caller treats the text as matching."""


@dataclass(frozen=True)
class LinePattern:
    text: str
    # Strings one of which every match contains (literals.py); None: no prefilter.
    literals: frozenset[str] | None
    # True when one search over the lines joined by "\n" finds (at least) every line that
    # matches on its own. False for patterns that can see past a line's ends: a lookaround
    # whose body can take a "\n", \A and \Z, a `^`/`$` with MULTILINE switched off,
    # conditional groups.
    joinable: bool
    # When `literals` is None: lower-case ASCII strings one of which every match contains once
    # the text is lower-cased, valid on ASCII text only (literals.folded_literals); None: none.
    folded: frozenset[str] | None = None
    _engine: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def compiled(self) -> Any:
        """The pattern on the `regex` engine (regex.Pattern[str]), compiled on first use."""
        if not self._engine:
            import regex

            self._engine.append(regex.compile(self.text, regex.MULTILINE | regex.VERSION0))
        return self._engine[0]

    @classmethod
    def compile(cls, text: str) -> LinePattern:
        """Raises ValueError with a one-line reason for a pattern the gate refuses."""
        try:
            re.compile(text)
            tree = sre_parse.parse(text) if sre_parse is not None else None
            parsed = list(tree) if tree is not None else None
            nested = parsed is not None and _nested_unbounded_repeat(parsed)
            joinable = parsed is not None and _joinable(
                parsed, dotall=bool(tree is not None and tree.state.flags & re.DOTALL))
        except RecursionError:
            raise ValueError("invalid regular expression: groups nested too deeply") from None
        except (re.error, OverflowError, ValueError) as error:
            raise ValueError(f"invalid regular expression: {error}") from None
        if nested:
            raise ValueError(
                "a repeated group whose body is itself an unbounded repeat (like `(a+)+`) "
                "can take exponential time; write the inner repeat once (`a+`)")
        if tree is not None:
            literals, folded = literals_of_parsed(tree)
        else:  # pragma: no cover
            literals, folded = required_literals([text]), None
        return cls(text, literals, joinable, folded)


@dataclass
class PatternClock:
    """The time each pattern has spent in one check; a search gets what is left as timeout."""

    spent: dict[str, float] = field(default_factory=dict)

    def search(self, pattern: LinePattern, text: str, pos: int = 0) -> Any:
        left = PATTERN_BUDGET_SECONDS - self.spent.get(pattern.text, 0.0)
        if left <= 0:
            raise PatternTimedOut(pattern.text)
        started = time.monotonic()
        try:
            match = pattern.compiled.search(text, pos, timeout=left)
        except TimeoutError:
            self.spent[pattern.text] = PATTERN_BUDGET_SECONDS
            raise PatternTimedOut(pattern.text) from None
        self.spent[pattern.text] = self.spent.get(pattern.text, 0.0) + time.monotonic() - started
        return match


def _children(op: Any, av: Any) -> list[list[Any]]:
    """The sub-sequences of one parsed node."""
    if op is sre_constants.SUBPATTERN:
        return [list(av[-1])]
    if op is sre_constants.BRANCH:
        return [list(branch) for branch in av[1]]
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT,
              getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
        return [list(av[2])]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [list(av[1])]
    if op is getattr(sre_constants, "ATOMIC_GROUP", None):
        return [list(av)]
    if op is sre_constants.GROUPREF_EXISTS:
        return [list(part) for part in av[1:] if part is not None]
    return []


def _is_unbounded_repeat(op: Any, av: Any) -> bool:
    return op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) \
        and av[1] == sre_constants.MAXREPEAT


def _only_an_unbounded_repeat(items: list[Any]) -> bool:
    """The sequence is (through groups and alternatives) a single unbounded repeat."""
    if len(items) != 1:
        return False
    op, av = items[0]
    if _is_unbounded_repeat(op, av):
        return True
    if op is sre_constants.SUBPATTERN:
        return _only_an_unbounded_repeat(list(av[-1]))
    if op is sre_constants.BRANCH:
        return any(_only_an_unbounded_repeat(list(branch)) for branch in av[1])
    return False


def _nested_unbounded_repeat(items: list[Any]) -> bool:
    for op, av in items:
        if _is_unbounded_repeat(op, av) and _only_an_unbounded_repeat(list(av[2])):
            return True
        if any(_nested_unbounded_repeat(child) for child in _children(op, av)):
            return True
    return False


def _joinable(items: list[Any], multiline: bool = True, dotall: bool = False) -> bool:
    """No part of the pattern answers differently at a line's end in the joined text (a
    newline) than at the end of the line alone. `^`, `$` (MULTILINE), `\\b` and `\\B` see a
    newline as they see the end of a string. A lookaround whose body can never take a newline
    cannot tell them apart either: what it could match past the line's end would hold one."""
    for op, av in items:
        if op is sre_constants.GROUPREF_EXISTS:
            return False
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) and \
                _may_take_newline(list(av[1]), dotall):
            return False
        if op is sre_constants.AT and (
                av in (sre_constants.AT_BEGINNING_STRING, sre_constants.AT_END_STRING)
                or (not multiline and av in (sre_constants.AT_BEGINNING, sre_constants.AT_END))):
            return False
        inner_multiline, inner_dotall = multiline, dotall
        if op is sre_constants.SUBPATTERN:
            add_flags, del_flags = av[1], av[2]
            if del_flags & re.MULTILINE:
                inner_multiline = False
            if add_flags & re.MULTILINE:
                inner_multiline = True
            inner_dotall = _scoped(dotall, add_flags, del_flags, re.DOTALL)
        if not all(_joinable(child, inner_multiline, inner_dotall)
                   for child in _children(op, av)):
            return False
    return True


def _scoped(on: bool, add_flags: int, del_flags: int, flag: int) -> bool:
    if del_flags & flag:
        return False
    return True if add_flags & flag else on


# Character-class categories that hold "\n" (the others, \d, \w, \S and the like, do not).
_CATEGORIES_WITH_NEWLINE = frozenset(
    getattr(sre_constants, name, None) for name in (
        "CATEGORY_NOT_DIGIT", "CATEGORY_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_LINEBREAK",
        "CATEGORY_LOC_NOT_WORD", "CATEGORY_UNI_NOT_DIGIT", "CATEGORY_UNI_SPACE",
        "CATEGORY_UNI_NOT_WORD", "CATEGORY_UNI_LINEBREAK"))
_CATEGORIES_WITHOUT_NEWLINE = frozenset(
    getattr(sre_constants, name, None) for name in (
        "CATEGORY_DIGIT", "CATEGORY_NOT_SPACE", "CATEGORY_WORD", "CATEGORY_NOT_LINEBREAK",
        "CATEGORY_LOC_WORD", "CATEGORY_UNI_DIGIT", "CATEGORY_UNI_NOT_SPACE",
        "CATEGORY_UNI_WORD", "CATEGORY_UNI_NOT_LINEBREAK"))
_NEWLINE = ord("\n")


def _may_take_newline(items: list[Any], dotall: bool) -> bool:
    """Whether some match of the sequence can hold a newline (True whenever unsure)."""
    for op, av in items:
        if op is sre_constants.LITERAL:
            if av == _NEWLINE:
                return True
        elif op is sre_constants.NOT_LITERAL:
            if av != _NEWLINE:
                return True
        elif op is sre_constants.ANY:
            if dotall:
                return True
        elif op is sre_constants.IN:
            if _class_holds_newline(av):
                return True
        elif op is sre_constants.AT:
            continue  # consumes nothing
        elif op is sre_constants.SUBPATTERN:
            inner = _scoped(dotall, av[1], av[2], re.DOTALL)
            if _may_take_newline(list(av[-1]), inner):
                return True
        elif op in (sre_constants.BRANCH, sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT,
                    sre_constants.ASSERT, sre_constants.ASSERT_NOT,
                    getattr(sre_constants, "POSSESSIVE_REPEAT", None),
                    getattr(sre_constants, "ATOMIC_GROUP", None)):
            if any(_may_take_newline(child, dotall) for child in _children(op, av)):
                return True
        else:  # a backreference, a conditional group, anything not known here
            return True
    return False


def _class_holds_newline(items: list[tuple[Any, Any]]) -> bool:
    negated = bool(items) and items[0][0] is sre_constants.NEGATE
    held = False
    for op, av in items[1:] if negated else items:
        if op is sre_constants.LITERAL:
            held = held or av == _NEWLINE
        elif op is sre_constants.RANGE:
            held = held or av[0] <= _NEWLINE <= av[1]
        elif op is sre_constants.CATEGORY and av in _CATEGORIES_WITH_NEWLINE:
            held = True
        elif not (op is sre_constants.CATEGORY and av in _CATEGORIES_WITHOUT_NEWLINE):
            return True  # not known here: assume it holds one
    return held != negated
