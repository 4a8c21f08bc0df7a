"""A throwaway certificate authority for the local TLS fakes (trustme), written to a file.

    ca = TestCA()                       # ca.path: PEM to put in SSL_CERT_FILE / REQUESTS_CA_BUNDLE
    context = ca.server_context()       # ssl.SSLContext for a server on 127.0.0.1 / localhost
    ca.cleanup()
    server = serve_https(Handler, context, name="fake-x")   # a threaded HTTPS server, started
"""

from __future__ import annotations

import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


class TestCA:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._ca = trustme.CA()
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-ca-")
        self.path = str(Path(self._tmp.name) / "ca.pem")
        self._ca.cert_pem.write_to_path(self.path)
        self._cert = self._ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(context)
        return context

    def cleanup(self) -> None:
        self._tmp.cleanup()


def serve_https(handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext, *,
                name: str) -> ThreadingHTTPServer:
    """A threaded HTTPS server on a free loopback port, serving in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server
