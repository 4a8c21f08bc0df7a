"""release_gate.heroku.api against the fake Platform API, through the real heroku3 client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi, RateLimited
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


def test_dyno_create_retries_409_at_once_as_the_cli_does(heroku: FakeHeroku) -> None:
    heroku.fail("POST", "/apps/{app}/dynos", 409)
    waits: list[float] = []
    api = HerokuApi.from_env(heroku.environ(), sleep=waits.append)
    dyno = api.create_dyno(APP, "echo hi")
    assert dyno.attach_url and dyno.attach_url.startswith("rendezvous://127.0.0.1:")
    assert heroku.calls[("POST", "/apps/{app}/dynos")] == 2
    assert heroku.dyno_creations() == 1 and waits == []  # heroku/cli _doStart: no pause


def test_dyno_create_sends_time_to_live_and_reads_the_dynos_release(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
    dyno = HerokuApi.from_env(heroku.environ()).create_dyno(APP, "echo hi")
    assert dyno.release == 1
    assert isinstance(heroku.dynos[0].time_to_live, int) and heroku.dynos[0].time_to_live > 0


def test_every_request_sends_the_clis_accept_header(heroku: FakeHeroku) -> None:
    api = HerokuApi.from_env(heroku.environ())
    api.app(APP)
    api.config_vars(APP)
    assert set(heroku.accepts) == {"application/vnd.heroku+json; version=3"}


def test_an_error_line_carries_herokus_id_and_message(heroku: FakeHeroku) -> None:
    heroku.fail("POST", "/apps/{app}/dynos", 422,
                message="Cannot run more than 5 Free size dynos.")
    api = HerokuApi.from_env(heroku.environ())
    with pytest.raises(HerokuError) as caught:
        api.create_dyno(APP, "echo hi")
    assert "422" in str(caught.value)
    assert "invalid_params: Cannot run more than 5 Free size dynos." in str(caught.value)


def test_a_429_is_waited_out_as_retry_after_says_within_the_budget(heroku: FakeHeroku) -> None:
    waits: list[float] = []
    api = HerokuApi.from_env(heroku.environ(), sleep=waits.append)
    heroku.rate_limit(3, retry_after="2")
    with api.budget(180):
        assert api.config_vars(APP)["REDIS_URL"]
    assert waits == [2.0, 2.0, 2.0] and api.rate_limited_s == 6.0
    assert heroku.calls[("GET", "/apps/{app}/config-vars")] == 4


def test_a_429_without_retry_after_waits_about_a_second_then_longer(heroku: FakeHeroku) -> None:
    waits: list[float] = []
    api = HerokuApi.from_env(heroku.environ(), sleep=waits.append)
    heroku.rate_limit(4)
    api.config_vars(APP)
    assert waits == [1.0, 2.0, 4.0, 8.0]


def test_a_429_past_the_budget_names_the_rate_limit_and_its_headers(heroku: FakeHeroku) -> None:
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    api = HerokuApi.from_env(heroku.environ(), sleep=sleep)
    api._clock = lambda: clock[0]
    heroku.rate_limit(1000, retry_after="5")
    with pytest.raises(RateLimited) as caught, api.budget(12):
        api.create_dyno(APP, "echo hi")
    message = str(caught.value)
    assert "Heroku rate limit" in message and "rate_limit: Your account reached" in message
    assert "RateLimit-Remaining: 0" in message and "Retry-After: 5" in message
    assert waits == [5.0, 5.0] and heroku.dyno_creations() == 0


def test_the_formation_names_each_dynos_state_and_release(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy 1111111", commit="1" * 40)
    heroku.add_release(APP, description="Deploy 2222222", commit="2" * 40)
    heroku.rollout(APP, [[("web.1", "up", 2), ("web.2", "starting", 1)]])
    dynos = HerokuApi.from_env(heroku.environ()).formation(APP)
    assert [(d.name, d.type, d.state, d.release) for d in dynos] == [
        ("web.1", "web", "up", 2), ("web.2", "web", "starting", 1)]


def test_a_newer_pending_release_is_reported_a_failed_one_is_not(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
    heroku.add_release(APP, description="Deploy 9999999", commit="9" * 40, status="failed")
    heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", with_slug=False,
                       status="pending")
    current = HerokuApi.from_env(heroku.environ()).current(APP)
    assert current.release.version == 1
    assert current.pending is not None and current.pending.version == 3
    assert current.pending.description == "Set WEBAUTHN_ORIGIN config vars"


@pytest.mark.parametrize("artifact", ["oci", "oci-id"])
def test_a_cnb_release_has_no_slug_and_its_commit_comes_from_the_oci_image(
        heroku: FakeHeroku, artifact: str) -> None:
    heroku.add_release(APP, description="Deploy def5678", commit="def5678" + "0" * 33,
                       artifact=artifact)
    release = HerokuApi.from_env(heroku.environ()).current_release(APP)
    assert release.slugless and release.commit == "def5678" + "0" * 33


def test_a_container_release_names_no_commit(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deployed web (abc)", artifact="container")
    release = HerokuApi.from_env(heroku.environ()).current_release(APP)
    assert release.slugless and release.commit is None
    assert heroku.calls[("GET", "/apps/{app}/slugs/{slug}")] == 0


def test_a_server_error_is_an_error_not_a_retry(heroku: FakeHeroku) -> None:
    heroku.fail("GET", "/apps/{app}/config-vars", 503)
    api = HerokuApi.from_env(heroku.environ())
    with pytest.raises(HerokuError, match="HTTP 503 \\(error: fake fault 503\\)"):
        api.config_vars(APP)


def test_log_session_gives_an_https_logplex_url(heroku: FakeHeroku) -> None:
    session = HerokuApi.from_env(heroku.environ()).log_session(APP)
    assert session.logplex_url.startswith(heroku.api_url + "/logplex/")


def test_a_missing_slug_is_not_reported_as_an_unknown_app(heroku: FakeHeroku) -> None:
    release = heroku.add_release(APP, description="Deploy abc1234", commit="a" * 40)
    assert release.slug_id is not None
    del heroku.apps[APP].slugs[release.slug_id]
    with pytest.raises(HerokuError) as caught:
        HerokuApi.from_env(heroku.environ()).current_release(APP)
    assert "404" in str(caught.value) and "Couldn't find that slug." in str(caught.value)
    assert "unknown Heroku app" not in str(caught.value)
