"""Invite codes: base64url(JSON {"jti", "sub", "exp"}) "." base64url(HMAC-SHA256), unpadded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass


class InviteRejected(ValueError):
    pass


@dataclass(frozen=True)
class Invite:
    jti: str
    email: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(body: str, secret: str) -> bytes:
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()


def issue(email: str, *, secret: str, ttl_s: int = 600) -> str:
    body = _b64(json.dumps({"jti": secrets.token_hex(12), "sub": email,
                            "exp": int(time.time()) + ttl_s}).encode())
    return f"{body}.{_b64(_mac(body, secret))}"


def check(code: str, *, secret: str) -> Invite:
    body, _, signature = code.partition(".")
    try:
        good = hmac.compare_digest(_unb64(signature), _mac(body, secret))
        claims = json.loads(_unb64(body))
    except ValueError:
        raise InviteRejected("invite rejected: malformed") from None
    if not good:
        raise InviteRejected("invite rejected: bad signature")
    if claims.get("exp", 0) < time.time():
        raise InviteRejected("invite rejected: expired")
    return Invite(jti=str(claims["jti"]), email=str(claims["sub"]))
