"""The cbor-regression fault: a server-side parser change that mangles well-formed attestation.

The runbook's step 4 row ("CBOR encoding regression") is a parser compatibility bug: the server
re-encodes what it received and hands py_webauthn something it can no longer read. Here the
regression turns the `authData` byte string into text, as a serializer that stringifies bytes
would, so the real `verify_registration_response` rejects a credential that a correct server
accepts.
"""

from __future__ import annotations

import base64
from typing import Any

import cbor2


def regress_attestation(credential: dict[str, Any]) -> dict[str, Any]:
    response = credential.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("attestationObject"), str):
        return credential  # malformed already: let py_webauthn say so
    raw = _b64decode(response["attestationObject"])
    try:
        decoded = cbor2.loads(raw)
    except Exception:  # not CBOR: py_webauthn rejects it either way
        return credential
    if isinstance(decoded, dict) and isinstance(decoded.get("authData"), bytes):
        decoded = {**decoded, "authData": decoded["authData"].hex()}
    mangled = base64.urlsafe_b64encode(cbor2.dumps(decoded)).rstrip(b"=").decode("ascii")
    return {**credential, "response": {**response, "attestationObject": mangled}}


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
