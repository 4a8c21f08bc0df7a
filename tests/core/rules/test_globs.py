"""The folded single-regex matcher agrees with pathspec's own gitignore matching."""

from __future__ import annotations

import time

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core.rules import globs
from release_gate.core.rules.globs import PathMatcher

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


NEGATED = [*PATTERNS, "!docs/keep.md", "!*.png", "!dir/", "!**/c", "docs/keep.md", "!a/"]


@settings(max_examples=300, deadline=1000)
@given(st.lists(st.sampled_from(NEGATED), min_size=1, max_size=6),
       st.lists(SEGMENT, min_size=1, max_size=4).map("/".join))
def test_negations_match_like_pathspec(patterns: list[str], path: str) -> None:
    matcher = PathMatcher.compile(patterns)
    assert matcher.matches(path) == pathspec.GitIgnoreSpec.from_lines(patterns).match_file(path)


def test_a_glob_that_backtracks_on_a_long_name_is_bounded_and_fails_closed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's re took minutes on this; the regex engine still needs seconds without a budget.
    monkeypatch.setattr(globs, "GLOB_BUDGET_SECONDS", 0.05)
    star_glob = "*a" * 12 + "*b"
    name = "a" * 3000
    include = PathMatcher.compile([star_glob])
    exclude = PathMatcher.compile([star_glob], on_timeout=False)
    negated = PathMatcher.compile([star_glob, "!x"])
    started = time.monotonic()
    results = [include.matches(name), exclude.matches(name), negated.matches(name)]
    assert time.monotonic() - started < 30  # a hang guard, not a speed assertion
    assert results == [True, False, True]  # timed out: judged, never excused


def test_negation_falls_back_to_pathspec() -> None:
    matcher = PathMatcher.compile(["docs/**", "!docs/keep.md"])
    assert matcher.combined is None
    assert matcher.matches("docs/a.md") and not matcher.matches("docs/keep.md")


def test_a_complex_glob_rules_out_paths_without_its_literal_before_the_slow_engine() -> None:
    # `**/gunicorn*.conf*` has too many wildcards for `re`; a path without "gunicorn" cannot
    # match it, so it is answered without the `regex` engine (and never compiles it).
    matcher = PathMatcher.compile(["Procfile", "**/gunicorn*.conf*"])
    assert matcher.fast is None and matcher.needles == {"Procfile", "gunicorn"}
    assert not matcher.matches("pkg/module.py") and "combined" not in matcher._engine
    assert matcher.matches("deploy/gunicorn.conf.py") and matcher.matches("Procfile")
    assert not matcher.matches("deploy/gunicorn.py")


@given(st.lists(SEGMENT, min_size=1, max_size=4).map("/".join))
def test_the_literal_prefilter_agrees_with_pathspec(path: str) -> None:
    patterns = ["**/gunicorn*.conf*", "backend_v2/**/*.p*", "Procfile"]
    matcher = PathMatcher.compile(patterns)
    assert matcher.needles is not None
    assert matcher.matches(path) == pathspec.GitIgnoreSpec.from_lines(patterns).match_file(path)


@given(st.sampled_from(["**/*.py", "a/**/*.py", "**/b/**", "a/**/c", "**/x.png"]),
       st.lists(SEGMENT, min_size=1, max_size=5).map("/".join))
def test_a_double_star_segment_runs_on_re_and_matches_like_pathspec(glob: str, path: str) -> None:
    # A `**` segment counts as one wildcard: these run on `re` (fast), with pathspec's meaning,
    # and a deep path of 1,024 characters is still answered (its backtracking stops at `/`).
    matcher = PathMatcher.compile([glob])
    assert matcher.fast is not None
    assert matcher.matches(path) == pathspec.GitIgnoreSpec.from_lines([glob]).match_file(path)
    deep = "a/" * 500 + "b/c.py"
    assert matcher.matches(deep) == pathspec.GitIgnoreSpec.from_lines([glob]).match_file(deep)
