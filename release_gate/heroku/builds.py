"""A build of a source tarball on Heroku, followed to its release (`release-gate deploy`).

`POST /apps/{app}/builds` answers at once with `pending` and an `output_stream_url` (the build's
log, a plain HTTPS stream that ends with the build); the build then becomes `succeeded` or
`failed`, and a succeeded build names its release, itself `pending` while a release phase runs
(Platform API reference, "Build" and "Release"; devcenter "Building and Releasing Using the
Platform API").
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import requests

from release_gate.errors import HerokuError
from release_gate.heroku.api import Build, HerokuApi, Release

POLL_S = 2.0
EXCERPT_LINES = 40  # the build log's last lines kept for the report
MAX_LINE = 500


class BuildLog:
    """The build's output stream, read on a thread: each line goes to `sink` (the job log) and
    the last EXCERPT_LINES are kept for the report."""

    def __init__(self, url: str, *, verify: str | bool, sink: Callable[[str], None]) -> None:
        self._url, self._verify, self._sink = url, verify, sink
        self.tail: deque[str] = deque(maxlen=EXCERPT_LINES)
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="heroku-build-log", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with requests.get(self._url, stream=True, verify=self._verify,
                              timeout=(10.0, 120.0)) as response:
                if response.status_code != 200:
                    self.error = f"the build log answered HTTP {response.status_code}"
                    return
                for raw in response.iter_lines(decode_unicode=False):
                    if self._stop.is_set():
                        return
                    line = raw.decode("utf-8", "replace").rstrip()[:MAX_LINE]
                    self.tail.append(line)
                    self._sink(line)
        except requests.RequestException as error:
            self.error = f"the build log stream failed ({type(error).__name__})"

    def finish(self, timeout_s: float = 10.0) -> None:
        """Let the stream end by itself (it closes with the build) within `timeout_s`; after
        that, stop passing lines on (a stream that hangs is not waited for again)."""
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._stop.set()


def wait_for_build(api: HerokuApi, app: str, build: Build, *, timeout_s: float,
                   poll_s: float = POLL_S, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> Build:
    """The build once it is no longer `pending` (HerokuError after `timeout_s`). Read at once
    (the caller has usually followed the log to its end, which comes with the build's)."""
    deadline = clock() + timeout_s
    while True:
        build = api.build(app, build.id)
        if build.status != "pending":
            return build
        if clock() >= deadline:
            raise HerokuError(f"build {build.id} of {app} still pending after {timeout_s:g} s")
        sleep(min(poll_s, max(0.0, deadline - clock())))


def wait_for_release(api: HerokuApi, app: str, release_id: str, *, timeout_s: float,
                     poll_s: float = POLL_S, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> Release:
    """The release once its release phase is over (`succeeded` or `failed`)."""
    deadline = clock() + timeout_s
    release = api.release(app, release_id)
    while release.status == "pending":
        if clock() >= deadline:
            raise HerokuError(f"release v{release.version} of {app} still pending (release "
                              f"phase) after {timeout_s:g} s")
        sleep(min(poll_s, max(0.0, deadline - clock())))
        release = api.release(app, release_id)
    return release
