"""Our rendezvous client and one-off dynos against the fake's TLS rendezvous (commands run here)."""

from __future__ import annotations

import time

import pytest

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.dynos import OneOffDynos
from release_gate.heroku.rendezvous import (
    ConnectionDropped,
    DynoBootTimeout,
    NoExitStatus,
    parse_output,
    with_exit_status,
)
from tests.fakes.heroku import FakeHeroku
from tests.heroku.conftest import APP


def _dynos(heroku: FakeHeroku, **kwargs: float) -> OneOffDynos:
    return OneOffDynos(HerokuApi.from_env(heroku.environ(), sleep=lambda s: None), **kwargs)


def test_exit_status_comes_from_the_marker_and_is_removed_from_the_output(
        heroku: FakeHeroku) -> None:
    result = _dynos(heroku).run(APP, ["bash", "-c", "echo out; echo err >&2; exit 3"],
                                timeout_s=30)
    assert result.exit_code == 3
    assert result.output.splitlines() == ["out", "err"]
    assert heroku.dynos[0].command.endswith('; echo "\uffff heroku-command-exit-status: $?"')


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
    assert with_exit_status("true").startswith("true; echo")
    assert parse_output("no marker\n") is None
