"""The folded single-regex matcher agrees with pathspec's own gitignore matching."""

from __future__ import annotations

import pathspec
from hypothesis import given
from hypothesis import strategies as st

from release_gate.rules.globs import PathMatcher

PATTERNS = ["backend_v2/db/**", "*.png", "Procfile", "docs/**", "gunicorn*.py",
            "**/gunicorn*.conf*", ".github/workflows/release-gate*.yml", "rules.yaml", "a/*/c",
            ".env*", "/root-only.txt", "dir/"]
SEGMENT = st.sampled_from(["backend_v2", "db", "x.png", "Procfile", "docs", "gunicorn.conf.py",
                           "gunicorn_x.py", ".github", "workflows", "release-gate-pr.yml",
                           "rules.yaml", "a", "b", "c", ".env.prod", "root-only.txt", "dir",
                           "ü n.py"])


@given(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=5, unique=True),
       st.lists(SEGMENT, min_size=1, max_size=4).map("/".join))
def test_folded_regex_matches_like_pathspec(patterns: list[str], path: str) -> None:
    matcher = PathMatcher.compile(patterns)
    assert matcher.combined is not None
    assert matcher.matches(path) == pathspec.GitIgnoreSpec.from_lines(patterns).match_file(path)


def test_negation_falls_back_to_pathspec() -> None:
    matcher = PathMatcher.compile(["docs/**", "!docs/keep.md"])
    assert matcher.combined is None
    assert matcher.matches("docs/a.md") and not matcher.matches("docs/keep.md")
