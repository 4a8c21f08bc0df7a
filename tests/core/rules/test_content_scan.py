"""The content rule's one-pass scan finds exactly the lines a per-line scan would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from release_gate.core.changes import Line
from release_gate.core.rules.content import ContentCheck


def _unused_locate(key: str, message: str) -> Exception:
    raise AssertionError(f"unexpected config error at {key}: {message}")


CHECK = ContentCheck.from_config(
    {"patterns": [r"^\s*workers\s*=", r"--preload\b", r"\bREDIS_URL\b", r"x$", r"\s+$"]},
    _unused_locate,
)
PIECES = st.sampled_from(["workers =", "  workers=", "--preload", "--preloads", "REDIS_URL",
                          "REDIS_URLS", "x", "", "a x", " ", "\t", "y", "é"])
LINE_TEXT = st.lists(PIECES, max_size=4).map("".join)


@given(st.lists(LINE_TEXT, max_size=12))
def test_joined_scan_equals_per_line_scan(texts: list[str]) -> None:
    lines = tuple(Line(i + 1, text) for i, text in enumerate(texts))
    got = [(line.number, word) for line, word in CHECK._matching_lines("\n".join(texts), lines)]
    expected = []
    for line in lines:
        matches = [m for p in CHECK.patterns if (m := p.compiled.search(line.text)) is not None]
        if matches:
            expected.append((line.number, min(matches, key=lambda m: m.start()).group(0)))
    assert got == expected


@given(st.lists(LINE_TEXT, max_size=12))
def test_literal_prefilter_never_hides_a_match(texts: list[str]) -> None:
    assert [p.literals for p in CHECK.patterns[3:]] == [None, None]  # `x$`, `\s+$`: no literal
    strict = ContentCheck.from_config(
        {"patterns": [r"^\s*workers\s*=", r"--preload\b", r"\bREDIS_URL\b"]}, _unused_locate)
    assert [p.literals for p in strict.patterns] == [{"workers"}, {"--preload"}, {"REDIS_URL"}]
    lines = tuple(Line(i + 1, text) for i, text in enumerate(texts))
    got = strict._matching_lines("\n".join(texts), lines)
    assert [line.number for line, _ in got] == [
        line.number for line in lines
        if any(p.compiled.search(line.text) for p in strict.patterns)]
