"""smoke/deployed.py: a version endpoint that cannot name the deployed commit fails closed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from release_gate.core.production import VERSION_URL, Production, ProductionSettings
from release_gate.smoke.deployed import DeploymentUnreadable, reader

ANSWER: dict[str, tuple[int, bytes]] = {}


class _Version(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWER["now"]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def version_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Version)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _read(url: str, **settings: str) -> object:
    production = Production("raxx-api-prod", url, ProductionSettings(
        commit_from=VERSION_URL, version_url="/version", **settings))  # type: ignore[arg-type]
    return reader(production, {}, timeout_s=5)()


def test_nested_fields_and_a_v_prefixed_release(version_url: str) -> None:
    ANSWER["now"] = (200, b'{"build": {"sha": "ABC1234DEF"}, "rel": "v47"}')
    deployed = _read(version_url, version_field="build.sha", release_field="rel")
    assert (deployed.commit, deployed.release, deployed.where) == (  # type: ignore[attr-defined]
        "abc1234def", 47, version_url.removeprefix("http://"))


@pytest.mark.parametrize("answer, words", [
    ((503, b"{}"), "answered HTTP 503"),
    ((200, b"<html>"), "is not JSON"),
    ((200, b'{"commit": "abc1234", "release": "latest"}'), "is not a number like v47"),
])
def test_an_unreadable_version_endpoint_fails_closed(version_url: str,
                                                     answer: tuple[int, bytes],
                                                     words: str) -> None:
    ANSWER["now"] = answer
    with pytest.raises(DeploymentUnreadable, match=words):
        _read(version_url)


def test_a_missing_commit_reads_as_none_and_is_refused_later(version_url: str) -> None:
    ANSWER["now"] = (200, b'{"release": 47}')
    assert _read(version_url).commit is None  # type: ignore[attr-defined]
