"""Generated real repositories: a sensitive change is never `clear`, and nothing crashes.

Each example is a real git repository with odd file names (spaces, non-UTF-8 bytes, a newline,
a leading dash), binary files, CRLF, missing final newlines and long lines, then a change made
of edits, additions, deletions, renames and copies (with and without edits), read under an
arbitrary git configuration (the repository's, or GIT_CONFIG_* in the environment) and
.gitattributes. The oracle is plain: if the lines holding SENSITIVE differ at any path between
base and head, `check` must say needs-smoke. Bounded for CI: max_examples=60 with no
per-example deadline (git itself is the cost, ~0.2-0.3 s an example); docs/reliability.md gives
the measured time.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tempfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate.cli import main

RULES = ("version: 1\nrules:\n  - id: sensitive\n    kind: content\n    description: d\n"
         "    outcome: needs-smoke\n    patterns: ['SENSITIVE']\n")
NAMES = ["a.txt", "dir/b.py", "sp ace.txt", "ünï/ç.txt", os.fsdecode(b"\xff\xfe.txt"),
         "-dash.txt", 'quo"te.txt', "tab\tname.txt", "new\nline.txt", "back\\slash.txt",
         "deep/er/c.json"]
LINES = ["SENSITIVE=1", "SENSITIVE=2", "plain", "", "x" * 20_000, "  indented SENSITIVE"]
CONFIG = [
    ("diff.interHunkContext", "5"), ("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"),
    ("color.ui", "always"), ("diff.renames", "false"), ("diff.renames", "copies"),
    ("core.quotePath", "true"), ("diff.algorithm", "histogram"), ("core.bigFileThreshold", "1"),
    ("diff.context", "7"), ("diff.suppressBlankEmpty", "true"), ("diff.relative", "true"),
    ("diff.hide.textconv", "true"), ("diff.hide.binary", "true"), ("core.autocrlf", "true"),
]
ATTRIBUTES = ["", "* -diff\n", "*.txt diff=hide\n", "* binary\n", "*.py diff=hide\n"]
GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@t.invalid", "GIT_CONFIG_NOSYSTEM": "1",
           "HOME": "/nonexistent"}


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return b"\0binary " + draw(st.sampled_from([b"SENSITIVE", b"plain"]))
    lines = draw(st.lists(st.sampled_from(LINES), max_size=6))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines)
    if lines and draw(st.booleans()):
        text += ending
    return text.encode()


@st.composite
def change(draw: st.DrawFn) -> tuple[dict[str, bytes], dict[str, bytes], list[tuple[str, str]]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    base = {name: draw(contents()) for name in names}
    head = dict(base)
    for name in names:
        action = draw(st.sampled_from(["keep", "edit", "delete", "rename", "copy"]))
        free = [n for n in NAMES if n not in head and n not in base]
        if action == "edit":
            head[name] = draw(contents())
        elif action == "delete":
            del head[name]
        elif action in ("rename", "copy") and free:
            target = draw(st.sampled_from(free))
            head[target] = base[name]
            if draw(st.booleans()):
                head[target] += b"plain\n"
            if action == "rename":
                del head[name]
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=2)):
        if name not in head and name not in base:
            head[name] = draw(contents())
    config = draw(st.lists(st.sampled_from(CONFIG), max_size=4))
    return base, head, config


def sensitive_lines(data: bytes | None) -> list[str]:
    text = (data or b"").decode("utf-8", "replace")
    return sorted(line for line in text.split("\n") if "SENSITIVE" in line)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def commit(root: Path, files: dict[str, bytes], previous: dict[str, bytes]) -> None:
    for name in previous:
        if name not in files:
            (root / name).unlink()
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "change")


@pytest.mark.slow  # generated: a real repository and a `check` per example
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(change(), st.sampled_from(ATTRIBUTES), st.sampled_from(["repository", "environment"]))
def test_a_sensitive_change_is_never_clear_whatever_the_repository_holds(
        generated: tuple[dict[str, bytes], dict[str, bytes], list[tuple[str, str]]],
        attributes: str, scope: str) -> None:
    base, head, config = generated
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        rules = Path(directory) / "rules.yaml"
        rules.write_text(RULES)
        commit(root, {**base, ".gitattributes": attributes.encode()}, {})
        git(root, "checkout", "-q", "-b", "pr")
        commit(root, {**head, ".gitattributes": attributes.encode()}, base)
        settings_env = {}
        for index, (key, value) in enumerate(config):
            if scope == "repository":
                git(root, "config", key, value)
            else:  # what a CI step's `env:` could carry
                settings_env.update({f"GIT_CONFIG_KEY_{index}": key,
                                     f"GIT_CONFIG_VALUE_{index}": value})
        if settings_env:
            settings_env["GIT_CONFIG_COUNT"] = str(len(config))
        out = io.StringIO()
        saved = dict(os.environ)
        os.environ.update(settings_env)
        try:
            with redirect_stdout(out):
                code = main(["check", "--repo", str(root), "--base", "main", "--head", "pr",
                             "--rules", str(rules), "--format", "json"])
        finally:
            os.environ.clear()
            os.environ.update(saved)
    assert code in (0, 3), out.getvalue()
    report = json.loads(out.getvalue())
    changed = [path for path in set(base) | set(head)
               if sensitive_lines(base.get(path)) != sensitive_lines(head.get(path))]
    if changed:
        assert report["verdict"] == "needs-smoke", (changed, report)
