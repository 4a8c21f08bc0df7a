"""gitignore-style path patterns, compiled once at load (STYLE.md 1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pathspec


@dataclass(frozen=True)
class PathMatcher:
    patterns: tuple[str, ...]
    spec: pathspec.GitIgnoreSpec

    @classmethod
    def compile(cls, patterns: Sequence[str]) -> PathMatcher:
        return cls(tuple(patterns), pathspec.GitIgnoreSpec.from_lines(patterns))

    def matches(self, path: str) -> bool:
        return self.spec.match_file(path)

    def __bool__(self) -> bool:
        return bool(self.patterns)
