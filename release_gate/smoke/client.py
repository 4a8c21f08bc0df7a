"""The HTTP side of the smoke: JSON requests to the target, each with its measured latency.

Latency is evidence, not decoration: the RCA's precise signal was verify answering 400 in 1 ms,
before any database or crypto work. Transport errors become an `Exchange` with no status, so the
runner diagnoses them like any other answer (docs/design.md §4: errors are translated at the edge).

Every request is bounded twice over: a total deadline across all its reads (boundednet.py; the
sooner of `smoke.timeouts.request` and what is left of the whole smoke) and a cap on the body it
keeps (`smoke.limits.body_bytes`). An overrun is an incomplete `Exchange` the runner diagnoses.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from release_gate.smoke import boundednet
from release_gate.smoke.deadline import Deadline

USER_AGENT = "release-gate-smoke"
BODY_BYTES = 1024 * 1024  # registration options and verify answers are a few kB


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int | None  # None: no HTTP answer (timeout, refused, TLS...)
    body: str  # at most the body cap: all of it, or what arrived before the answer was cut off
    latency_ms: float
    error: str | None = None  # set when the answer is incomplete (even with a status)
    timed_out: bool = False
    too_large: bool = False

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (or nested too deep to parse)."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class ApiClient:
    """One connection pool to the target. Pass `transport` to point it at anything httpx can
    (the deadline is then checked between chunks only, not inside each socket read)."""

    def __init__(self, base_url: str, *, timeout_s: float, request_s: float | None = None,
                 body_bytes: int = BODY_BYTES, run_deadline: Deadline | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._request_s = request_s
        self._body_bytes = body_bytes
        self._run_deadline = run_deadline
        self._clock = boundednet.RequestClock()
        if transport is None:
            # Plain-HTTP targets (the local sandbox) skip loading the CA bundle: ~20 ms.
            transport = boundednet.transport(
                self._clock, verify=not self.base_url.startswith("http://"))
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s,
                                    transport=transport, follow_redirects=False, trust_env=False,
                                    # identity: a compressed body could inflate past the cap
                                    headers={"User-Agent": USER_AGENT,
                                             "Accept-Encoding": "identity"})
        self.waiting_ms = 0.0
        self.requests = 0
        self.last: Exchange | None = None  # shown when the smoke itself fails on an answer

    def post_json(self, path: str, body: Any) -> Exchange:
        return self._send("POST", path, body)

    def get(self, path: str) -> Exchange:
        return self._send("GET", path, None)

    def _deadline(self) -> Deadline:
        what = "the request deadline" if self._request_s is None else (
            f"the request deadline ({self._request_s:g} s, smoke.timeouts.request)")
        own = Deadline(self._request_s, what=what)
        return own.sooner(self._run_deadline)

    def _send(self, method: str, path: str, body: Any) -> Exchange:
        self.requests += 1
        start = time.perf_counter()
        deadline = self._deadline()
        if deadline.expired():
            return self._done(method, path, start, None, b"", "utf-8",
                              f"not sent: {deadline.what} ran out", timed_out=True)
        status: int | None = None
        received = bytearray()
        encoding = "utf-8"
        self._clock.deadline = deadline
        try:
            with self._client.stream(method, path, json=body,
                                     timeout=deadline.bound(self._timeout_s)) as response:
                status, encoding = response.status_code, response.encoding or "utf-8"
                for chunk in response.iter_raw():
                    received += chunk
                    if len(received) > self._body_bytes:
                        del received[self._body_bytes:]
                        return self._done(
                            method, path, start, status, received, encoding,
                            f"response body larger than {self._body_bytes} bytes "
                            "(smoke.limits.body_bytes); reading stopped there", too_large=True)
                    if deadline.expired():  # a transport without boundednet (tests)
                        raise httpx.ReadTimeout(f"{deadline.what} ran out")
        except httpx.TimeoutException as error:
            what = f"{deadline.what} ran out" if deadline.expired() else (
                f"one {type(error).__name__} wait reached {self._timeout_s:g} s "
                "(smoke.timeouts.http)")
            cut = f" after {len(received)} body bytes" if status is not None else ""
            return self._done(method, path, start, status, received, encoding,
                              f"timed out{cut}: {what}", timed_out=True)
        except httpx.HTTPError as error:
            return self._done(method, path, start, status, received, encoding,
                              f"{type(error).__name__}: {error}")
        finally:
            self._clock.deadline = None
        return self._done(method, path, start, status, received, encoding, None)

    def _done(self, method: str, path: str, start: float, status: int | None,
              body: bytes | bytearray, encoding: str, error: str | None, *,
              timed_out: bool = False, too_large: bool = False) -> Exchange:
        ms = (time.perf_counter() - start) * 1000
        self.waiting_ms += ms
        try:
            text = bytes(body).decode(encoding, "replace")
        except LookupError:  # a charset Python knows but that is not a text codec (rot13)
            text = bytes(body).decode("utf-8", "replace")
        self.last = Exchange(method, path, status, text, ms, error, timed_out, too_large)
        return self.last

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
