"""SIGINT and SIGTERM end the steps but never the teardown (runbook "Prod-write safety": the rows
are deleted "regardless of pass or fail"). GitHub Actions cancels a job with SIGINT, then SIGTERM
a few seconds later: the first signal during the steps stops them; any signal outside the steps
(sandbox start, teardown, report, sandbox stop) is recorded and the run finishes its cleanup.

The guard is installed before anything is started (`release-gate smoke` does it first thing), so
no signal can end the process while a sandbox it started is still running.

Deadlines: in the main thread a SIGALRM timer ends whatever is blocking when the steps' deadline
(or teardown's own budget) runs out, a mint command or a database call included; the runner also
checks the deadline between steps, which is all it can do off the main thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from release_gate.smoke.deadline import Deadline

HANDLED = (signal.SIGINT, signal.SIGTERM)


class SmokeInterrupted(BaseException):
    """Raised in the main thread when a handled signal arrives during the steps.

    A BaseException, like KeyboardInterrupt, so no `except Exception` in a step swallows it.
    """

    def __init__(self, signame: str) -> None:
        self.signame = signame
        super().__init__(signame)


class DeadlineReached(BaseException):
    """Raised in the main thread when the armed deadline runs out (a BaseException, as above)."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        super().__init__(f"{deadline.what or 'the deadline'} ran out")


class SignalGuard:
    """`with guard.installed():` around the whole run; `with guard.armed():` around the steps;
    `with guard.timed(deadline):` around work that must end on time but not on a signal."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.deferred: list[str] = []
        self._armed = False
        self._timer: Deadline | None = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._armed:
            self._armed = False  # one interruption is enough; the rest wait for teardown
            raise SmokeInterrupted(name)
        self.deferred.append(name)

    def _alarm(self, signum: int, frame: FrameType | None) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            self._armed = False
            raise DeadlineReached(timer)

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
    def armed(self, deadline: Deadline | None = None, *, grace: float = 0.0) -> Iterator[None]:
        """Signals raise SmokeInterrupted inside; one that came before raises on entry.
        With a deadline, DeadlineReached is raised when it runs out."""
        if self.enabled and self.deferred:
            raise SmokeInterrupted(self.deferred.pop(0))
        self._armed = self.enabled
        try:
            with self.timed(deadline, grace=grace):
                yield
        finally:
            self._armed = False

    @contextmanager
    def timed(self, deadline: Deadline | None, *, grace: float = 0.0) -> Iterator[None]:
        """Raise DeadlineReached in the main thread `grace` seconds after `deadline` runs out
        (off the main thread: a no-op)."""
        if not self.enabled or deadline is None or deadline.seconds is None:
            yield
            return
        previous = signal.signal(signal.SIGALRM, self._alarm)
        self._timer = deadline
        signal.setitimer(signal.ITIMER_REAL, max(deadline.remaining() + grace, 0.001))
        try:
            yield
        finally:
            self._timer = None  # first: an alarm firing from here on is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
