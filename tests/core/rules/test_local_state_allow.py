"""Where `# release-gate: allow-process-local-state <reason>` lifts a finding, and what a reason
is (docs/rules.md, `process-local-state`; RCA 2026-05-25, factor 1).

Generated: a definition one to four lines long, the allow comment on every line of the file (only
a line of the definition lifts), and reasons made of punctuation with or without a word in them
(only a word makes a reason; without one the finding stays and says the reason is missing).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.rules.test_local_state import SERVICE, judge

ALLOW = "release-gate: allow-process-local-state"
REASON = "rebuilt in every process, losing it is harmless"


def _module(height: int) -> list[str]:
    """An import, a dict literal `height` lines long (lines 2 to height + 1), a function that
    mutates it."""
    if height == 1:
        definition = ["_cache = {'a': 1}"]
    else:
        definition = ["_cache = {", *[f"    'k{i}': {i}," for i in range(height - 2)], "}"]
    return ["import logging", *definition, "", "", "def put(k, v):",
            "    _cache[k] = v", "    logging.debug(k)"]


@pytest.mark.parametrize("height", [1, 2, 3, 4])
def test_only_an_allow_comment_on_the_definition_lifts_the_finding(height: int) -> None:
    lines = _module(height)
    definition = range(2, height + 2)
    for number in range(1, len(lines) + 1):
        commented = [f"{line}  # {ALLOW} {REASON}" if n == number else line
                     for n, line in enumerate(lines, 1)]
        found = judge({}, {SERVICE: "\n".join(commented) + "\n"})
        if number in definition:
            assert found == [], f"the allow comment on line {number} should lift the finding"
        else:
            (finding,) = found
            assert finding.line == 2
            assert "gives no reason" not in finding.message


# Characters that are no word character (`\w`): what may pad a reason, never make one.
PUNCTUATION = st.text(st.sampled_from(list(" \t!?.,;:-—–*#/\\()[]{}<>'\"`~^=+|&%$@…·")),
                      max_size=12)


def _with_allow(comment: str) -> str:
    return f"_cache = {{}}  # {comment}\n\n\ndef put(k, v):\n    _cache[k] = v\n"


@settings(max_examples=80, deadline=None)
@given(separator=st.sampled_from([" ", ":", ": ", "\t", " - "]), reason=PUNCTUATION)
def test_a_reason_without_a_word_is_no_reason(separator: str, reason: str) -> None:
    (finding,) = judge({}, {SERVICE: _with_allow(f"{ALLOW}{separator}{reason}")})
    assert finding.line == 1
    assert (f"The `# {ALLOW}` comment on line 1 gives no reason, so it does not lift this"
            in finding.message)


@settings(max_examples=80, deadline=None)
@given(separator=st.sampled_from([" ", ":", ": ", "\t", " - "]), before=PUNCTUATION,
       word=st.sampled_from(["x", "cache", "JWKs", "42", "dédup", "per_process"]),
       after=PUNCTUATION)
def test_a_reason_with_a_word_lifts_the_finding(separator: str, before: str, word: str,
                                                after: str) -> None:
    assert judge({}, {SERVICE: _with_allow(f"{ALLOW}{separator}{before}{word}{after}")}) == []
