"""A synthetic platform authenticator: one ES256 key, attestation `none` (docs/design.md §5 step 3).

It builds exactly what the runbook's harness builds, so py_webauthn's `verify_registration_response`
accepts it without a phone: EC P-256 / ES256 (-7), `fmt` `none` with `attStmt` `{}`, flags
UP|UV|AT, a zero AAGUID, a random 32-byte credential id, a COSE key with fixed-length 32-byte x/y,
`cbor2.dumps`, unpadded base64url, and the options' challenge echoed byte for byte in
`clientDataJSON`. The same key can then sign an assertion (the optional login round).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from release_gate.smoke.codec import DecodeError, b64url, b64url_decode

ES256 = -7
FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
ZERO_AAGUID = bytes(16)
CREDENTIAL_ID_LENGTH = 32


class AuthenticatorError(ValueError):
    """The options cannot be answered by this authenticator; the message says why."""


@dataclass(frozen=True)
class Registration:
    """A registration credential (RegistrationResponseJSON) and what step 3 asserts about it."""

    credential: dict[str, Any]
    credential_id: bytes
    challenge: str
    rp_id: str
    origin: str
    client_data: dict[str, Any]

    @property
    def credential_id_b64(self) -> str:
        return b64url(self.credential_id)


def unwrap_options(options: Mapping[str, Any], key: str | None = "publicKey"
                   ) -> Mapping[str, Any]:
    """Accept `{key: {...}}` (navigator.credentials' `publicKey` by default, or a backend's own
    wrapper, smoke.responses.options_key) as well as the bare options."""
    inner = options.get(key) if key else None
    return inner if isinstance(inner, Mapping) else options


class SyntheticAuthenticator:
    """One credential. Inject `randbytes` / `private_key` to make it deterministic in tests."""

    def __init__(self, *, private_key: ec.EllipticCurvePrivateKey | None = None,
                 randbytes: Callable[[int], bytes] = os.urandom) -> None:
        self._key = private_key or ec.generate_private_key(ec.SECP256R1())
        if not isinstance(self._key.curve, ec.SECP256R1):
            raise AuthenticatorError(f"ES256 needs a P-256 key, found {self._key.curve.name}")
        self._randbytes = randbytes
        self._credential_id: bytes | None = None
        self._user_handle: str | None = None
        self._sign_count = 0

    @property
    def credential_id(self) -> bytes | None:
        return self._credential_id

    def cose_public_key(self) -> bytes:
        numbers = self._key.public_key().public_numbers()
        return cbor2.dumps({
            1: 2,  # kty: EC2
            3: ES256,  # alg
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),  # fixed length: a short x/y is a classic bug
            -3: numbers.y.to_bytes(32, "big"),
        })

    def register(self, options: Mapping[str, Any], *, origin: str,
                 rp_id: str | None = None) -> Registration:
        opts = unwrap_options(options)
        challenge = _challenge(opts)
        _require_es256(opts)
        rp = _mapping(opts.get("rp"))
        effective_rp_id = rp_id or rp.get("id") or urlsplit(origin).hostname
        if not effective_rp_id:
            raise AuthenticatorError("no RP id: the options have no rp.id and none is configured")
        user = _mapping(opts.get("user"))
        if isinstance(user.get("id"), str):
            self._user_handle = user["id"]

        credential_id = self._randbytes(CREDENTIAL_ID_LENGTH)
        if len(credential_id) != CREDENTIAL_ID_LENGTH:
            raise AuthenticatorError(f"randbytes gave {len(credential_id)} bytes, expected 32")
        cose_key = self.cose_public_key()
        auth_data = (
            _rp_id_hash(effective_rp_id)
            + bytes([FLAG_UP | FLAG_UV | FLAG_AT])
            + (0).to_bytes(4, "big")
            + ZERO_AAGUID
            + len(credential_id).to_bytes(2, "big")
            + credential_id
            + cose_key
        )
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = {"type": "webauthn.create", "challenge": challenge, "origin": origin,
                       "crossOrigin": False}
        client_data_json = json.dumps(client_data, separators=(",", ":")).encode()
        cred_id = b64url(credential_id)
        credential = {
            "id": cred_id,
            "rawId": cred_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data_json),
                "attestationObject": b64url(attestation_object),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }
        self._credential_id = credential_id
        self._sign_count = 0
        return Registration(credential=credential, credential_id=credential_id,
                            challenge=challenge, rp_id=effective_rp_id, origin=origin,
                            client_data=client_data)

    def authenticate(self, options: Mapping[str, Any], *, origin: str,
                     rp_id: str | None = None) -> dict[str, Any]:
        """Sign an assertion (AuthenticationResponseJSON) with the registered key."""
        if self._credential_id is None:
            raise AuthenticatorError("no credential yet: register before authenticating")
        opts = unwrap_options(options)
        challenge = _challenge(opts)
        effective_rp_id = rp_id or opts.get("rpId") or urlsplit(origin).hostname
        if not effective_rp_id:
            raise AuthenticatorError("no RP id: the options have no rpId and none is configured")
        allowed = opts.get("allowCredentials") or []
        cred_id = b64url(self._credential_id)
        if allowed and not any(isinstance(c, Mapping) and c.get("id") == cred_id for c in allowed):
            raise AuthenticatorError(
                f"allowCredentials does not list the registered credential {cred_id[:16]}...")
        self._sign_count += 1
        auth_data = (_rp_id_hash(str(effective_rp_id)) + bytes([FLAG_UP | FLAG_UV])
                     + self._sign_count.to_bytes(4, "big"))
        client_data_json = json.dumps(
            {"type": "webauthn.get", "challenge": challenge, "origin": origin,
             "crossOrigin": False}, separators=(",", ":")).encode()
        signature = self._key.sign(auth_data + hashlib.sha256(client_data_json).digest(),
                                   ec.ECDSA(hashes.SHA256()))
        response: dict[str, Any] = {
            "clientDataJSON": b64url(client_data_json),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self._user_handle is not None:
            response["userHandle"] = self._user_handle
        return {"id": cred_id, "rawId": cred_id, "type": "public-key", "response": response,
                "authenticatorAttachment": "platform", "clientExtensionResults": {}}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _rp_id_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode("utf-8")).digest()


def _challenge(opts: Mapping[str, Any]) -> str:
    challenge = opts.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        raise AuthenticatorError("the options have no `challenge` string")
    try:
        b64url_decode(challenge)
    except DecodeError as error:
        raise AuthenticatorError(
            f"the options' challenge is not unpadded base64url: {error}") from None
    return challenge


def _require_es256(opts: Mapping[str, Any]) -> None:
    params = opts.get("pubKeyCredParams")
    if not isinstance(params, list):
        raise AuthenticatorError("the options have no `pubKeyCredParams` list")
    algs = [p.get("alg") for p in params if isinstance(p, Mapping)]
    if not any(isinstance(p, Mapping) and p.get("alg") == ES256
               and p.get("type", "public-key") == "public-key" for p in params):
        raise AuthenticatorError(
            f"the options do not allow ES256 (-7): pubKeyCredParams offer {algs}; "
            "this synthetic authenticator only makes EC P-256 / ES256 credentials")
