"""Required-literal extraction: a prefilter may be missing, but it must never be wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_gate.core.rules.literals import folded_literals, required_literals


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"--preload\b", {"--preload"}),
    (r"\bWEB_CONCURRENCY\b", {"WEB_CONCURRENCY"}),
    (r"^\s*workers\s*=", {"workers"}),
    (r"\b(?:users|webauthn_credentials|bootstrap_tokens_\w+)\b",
     {"users", "webauthn_credentials", "bootstrap_tokens_"}),
    (r"(abc)+", {"abc"}),
    (r"(abc)?", None),
    (r"a|bc", None),
    (r"(?i)secret", None),
    (r"(?i:abc)defg", {"defg"}),
    (r"x*", None),
])
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    assert required_literals([pattern]) == (None if expected is None else frozenset(expected))


ALPHABET = "abcxyz_-"


@given(st.sampled_from([r"abc\w*x", r"(?:xyz|abc)+_", r"\bab(c|x)yz", r"a?bcx(yz)?", r"[ab]cxz"]),
       st.text(alphabet=ALPHABET, max_size=30))
def test_any_match_contains_a_required_literal(pattern: str, text: str) -> None:
    literals = required_literals([pattern])
    match = re.search(pattern, text)
    if literals is not None and match is not None:
        assert any(lit in match.group(0) for lit in literals)


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"(?i)secret", {"secret"}),
    (r"(?i)\b(?:WEB_CONCURRENCY|GUNICORN_CMD_ARGS)\b", {"web_concurrency", "gunicorn_cmd_args"}),
    (r"(?i:ABC)defg", {"defg"}),
    (r"(?i)REDIS_(?:TLS_)?URL", {"redis_"}),
    (r"(?i)x*", None),
    ("(?i)\u212a\u212a\u212a", None),  # Kelvin signs: their partners `k` and `K` are ASCII
    ("(?i)stra\u00dfe", None),
])
def test_folded_literals(pattern: str, expected: set[str] | None) -> None:
    assert folded_literals([pattern]) == (None if expected is None else frozenset(expected))


FOLD_ALPHABET = "abcABCxyzXYZ_-"


@given(st.sampled_from([r"(?i)abc\w*x", r"(?i)(?:xyz|ABC)+_", r"(?i)\bab(c|x)yz", r"(?i)Xy",
                        r"(?i:ab)cxz", r"(?i)a?bcx(yz)?"]),
       st.text(alphabet=FOLD_ALPHABET, max_size=30))
def test_an_ascii_match_lower_cased_contains_a_folded_literal(pattern: str, text: str) -> None:
    literals = folded_literals([pattern])
    match = re.search(pattern, text)
    if literals is not None and match is not None:
        assert any(lit in match.group(0).lower() for lit in literals)
