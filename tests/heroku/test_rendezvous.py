"""Our rendezvous client and one-off dynos against the fake's TLS rendezvous (commands run here)."""

from __future__ import annotations

import time

import pytest

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.dynos import OneOffDynos, WrongRelease
from release_gate.heroku.rendezvous import (
    ConnectionDropped,
    DynoBootFailed,
    DynoBootTimeout,
    NoExitStatus,
    UnsupportedAttach,
    parse_output,
    with_exit_status,
)
from tests.fakes.heroku import FakeHeroku
from tests.heroku.conftest import APP


def _dynos(heroku: FakeHeroku, **kwargs: float | None) -> OneOffDynos:
    return OneOffDynos(HerokuApi.from_env(heroku.environ(), sleep=lambda s: None), **kwargs)


def test_exit_status_comes_from_the_marker_and_is_removed_from_the_output(
        heroku: FakeHeroku) -> None:
    result = _dynos(heroku).run(APP, ["bash", "-c", "echo out; echo err >&2; exit 3"],
                                timeout_s=30)
    assert result.exit_code == 3
    assert result.output.splitlines() == ["out", "err"]
    # The CLI's form, a space before `;` (heroku/cli src/lib/run/dyno.ts, `_doStart`).
    assert heroku.dynos[0].command.endswith(' ; echo "\uffff heroku-command-exit-status: $?"')


def test_the_dyno_gets_the_app_config_and_argv_quoted_for_its_shell(heroku: FakeHeroku) -> None:
    script = "import os, sys; print(os.environ['REDIS_URL'], sys.argv[1])"
    result = _dynos(heroku).run(APP, ["python", "-c", script, "it's \"quoted\""], timeout_s=30)
    assert result.exit_code == 0
    assert result.output.strip() == "rediss://redis.example:6380 it's \"quoted\""


def test_output_in_the_acknowledgements_tls_record_is_kept(heroku: FakeHeroku) -> None:
    heroku.behaviours = ["coalesce"]
    result = _dynos(heroku).run(APP, ["echo", "first line"], timeout_s=30)
    assert (result.exit_code, result.output) == (0, "first line\n")


def test_a_hung_dyno_times_out_is_retried_once_then_fails(heroku: FakeHeroku) -> None:
    heroku.behaviours = ["hang", "hang"]
    retries: list[str] = []
    dynos = OneOffDynos(HerokuApi.from_env(heroku.environ()), boot_timeout_s=0.5,
                        on_retry=retries.append)
    started = time.monotonic()
    with pytest.raises(DynoBootTimeout, match=r"did not come up within 0\.5 s.*tried 2 dynos"):
        dynos.run(APP, ["echo", "never"], timeout_s=30)
    assert time.monotonic() - started < 10
    assert heroku.dyno_creations() == 2 and len(dynos.created) == 2 and len(retries) == 1
    assert heroku.calls[("POST", "/apps/{app}/dynos/{dyno}/actions/stop")] == 2


def test_a_hung_dyno_then_a_good_one_succeeds(heroku: FakeHeroku) -> None:
    heroku.behaviours = ["hang"]
    result = _dynos(heroku, boot_timeout_s=0.5).run(APP, ["echo", "ok"], timeout_s=30)
    assert result.output == "ok\n" and heroku.dyno_creations() == 2


def test_a_dropped_connection_is_its_own_error(heroku: FakeHeroku) -> None:
    heroku.behaviours = ["drop"]
    with pytest.raises(ConnectionDropped, match="dropped mid-output"):
        _dynos(heroku).run(APP, ["echo", "a long enough line of output"], timeout_s=30)
    assert heroku.dyno_creations() == 1  # the command may have run: never re-run it blindly
    assert heroku.dynos[0].stopped  # and it is stopped, not left running


def test_a_marker_mid_line_after_a_write_without_newline_is_the_exit_status(
        heroku: FakeHeroku) -> None:
    result = _dynos(heroku).run(APP, ["printf", "eyJ0b2tlbiI6MX0.sig"], timeout_s=30)
    assert (result.exit_code, result.output) == (0, "eyJ0b2tlbiI6MX0.sig")


def test_output_without_a_tty_is_lf_and_kept_as_written(heroku: FakeHeroku) -> None:
    result = _dynos(heroku).run(APP, ["printf", "a\\nb\\r\\n"], timeout_s=30)
    assert heroku.dynos[0].tty is False  # created with force_no_tty
    assert result.output == "a\nb\n"


def test_a_rendezvous_closed_before_the_acknowledgement_is_a_boot_failure_retried(
        heroku: FakeHeroku) -> None:
    heroku.behaviours = ["close-before-ack"]
    retries: list[str] = []
    dynos = OneOffDynos(HerokuApi.from_env(heroku.environ()), on_retry=retries.append)
    result = dynos.run(APP, ["echo", "ok"], timeout_s=30)
    assert result.output == "ok\n" and heroku.dyno_creations() == 2
    assert heroku.dynos[0].stopped and "did not boot" in retries[0]
    heroku.behaviours = ["close-before-ack", "close-before-ack"]
    with pytest.raises(DynoBootFailed, match="tried 2 dynos"):
        dynos.run(APP, ["echo", "ok"], timeout_s=30)


def test_a_private_spaces_https_attach_url_is_refused_in_one_line_and_stopped(
        heroku: FakeHeroku) -> None:
    heroku.behaviours = ["https-attach"]
    with pytest.raises(UnsupportedAttach, match=r"Private Spaces.*smoke\.heroku\.mode: direct"):
        _dynos(heroku).run(APP, ["echo", "ok"], timeout_s=30)
    assert heroku.dynos[0].stopped and heroku.rendezvous_connections == 0


def test_a_dyno_on_another_release_is_stopped_before_it_is_attached(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy 1111111", commit="1" * 40)
    heroku.add_release(APP, description="Deploy 2222222", commit="2" * 40)
    heroku.dyno_release = 1  # a rollback or release raced the smoke
    with pytest.raises(WrongRelease, match="runs v1, not v2"):
        _dynos(heroku, release=2).run(APP, ["echo", "ok"], timeout_s=30)
    assert heroku.dynos[0].stopped and heroku.rendezvous_connections == 0


def test_no_exit_status_is_an_error_not_a_success(heroku: FakeHeroku) -> None:
    heroku.behaviours = ["no-status"]
    with pytest.raises(NoExitStatus, match="without an exit status"):
        _dynos(heroku).run(APP, ["echo", "ok"], timeout_s=30)


def test_a_bad_key_and_an_unknown_app_are_one_line_errors(heroku: FakeHeroku) -> None:
    dynos = _dynos(heroku)
    with pytest.raises(HerokuError, match="unknown Heroku app 'other-app'"):
        dynos.run("other-app", ["echo"], timeout_s=5)
    assert heroku.dyno_creations() == 0


def test_parse_output_takes_the_last_marker_line() -> None:
    text = "x\r\n\uffff heroku-command-exit-status: 0\r\ny\n\uffff heroku-command-exit-status: 7\n"
    result = parse_output(text)
    assert result is not None and result.exit_code == 7
    assert with_exit_status("true").startswith("true ; echo")
    assert parse_output("no marker\n") is None


def test_without_a_release_given_every_dyno_runs_the_first_ones_but_a_cleanup_runs_anyway(
        heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Deploy 1111111", commit="1" * 40)
    dynos = _dynos(heroku)
    dynos.run(APP, ["echo", "mint"], timeout_s=30)  # v1
    heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", with_slug=False)
    with pytest.raises(WrongRelease, match="runs v2, not v1"):
        dynos.run(APP, ["echo", "check"], timeout_s=30)
    assert dynos.run(APP, ["echo", "cleanup"], timeout_s=30, any_release=True).output == \
        "cleanup\n"
