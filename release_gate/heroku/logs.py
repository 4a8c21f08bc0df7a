"""Follow an app's log through a log session (`POST /apps/{app}/log-sessions` -> `logplex_url`).

The `logplex_url` streams Server-Sent Events, as the Heroku CLI reads it since October 2024
(heroku/cli `src/lib/run/log-displayer.ts`, an EventSource; its fixtures: `id: 1002` then
`data: 2024-10-17T22:23:22.209776+00:00 app[web.1]: log line 1`, events split by a blank line,
each event's data split into lines). The request asks for `text/event-stream`; an answer of
another content type is read as the plain text of one line each (the older stream). When the
stream ends or breaks, it is opened again with `Last-Event-Id` (SSE), as an EventSource does,
while the reconnect budget lasts: a plain-text stream cannot resume, so a reconnect there marks
the evidence incomplete.

Logplex drops lines when a drain or a tail falls behind and says so in the stream itself:
`heroku[logplex]: Error L10 (output buffer overflow): N messages dropped since ...` and `Error
L11 (Tail buffer overflow)`. Such a notice makes the evidence incomplete: a line not seen may
have been dropped (`incomplete`, read by smoke/log_evidence.py).

heroku3's `LogSession.stream` turns certificate verification off (`verify=False`); here it stays
on, with the same trust as the API. The stream is read on a background thread into memory
(bounded), so the smoke can open it before step 2 and look at what arrived after step 4.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator

import requests

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.brief import brief

MAX_LINES = 5_000  # lines kept (the newest); an app's log during one smoke is far fewer
MAX_LINE = 2048  # characters kept of one line: at most ~10 MB in all
RECONNECT_BUDGET_S = 30.0  # time spent reconnecting, in all, before the stream counts as failed
RECONNECT_WAIT_S = 0.2  # an EventSource's retry delay is of this order (its default is ~1-3 s)
SSE = "text/event-stream"
_LOST = re.compile(r"heroku\[logplex\]:.*?\b(?:Error )?(L1[01])\b[^\n]*")


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
        self.incomplete: str | None = None  # why lines may be missing (an L10/L11, a gap)
        self.last_event_id: str | None = None
        self.reconnects = 0
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
        reconnecting_s = 0.0
        try:
            while not self._stop.is_set():
                ended = self._stream_once()
                if self._stop.is_set() or self.error is not None:
                    return
                # The stream ended or broke: reopen it, as an EventSource does.
                if reconnecting_s + RECONNECT_WAIT_S > RECONNECT_BUDGET_S:
                    self.error = (f"log stream {ended}; still not back after "
                                  f"{RECONNECT_BUDGET_S:g} s of reconnecting")
                    return
                if self.last_event_id is None:
                    self._mark_incomplete(f"the log stream {ended} and cannot resume where it "
                                          "stopped (no event id): lines may be missing")
                self._stop.wait(RECONNECT_WAIT_S)
                reconnecting_s += RECONNECT_WAIT_S
                self.reconnects += 1
        finally:
            self._connected.set()

    def _stream_once(self) -> str:
        """Read one connection of the stream; returns how it ended (for a message)."""
        headers = {"Accept": SSE, "Cache-Control": "no-cache"}
        if self.last_event_id is not None:
            headers["Last-Event-Id"] = self.last_event_id
        try:
            with requests.get(self._url, stream=True, verify=self._verify, headers=headers,
                              timeout=(10.0, self._read_timeout_s)) as response:
                self._response = response
                self._connected.set()
                if response.status_code != 200:
                    if self.reconnects == 0:
                        self.error = f"log stream answered HTTP {response.status_code}"
                        return "failed"
                    return f"answered HTTP {response.status_code}"
                kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                lines = split_lines(response.iter_content(chunk_size=1024))
                for line in (self._events(lines) if kind == SSE else lines):
                    if self._stop.is_set():
                        return "stopped"
                    self._keep(line)
            return "ended"
        except (requests.RequestException, OSError, AttributeError) as error:
            # AttributeError: requests raises it when the response is closed under iter_lines
            if self._stop.is_set():
                return "stopped"
            if self.reconnects == 0 and self._response is None:  # it never opened
                self.error = f"log stream failed: {brief(error)}"
            return f"broke ({brief(error, 120)})"

    def _events(self, lines: Iterable[str]) -> Iterator[str]:
        """The log lines of a Server-Sent Events stream (`id:`, `data:`; a blank line ends an
        event; `:` starts a comment), keeping the last event id for a reconnect."""
        data: list[str] = []
        for line in lines:
            if not line:
                if data:
                    yield from (part for part in "\n".join(data).strip().split("\n") if part)
                data = []
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "id" and "\0" not in value:
                self.last_event_id = value
        if data:  # a stream cut mid-event: what arrived is still evidence
            yield from (part for part in "\n".join(data).strip().split("\n") if part)

    def _keep(self, line: str) -> None:
        line = line[:MAX_LINE]
        lost = _LOST.search(line)
        if lost is not None:
            self._mark_incomplete(f"logplex dropped lines ({' '.join(lost.group(0).split())})")
        with self._lock:
            self._lines.append(line)

    def _mark_incomplete(self, why: str) -> None:
        if self.incomplete is None:
            self.incomplete = why[:300]


def split_lines(chunks: Iterable[bytes], *, limit: int = 16 * MAX_LINE) -> Iterator[str]:
    """Lines as SSE and a log stream end them: at LF, CRLF or CR only (requests' `iter_lines`
    splits at form feeds and other separators a log line may contain). A line longer than
    `limit` bytes is cut there, so memory stays bounded."""
    buffer = b""
    pending_cr = False
    for chunk in chunks:
        if pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across chunks
        pending_cr = False
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(b"\n"), buffer.find(b"\r")) if i >= 0),
                      default=-1)
            if cut < 0:
                break
            line, rest = buffer[:cut], buffer[cut + 1:]
            if buffer[cut:cut + 1] == b"\r":
                if rest.startswith(b"\n"):
                    rest = rest[1:]
                elif not rest:
                    pending_cr = True
            yield line.decode("utf-8", "replace")
            buffer = rest
        if len(buffer) > limit:
            yield buffer[:limit].decode("utf-8", "replace")
            buffer = b""
    if buffer:
        yield buffer.decode("utf-8", "replace")
