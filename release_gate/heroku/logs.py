"""Follow an app's log through a log session (`POST /apps/{app}/log-sessions` -> `logplex_url`).

Streaming the `logplex_url` is a plain HTTPS GET of lines. heroku3's `LogSession.stream` turns
certificate verification off (`verify=False`); here it stays on, with the same trust as the API.
The stream is read on a background thread into memory (bounded), so the smoke can open it
before step 2 and look at what arrived after step 4.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque

import requests

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi

MAX_LINES = 5_000  # lines kept (the newest); an app's log during one smoke is far fewer
MAX_LINE = 2048  # characters kept of one line: at most ~10 MB in all


class LogTail:
    """`with LogTail.open(api, app) as tail: ...; tail.lines()`: the lines seen so far."""

    def __init__(self, url: str, *, verify: str | bool, read_timeout_s: float = 30.0) -> None:
        self._url = url
        self._verify = verify
        self._read_timeout_s = read_timeout_s
        self._lines: deque[str] = deque(maxlen=MAX_LINES)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._response: requests.Response | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._follow, name="heroku-log-tail",
                                        daemon=True)

    @classmethod
    def open(cls, api: HerokuApi, app: str, *, connect_timeout_s: float = 10.0) -> LogTail:
        tail = cls(api.log_session(app, tail=True, lines=1).logplex_url, verify=api.verify)
        tail._thread.start()
        if not tail._connected.wait(connect_timeout_s):
            tail.error = f"the log stream did not answer within {connect_timeout_s:g} s"
        if tail.error is not None:
            tail.close()
            raise HerokuError(f"log session of {app}: {tail.error}")
        return tail

    def __enter__(self) -> LogTail:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def wait_for(self, needles: tuple[str, ...], *, timeout_s: float) -> bool:
        """Wait until every needle appeared in some line (log delivery lags the request)."""
        deadline = time.monotonic() + timeout_s
        while True:
            seen = "\n".join(self.lines())
            if all(needle in seen for needle in needles):
                return True
            if time.monotonic() >= deadline or not self._thread.is_alive():
                return False
            time.sleep(0.05)

    def close(self) -> None:
        """Stop following. A read blocked on a quiet stream is woken by shutting the TCP
        connection down under it (closing the response from this thread would wait for the
        read's timeout instead)."""
        self._stop.set()
        response = self._response
        connection = getattr(response.raw, "connection", None) if response is not None else None
        sock = getattr(connection, "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # TCP level, not TLS's
        self._thread.join(timeout=5)

    def _follow(self) -> None:
        try:
            with requests.get(self._url, stream=True, verify=self._verify,
                              timeout=(10.0, self._read_timeout_s)) as response:
                self._response = response
                self._connected.set()
                if response.status_code != 200:
                    self.error = f"log stream answered HTTP {response.status_code}"
                    return
                for raw in response.iter_lines(chunk_size=1024, decode_unicode=False):
                    if self._stop.is_set():
                        return
                    line = raw.decode("utf-8", "replace")[:MAX_LINE]
                    with self._lock:
                        self._lines.append(line)
        except (requests.RequestException, OSError, AttributeError) as error:
            # AttributeError: requests raises it when the response is closed under iter_lines
            if not self._stop.is_set():
                self.error = f"log stream failed: {' '.join(str(error).split())[:200]}"
        finally:
            self._connected.set()
