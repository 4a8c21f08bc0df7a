"""Every command that docs/runbook.md and docs/security.md show runs as written.

Each `sh` block line is checked by what it calls: a `release-gate` line is parsed by the real
command-line parser (every subcommand, flag and choice must exist, and the environment
variables it sets must be the ones the smoke reads); `gh workflow run` must name a dispatchable
workflow and its inputs. The rehearsal against the bundled sandbox is run for real. A command of
any other kind fails the test: the docs show nothing that nothing checks.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from release_gate import cli
from release_gate.core.smoke_config.settings import SmokeSettings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("runbook.md", "security.md")
_BLOCK = re.compile(r"^```sh\n(?P<body>.*?)^```", re.M | re.S)
_ENV = re.compile(r"^[A-Z][A-Z0-9_]*=")


def _commands(doc: str) -> list[str]:
    text = (ROOT / "docs" / doc).read_text("utf-8")
    lines = []
    for block in _BLOCK.finditer(text):
        for line in block["body"].splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line:
                lines.append(line)
    return lines


COMMANDS = [(doc, line) for doc in DOCS for line in _commands(doc)]


def _split(line: str) -> tuple[dict[str, str], list[str]]:
    words = shlex.split(line)
    env = {}
    while words and _ENV.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def test_the_runbook_shows_commands() -> None:
    assert len(_commands("runbook.md")) >= 6


@pytest.mark.parametrize(("doc", "line"), COMMANDS, ids=[f"{d}: {c}" for d, c in COMMANDS])
def test_each_command_runs_as_written(doc: str, line: str) -> None:
    env, words = _split(line)
    if words[0] == "release-gate":
        argv = words[1:]
        args = cli.build_parser(argv).parse_args(argv)  # SystemExit on any unknown flag
        assert callable(args.run)
        known = {SmokeSettings().env.allow_prod, SmokeSettings().env.email}
        assert set(env) <= known, f"{line}: sets {set(env) - known}, which the smoke ignores"
        if env.get(SmokeSettings().env.allow_prod) is not None:
            assert env[SmokeSettings().env.allow_prod] == "1"  # the fence wants exactly 1
    elif words[:3] == ["gh", "workflow", "run"]:
        _check_dispatch(words[3:])
    else:
        pytest.fail(f"{doc} shows a command no check covers: {line}")


def _check_dispatch(words: list[str]) -> None:
    workflow = ROOT / ".github" / "workflows" / words[0]
    assert workflow.is_file(), workflow
    spec = yaml.safe_load(workflow.read_text("utf-8"))
    trigger = spec.get("on", spec.get(True))  # PyYAML reads a bare `on:` key as True
    inputs = trigger["workflow_dispatch"]["inputs"]
    given = {}
    for flag, value in zip(words[1::2], words[2::2], strict=True):
        assert flag == "-f", words
        key, _, val = value.partition("=")
        assert key in inputs, f"{workflow.name} has no input {key!r}"
        options = inputs[key].get("options")
        if options:
            assert val in options, f"{key}={val} not in {options}"
        given[key] = val
    required = {k for k, v in inputs.items() if v.get("required") and "default" not in v}
    assert required <= set(given), f"missing required inputs {required - set(given)}"


@pytest.mark.slow  # the rehearsal runs the whole smoke against a real sandbox
def test_the_sandbox_rehearsal_really_passes(tmp_path: Path) -> None:
    line = next(c for _, c in COMMANDS if c == "release-gate smoke --target sandbox")
    _, words = _split(line)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "SANDBOX_FAULT", "REDIS_URL")}
    done = subprocess.run([sys.executable, "-m", "release_gate", *words[1:]], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SMOKE VERDICT: PASS" in done.stdout


def test_the_runbook_covers_every_diagnosis_of_the_smoke() -> None:
    """Its "Each failure row" table names every id of docs/smoke.md's table (which
    tests/smoke/test_diagnosis.py holds to the code), and no other."""
    smoke = (ROOT / "docs" / "smoke.md").read_text("utf-8")
    section = smoke.split("## Interpreting failures", 1)[1].split("\n## ", 1)[0]
    ids = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.M))
    runbook = (ROOT / "docs" / "runbook.md").read_text("utf-8")
    rows = runbook.split("## Each failure row", 1)[1].split("\n## ", 1)[0]
    named = {name for cell in re.findall(r"^\| ([^|]+) \|", rows, re.M)
             for name in re.findall(r"`([a-z-]+)`", cell)}
    assert ids and named == ids
