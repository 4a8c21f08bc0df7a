"""Deadlines on a monotonic clock: the whole smoke, each request, the teardown after them.

Per-read timeouts alone never end a target that drips one byte a second; a deadline is wall
time across every read, so each overrun is bounded and becomes a diagnosed FAIL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class Deadline:
    """`seconds` from now (None: never). `bound(t)` is how long a blocking call may still wait."""

    def __init__(self, seconds: float | None, *, what: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.what = what  # names the limit in messages: "the smoke's 600 s deadline (...)"
        self._clock = clock
        self.at = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return self.at - self._clock()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def bound(self, seconds: float | None) -> float:
        """`seconds`, shortened to what is left (never negative); `None` means no own limit."""
        left = max(0.0, self.remaining())
        return left if seconds is None else min(seconds, left)

    def sooner(self, other: Deadline | None) -> Deadline:
        return other if other is not None and other.at < self.at else self
