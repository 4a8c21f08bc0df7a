"""Literal prefilters for content patterns: which plain strings any match must contain.

Python's `re` scans a pattern that starts with `\\b` or `^` position by position (150 ms over a
4 MB PR), while `str.__contains__` finds a literal in ~1 ms. A file whose changed text holds none
of a pattern's required literals cannot match it, so the regex is skipped there. When the
literals cannot be derived (no mandatory literal), there is no prefilter.

A case-insensitive pattern (`(?i)`) gets folded literals instead: lower-case ASCII strings that
every match contains once the text is lower-cased, valid only on ASCII text. On ASCII text,
ignoring case can only pair an ASCII letter with its other ASCII case (the non-ASCII partners,
like the Kelvin sign for `k` or the long s for `s`, are not in the text), so `str.lower()` finds
exactly the places where the literal matches (content.py uses it when `str.isascii()`).
"""

from __future__ import annotations

import re
from typing import Any

try:  # CPython's regex parser; private, so its absence only disables the prefilter
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    sre_parse = None

_MIN_LENGTH = 2


def required_literals(patterns: list[str]) -> frozenset[str] | None:
    """Strings of which every match of any pattern contains at least one; None: unknown."""
    return _required(patterns, folded=False)


def folded_literals(patterns: list[str]) -> frozenset[str] | None:
    """Lower-case ASCII strings of which every match of any pattern, lower-cased, contains at
    least one, whatever the case flags; valid only for ASCII text. None: unknown, or a required
    character is not ASCII (its case partners may be)."""
    found = _required(patterns, folded=True)
    if found is None or not all(literal.isascii() for literal in found):
        return None
    return frozenset(literal.lower() for literal in found)


def _required(patterns: list[str], *, folded: bool) -> frozenset[str] | None:
    if sre_parse is None:
        return None
    found: set[str] = set()
    for pattern in patterns:
        try:
            parsed = sre_parse.parse(pattern)
        except (re.error, RecursionError):
            return None
        literals = _of_tree(parsed, folded=folded)
        if literals is None:
            return None
        found |= literals
    return frozenset(found)


def literals_of_parsed(parsed: Any) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """(required_literals, folded_literals when there are none) of one pattern already parsed
    by `re._parser` (patterns.py parses each pattern once)."""
    literals = _of_tree(parsed, folded=False)
    if literals is not None:
        return frozenset(literals), None
    folded = _of_tree(parsed, folded=True)
    if folded is None or not all(literal.isascii() for literal in folded):
        return None, None
    return None, frozenset(literal.lower() for literal in folded)


def _of_tree(parsed: Any, *, folded: bool) -> set[str] | None:
    if parsed.state.flags & re.IGNORECASE and not folded:
        return None
    return _of_sequence(list(parsed), folded)


def _of_sequence(items: list[tuple[Any, Any]], folded: bool) -> set[str] | None:
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is sre_parse.LITERAL:
            run.append(chr(av))
            continue
        if len(run) >= _MIN_LENGTH:
            candidates.append({"".join(run)})
        run = []
        inner = _of_node(op, av, folded)
        if inner is not None:
            candidates.append(inner)
    if not candidates:
        return None
    return max(candidates, key=lambda c: min(len(s) for s in c))


def _of_node(op: Any, av: Any, folded: bool) -> set[str] | None:
    if op is sre_parse.SUBPATTERN:
        if av[1] & re.IGNORECASE and not folded:  # (?i:...): its literals may match in any case
            return None
        return _of_sequence(list(av[-1]), folded)
    if op is sre_parse.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            literals = _of_sequence(list(branch), folded)
            if literals is None:
                return None
            union |= literals
        return union
    if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and av[0] >= 1:
        return _of_sequence(list(av[2]), folded)
    return None
