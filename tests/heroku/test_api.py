"""release_gate.heroku.api against the fake Platform API, through the real heroku3 client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from tests.fakes.heroku import FakeHeroku
from tests.heroku.conftest import APP


def test_from_env_uses_the_configured_base_url_and_checks_the_key(heroku: FakeHeroku) -> None:
    api = HerokuApi.from_env(heroku.environ())
    assert api.base_url == heroku.api_url
    assert api.account_email == heroku.email
    assert heroku.calls[("GET", "/account")] == 1


def test_a_bad_key_fails_with_one_line_naming_401_and_never_the_key(heroku: FakeHeroku) -> None:
    with pytest.raises(HerokuError) as caught:
        HerokuApi.from_env(heroku.environ(api_key="hrku-wrong-key"))
    message = str(caught.value)
    assert "401" in message and "HEROKU_API_KEY" in message
    assert "hrku-wrong-key" not in message and "\n" not in message


def test_no_key_is_refused_before_any_request(heroku: FakeHeroku) -> None:
    env = heroku.environ()
    del env["HEROKU_API_KEY"]
    with pytest.raises(HerokuError, match="HEROKU_API_KEY is not set"):
        HerokuApi.from_env(env)
    assert heroku.total_requests() == 0


def test_tls_trust_comes_from_the_environment(heroku: FakeHeroku) -> None:
    env = heroku.environ()
    del env["SSL_CERT_FILE"], env["REQUESTS_CA_BUNDLE"]
    with pytest.raises(HerokuError, match="TLS verification"):
        HerokuApi.from_env(env)
    assert HerokuApi.from_env({**env, "SSL_CERT_FILE": heroku.ca_path}).account_email
    assert HerokuApi.from_env({**env, "REQUESTS_CA_BUNDLE": heroku.ca_path}).account_email


def test_unknown_app_is_a_404_line_naming_the_app(heroku: FakeHeroku) -> None:
    api = HerokuApi.from_env(heroku.environ())
    with pytest.raises(HerokuError, match="unknown Heroku app 'no-such-app' \\(404"):
        api.config_vars("no-such-app")
    with pytest.raises(HerokuError, match="not a Heroku app name"):
        api.config_vars("../account")


def test_app_lookup_and_config_vars(heroku: FakeHeroku) -> None:
    api = HerokuApi.from_env(heroku.environ())
    assert api.app(APP)["name"] == APP
    assert api.config_vars(APP)["DATABASE_URL"].startswith("postgres://")


def test_releases_follow_range_pages_oldest_first(heroku: FakeHeroku) -> None:
    for n in range(2345):
        heroku.add_release(APP, description=f"Deploy {n:07x}", commit=f"{n:040x}")
    api = HerokuApi.from_env(heroku.environ())
    releases = api.releases(APP)
    assert [r.version for r in releases] == list(range(1, 2346))
    assert heroku.calls[("GET", "/apps/{app}/releases")] == 3  # pages of 1000, 1000, 345
    assert releases[-1].current and not releases[0].current
    assert releases[0].created_at.tzinfo is not None


def test_current_release_resolves_the_slug_commit(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy 1111111", commit="1" * 40)
    heroku.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
    heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", with_slug=False)
    heroku.add_release(APP, description="Deploy 9999999", commit="9" * 40, status="failed")
    current = HerokuApi.from_env(heroku.environ()).current_release(APP)
    assert current.version == 3
    assert current.description == "Set WEBAUTHN_ORIGIN config vars"
    assert current.commit == "abc1234" + "0" * 33  # the config release keeps the deploy's slug
    assert current.status == "succeeded"
    assert current.created_at == datetime(2026, 5, 25, 0, 2, tzinfo=UTC)


def test_dyno_create_retries_409_then_succeeds(heroku: FakeHeroku) -> None:
    heroku.fail("POST", "/apps/{app}/dynos", 409)
    waits: list[float] = []
    api = HerokuApi.from_env(heroku.environ(), sleep=waits.append)
    dyno = api.create_dyno(APP, "echo hi")
    assert dyno.attach_url and dyno.attach_url.startswith("rendezvous://127.0.0.1:")
    assert heroku.calls[("POST", "/apps/{app}/dynos")] == 2
    assert heroku.dyno_creations() == 1 and len(waits) == 1


def test_dyno_create_honours_retry_after_on_429_and_gives_up(heroku: FakeHeroku) -> None:
    heroku.fail("POST", "/apps/{app}/dynos", 429, times=10, headers={"Retry-After": "2"})
    waits: list[float] = []
    api = HerokuApi.from_env(heroku.environ(), sleep=waits.append)
    with pytest.raises(HerokuError, match="429 4 times; giving up"):
        api.create_dyno(APP, "echo hi")
    assert heroku.dyno_creations() == 0
    assert heroku.calls[("POST", "/apps/{app}/dynos")] == 4


def test_a_server_error_is_an_error_not_a_retry(heroku: FakeHeroku) -> None:
    heroku.fail("GET", "/apps/{app}/config-vars", 503)
    api = HerokuApi.from_env(heroku.environ())
    with pytest.raises(HerokuError, match="HTTP 503"):
        api.config_vars(APP)


def test_log_session_gives_an_https_logplex_url(heroku: FakeHeroku) -> None:
    session = HerokuApi.from_env(heroku.environ()).log_session(APP)
    assert session.logplex_url.startswith(heroku.api_url + "/logplex/")
