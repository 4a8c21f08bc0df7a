"""SIGTERM at any moment of `smoke --target sandbox` leaves no process and no directory behind,
and the exit status agrees with the verdict printed (Actions cancels a job with SIGINT, then
SIGTERM; runbook "Prod-write safety": teardown runs "regardless of pass or fail").

Real processes and real signals: the smoke runs as a subprocess with its own TMPDIR and a marker
in its environment, which the sandbox it starts inherits, so /proc shows whatever is left.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.smoke._harness import LineReader, base_env, cli, new_marker, processes_with
from tests.smoke._hostile import wait_until

pytestmark = pytest.mark.slow  # signals to running smokes and sandboxes

Wait = Callable[[subprocess.Popen[str], LineReader, str], None]


def _after(seconds: float) -> Wait:
    return lambda process, reader, marker: time.sleep(seconds)


def _sandbox_spawned(process: subprocess.Popen[str], reader: LineReader, marker: str) -> None:
    # The sandbox process exists but is not serving yet: the window where it used to be
    # orphaned (the guard was installed only after it started).
    assert wait_until(lambda: any(b"release_gate.sandbox" in _cmdline(pid)
                                  for pid in processes_with(marker)), timeout=30, every=0.005)


def _line(needle: str) -> Wait:
    return lambda process, reader, marker: reader.until(needle, timeout=60)


MOMENTS: dict[str, tuple[Wait, str | None]] = {
    # moment -> (how to reach it, the verdict that must follow; None: any consistent outcome)
    # "during-the-steps" holds the run after step 2 (PAUSED); the others run straight through.
    "at-once": (_after(0), None),
    "during-start-up": (_after(0.3), None),
    "sandbox-spawned-not-ready": (_sandbox_spawned, "FAIL"),
    "during-the-steps": (_line("[step 2] pausing"), "FAIL"),
    "after-the-verdict": (_line("SMOKE VERDICT: PASS"), "PASS"),
}
PAUSED = {"during-the-steps"}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_sigterm_leaves_nothing_behind_and_exit_status_matches_verdict(
        moment: str, tmp_path: Path) -> None:
    wait, expected = MOMENTS[moment]
    out, err, code = _signal_run(tmp_path, wait, signal.SIGTERM, pause=moment in PAUSED)
    assert "Traceback" not in err, err
    verdicts = re.findall(r"^SMOKE VERDICT: (PASS|FAIL)$", out, re.MULTILINE)
    assert len(verdicts) <= 1
    verdict = verdicts[0] if verdicts else None
    if expected is not None:
        assert verdict == expected, out + err
    assert code == {"PASS": 0, "FAIL": 1}.get(verdict or "", code), (code, verdict)
    if verdict is None:
        assert code != 0, "no verdict printed, yet exit 0"
    if verdict == "FAIL":
        assert "Run interrupted by SIGTERM" in out, out


@pytest.mark.parametrize("moment", ["sandbox-spawned-not-ready", "during-the-steps"])
def test_sigkill_leaves_no_sandbox_and_no_directory(moment: str, tmp_path: Path) -> None:
    # SIGKILL cannot be caught: the keeper (release_gate/smoke/keeper.py) sees its pipe close.
    _, _, code = _signal_run(tmp_path, MOMENTS[moment][0], signal.SIGKILL,
                             pause=moment in PAUSED)
    assert code == -signal.SIGKILL


def _signal_run(tmp_path: Path, wait: Wait, signum: signal.Signals, *, pause: bool
                ) -> tuple[str, str, int]:
    """Start the smoke, reach the moment, send the signal; then check nothing is left."""
    marker = new_marker()
    env = base_env(TMPDIR=str(tmp_path), RELEASE_GATE_TEST_MARK=marker)
    if pause:
        env["RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"] = "2:30"
    process = subprocess.Popen(cli("smoke", "--target", "sandbox"), env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    try:
        reader = LineReader(process)
        wait(process, reader, marker)
        process.send_signal(signum)
        code = process.wait(timeout=60)
        out = reader.rest()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    err = process.stderr.read()
    process.stderr.close()
    assert wait_until(lambda: processes_with(marker) == [], timeout=10), \
        f"left running: {[_cmdline(p) for p in processes_with(marker)]}"
    assert list(tmp_path.iterdir()) == [], "a temporary directory was left behind"
    return out, err, code


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""
