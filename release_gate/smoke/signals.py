"""SIGINT and SIGTERM end the steps but never the teardown (runbook: rows are deleted "regardless
of pass or fail"). GitHub Actions cancels a job with SIGINT, then SIGTERM a few seconds later:
the first signal stops the steps, a second one during teardown is noted and otherwise ignored.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class SmokeInterrupted(BaseException):
    """Raised in the main thread when a handled signal arrives during the steps.

    A BaseException, like KeyboardInterrupt, so no `except Exception` in a step swallows it.
    """

    def __init__(self, signum: int) -> None:
        self.signame = signal.Signals(signum).name
        super().__init__(self.signame)


class SignalGuard:
    """Install with `with guard.steps():`; shield the teardown with `with guard.shielded():`."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.deferred: list[str] = []
        self._raise = True

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self._raise:
            self._raise = False  # one interruption is enough; the rest wait for teardown
            raise SmokeInterrupted(signum)
        self.deferred.append(signal.Signals(signum).name)

    @contextmanager
    def installed(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        previous = {s: signal.getsignal(s) for s in HANDLED}
        for s in HANDLED:
            signal.signal(s, self._handler)
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def shield(self) -> None:
        """From now on signals are recorded, not raised (teardown and shutdown run to the end)."""
        self._raise = False
