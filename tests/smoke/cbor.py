"""A strict CBOR decoder for the tests that read what the synthetic authenticator built
(smoke/authenticator.py encodes; nothing in the smoke decodes CBOR)."""

from __future__ import annotations

import io
from typing import Any

import cbor2

from release_gate.smoke.codec import DecodeError


def cbor_decode_strict(data: bytes) -> Any:
    """Decode exactly one CBOR item; leftover bytes are an error (a lenient decoder would hide
    the encoding regressions the smoke exists to catch)."""
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    except cbor2.CBORDecodeError as error:
        raise DecodeError(f"invalid CBOR: {error}") from None
    if stream.tell() != len(data):
        raise DecodeError(f"{len(data) - stream.tell()} leftover byte(s) after the CBOR item")
    return item
