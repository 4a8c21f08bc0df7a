"""Generated rules files and patterns: a verdict or one located line, never a crash or a hang.

Bounded for CI: explicit max_examples and a per-example deadline (docs/reliability.md).
"""

from __future__ import annotations

import re

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.rules.content import ContentCheck
from release_gate.core.rules.patterns import LinePattern
from release_gate.errors import ConfigError
from tests.fakes.context import FakeContext

BOUNDED = settings(max_examples=150, deadline=2000,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# --- patterns: each keeps its own meaning, and the fast scan finds what a per-line scan finds --

ATOMS = ["a", "b", "REDIS", "_URL", " ", r"\b", r"\B", "^", "$", r"\s", r"\S", ".", "[ab]",
         "[^a]", r"\d", r"\w", r"\W", "(?=a)", r"(?!\s)", "(?<=a)", "(?<!b)", r"\A", r"\Z",
         "(a)", "(?P<n>b)", r"\1", "(?:a|b)", "(?-m:^)", "(?-m:$)", "(?s:.)", "(?i:r)"]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{1,2}", "*?", "+?"]
piece = st.tuples(st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS)).map("".join)
pattern_text = st.builds(
    lambda flag, pieces, alternative: flag + "".join(pieces) + alternative,
    st.sampled_from(["", "", "(?i)", "(?s)"]),
    st.lists(piece, min_size=1, max_size=5),
    st.one_of(st.just(""), st.lists(piece, min_size=1, max_size=3).map(lambda p: "|" + "".join(p))),
)
line_text = st.text(alphabet="abREDIS_URL \t\r1é", max_size=12)


def _valid(text: str) -> bool:
    try:
        re.compile(text)
        LinePattern.compile(text)
    except (re.error, ValueError):
        return False
    return True


@BOUNDED
@given(st.lists(pattern_text, min_size=1, max_size=4), st.lists(line_text, max_size=8))
def test_each_line_matches_exactly_as_its_patterns_do_alone(
        patterns: list[str], texts: list[str]) -> None:
    assume(all(_valid(p) for p in patterns))
    check = ContentCheck.from_config({"patterns": patterns}, _unexpected)
    lines = tuple(Line(i + 1, text) for i, text in enumerate(texts))
    got = [line.number for line, _ in check._matching_lines("\n".join(texts), lines)]
    alone = [p.compiled for p in check.patterns]  # each pattern compiled on its own
    assert got == [line.number for line in lines if any(p.search(line.text) for p in alone)]


@BOUNDED
@given(pattern_text, st.lists(line_text, max_size=8))
def test_the_engine_flags_every_line_that_python_re_flags(pattern: str, texts: list[str]) -> None:
    # Patterns are written and validated as Python `re`, and run on `regex` (for its timeout).
    # Where the two differ, the engine may flag more (`\B` on an empty line), never less.
    assume(_valid(pattern))
    engine_pattern = LinePattern.compile(pattern).compiled
    python_re = re.compile(pattern, re.MULTILINE)
    for text in texts:
        if python_re.search(text):
            assert engine_pattern.search(text), (pattern, text)


def _unexpected(key: str, message: str) -> Exception:
    raise AssertionError(f"{key}: {message}")


# --- rules files: a Config or one located ConfigError line -----------------------------------

HOSTILE_PATTERNS = ["(a+)+$", "(a|aa)+$", "x{99999999999}", "(", "(?i)ok", "a(?i)b",
                    r"(REDIS)_\1", "(?P<k>a)|(?P<k>b)", "[z-a]", r"\b(?:users)\b", "é+"]
HOSTILE_GLOBS = ["[z-a]", "\\", "**", "!x", "a/**/b", "[", "*.py", "", "/", "é/**"]
KEYS = ["id", "kind", "description", "outcome", "paths", "patterns", "exclude", "checklist",
        "scope", "pahts", "version", "rules"]
VALUES = st.one_of(
    st.sampled_from(["c", "content", "path", "needs-smoke", "blocked", "d", "x-y"]),
    st.lists(st.sampled_from(HOSTILE_PATTERNS + HOSTILE_GLOBS), max_size=3),
    st.integers(), st.none(), st.booleans(), st.floats(allow_nan=True),
)
rule = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "Bad Id"]), "kind": st.sampled_from(["path", "content",
                                                                           "glob"]),
     "description": st.just("d"), "outcome": st.sampled_from(["needs-smoke", "blocked", "no"])},
    optional={"paths": st.lists(st.sampled_from(HOSTILE_GLOBS), min_size=1, max_size=3),
              "patterns": st.lists(st.sampled_from(HOSTILE_PATTERNS), min_size=1, max_size=3),
              "exclude": st.lists(st.sampled_from(HOSTILE_GLOBS), max_size=2),
              "extra": st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=2)},
).map(lambda r: {**{k: v for k, v in r.items() if k != "extra"}, **r.get("extra", {})})
document = st.fixed_dictionaries({"version": st.sampled_from([1, 1, 2, "1"]),
                                  "rules": st.lists(rule, max_size=3)})
SNIPPETS = ["&a ", "*a", "<<: *a\n", "? [a, b]\n: x\n", "[[[[", "{", "!!binary ", "\t", "\0",
            "\ufeff", "%YAML 1.1\n", "---\n", "...\n", "1: x\n", "null: y\n", "&r [*r]",
            "!!python/object/apply:os.system ['true']\n", "- ", ": ", "#", "'", '"', "\\"]


@st.composite
def rules_text(draw: st.DrawFn) -> str:
    text = yaml.safe_dump(draw(document), sort_keys=False)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    return text


LOCATED = re.compile(r"^rules\.yaml(:\d+:\d+)?: \S")
CONTEXT = FakeContext(ChangeSet("b" * 40, "h" * 40, (
    FileChange("a/x.py", FileStatus.MODIFIED, added=(Line(1, "REDIS aaaaaaaaaaaaaaaaaaaaaaaab"),)),
    FileChange("é/é.txt", FileStatus.RENAMED, "old.txt", content_known=False,
               unknown_reason="binary file"),
)))


@BOUNDED
@given(st.one_of(rules_text(), st.text(max_size=300)))
def test_any_rules_text_loads_or_gives_one_located_line_per_error(text: str) -> None:
    try:
        loaded = config.load_text(text, "rules.yaml")
    except ConfigError as error:
        lines = str(error).split("\n")
        assert all(LOCATED.match(line) for line in lines), lines
        assert len(set(lines)) == len(lines), lines  # every error once
        return
    engine.evaluate(loaded, CONTEXT, notes=())
