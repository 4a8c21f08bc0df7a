"""Bootstrap tokens: format, signature, expiry (the runbook's step 1 and step 2 rows)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_gate.sandbox.tokens import InvalidToken, mint, verify

KEY = "test-key"
NOW = 1_748_181_130  # the runbook transcript's smoke timestamp


def test_format_matches_the_runbook_transcript() -> None:
    token = mint("smoke-test+1748181130@moosequest.net", key=KEY, now=NOW, nonce="n-1")
    assert token.startswith("eyJ2IjoxLCJlbWFp")
    body, signature = token.split(".")
    assert "=" not in token
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert payload == {"v": 1, "email": "smoke-test+1748181130@moosequest.net", "nonce": "n-1",
                       "exp": NOW + 900}
    assert len(base64.urlsafe_b64decode(signature + "=")) == 32  # HMAC-SHA256


@given(email=st.emails(), ttl=st.integers(min_value=1, max_value=10**6),
       key=st.one_of(st.text(min_size=1), st.binary(min_size=1)))
def test_round_trip(email: str, ttl: int, key: str | bytes) -> None:
    token = mint(email, key=key, ttl_seconds=ttl, now=NOW)
    claims = verify(token, key=key, now=NOW + ttl - 1)
    assert claims.email == email
    assert claims.exp == NOW + ttl


def test_fresh_nonce_per_token() -> None:
    first = verify(mint("a@b.invalid", key=KEY), key=KEY)
    second = verify(mint("a@b.invalid", key=KEY), key=KEY)
    assert first.nonce != second.nonce


def test_expires_at_exp() -> None:
    token = mint("a@b.invalid", key=KEY, ttl_seconds=60, now=NOW)
    with pytest.raises(InvalidToken, match="expired"):
        verify(token, key=KEY, now=NOW + 60)


def test_wrong_key_is_refused() -> None:
    token = mint("a@b.invalid", key=KEY, now=NOW)
    with pytest.raises(InvalidToken, match="signing key"):
        verify(token, key="another-key", now=NOW)


def test_payload_cannot_be_swapped() -> None:
    victim = mint("victim@b.invalid", key=KEY, now=NOW)
    attacker = mint("attacker@b.invalid", key=KEY, now=NOW)
    forged = attacker.split(".")[0] + "." + victim.split(".")[1]
    with pytest.raises(InvalidToken):
        verify(forged, key=KEY, now=NOW)


@pytest.mark.parametrize("token", ["", "abc", "abc.", ".abc", "a.b.c", "not base64!.x"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify(token, key=KEY, now=NOW)


def test_unknown_version_is_refused() -> None:
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(json.dumps(
        {"v": 2, "email": "a@b.invalid", "nonce": "n", "exp": NOW + 10}).encode()).decode()
    body = body.rstrip("=")
    signature = base64.urlsafe_b64encode(
        hmac.new(KEY.encode(), body.encode(), hashlib.sha256).digest()).decode().rstrip("=")
    with pytest.raises(InvalidToken, match="version"):
        verify(f"{body}.{signature}", key=KEY, now=NOW)
