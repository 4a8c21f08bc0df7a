"""heroku/brief.py: a transport error is one readable line, never cut inside a word."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from release_gate.heroku.brief import brief, clip

DNS = ("HTTPSConnectionPool(host='api.heroku.com', port=443): Max retries exceeded with url: "
       "/apps/raxx-api-prod/releases (Caused by NameResolutionError(\"<urllib3.connection."
       "HTTPSConnection object at 0x7f3a2c1d9e50>: Failed to resolve 'api.heroku.com' ([Errno -3] "
       "Temporary failure in name resolution)\"))")


def test_a_dns_failure_names_the_host_and_the_reason() -> None:
    assert brief(ConnectionError(DNS)) == ("cannot resolve the host name api.heroku.com (DNS: "
                                           "Temporary failure in name resolution)")


@given(st.lists(st.from_regex(r"[A-Za-z0-9_.:'()-]{1,30}", fullmatch=True), min_size=1,
                max_size=40))
def test_clip_never_cuts_inside_a_word(words: list[str]) -> None:
    text = " ".join(words)
    clipped = clip(text, 60)
    assert len(clipped) <= 60
    if clipped == text:
        return
    assert clipped.endswith("…")
    prefix = clipped[:-1]
    assert text.startswith(prefix)
    # Cut at a space (or the punctuation before one), unless no space falls in the second half.
    assert text[len(prefix)] in " ,;:(" or " " not in text[30:59]
