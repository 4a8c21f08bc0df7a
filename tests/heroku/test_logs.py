"""LogTail follows the fake logplex stream over verified TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.logs import LogTail
from tests.fakes.heroku import FakeHeroku
from tests.heroku.conftest import APP


def test_lines_written_after_the_session_opened_arrive_as_heroku_lines(
        heroku: FakeHeroku, tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    log.write_text("old INFO line before the session\n")
    heroku.apps[APP].log_path = log
    api = HerokuApi.from_env(heroku.environ())
    with LogTail.open(api, APP) as tail:
        with log.open("a") as handle:
            handle.write("2026-05-25 01:23:55 INFO [pid 17] app: webauthn.challenge_stored "
                         "store=redis user_id=42\n")
        assert tail.wait_for(("challenge_stored",), timeout_s=10)
        lines = tail.lines()
    assert len(lines) == 1
    assert " app[web.1]: 2026-05-25 01:23:55 INFO" in lines[0]
    assert "old INFO line" not in lines[0]
    assert heroku.logplex_requests == 1 and tail.error is None


def test_dropped_levels_never_arrive(heroku: FakeHeroku, tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    log.touch()
    heroku.apps[APP].log_path = log
    heroku.apps[APP].drop_levels = {"INFO"}
    with LogTail.open(HerokuApi.from_env(heroku.environ()), APP) as tail:
        log.write_text("x INFO a\nx WARNING b\n")
        assert tail.wait_for(("WARNING b",), timeout_s=10)
        assert not any("INFO a" in line for line in tail.lines())


def test_a_stream_that_does_not_open_is_an_error_at_once(heroku: FakeHeroku) -> None:
    heroku.logplex_down = True
    with pytest.raises(HerokuError, match="log session of raxx-api-prod: log stream answered "
                                          "HTTP 503"):
        LogTail.open(HerokuApi.from_env(heroku.environ()), APP)


def _session(heroku: FakeHeroku, tmp_path: Path) -> Path:
    log = tmp_path / "web.log"
    log.touch()
    heroku.apps[APP].log_path = log
    return log


def test_the_stream_is_read_as_server_sent_events_as_the_cli_reads_it(
        heroku: FakeHeroku, tmp_path: Path) -> None:
    log = _session(heroku, tmp_path)
    with LogTail.open(HerokuApi.from_env(heroku.environ()), APP) as tail:
        log.write_text("x INFO webauthn.challenge_stored store=redis user_id=7\n")
        assert tail.wait_for(("challenge_stored",), timeout_s=10)
        lines = tail.lines()
    assert heroku.logplex_content_types == ["text/event-stream; charset=utf-8"]
    assert len(lines) == 1 and " app[web.1]: x INFO webauthn.challenge_stored" in lines[0]
    assert not any(line.startswith(("id:", "data:")) for line in lines)
    assert tail.last_event_id == "1000" and tail.incomplete is None


def test_a_stream_that_ends_is_resumed_with_last_event_id_and_loses_nothing(
        heroku: FakeHeroku, tmp_path: Path) -> None:
    log = _session(heroku, tmp_path)
    heroku.logplex_drop_after = 2  # the server ends each stream after two events
    with LogTail.open(HerokuApi.from_env(heroku.environ()), APP) as tail:
        log.write_text("".join(f"x WARNING line {n}\n" for n in range(5)))
        assert tail.wait_for(("line 4",), timeout_s=10)
        lines = tail.lines()
    assert [line.split(": ", 1)[1] for line in lines] == [f"x WARNING line {n}"
                                                           for n in range(5)]
    assert heroku.logplex_last_event_ids[:3] == [None, "1001", "1003"]
    assert tail.incomplete is None and tail.error is None


def test_logplex_lost_line_notices_mark_the_evidence_incomplete(
        heroku: FakeHeroku, tmp_path: Path) -> None:
    log = _session(heroku, tmp_path)
    with LogTail.open(HerokuApi.from_env(heroku.environ()), APP) as tail:
        heroku.log_lines(APP, "heroku[logplex]: Error L10 (output buffer overflow): 7 messages "
                              "dropped since 2026-05-25T01:23:00+00:00.")
        log.write_text("x WARNING after\n")
        assert tail.wait_for(("after",), timeout_s=10)
    assert tail.incomplete is not None and "L10" in tail.incomplete


def test_a_plain_text_answer_is_read_as_the_content_type_says(heroku: FakeHeroku,
                                                              tmp_path: Path) -> None:
    log = _session(heroku, tmp_path)
    heroku.logplex_plain = True
    with LogTail.open(HerokuApi.from_env(heroku.environ()), APP) as tail:
        log.write_text("x WARNING id: not an event field\n")
        assert tail.wait_for(("not an event field",), timeout_s=10)
        lines = tail.lines()
    assert heroku.logplex_content_types == ["text/plain; charset=utf-8"]
    assert lines[0].endswith(" app[web.1]: x WARNING id: not an event field")
    assert tail.last_event_id is None
