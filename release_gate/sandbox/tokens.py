"""Bootstrap signup tokens: HMAC-SHA256 signed, expiring, single use (the nonce; see storage.py).

Format: base64url(JSON {"v":1,"email":..,"nonce":..,"exp":..}) "." base64url(HMAC-SHA256 of the
first part), unpadded. The compact JSON with `v` first is why tokens start `eyJ2IjoxLCJlbWFp`, as in
the runbook's transcript.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

VERSION = 1


class InvalidToken(ValueError):
    """Malformed, wrongly signed, expired or of an unknown version. The message says which."""


@dataclass(frozen=True)
class TokenClaims:
    email: str
    nonce: str
    exp: int


def mint(email: str, *, key: str | bytes, ttl_seconds: int = 900, now: float | None = None,
         nonce: str | None = None) -> str:
    """Return a signed token for `email` that expires `ttl_seconds` after `now`."""
    issued = time.time() if now is None else now
    payload = {"v": VERSION, "email": email, "nonce": nonce or secrets.token_urlsafe(16),
               "exp": int(issued) + ttl_seconds}
    body = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{body}.{_b64encode(_sign(body, key))}"


def verify(token: str, *, key: str | bytes, now: float | None = None) -> TokenClaims:
    """Check signature, version and expiry. Does not know about nonce reuse (the DB does)."""
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature:
        raise InvalidToken("token is not <payload>.<signature>")
    try:
        given = _b64decode(signature)
    except (binascii.Error, ValueError):
        raise InvalidToken("signature is not base64url") from None
    if not hmac.compare_digest(given, _sign(body, key)):
        raise InvalidToken("signature does not match the signing key")
    try:
        payload = json.loads(_b64decode(body))
    except (binascii.Error, ValueError):
        raise InvalidToken("payload is not base64url JSON") from None
    if not isinstance(payload, dict) or payload.get("v") != VERSION:
        raise InvalidToken(f"unknown token version (expected {VERSION})")
    email, nonce, exp = payload.get("email"), payload.get("nonce"), payload.get("exp")
    if not (isinstance(email, str) and email and isinstance(nonce, str) and nonce
            and isinstance(exp, int)):
        raise InvalidToken("payload lacks email, nonce or exp")
    if (time.time() if now is None else now) >= exp:
        raise InvalidToken("token expired")
    return TokenClaims(email=email, nonce=nonce, exp=exp)


def _sign(body: str, key: str | bytes) -> bytes:
    raw_key = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw_key, body.encode("ascii"), hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
