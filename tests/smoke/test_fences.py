"""Fences hold before the first request (runbook "Prod-write safety").

A local HTTP server counts every request it receives: a refused run must leave it at zero.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from release_gate import cli
from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.errors import SmokeRefused
from release_gate.smoke import fences
from tests.smoke._harness import new_email, write_rules


class Counting(ThreadingHTTPServer):
    requests = 0


class _Handler(BaseHTTPRequestHandler):
    def _any(self) -> None:
        assert isinstance(self.server, Counting)
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _any

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Counting]:
    httpd = Counting(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("RAXX_SMOKE_ALLOW_PROD", "RAXX_SMOKE_EMAIL", "RAXX_SMOKE_API_URL", "HEROKU_APP",
                 "DATABASE_URL", "GITHUB_ACTIONS", "REDIS_URL", "HEROKU_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _url(server: Counting) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _local_rules(tmp_path: Path, **smoke: object) -> str:
    section = {"mint": {"backend": "command"}, "database": {"backend": "sql"}, **smoke}
    return str(write_rules(tmp_path / "rules.yaml", section))


@pytest.mark.parametrize("allow", [None, "0", "true", "yes", " 1"])
def test_non_sandbox_target_without_allow_is_refused_with_no_request(
        allow: str | None, server: Counting, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    if allow is not None:
        clean_env.setenv("RAXX_SMOKE_ALLOW_PROD", allow)
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    code = cli.main(["smoke", "--target", _url(server), "--rules", _local_rules(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2
    assert "RAXX_SMOKE_ALLOW_PROD=1 is required" in captured.err
    assert captured.out == ""  # not even the header
    assert server.requests == 0


def test_prod_target_uses_the_api_url_variable_and_is_fenced(
        server: Counting, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("RAXX_SMOKE_API_URL", _url(server))
    code = cli.main(["smoke", "--target", "prod", "--rules", _local_rules(tmp_path)])
    assert code == 2
    assert f"refusing to send anything to {_url(server)}" in capsys.readouterr().err
    assert server.requests == 0


@pytest.mark.parametrize("how", ["flag", "env", "configured"])
def test_protected_email_is_refused_before_any_request(
        how: str, server: Counting, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("RAXX_SMOKE_ALLOW_PROD", "1")
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    args = ["smoke", "--target", _url(server)]
    if how == "flag":
        args += ["--email", "kris@moosequest.net", "--rules", _local_rules(tmp_path)]
    elif how == "env":
        clean_env.setenv("RAXX_SMOKE_EMAIL", " Kris@MooseQuest.net")
        args += ["--rules", _local_rules(tmp_path)]
    else:
        args += ["--email", "ops@example.com",
                 "--rules", _local_rules(tmp_path, protected_emails=["OPS@example.com"])]
    code = cli.main(args)
    assert code == 2
    assert "protected email" in capsys.readouterr().err
    assert server.requests == 0


def test_protected_email_refused_for_the_sandbox_too(clean_env: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["smoke", "--target", "sandbox", "--email", "kris@moosequest.net"])
    captured = capsys.readouterr()
    assert code == 2 and "protected email" in captured.err and captured.out == ""


def test_heroku_backend_without_an_api_key_is_refused_before_any_request(
        server: Counting, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The defaults follow the runbook (heroku run): they need HEROKU_API_KEY.
    clean_env.setenv("RAXX_SMOKE_ALLOW_PROD", "1")
    rules = write_rules(tmp_path / "rules.yaml", {})
    code = cli.main(["smoke", "--target", _url(server), "--rules", str(rules)])
    assert code == 2
    assert "HEROKU_API_KEY is not set" in capsys.readouterr().err
    assert server.requests == 0


def test_sql_backend_without_database_url_is_refused(
        server: Counting, clean_env: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("RAXX_SMOKE_ALLOW_PROD", "1")
    code = cli.main(["smoke", "--target", _url(server), "--rules", _local_rules(tmp_path)])
    assert code == 2
    assert "DATABASE_URL is not set" in capsys.readouterr().err
    assert server.requests == 0


@pytest.mark.parametrize("target", ["ftp://example.com", "example.com", "http://"])
def test_a_target_that_is_not_a_url_is_refused(target: str, clean_env: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["smoke", "--target", target]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_cleanup_is_fenced(clean_env: pytest.MonkeyPatch, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    rules = _local_rules(tmp_path)
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert cli.main(["smoke", "cleanup", "--email", new_email(), "--rules", rules]) == 2
    assert "RAXX_SMOKE_ALLOW_PROD=1 is required" in capsys.readouterr().err
    clean_env.setenv("RAXX_SMOKE_ALLOW_PROD", "1")
    assert cli.main(["smoke", "cleanup", "--email", "kris@moosequest.net", "--rules", rules]) == 2
    assert "refusing to delete rows of 'kris@moosequest.net'" in capsys.readouterr().err


def test_default_email_is_timestamped() -> None:
    settings = SmokeSettings()
    assert fences.choose_email(None, settings, {}, now=1748181130.7) == \
        "smoke-test+1748181130@moosequest.net"
    assert fences.choose_email(None, settings, {"RAXX_SMOKE_EMAIL": "a+b@c.io"}) == "a+b@c.io"
    assert fences.choose_email("x@y.io", settings, {"RAXX_SMOKE_EMAIL": "a+b@c.io"}) == "x@y.io"
    with pytest.raises(SmokeRefused, match="not an email"):
        fences.choose_email("nobody", settings, {})


def test_runbook_variables_are_honoured() -> None:
    settings = SmokeSettings()
    assert fences.heroku_app(settings, {}) == "raxx-api-prod"
    assert fences.heroku_app(settings, {"HEROKU_APP": "raxx-api-staging"}) == "raxx-api-staging"
    assert fences.resolve_target(None, settings, {}).api_url == "https://api.raxx.app"
    assert fences.resolve_target("prod", settings, {"RAXX_SMOKE_API_URL": "https://s.x/"}
                                 ).api_url == "https://s.x"
    assert fences.resolve_target("sandbox", settings, {}).is_sandbox
