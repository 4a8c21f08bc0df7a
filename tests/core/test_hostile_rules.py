"""Hostile rules files and patterns: located exit-2 errors in bounded time, never a crash or hang.

Every case here used to give "internal error" (exit 1, no location), hang, or silently change
what a pattern means (docs/reliability.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from release_gate.cli import main
from release_gate.core import config
from release_gate.core.changes import ChangeSet, FileChange, FileStatus, Line
from release_gate.core.rules import patterns as pattern_module
from release_gate.core.verdict import Outcome
from release_gate.errors import ConfigError
from tests.fakes.context import FakeContext

HEAD = "version: 1\nrules:\n"


def content_rule(*patterns: str, extra: str = "") -> str:
    listed = ", ".join(f"'{p}'" for p in patterns)
    return (f"{HEAD}  - id: c\n    kind: content\n    description: d\n    outcome: blocked\n"
            f"    patterns: [{listed}]\n{extra}")


def path_rule(*globs: str) -> str:
    listed = ", ".join(f"'{g}'" for g in globs)
    return (f"{HEAD}  - id: p\n    kind: path\n    description: d\n    outcome: blocked\n"
            f"    paths: [{listed}]\n")


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{previous}]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 40) -> str:
    lines = ["x-0: &m0 {k0: v}"]
    for level in range(1, levels):
        lines.append(f"x-{level}: &m{level} {{<<: [*m{level - 1}, *m{level - 1}], k{level}: v}}")
    return "version: 1\nrules: []\n" + "\n".join(lines) + "\n"


HOSTILE = [
    # (case, text, "line:col", words in the message)
    ("alias bomb", alias_bomb(), "6:5", ["expands to more than"]),
    ("merge-key bomb", merge_bomb(), ":", ["expands to more than"]),
    ("recursive anchor", "version: 1\nrules: &r [*r]\n", "2:8", ["recursive alias"]),
    ("5,000-deep flow nesting", "version: 1\nrules: " + "[" * 5000 + "]" * 5000 + "\n", "2:",
     ["nested more than"]),
    ("200-deep block nesting",
     "".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "v\n", "64:64",
     ["nested more than"]),
    ("sequence key", "version: 1\n? [a, b]\n: x\nrules: []\n", "2:3", ["key must be a string"]),
    ("integer key", "version: 1\nrules: []\n1: x\n", "3:1", ["key must be a string", "int"]),
    ("null key", "version: 1\nrules: []\nnull: x\n", "3:1", ["key must be a string"]),
    ("mapping key", "version: 1\nrules: []\n? {a: 1}\n: x\n", "3:3", ["key must be a string"]),
    ("bad glob range", path_rule("ok/**", "[z-a]"), "7:22", ["invalid glob", "[z-a]"]),
    ("unparsable glob", path_rule("\\"), "7:13", ["invalid glob"]),
    ("huge repeat count", content_rule("x{99999999999}"), "7:16",
     ["invalid regular expression"]),
    ("500 nested groups", content_rule("(?:" * 500 + "a" + ")" * 500), "7:16",
     ["nested too deeply"]),
    ("catastrophic nested repeat", content_rule("ok", "(a+)+$"), "7:22",
     ["exponential time"]),
    ("catastrophic repeat in an alternative", content_rule("(?:x|(?:\\w*))*z"), "7:16",
     ["exponential time"]),
    ("character YAML forbids", "version: 1\nrules: []\n  \x1f\n", "3:3", ["not allowed"]),
    ("oversized file", "version: 1\nrules: []\n# " + "x" * 1_000_001 + "\n", "1:1",
     ["larger than"]),
]


@pytest.mark.parametrize(("text", "where", "words"), [c[1:] for c in HOSTILE],
                         ids=[c[0] for c in HOSTILE])
def test_hostile_rules_give_one_located_line(text: str, where: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        config.load_text(text, "rules.yaml")
    message = str(raised.value)
    assert re.match(r"rules\.yaml:\d+:\d+: ", message), message
    assert message.startswith(f"rules.yaml:{where}") or where == ":", message
    assert "\n" not in message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("command", ["validate", "check", "smoke"])
def test_a_bomb_is_exit_2_with_location_on_every_command(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "rules.yaml"
    bomb.write_text(alias_bomb())
    args = {"validate": [str(bomb)],
            "check": ["--repo", str(tmp_path), "--rules", str(bomb), "--base", "HEAD"],
            # the rules load before any request: the unroutable target is never contacted
            "smoke": ["--target", "http://127.0.0.1:9", "--rules", str(bomb)]}[command]
    if command == "check":
        import subprocess
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c",
                        "user.email=t@t.invalid", "commit", "-q", "--allow-empty", "-m", "x"],
                       check=True)
    assert main([command, *args]) == 2
    assert f"{bomb}:6:5: " in capsys.readouterr().err


def test_validate_checks_every_file_even_after_a_bad_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules: &r [*r]\n")
    good = tmp_path / "good.yaml"
    good.write_text(path_rule("a/**"))
    assert main(["validate", str(bad), str(good)]) == 2
    captured = capsys.readouterr()
    assert f"{bad}:2:8: recursive alias" in captured.err
    assert "internal error" not in captured.err
    assert f"{good}: ok (1 rules)" in captured.out


def context_with(*texts: str) -> FakeContext:
    lines = tuple(Line(i + 1, text) for i, text in enumerate(texts))
    change = FileChange("config/app.env", FileStatus.MODIFIED, added=lines)
    return FakeContext(ChangeSet("b" * 40, "h" * 40, (change,)), {}, {})


def findings(rules_text: str, *texts: str) -> list[str]:
    loaded = config.load_text(rules_text, "rules.yaml")
    return [f.message for rule in loaded.rules for f in rule.evaluate(context_with(*texts))]


def test_a_backreference_keeps_its_number_after_other_patterns() -> None:
    rules = content_rule("^unrelated(x)", "(REDIS)_URL_\\1")
    assert findings(rules, "noise", "REDIS_URL_REDIS = 1") == ["d: line 2 adds `REDIS_URL_REDIS`."]
    assert findings(rules, "REDIS_URL_x") == []


def test_an_inline_flag_applies_to_its_own_pattern_only() -> None:
    rules = content_rule("SECRET", "(?i)webauthn_origin")
    assert findings(rules, "WebAuthn_Origin=x") == ["d: line 1 adds `WebAuthn_Origin`."]
    assert findings(rules, "secret") == []  # the first pattern stays case-sensitive


def test_duplicate_group_names_in_two_patterns_load_and_match() -> None:
    rules = content_rule("(?P<k>REDIS)_URL", "(?P<k>WEBAUTHN)_ORIGIN")
    assert findings(rules, "WEBAUTHN_ORIGIN=x") == ["d: line 1 adds `WEBAUTHN_ORIGIN`."]


def test_a_lookahead_at_the_end_of_a_line_is_judged_on_the_line_alone() -> None:
    # Scanning the lines joined by "\n" saw the next line's break and missed this match.
    rules = content_rule("REDIS_URL(?!\\s)")
    assert findings(rules, "export REDIS_URL", "other") == ["d: line 1 adds `REDIS_URL`."]


def test_a_pattern_that_matches_empty_text_on_a_side_with_no_lines() -> None:
    # A deletion has no added lines; "x?" matched the empty joined text and indexed line 0.
    loaded = config.load_text(content_rule("x?"), "rules.yaml")
    change = FileChange("config/app.env", FileStatus.MODIFIED, removed=(Line(3, "gone"),))
    ctx = FakeContext(ChangeSet("b" * 40, "h" * 40, (change,)), {}, {})
    (finding,) = [f for rule in loaded.rules for f in rule.evaluate(ctx)]
    assert finding.message == "d: removed line 3 mentioned ``."


def test_a_pattern_that_times_out_fails_closed_with_a_finding_that_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pattern_module, "PATTERN_BUDGET_SECONDS", 0.2)
    loaded = config.load_text(content_rule("(a|aa)+$"), "rules.yaml")
    lines = ["ok"] + ["a" * 200 + "b"] * 50
    messages = [f for rule in loaded.rules for f in rule.evaluate(context_with(*lines))]
    assert len(messages) == 1
    finding = messages[0]
    assert finding.outcome is Outcome.BLOCKED
    assert "pattern '(a|aa)+$' timed out on config/app.env" in finding.message
    assert "treated as matching (fail closed)" in finding.message


def test_validate_goes_on_after_a_file_that_crashes_the_loader(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever the next unknown crash is, it must not hide the next file's verdict (exit 1).
    crashing = tmp_path / "crash.yaml"
    crashing.write_text(path_rule("a/**"))
    good = tmp_path / "good.yaml"
    good.write_text(path_rule("b/**"))
    real_load_text = config.load_text

    def load_text(text: str, source: str, *, smoke_only: bool = False) -> config.Config:
        if source == str(crashing):
            raise MemoryError("simulated")
        return real_load_text(text, source, smoke_only=smoke_only)

    monkeypatch.setattr(config, "load_text", load_text)
    assert main(["validate", str(crashing), str(good)]) == 1
    captured = capsys.readouterr()
    assert f"internal error: {crashing}: MemoryError: simulated" in captured.err
    assert f"{good}: ok (1 rules)" in captured.out
