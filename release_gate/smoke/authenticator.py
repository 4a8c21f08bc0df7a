"""A synthetic authenticator: one key, attestation `none` (docs/design.md §5 step 3).

It builds what the runbook's harness builds, so py_webauthn's `verify_registration_response`
accepts it without a phone: `fmt` `none` with `attStmt` `{}`, a zero AAGUID, a random 32-byte
credential id, a COSE key with fixed-length coordinates, `cbor2.dumps`, unpadded base64url, and
the options' challenge echoed byte for byte in `clientDataJSON`. Which device it copies (key
type, flags, sign counter) is its profile (profiles.py); the same key then signs assertions
(the optional login round). Before it signs it runs the browser's checks (client_checks.py),
so an origin or RP id that a real device would refuse is refused here too.
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
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from release_gate.smoke import client_checks
from release_gate.smoke.codec import DecodeError, b64url, b64url_decode
from release_gate.smoke.profiles import (
    DEFAULT,
    EDDSA,
    ES256,
    NoSupportedAlgorithm,
    Profile,
)

ZERO_AAGUID = bytes(16)
CREDENTIAL_ID_LENGTH = 32
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class AuthenticatorError(ValueError):
    """The options cannot be answered by this authenticator; the message says why."""


class ClientRefused(AuthenticatorError):
    """The browser's own checks refuse the origin or RP id: a real device would not sign."""

    def __init__(self, refusal: client_checks.Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


@dataclass(frozen=True)
class Registration:
    """A registration credential (RegistrationResponseJSON) and what step 3 asserts about it."""

    credential: dict[str, Any]
    credential_id: bytes
    challenge: str
    rp_id: str
    origin: str
    client_data: dict[str, Any]
    algorithm: int = ES256
    flags: int = 0

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
    """One credential of one device profile. Inject `randbytes` / `private_key` to make it
    deterministic in tests (the key's type must be the one the options' order picks)."""

    def __init__(self, *, profile: Profile = DEFAULT, private_key: PrivateKey | None = None,
                 randbytes: Callable[[int], bytes] = os.urandom) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey) and not isinstance(
                private_key.curve, ec.SECP256R1):
            raise AuthenticatorError(f"ES256 needs a P-256 key, found {private_key.curve.name}")
        self.profile = profile
        self._given_key = private_key
        self._key: PrivateKey | None = None
        self._randbytes = randbytes
        self._credential_id: bytes | None = None
        self._user_handle: str | None = None
        self._sign_count = 0

    @property
    def credential_id(self) -> bytes | None:
        return self._credential_id

    def choose_algorithm(self, options: Mapping[str, Any]) -> int:
        """The algorithm a browser would pick for these options with this device."""
        params = unwrap_options(options).get("pubKeyCredParams")
        if not isinstance(params, list):
            raise AuthenticatorError("the options have no `pubKeyCredParams` list")
        try:
            return self.profile.choose(params)
        except NoSupportedAlgorithm as error:
            raise AuthenticatorError(str(error)) from None

    def _new_key(self, algorithm: int) -> PrivateKey:
        given = self._given_key
        if given is not None:
            if (algorithm == EDDSA) != isinstance(given, ed25519.Ed25519PrivateKey):
                raise AuthenticatorError(f"the injected key cannot sign algorithm {algorithm}")
            return given
        if algorithm == EDDSA:
            return ed25519.Ed25519PrivateKey.generate()
        return ec.generate_private_key(ec.SECP256R1())

    def cose_public_key(self) -> bytes:
        if self._key is None:
            raise AuthenticatorError("no key yet: register first")
        return cose_key(self._key)

    def register(self, options: Mapping[str, Any], *, origin: str,
                 rp_id: str | None = None) -> Registration:
        opts = unwrap_options(options)
        challenge = _challenge(opts)
        algorithm = self.choose_algorithm(opts)
        rp = _mapping(opts.get("rp"))
        effective_rp_id = rp_id or rp.get("id") or urlsplit(origin).hostname
        if not effective_rp_id:
            raise AuthenticatorError("no RP id: the options have no rp.id and none is configured")
        _client_checks(origin, str(effective_rp_id))
        user = _mapping(opts.get("user"))
        if isinstance(user.get("id"), str):
            self._user_handle = user["id"]

        credential_id = self._randbytes(CREDENTIAL_ID_LENGTH)
        if len(credential_id) != CREDENTIAL_ID_LENGTH:
            raise AuthenticatorError(f"randbytes gave {len(credential_id)} bytes, expected 32")
        self._key = self._new_key(algorithm)
        flags = self.profile.flags
        auth_data = (
            _rp_id_hash(effective_rp_id)
            + bytes([flags])
            + (0).to_bytes(4, "big")
            + ZERO_AAGUID
            + len(credential_id).to_bytes(2, "big")
            + credential_id
            + cose_key(self._key)
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
                "transports": list(self.profile.transports),
            },
            "authenticatorAttachment": self.profile.attachment,
            "clientExtensionResults": {},
        }
        self._credential_id = credential_id
        self._sign_count = 0
        return Registration(credential=credential, credential_id=credential_id,
                            challenge=challenge, rp_id=effective_rp_id, origin=origin,
                            client_data=client_data, algorithm=algorithm, flags=flags)

    def authenticate(self, options: Mapping[str, Any], *, origin: str,
                     rp_id: str | None = None) -> dict[str, Any]:
        """Sign an assertion (AuthenticationResponseJSON) with the registered key."""
        if self._credential_id is None or self._key is None:
            raise AuthenticatorError("no credential yet: register before authenticating")
        opts = unwrap_options(options)
        challenge = _challenge(opts)
        effective_rp_id = rp_id or opts.get("rpId") or urlsplit(origin).hostname
        if not effective_rp_id:
            raise AuthenticatorError("no RP id: the options have no rpId and none is configured")
        _client_checks(origin, str(effective_rp_id))
        allowed = opts.get("allowCredentials") or []
        cred_id = b64url(self._credential_id)
        if allowed and not any(isinstance(c, Mapping) and c.get("id") == cred_id for c in allowed):
            raise AuthenticatorError(
                f"allowCredentials does not list the registered credential {cred_id[:16]}...")
        if self.profile.counts_signatures:
            self._sign_count += 1
        auth_data = (_rp_id_hash(str(effective_rp_id)) + bytes([self.profile.assertion_flags])
                     + self._sign_count.to_bytes(4, "big"))
        client_data_json = json.dumps(
            {"type": "webauthn.get", "challenge": challenge, "origin": origin,
             "crossOrigin": False}, separators=(",", ":")).encode()
        signature = _sign(self._key, auth_data + hashlib.sha256(client_data_json).digest())
        response: dict[str, Any] = {
            "clientDataJSON": b64url(client_data_json),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self._user_handle is not None:
            response["userHandle"] = self._user_handle
        return {"id": cred_id, "rawId": cred_id, "type": "public-key", "response": response,
                "authenticatorAttachment": self.profile.attachment,
                "clientExtensionResults": {}}


def cose_key(key: PrivateKey) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes_raw()
        return cbor2.dumps({1: 1, 3: EDDSA, -1: 6, -2: raw})  # kty OKP, crv Ed25519
    numbers = key.public_key().public_numbers()
    return cbor2.dumps({
        1: 2,  # kty: EC2
        3: ES256,  # alg
        -1: 1,  # crv: P-256
        -2: numbers.x.to_bytes(32, "big"),  # fixed length: a short x/y is a classic bug
        -3: numbers.y.to_bytes(32, "big"),
    })


def _sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _client_checks(origin: str, rp_id: str) -> None:
    refused = client_checks.refusal(origin, rp_id)
    if refused is not None:
        raise ClientRefused(refused)


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
