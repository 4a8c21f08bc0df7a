"""A throwaway certificate authority for the local TLS fakes (trustme), written to a file.

    ca = TestCA()                       # ca.path: PEM to put in SSL_CERT_FILE / REQUESTS_CA_BUNDLE
    context = ca.server_context()       # ssl.SSLContext for a server on 127.0.0.1 / localhost
    ca.cleanup()
"""

from __future__ import annotations

import ssl
import tempfile
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
