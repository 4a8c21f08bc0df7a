"""A hostile HTTP target on loopback: it answers each request with raw bytes of the test's
choosing (a slow drip, an endless body, a truncated one, broken headers), over a real socket.

    with HostileServer({"/api/auth/register/begin-with-token": Reply.json(200, ...)}) as server:
        ... server.base_url ...

Every connection is served on a daemon thread and closed after one answer; leaving the `with`
stops the listener and every writer (each loop checks the stop flag), so nothing outlives a test.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    """What to send: `head` (status line and headers, raw) then `body` chunks, each chunk after
    `drip` seconds; `drip_head` trickles the head one byte at a time too."""

    head: bytes
    body: Callable[[], Iterable[bytes]] = lambda: ()
    drip: float = 0.0
    drip_head: bool = False

    @classmethod
    def raw(cls, status: int, body: bytes, *, headers: Mapping[str, str] | None = None,
            content_length: int | None = None, **kwargs: Any) -> Reply:
        fields = {"Content-Type": "application/json", **(headers or {})}
        length = len(body) if content_length is None else content_length
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        head += f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
        return cls(head.encode("latin-1"), lambda: (body,), **kwargs)

    @classmethod
    def json(cls, status: int, value: Any) -> Reply:
        return cls.raw(status, json.dumps(value).encode())

    @classmethod
    def dripping(cls, body: bytes, *, every: float, head_too: bool = False) -> Reply:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        return cls(head, lambda: (body[i:i + 1] for i in range(len(body))), every, head_too)

    @classmethod
    def endless(cls, *, chunk: int = 64 * 1024, cap: int = 300 * 1024 * 1024) -> Reply:
        """A chunked body that never ends (until `cap` bytes, so a broken client cannot make the
        test run forever)."""
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        block = b"%x\r\n" % chunk + b"x" * chunk + b"\r\n"
        return cls(head, lambda: (block for _ in range(cap // chunk)))


@dataclass
class HostileServer:
    replies: Mapping[str, Reply]
    default: Reply = field(default_factory=lambda: Reply.json(404, {"detail": "Not Found"}))
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> HostileServer:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                path = _read_request(connection)
                self.requests.append(path)
                reply = self.replies.get(path, self.default)
                self._send(connection, reply)
            except OSError:
                pass  # the client hung up: that is what a bounded client does

    def _send(self, connection: socket.socket, reply: Reply) -> None:
        pieces: Iterator[bytes] = (iter([reply.head[i:i + 1] for i in range(len(reply.head))])
                                   if reply.drip_head else iter([reply.head]))
        for piece in pieces:
            self._pace(reply.drip if reply.drip_head else 0.0)
            connection.sendall(piece)
        for piece in reply.body():
            self._pace(reply.drip)
            connection.sendall(piece)

    def _pace(self, seconds: float) -> None:
        if self._stop.is_set():
            raise OSError("server stopping")
        if seconds:
            self._stop.wait(seconds)


def _read_request(connection: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise OSError("closed before the request ended")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines[1:]
                   if line.lower().startswith("content-length:")), 0)
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return lines[0].split(" ")[1]


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
