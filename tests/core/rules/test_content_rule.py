"""The `content` kind's own findings: which line is named, how many more, and which files it
reads (docs/rules.md, `content`). Each pins a decision a mutation of content.py would change."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.rules import patterns as pattern_module
from release_gate.core.rules.patterns import LinePattern
from release_gate.core.verdict import Finding
from release_gate.errors import ConfigError
from tests.fakes.context import FakeContext

RULES = """version: 1
rules:
  - id: redis
    kind: content
    description: Redis config changed
    outcome: needs-smoke
    paths: ['app/settings.py', 'deploy/**']
    patterns: ['REDIS_URL', 'redis://\\S+', '(?i)worker']
"""


def _rule(*patterns: str, paths: str = "['app/settings.py', 'deploy/**']", extra: str = "") -> str:
    listed = ", ".join(f"'{p}'" for p in patterns)
    return ("version: 1\nrules:\n  - id: c\n    kind: content\n    description: d\n"
            f"    outcome: needs-smoke\n    paths: {paths}\n    patterns: [{listed}]\n{extra}")


def _change(path: str, added: Sequence[str] = (), removed: Sequence[str] = ()) -> FileChange:
    return FileChange(path=path, status=FileStatus.MODIFIED,
                      added=tuple(Line(i + 10, t) for i, t in enumerate(added)),
                      removed=tuple(Line(i + 20, t) for i, t in enumerate(removed)))


def _findings(*changes: FileChange, rules: str = RULES) -> list[Finding]:
    # Loaded here, not at import: what the rule compiles from its entry is part of each test.
    policy = config.load_text(rules, "rules.yaml")
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, tuple(changes)))
    return list(engine.evaluate(policy, ctx).findings)


def test_one_match_names_its_line_and_no_more() -> None:
    (finding,) = _findings(_change("app/settings.py", ["REDIS_URL = env()"]))
    assert (finding.path, finding.line) == ("app/settings.py", 10)
    assert finding.message == "Redis config changed: line 10 adds `REDIS_URL`."


def test_the_count_of_more_lines_adds_added_and_removed_with_its_plural() -> None:
    (one_more,) = _findings(_change("app/settings.py", ["REDIS_URL = a"], ["REDIS_URL = b"]))
    assert one_more.message.endswith("adds `REDIS_URL` (and 1 more changed line).")
    (two_more,) = _findings(_change("app/settings.py", ["REDIS_URL = a", "x = 'redis://h'"],
                                    ["REDIS_URL = b"]))
    assert two_more.message.endswith("adds `REDIS_URL` (and 2 more changed lines).")


def test_a_removed_line_only_names_the_file_and_no_line() -> None:
    (finding,) = _findings(_change("app/settings.py", removed=["REDIS_URL = old"]))
    assert (finding.path, finding.line) == ("app/settings.py", None)
    assert finding.message == "Redis config changed: removed line 20 mentioned `REDIS_URL`."


def test_the_leftmost_match_on_a_line_is_the_word_named() -> None:
    # two patterns match; the one starting first on the line is named, whatever the rule's order
    (finding,) = _findings(_change("app/settings.py", ["url = redis://h # REDIS_URL"]))
    assert "adds `redis://h`" in finding.message
    (other,) = _findings(_change("deploy/x", ["REDIS_URL workers"]))
    assert "adds `REDIS_URL`" in other.message


def test_files_out_of_scope_do_not_stop_the_walk() -> None:
    found = _findings(_change("README.md", ["REDIS_URL"]),
                      FileChange(path="docs/x.bin", status=FileStatus.MODIFIED,
                                 content_known=False, unknown_reason="binary file"),
                      _change("deploy/a.env", ["nothing"]),
                      _change("deploy/b.env", ["REDIS_URL=1"]))
    assert [(f.path, f.line) for f in found] == [("deploy/b.env", 10)]


def test_unreadable_content_in_scope_matches_and_the_walk_goes_on() -> None:
    found = _findings(FileChange(path="deploy/blob", status=FileStatus.MODIFIED,
                                 content_known=False),
                      _change("deploy/b.env", ["REDIS_URL=1"]))
    assert [f.path for f in found] == ["deploy/b.env", "deploy/blob"]  # sorted by path
    assert found[1].message == ("Redis config changed: deploy/blob could not be read (content "
                                "not readable); treated as matching (fail closed).")


def test_what_imports_as_the_module_is_read_and_nothing_else() -> None:
    found = _findings(_change("app/settings/__init__.py", ["REDIS_URL = env()"]),
                      _change("app/other.py", ["REDIS_URL = env()"]))
    assert [f.path for f in found] == ["app/settings/__init__.py"]


# Patterns of both ways of scanning (patterns.py `joinable`): one pass over the joined lines
# (a lookaround whose body never takes a newline included), or line by line (a lookaround that
# can take one, a `^` without MULTILINE, `\A`: they could see past a line's ends).
ONE_PASS = ["redis://\\S+", "(?<![\\w])redis://\\S+"]
LINE_BY_LINE = ["redis://\\S+(?=\\s|$)", "(?-m:^)c = redis://\\S+", "\\Ac = redis://\\S+",
                "(?i)REDIS://\\S+(?=\\s|$)"]  # (?i): its literal is looked for lower-cased


def test_the_patterns_here_take_both_ways_of_scanning() -> None:
    # a precondition of the tests below, which mean to reach both scans through the rule
    assert [LinePattern.compile(p).joinable for p in ONE_PASS + LINE_BY_LINE] == \
        [True] * len(ONE_PASS) + [False] * len(LINE_BY_LINE)
    assert [LinePattern.compile(p).joinable for p in GENERATED] == \
        [True, True, True, False, False, True, True, True, False]
    assert [LinePattern.compile(p).joinable for p in (SLOW_ONE_PASS, SLOW_LINE_BY_LINE)] == \
        [True, False]
    assert [LinePattern.compile(p).joinable for p in CASELESS] == [True, False]


# A case-insensitive pattern also matches letters outside ASCII: `(?i)s` matches "ſ" (long s),
# `(?i)k` the Kelvin sign "K", which lower-casing does not turn into ASCII. The lower-cased
# literal is no prefilter for such text.
CASELESS = ["(?i)secret_key", "(?i)secret_key(?=\\s|$)"]


@pytest.mark.parametrize("pattern", CASELESS)
@pytest.mark.parametrize("word", ["ſecret_key", "secret_\u212aey", "SECRET_KEY", "Secret_Key"])
def test_a_case_insensitive_pattern_matches_every_spelling_of_its_word(pattern: str,
                                                                       word: str) -> None:
    (finding,) = _findings(_change("app/settings.py", ["a = 1", f"{word} = env()"]),
                           rules=_rule(pattern))
    assert finding.message == f"d: line 11 adds `{word}`."


@pytest.mark.parametrize("pattern", ONE_PASS + LINE_BY_LINE)
def test_lines_without_a_required_literal_are_skipped_and_later_ones_read(pattern: str) -> None:
    (finding,) = _findings(_change("app/settings.py", ["a = 1", "b = 2", "c = redis://cache"]),
                           rules=_rule(pattern))
    assert finding.line == 12 and finding.message.endswith("redis://cache`.")


@pytest.mark.parametrize("side", ["added", "removed"])
def test_a_pattern_for_an_empty_line_flags_a_change_of_one_empty_line(side: str) -> None:
    # One empty line joins to "", like no lines at all; only the latter has nothing to match.
    (finding,) = _findings(_change("app/settings.py", **{side: [""]}), rules=_rule("^$"))
    assert finding.message in ("d: line 10 adds ``.", "d: removed line 20 mentioned ``.")


def test_two_patterns_matching_at_the_same_place_name_the_word_of_the_first_listed() -> None:
    change = _change("app/settings.py", ["REDIS_URL_TLS = env()"])
    (first,) = _findings(change, rules=_rule("REDIS_URL", "REDIS_\\w+"))
    assert first.message == "d: line 10 adds `REDIS_URL`."
    (other,) = _findings(change, rules=_rule("REDIS_\\w+", "REDIS_URL"))
    assert other.message == "d: line 10 adds `REDIS_URL_TLS`."


@pytest.mark.parametrize("key", ["paths", "exclude"])
def test_an_invalid_glob_of_a_content_rule_is_located(key: str) -> None:
    extra = "    exclude: ['[z-a]']\n" if key == "exclude" else ""
    rules = _rule("REDIS_URL", paths="['[z-a]']" if key == "paths" else "['app/**']", extra=extra)
    with pytest.raises(ConfigError) as caught:
        config.load_text(rules, "rules.yaml")
    assert re.match(rf"rules\.yaml:\d+:\d+: rules\.0\.{key}\.0: invalid glob '\[z-a\]'",
                    str(caught.value)), str(caught.value)


# --- generated: the finding is what a plain per-line search with Python's `re` says -----------

# One-pass and line-by-line patterns, with and without a required literal (or one looked for in
# the lower-cased text, for `(?i)`); two that match at the same place; one that matches an
# empty line; one whose `\s` could run into the next line.
GENERATED = ["REDIS_URL", "REDIS_\\w+", "(?<![\\w])workers\\b", "(?-m:^)key",
             "workers(?=\\s|$)", "^$", "=\\s+$", "(?i)Worker", "(?i)(?-m:^)\\s*tls"]
GENERATED_RULES = _rule(*GENERATED)
PIECES = st.sampled_from(["REDIS_URL", "REDIS_", "TLS", "workers", "_workers", "WORKER", "key",
                          " key", "=", " ", "\t", "", "x", "é", "wor\u212aer", "tlſ"])
LINES = st.lists(st.lists(PIECES, max_size=4).map("".join), max_size=8)


def _expected(added: Sequence[str], removed: Sequence[str]) -> str | None:
    compiled = [re.compile(p, re.MULTILINE) for p in GENERATED]

    def hits(texts: Sequence[str], first: int) -> list[tuple[int, str]]:
        found = []
        for number, text in enumerate(texts, first):
            matches = [(m.start(), order, m.group(0)) for order, pattern in enumerate(compiled)
                       if (m := pattern.search(text)) is not None]
            if matches:
                found.append((number, min(matches)[2]))
        return found

    plus, minus = hits(added, 10), hits(removed, 20)
    count = len(plus) + len(minus)
    if not count:
        return None
    more = f" (and {count - 1} more changed line{'s' if count > 2 else ''})" if count > 1 else ""
    if plus:
        return f"d: line {plus[0][0]} adds `{plus[0][1]}`{more}."
    return f"d: removed line {minus[0][0]} mentioned `{minus[0][1]}`{more}."


@given(LINES, LINES)
@example([""], [])
@example([], [""])
@example(["x", "workers"], [])
@example(["REDIS_URLTLS"], [])
@example(["key =", "x key", " ", "key"], ["REDIS_TLS"])
@example(["x", " tlſ", "wor\u212aers"], [])  # (?i) letters outside ASCII
def test_the_finding_names_what_a_per_line_search_finds(added: list[str],
                                                        removed: list[str]) -> None:
    found = _findings(_change("deploy/app.env", added, removed), rules=GENERATED_RULES)
    expected = _expected(added, removed)
    assert [f.message for f in found] == ([] if expected is None else [expected])


# --- the time budget: per pattern and per check, a timeout says where it happened -------------

SLOW_LINE = "key=" + "a" * 60 + "b"  # (a|aa)+$ backtracks exponentially on it
SLOW_ONE_PASS = "key=(a|aa)+$"
SLOW_LINE_BY_LINE = "(?-m:^)key=(a|aa)+$"


@pytest.fixture()
def short_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_module, "PATTERN_BUDGET_SECONDS", 0.1)


@pytest.mark.parametrize(("pattern", "added", "line", "budget"), [
    # line by line: the search of that line alone runs out
    (SLOW_LINE_BY_LINE, [SLOW_LINE, "ok"], 10, 0.1),
    (SLOW_LINE_BY_LINE, ["key=ab", SLOW_LINE], 11, 0.1),
    # one pass: the joined lines match across the break at once, the line alone backtracks (a
    # larger budget, so that the quick joined search never runs out on a loaded machine)
    ("key=(x|xx)+\\s+$", ["key=" + "x" * 60, ""], 10, 0.3),
])
def test_a_timeout_on_one_line_names_that_line(pattern: str, added: list[str], line: int,
                                               budget: float,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_module, "PATTERN_BUDGET_SECONDS", budget)
    (finding,) = _findings(_change("deploy/app.env", added), rules=_rule(pattern))
    assert (finding.path, finding.line) == ("deploy/app.env", line)
    assert f"timed out on deploy/app.env:{line} (time budget" in finding.message
    assert finding.message.endswith("treated as matching (fail closed).")


@pytest.mark.usefixtures("short_budget")
def test_a_timeout_of_the_one_pass_scan_names_the_file() -> None:
    (finding,) = _findings(_change("deploy/app.env", ["ok", SLOW_LINE]),
                           rules=_rule(SLOW_ONE_PASS))
    assert (finding.path, finding.line) == ("deploy/app.env", None)
    assert "timed out on deploy/app.env (time budget" in finding.message


@pytest.mark.usefixtures("short_budget")
@pytest.mark.parametrize(("pattern", "harmless"), [
    (SLOW_ONE_PASS, "key=ab"), (SLOW_LINE_BY_LINE, "key=ab"),
    # (?i): the literal "key=" is looked for in the lower-cased text, so "KEY=" is searched
    ("(?i)" + SLOW_ONE_PASS, "KEY=ab"), ("(?i)" + SLOW_LINE_BY_LINE, "KEY=ab"),
])
@pytest.mark.parametrize("side", ["added", "removed"])
def test_a_pattern_that_spent_its_budget_matches_every_later_file_it_would_search(
        pattern: str, harmless: str, side: str) -> None:
    # The budget is per pattern for the whole check (docs/reliability.md): a PR of many slow
    # files costs it once, and the files after the first timeout are treated as matching
    # without a search, however harmless their lines. A file holding none of the pattern's
    # required literals ("key=") cannot match it and is still not searched.
    found = _findings(_change("deploy/a.env", [SLOW_LINE]),
                      _change("deploy/b.env", **{side: [harmless]}),
                      _change("deploy/c.env", **{side: ["no literal here"]}),
                      rules=_rule(pattern))
    assert [f.path for f in found] == ["deploy/a.env", "deploy/b.env"]
    assert all("timed out on" in f.message for f in found)
