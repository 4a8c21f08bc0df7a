"""Unpadded base64url and strict decoders (docs/design.md §5, step 3: base64url everywhere).

Strict means: no `=` padding, only the URL-safe alphabet, canonical trailing bits. A lenient
decoder would hide exactly the encoding regressions the smoke exists to catch (runbook,
"Interpreting failures": CBOR encoding regression).
"""

from __future__ import annotations

import base64
import binascii
import re

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class DecodeError(ValueError):
    """A value is not in the strict encoding it claims to be in."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; refuse padding, other alphabets and non-canonical forms."""
    if not isinstance(text, str):
        raise DecodeError(f"expected a base64url string, found {type(text).__name__}")
    if "=" in text:
        raise DecodeError("base64url value is padded ('='); WebAuthn JSON uses unpadded base64url")
    if not _B64URL.match(text):
        raise DecodeError("base64url value has characters outside [A-Za-z0-9_-]")
    if len(text) % 4 == 1:
        raise DecodeError(f"base64url value has an impossible length {len(text)}")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise DecodeError(f"invalid base64url: {error}") from None
    if b64url(data) != text:
        raise DecodeError("base64url value is not canonical (stray trailing bits)")
    return data
