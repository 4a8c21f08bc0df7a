"""Exit codes and messages of the command line (docs/cli.md): one clear line, the right code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
