"""The HTTP side of the smoke: JSON requests to the target, each with its measured latency.

Latency is evidence, not decoration: the RCA's precise signal was verify answering 400 in 1 ms,
before any database or crypto work. Transport errors become an `Exchange` with no status, so the
runner diagnoses them like any other answer (STYLE.md 5: adapters translate transport errors).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

USER_AGENT = "release-gate-smoke"


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    status: int | None  # None: no HTTP answer (timeout, refused, TLS...)
    body: str
    latency_ms: float
    error: str | None = None
    timed_out: bool = False

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class ApiClient:
    """One connection pool to the target. Pass `transport` to point it at anything httpx can."""

    def __init__(self, base_url: str, *, timeout_s: float,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        # Plain-HTTP targets (the local sandbox) skip loading the CA bundle: ~20 ms of overhead.
        verify = not self.base_url.startswith("http://")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s, verify=verify,
                                    transport=transport, headers={"User-Agent": USER_AGENT},
                                    follow_redirects=False, trust_env=False)
        self.waiting_ms = 0.0
        self.requests = 0

    def post_json(self, path: str, body: Any) -> Exchange:
        return self._send("POST", path, body)

    def get(self, path: str) -> Exchange:
        return self._send("GET", path, None)

    def _send(self, method: str, path: str, body: Any) -> Exchange:
        self.requests += 1
        start = time.perf_counter()
        try:
            response = self._client.request(method, path, json=body)
            text = response.text
        except httpx.TimeoutException as error:
            return self._failed(method, path, start, f"timed out ({type(error).__name__})",
                                timed_out=True)
        except httpx.HTTPError as error:
            return self._failed(method, path, start, f"{type(error).__name__}: {error}")
        latency = self._elapsed(start)
        return Exchange(method, path, response.status_code, text, latency)

    def _failed(self, method: str, path: str, start: float, message: str, *,
                timed_out: bool = False) -> Exchange:
        return Exchange(method, path, None, "", self._elapsed(start), message, timed_out)

    def _elapsed(self, start: float) -> float:
        ms = (time.perf_counter() - start) * 1000
        self.waiting_ms += ms
        return ms

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
