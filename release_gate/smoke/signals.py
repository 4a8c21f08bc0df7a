"""SIGINT and SIGTERM end the steps but never the teardown (runbook "Prod-write safety": the rows
are deleted "regardless of pass or fail"). GitHub Actions cancels a job with SIGINT, then SIGTERM
a few seconds later: the first signal during the steps stops them; any signal outside the steps
(sandbox start, teardown, report, sandbox stop) is recorded and the run finishes its cleanup.
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

    def __init__(self, signame: str) -> None:
        self.signame = signame
        super().__init__(signame)


class SignalGuard:
    """`with guard.installed():` around the whole run; `with guard.armed():` around the steps."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.deferred: list[str] = []
        self._armed = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._armed:
            self._armed = False  # one interruption is enough; the rest wait for teardown
            raise SmokeInterrupted(name)
        self.deferred.append(name)

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

    @contextmanager
    def armed(self) -> Iterator[None]:
        """Signals raise SmokeInterrupted inside; one that came before raises on entry."""
        if self.enabled and self.deferred:
            raise SmokeInterrupted(self.deferred.pop(0))
        self._armed = self.enabled
        try:
            yield
        finally:
            self._armed = False
