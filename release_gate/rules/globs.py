"""gitignore-style path patterns, compiled once at load (STYLE.md 1)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pathspec

if TYPE_CHECKING:
    from release_gate.rules.base import Locate

_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")


@dataclass(frozen=True)
class PathMatcher:
    """Matches paths with pathspec's gitignore semantics.

    When no pattern is a negation (`!x`), the patterns are folded into ONE regex, so a path costs
    one C-level match instead of a Python loop over every pattern (bench/check_large.py: 3,000
    files x every rule).
    """

    patterns: tuple[str, ...]
    spec: pathspec.GitIgnoreSpec
    combined: re.Pattern[str] | None

    @classmethod
    def compile(cls, patterns: Sequence[str]) -> PathMatcher:
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        regexes = [getattr(p, "regex", None) for p in spec.patterns]
        combined = None
        if regexes and all(
            r is not None and p.include for r, p in zip(regexes, spec.patterns, strict=True)
        ):
            combined = re.compile(
                "|".join(f"(?:{_NAMED_GROUP.sub('(?:', r.pattern)})" for r in regexes if r)
            )
        return cls(tuple(patterns), spec, combined)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], key: str, locate: Locate,
                    default: Sequence[str] = ()) -> PathMatcher:
        """The globs under `key`; a glob that does not compile is a located error (exit 2)."""
        patterns = raw.get(key, default)
        for index, pattern in enumerate(patterns):
            try:
                pathspec.GitIgnoreSpec.from_lines([pattern])
            except Exception as error:  # pathspec raises re.error, ValueError...
                raise locate(f"{key}/{index}", f"invalid glob {pattern!r}: {error}") from None
        return cls.compile(patterns)

    def matches(self, path: str) -> bool:
        if self.combined is not None:
            return self.combined.match(path) is not None
        return self.spec.match_file(path)

    def __bool__(self) -> bool:
        return bool(self.patterns)
