"""Exit codes and messages of the command line (docs/cli.md): one clear line, the right code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs release-gate as a process

OPTIONS = {"challenge": "dGVzdGNoYWxsZW5nZXRlc3RjaGFsbGVuZ2U",
           "rp": {"id": "localhost", "name": "x"},
           "user": {"id": "dXNlcg", "name": "a", "displayName": "a"},
           "pubKeyCredParams": [{"type": "public-key", "alg": -7}]}


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    options = tmp_path / "options.json"
    options.write_text(json.dumps(OPTIONS))
    process = subprocess.Popen(
        [sys.executable, "-m", "release_gate", "passkey", "--options", str(options),
         "--origin", "http://localhost"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # `| head -c 0`: the reader is gone before the first write
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("GITHUB_", "HEROKU_", "RAXX_"))}
    return subprocess.run([sys.executable, "-m", "release_gate", *args], capture_output=True,
                          text=True, timeout=120, check=False, env={**clean, **(env or {})})


def test_sandbox_on_a_busy_port_is_one_line_and_exit_2() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _cli("sandbox", "--port", str(port))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (f"release-gate: error: sandbox: cannot listen on 127.0.0.1:{port}: Address "
                    "already in use (another server is using it: pick another --port)")


@pytest.mark.parametrize("args", [["pr", "--pr", "1"], ["watch-config", "--app", "xy-app"]])
def test_no_repository_is_bad_input_exit_2_saying_what_is_missing(args: list[str]) -> None:
    done = _cli(*args, env={"GITHUB_TOKEN": "t", "HEROKU_API_KEY": "k"})
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("release-gate: error: no GitHub repository: ")
    assert "GITHUB_REPOSITORY" in line


@pytest.mark.parametrize(("args", "says"), [
    (["pr", "--pr", "1"], "the PR check needs a token"),
    (["watch-config", "--app", "xy-app"], "watch-config needs a token"),
])
def test_no_token_says_which_command_needs_it(args: list[str], says: str) -> None:
    done = _cli(*args, env={"GITHUB_REPOSITORY": "acme/api", "HEROKU_API_KEY": "k"})
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("release-gate: error: GITHUB_TOKEN is not set: ") and says in line
    if args[0] == "watch-config":
        assert "PR check" not in line and "--no-github --since-release" in line


def test_a_malformed_heroku_app_name_is_bad_input() -> None:
    done = _cli("watch-config", "--app", "X", "--no-github", "--since-release", "1",
                env={"HEROKU_API_KEY": "k"})
    assert done.returncode == 2
    assert "is not a Heroku app name" in done.stderr


def test_a_dns_failure_is_one_whole_line_naming_the_host() -> None:
    done = _cli("watch-config", "--app", "xy-app", "--no-github", "--since-release", "1",
                env={"HEROKU_API_KEY": "k", "HEROKU_API_URL": "https://api.no-such-host.invalid"})
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "cannot resolve the host name api.no-such-host.invalid (DNS: " in line
    assert line.endswith(")") and "Fail)" not in line


BLOCK = '''import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == {module!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Block())
'''
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["uvicorn", "fastapi", "webauthn", "redis"])
def test_a_sandbox_rehearsal_without_the_sandbox_extra_is_one_line_naming_it(
        tmp_path: Path, module: str) -> None:
    """install.md's `release-gate[smoke]` lacks what `smoke --target sandbox` runs."""
    (tmp_path / "sitecustomize.py").write_text(BLOCK.format(module=module))
    done = _cli("smoke", "--target", "sandbox",
                env={"PYTHONPATH": f"{tmp_path}:{ROOT}"})
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line == (f"release-gate: error: `smoke` needs the [sandbox] extra (pip install "
                    f"'release-gate[sandbox]'): No module named '{module}'")
