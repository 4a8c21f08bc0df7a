"""Generated cases for the two wire formats the smoke reads from Heroku: a one-off dyno's output
with the CLI's exit marker (anywhere in it, heroku/cli `src/lib/run/dyno.ts`), and the log
stream's Server-Sent Events (heroku/cli `src/lib/run/log-displayer.ts` and its fixtures)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from release_gate.heroku.logs import LogTail, split_lines
from release_gate.heroku.rendezvous import EXIT_MARKER, parse_output

_TEXT = st.text(st.characters(blacklist_characters="\uffff\r", blacklist_categories=("Cs",)),
                max_size=200)
_LINE = st.text(st.characters(blacklist_characters="\uffff\r\n\0",
                              blacklist_categories=("Cs", "Zl", "Zp")),
                min_size=1, max_size=80).filter(lambda s: s.strip() == s and s != "")


@given(before=_TEXT, code=st.integers(0, 255), crlf=st.booleans())
def test_the_exit_status_is_read_wherever_the_marker_lands(before: str, code: int,
                                                           crlf: bool) -> None:
    # The command's output, then the echo's line: mid-line when the output had no newline.
    newline = "\r\n" if crlf else "\n"
    sent = before.replace("\n", newline) + f"{EXIT_MARKER} {code}{newline}"
    result = parse_output(sent)
    assert result is not None
    assert result.exit_code == code
    assert result.output == before


@given(lines=st.lists(_LINE, min_size=1, max_size=20), crlf=st.booleans(),
       spaced=st.booleans(), comments=st.booleans(), start=st.integers(0, 10**6),
       cuts=st.lists(st.integers(1, 40), max_size=30))
def test_server_sent_events_give_back_each_log_line_and_the_last_id(
        lines: list[str], crlf: bool, spaced: bool, comments: bool, start: int,
        cuts: list[int]) -> None:
    stream: list[str] = []
    for offset, line in enumerate(lines):
        if comments:
            stream.append(": keep-alive")
        stream.append(f"id:{' ' if spaced else ''}{start + offset}")
        stream.append(f"data:{' ' if spaced else ''}{line}")
        stream.append("")
    data = ("\r\n" if crlf else "\n").join(stream).encode()
    chunks, at = [], 0
    for size in cuts:  # TLS records cut the stream anywhere, a CRLF or a UTF-8 sequence too
        chunks.append(data[at:at + size])
        at += size
    chunks.append(data[at:])
    tail = LogTail("https://logs.invalid/stream", verify=True)
    parsed = list(tail._events(split_lines(chunks)))
    assert parsed == [line.strip() for line in lines]
    assert tail.last_event_id == str(start + len(lines) - 1)


def test_one_event_may_carry_several_lines_as_the_cli_splits_them() -> None:
    tail = LogTail("https://logs.invalid/stream", verify=True)
    stream = ["id: 1002", "data: 2024-10-17T22:23:22.209776+00:00 app[web.1]: log line 1",
              "data: 2024-10-17T22:23:23.032789+00:00 app[web.1]: log line 2", "", ""]
    assert list(tail._events(iter(stream))) == [
        "2024-10-17T22:23:22.209776+00:00 app[web.1]: log line 1",
        "2024-10-17T22:23:23.032789+00:00 app[web.1]: log line 2"]
