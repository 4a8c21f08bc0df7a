"""Keeps the sandbox of `--target sandbox` from outliving the smoke, however the smoke ends.

`python -m release_gate.smoke.keeper DIR keep|throwaway COMMAND...`, started by local.py with a
pipe on its standard input. It starts COMMAND (the sandbox) in a process group of its own and
waits. When the pipe closes, because the smoke stopped it, exited, or was killed with SIGKILL
(which no handler can catch), it kills that process group and, unless `keep`, removes DIR. When
the sandbox exits first, it exits with the sandbox's status and leaves DIR to the smoke (the log
in it explains the failed start).

Standard library only, and nothing from the sandbox: the smoke shares no code with its target.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1
_POLL_S = 0.2
_GRACEFUL_S = 10.0


def _child_setup() -> None:
    """In the sandbox, before exec: default signal handling (the keeper ignores SIGINT and
    SIGTERM, which would be inherited) and, on Linux, SIGKILL should the keeper itself die."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_group(child: subprocess.Popen[bytes], *, graceful: bool) -> None:
    if graceful and child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=_GRACEFUL_S)
    with contextlib.suppress(ProcessLookupError):  # the leader and anything it forked
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def main(argv: list[str]) -> int:
    directory, mode, command = argv[0], argv[1], argv[2:]
    # Only the pipe ends the keeper: a Ctrl-C or SIGTERM meant for the smoke must not take the
    # sandbox away before the smoke's teardown has read and deleted its rows.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True,
                             preexec_fn=_child_setup)  # safe: the keeper has one thread
    try:
        while True:
            readable, _, _ = select.select([sys.stdin.buffer], [], [], _POLL_S)
            if readable and not os.read(sys.stdin.buffer.fileno(), 4096):
                break  # end of file: the smoke is done with the sandbox, or gone
            code = child.poll()
            if code is not None:
                return code
    finally:
        _kill_group(child, graceful=mode == "keep")
    if mode != "keep":
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
