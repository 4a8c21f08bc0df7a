"""An httpcore network backend whose every connect, read and write ends at a deadline.

httpx's timeouts are per operation: a target that sends one byte a second, in its headers or
its body, never trips them. Here each socket operation waits at most for what is left of the
current request's deadline (`RequestClock.deadline`), so a request ends on time in every phase.
The clock is shared with the pooled connections, which outlive a single request.
"""

from __future__ import annotations

import ssl
import typing

import httpcore
import httpx

from release_gate.smoke.deadline import Deadline


class RequestClock:
    """The deadline of the request in flight (None between requests: plain per-read timeouts)."""

    def __init__(self) -> None:
        self.deadline: Deadline | None = None

    def bound(self, timeout: float | None, error: type[Exception]) -> float | None:
        if self.deadline is None:
            return timeout
        if self.deadline.expired():
            raise error(f"{self.deadline.what or 'the request deadline'} ran out")
        return self.deadline.bound(timeout)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, clock: RequestClock) -> None:
        self._inner, self._clock = inner, clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._clock.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._clock.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._clock.bound(timeout, httpcore.ConnectTimeout))
        return _Stream(inner, self._clock)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, clock: RequestClock) -> None:
        self._inner = httpcore.SyncBackend()
        self._clock = clock

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port,
                                         self._clock.bound(timeout, httpcore.ConnectTimeout),
                                         local_address, socket_options)
        return _Stream(stream, self._clock)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                            ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self._clock.bound(timeout, httpcore.ConnectTimeout), socket_options)
        return _Stream(stream, self._clock)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def transport(clock: RequestClock, *, verify: bool) -> httpx.HTTPTransport:
    """httpx's own transport (request/response mapping, error translation) over our backend.

    httpx has no public hook for a network backend, so its connection pool is rebuilt with one;
    tests/smoke/test_bounds.py drips bytes over a real socket to prove the hook still holds.
    """
    made = httpx.HTTPTransport(verify=False)  # no CA bundle loaded twice: ours comes next
    context = httpx.create_ssl_context(verify=verify, trust_env=False)
    made._pool = httpcore.ConnectionPool(ssl_context=context, http1=True, http2=False,
                                         network_backend=_Backend(clock))
    return made
