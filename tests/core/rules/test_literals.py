"""Required-literal extraction: a prefilter may be missing, but it must never be wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_gate.core.rules.literals import required_literals


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
