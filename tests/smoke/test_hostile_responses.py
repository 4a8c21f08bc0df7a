"""Whatever the target answers, the smoke ends with a diagnosed FAIL in bounded time and memory:
never a traceback, never an "internal error", never a hang, never an unbounded report.

Generated answers (status, headers, bodies: huge, deeply nested JSON, not JSON, JSON of the
wrong types, not UTF-8) go through httpx.MockTransport for volume; each class of hostile answer
is also served for real over a loopback socket (tests/smoke/_hostile.py), truncated bodies and
broken status lines included, through the smoke's own bounded transport.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Mapping

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate.core.smoke_config.settings import parse
from release_gate.core.target import TargetKind
from release_gate.smoke import report
from release_gate.smoke.backend_types import DbState
from release_gate.smoke.client import ApiClient
from release_gate.smoke.codec import b64url
from release_gate.smoke.deadline import Deadline
from release_gate.smoke.masking import Masker
from release_gate.smoke.plan import SmokePlan
from release_gate.smoke.result import SmokeResult, SmokeVerdict
from release_gate.smoke.runner import run_smoke
from release_gate.smoke.transcript import Transcript
from tests.smoke._hostile import HostileServer, Reply

BEGIN = "/api/auth/register/begin-with-token"
VERIFY = "/api/auth/register/verify-with-token"
BODY_BYTES = 64 * 1024
EXCERPT = 500
BOUND_S = 10.0  # stated bound on one run against any answer (its deadlines are 2 s)
SETTINGS = parse({
    "origin": "http://localhost", "rp_id": "localhost", "endpoints": {"health": None},
    "timeouts": {"http": 1, "request": 1, "total": 2, "teardown": 2},
    "limits": {"body_bytes": BODY_BYTES, "excerpt_chars": EXCERPT},
})
OPTIONS = {  # what a well-behaved begin-with-token answers, so step 4 can be fuzzed
    "challenge": b64url(bytes(range(32))), "rp": {"id": "localhost", "name": "raxx"},
    "user": {"id": b64url(b"user_1"), "name": "smoke", "displayName": "smoke"},
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}], "attestation": "none",
}


class FixedMinter:
    """Step 1 without a process: the smoke's Minter interface, answering one token."""

    description = "fixed token (test)"
    waiting_ms = 0.0

    def mint(self, email: str) -> str:
        return "eyJ2IjoxfQ.fuzz-token-0123456789"


class NoRows:
    """Step 5 and teardown without a database: nothing was ever written."""

    description = "no rows (test)"
    waiting_ms = 0.0

    def check(self, *, email: str, nonce: str | None) -> DbState:
        return DbState(users=(), cred_count=None, recovery_codes=None, nonce_used=None)

    def delete(self, *, email: str) -> dict[str, int]:
        return {"user": 0}


def run_against(client: ApiClient) -> tuple[SmokeResult, str]:
    stream = io.StringIO()
    plan = SmokePlan(settings=SETTINGS, target=TargetKind.URL, api_url=client.base_url,
                     email="smoke-test+fuzz@moosequest.net", heroku_app="raxx-api-prod",
                     minter=FixedMinter(), database=NoRows(), client=client,
                     out=Transcript(stream, Masker()),
                     deadline=Deadline(SETTINGS.timeouts.total, what="the smoke's deadline"))
    with client:
        result = run_smoke(plan)
    return result, stream.getvalue()


def assert_diagnosed_fail(result: SmokeResult, transcript: str, elapsed: float) -> None:
    assert result.verdict is SmokeVerdict.FAIL
    assert result.failure is not None
    assert "internal error" not in transcript, transcript[-3000:]
    assert "Traceback" not in transcript
    assert "SMOKE VERDICT: FAIL" in transcript
    assert result.failure.diagnosis.likely_cause and result.failure.diagnosis.next_step
    assert len(result.failure.body or "") <= EXCERPT + 100
    assert len(json.dumps(report.to_dict(result), default=str)) < 32 * 1024
    assert max(len(line) for line in transcript.splitlines()) < EXCERPT + 1000
    assert elapsed < BOUND_S


# --- generated answers --------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
b64_text = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=",
                   max_size=60)
# Options and verify answers of roughly the right shape, with wrong types anywhere inside.
shaped = st.fixed_dictionaries({}, optional={
    "challenge": b64_text | json_values,
    "user": st.fixed_dictionaries({"id": b64_text | json_values}) | json_values,
    "rp": st.fixed_dictionaries({"id": st.text(max_size=20) | json_values}) | json_values,
    "pubKeyCredParams": st.lists(st.fixed_dictionaries(
        {"type": st.just("public-key") | json_values,
         "alg": st.sampled_from([-7, -257, "-7", None])}), max_size=3) | json_values,
    "publicKey": json_values,
    "status": st.just("ok") | json_values,
    "user_id": json_values,
    "detail": json_values,
})
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"publicKey": shaped}).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=3000),  # not JSON, mostly not UTF-8
    st.integers(500, 100_000).map(lambda n: b"[" * n),  # nested past any recursion limit
    st.integers(1, 4 * BODY_BYTES).map(lambda n: b"x" * (BODY_BYTES + n)),  # over the cap
)
statuses = st.sampled_from([200, 201, 204, 400, 404, 409, 418, 500, 502]) | st.integers(100, 599)
content_types = st.sampled_from([
    "application/json", "application/json; charset=latin-1", "text/html; charset=utf-8",
    "application/json; charset=rot13", "application/json; charset=no-such-codec", "",
])

header_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-ABCXYZ0123456789", min_size=1,
                       max_size=20)
header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255,
                                               blacklist_characters="\x7f"), max_size=60)
extra_headers = st.dictionaries(
    header_names | st.sampled_from(["Content-Encoding", "Transfer-Encoding", "Content-Length",
                                    "Location", "Retry-After", "Set-Cookie"]),
    header_values | st.sampled_from(["gzip", "br", "chunked", "-1", "999999999999"]),
    max_size=5)

FUZZ = settings(max_examples=120, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(where=st.sampled_from([BEGIN, VERIFY]), status=statuses, content_type=content_types,
       headers=extra_headers, body=bodies)
def test_any_generated_answer_is_a_diagnosed_fail(where: str, status: int, content_type: str,
                                                  headers: dict[str, str], body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        # A ByteStream, as a socket gives: `content=` would hand over a body already read.
        if request.url.path == where:
            if content_type:
                headers["Content-Type"] = content_type
            # Header bytes as a socket delivers them (obs-text included), not str to encode.
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            return httpx.Response(status, headers=raw, stream=httpx.ByteStream(body))
        if request.url.path == BEGIN:
            return httpx.Response(200, stream=httpx.ByteStream(json.dumps(OPTIONS).encode()))
        return httpx.Response(404, stream=httpx.ByteStream(b'{"detail": "Not Found"}'))

    client = ApiClient("http://target.test", timeout_s=1, request_s=1,
                       body_bytes=BODY_BYTES, transport=httpx.MockTransport(answer))
    start = time.monotonic()
    result, transcript = run_against(client)
    assert_diagnosed_fail(result, transcript, time.monotonic() - start)
    assert result.failure is not None and result.failure.step in ("2", "3", "4", "5")


# --- each class over a real socket -------------------------------------------------------

def _raw(head: bytes, body: bytes) -> Reply:
    return Reply(head, lambda: (body,))


REAL: Mapping[str, tuple[Reply, str]] = {
    # class -> (the answer to begin-with-token, the diagnosis it must get)
    "huge": (Reply.endless(cap=64 * 1024 * 1024), "response-too-large"),
    "deep-json": (Reply.raw(200, b"[" * 50_000), "unexpected-response"),
    "not-json": (Reply.raw(200, b"<html>maintenance</html>",
                           headers={"Content-Type": "text/html"}), "unexpected-response"),
    "wrong-types": (Reply.json(200, {"challenge": 5, "user": [], "rp": "x"}),
                    "unexpected-response"),
    "not-utf8": (Reply.raw(200, b"\xff\xfe{\x00\x80", headers={
        "Content-Type": "application/json; charset=utf-8"}), "unexpected-response"),
    "bad-charset": (Reply.raw(200, b'{"a": 1}', headers={
        "Content-Type": "application/json; charset=rot13"}), "unexpected-response"),
    "truncated": (Reply.raw(200, b'{"challenge": "abc', content_length=5000), "unreachable"),
    "latin1-headers": (Reply.raw(200, b"{}", headers={
        "Content-Type": "application/json; charset=\xe9t\xe9", "X-Note": "caf\xe9 \x80\xff"}),
        "unexpected-response"),
    "claims-gzip": (Reply.raw(200, b"\x1f\x8b not really gzip", headers={
        "Content-Encoding": "gzip"}), "unexpected-response"),
    "broken-status-line": (_raw(b"HTTP/1.1 two hundred\r\n\r\n", b""), "unreachable"),
    "broken-header": (_raw(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", b""), "unreachable"),
    "slow-drip": (Reply.dripping(b'{"challenge": "' + b"x" * 100 + b'"}', every=0.25),
                  "timeout"),
    "slow-head": (Reply.dripping(b"{}", every=0.25, head_too=True), "timeout"),
}


@pytest.mark.parametrize("kind", sorted(REAL))
def test_each_hostile_class_over_a_real_socket_is_a_diagnosed_fail(kind: str) -> None:
    reply, diagnosis = REAL[kind]
    with HostileServer({BEGIN: reply}) as server:
        client = ApiClient(server.base_url, timeout_s=1, request_s=1, body_bytes=BODY_BYTES,
                           run_deadline=Deadline(2, what="the smoke's deadline"))
        start = time.monotonic()
        result, transcript = run_against(client)
        elapsed = time.monotonic() - start
    assert_diagnosed_fail(result, transcript, elapsed)
    assert result.failure is not None
    assert (result.failure.step, result.failure.diagnosis.id) == ("2", diagnosis), transcript


def test_answers_are_bounded_by_the_deadline_not_the_per_read_timeout() -> None:
    # A per-read timeout of 30 s never fires on a 4 bytes/s drip; the 1 s request deadline does.
    reply = Reply.dripping(b"x" * 1000, every=0.25)
    with HostileServer({BEGIN: reply}) as server:
        client = ApiClient(server.base_url, timeout_s=30, request_s=1, body_bytes=BODY_BYTES)
        start = time.monotonic()
        exchange = client.post_json(BEGIN, {})
        elapsed = time.monotonic() - start
        client.close()
    assert exchange.timed_out and exchange.status == 200
    assert "smoke.timeouts.request" in (exchange.error or "")
    assert 1 <= elapsed < 3


