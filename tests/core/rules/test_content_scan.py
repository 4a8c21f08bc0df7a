"""The content rule's one-pass scan finds exactly the lines a per-line scan would."""

from __future__ import annotations

from hypothesis import given, settings
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


# Lookarounds whose body never takes a "\n" see a line's end in the joined text as they see the
# end of the line alone, so such patterns are scanned in one pass; `(?i)` patterns are
# prefiltered by lower-cased literals on ASCII text. Both must find exactly the per-line lines,
# with non-ASCII case partners (Kelvin sign, long s, dotted I) and line ends around.
LOOKAROUND_ATOMS = [r"(?<![\w-])", r"(?![\w-])", r"(?!=)", r"(?<=a)", r"(?<!\s)", r"(?=\s)",
                    r"(?=.)", r"(?s:(?=.))", r"(?=[^a])", r"(?![\S])", r"(?<=\d)", r"(?=$)",
                    r"(?<!^)", r"(?=\b)"]
WORD_ATOMS = ["-w", "REDIS_URL", "url", "origin", "sk", "a", r"\s*", r"\d", ":", "=", "^", "$"]
FLAGS = ["", "(?i)", "(?i)(?s)", "(?s)"]
lookaround_pattern = st.builds(
    lambda flag, parts: flag + "".join(parts), st.sampled_from(FLAGS),
    st.lists(st.one_of(st.sampled_from(LOOKAROUND_ATOMS), st.sampled_from(WORD_ATOMS)),
             min_size=1, max_size=5))
CASE_PIECES = st.sampled_from(["-w", "-W", "redis_url", "REDIS_URL", "Redis_Url", "URL", "uRl",
                               "origin", "ORIGIN", "\u212a", "sK", "\u017fk", "\u0130", "a",
                               " ", "\t", "=", ":", "1", "-", "x", "\r", ""])
case_line = st.lists(CASE_PIECES, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(lookaround_pattern, min_size=1, max_size=3), st.lists(case_line, max_size=10))
def test_lookarounds_and_case_folding_scan_as_per_line(patterns: list[str],
                                                       texts: list[str]) -> None:
    try:
        check = ContentCheck.from_config({"patterns": patterns}, _unused_locate)
    except AssertionError:
        return  # a pattern the gate refuses (not what this test is about)
    lines = tuple(Line(i + 1, text) for i, text in enumerate(texts))
    got = [(line.number, word) for line, word in check._matching_lines("\n".join(texts), lines)]
    expected = []
    for line in lines:
        matches = [m for p in check.patterns if (m := p.compiled.search(line.text)) is not None]
        if matches:
            expected.append((line.number, min(matches, key=lambda m: m.start()).group(0)))
    assert got == expected


def test_the_shipped_lookaround_and_case_insensitive_patterns_get_a_fast_path() -> None:
    # rules.yaml's `-w` flag and settings-field patterns: one pass over the joined text and a
    # literal prefilter, where they were searched line by line on every file of a large PR.
    from release_gate.core.rules.patterns import LinePattern

    flag = LinePattern.compile(r"(?<![\w-])-w(?:\d|(?![\w-]))")
    assert flag.joinable and flag.literals == {"-w"}
    field = LinePattern.compile(
        r"(?i)^\s+(?:rp_id|origin|(?:token_)?signing_key|(?:tls_)?url)\s*:(?!=)")
    assert field.joinable and field.literals is None
    assert field.folded == {"rp_id", "origin", "signing_key", "url"}
    assert LinePattern.compile(r"(?i)\bREDIS_(?:TLS_)?URL\b").folded == {"redis_"}
    assert not LinePattern.compile(r"(?<!\s)x").joinable  # `\s` takes the "\n"
    assert not LinePattern.compile(r"(?s)(?=.)x").joinable
    assert LinePattern.compile("(?i)\u212aelvin").folded is None  # a non-ASCII literal


# On many files, a content rule finds its candidate files by one scan of the whole change set's
# text per literal (changes.Corpus). The findings must be exactly those of the file-by-file scan,
# whatever the files hold: literals at a text's start or end, split over two files, only in
# removed lines, in other cases, next to non-ASCII text, or in files the rule does not cover.
SHIPPED = [rule for rule in __import__("release_gate.core.config", fromlist=["load_file"])
           .load_file(str(__import__("pathlib").Path(__file__).resolve().parents[3]
                          / "rules.yaml")).rules if rule.kind == "content"]
ASCII_PIECES = ["REDIS_URL", "redis_url", "Redis_", "URL", "-w", "-w4", "-", "w", "--preload",
                "workers = 2", "  origin: str", "users", "x", " ", "\n", "env_prefix", "prefix"]
file_text = st.lists(st.sampled_from(ASCII_PIECES), max_size=6).map("".join)
file_path = st.sampled_from(["app.py", "docs/a.md", "logo.png", "backend_v2/db/v/1.py",
                             "settings.py", "Procfile", "rules.yaml", "x.txt"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(file_path, file_text, file_text, st.booleans()), min_size=64,
                max_size=90),
       st.one_of(st.just(""), st.sampled_from(["\u017f", "\u212a", "\u0130", "\u00e9"])))
def test_the_whole_change_set_scan_finds_what_the_file_by_file_scan_finds(
        files: list[tuple[str, str, str, bool]], non_ascii: str) -> None:
    from release_gate.core.changes import ChangeSet, FileChange, FileStatus
    from release_gate.core.rules import content
    from tests.fakes.context import FakeContext

    def lines(text: str) -> tuple[Line, ...]:
        return tuple(Line(i + 1, part) for i, part in enumerate(text.split("\n"))) if text else ()

    if non_ascii:  # one file with a character whose case partner is ASCII
        files = [*files, ("x.txt", f"{non_ascii}ey_{non_ascii}", "", True)]
    changes = ChangeSet("b" * 40, "h" * 40, tuple(
        FileChange(f"{i}/{path}", FileStatus.MODIFIED, added=lines(added),
                   removed=lines(removed), content_known=known)
        for i, (path, added, removed, known) in enumerate(files)))
    for rule in SHIPPED:
        scanned = rule.evaluate(FakeContext(changes))
        original = content._CORPUS_FROM
        content._CORPUS_FROM = 10**9  # file by file
        try:
            one_by_one = rule.evaluate(FakeContext(ChangeSet(changes.base, changes.head,
                                                             changes.files)))
        finally:
            content._CORPUS_FROM = original
        assert scanned == one_by_one, rule.id
