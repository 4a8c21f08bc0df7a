"""The synthetic authenticator against py_webauthn itself, and strict decoding (design.md §5)."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.structs import (
    COSEAlgorithmIdentifier,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from release_gate.smoke import profiles
from release_gate.smoke.authenticator import AuthenticatorError, SyntheticAuthenticator
from release_gate.smoke.codec import DecodeError, b64url, b64url_decode
from tests.smoke.cbor import cbor_decode_strict

ORIGIN = "https://raxx.app"
RP_ID = "raxx.app"


def _options(challenge: bytes | None = None, algs: list[COSEAlgorithmIdentifier] | None = None
             ) -> dict:
    options = generate_registration_options(
        rp_id=RP_ID, rp_name="Raxx", user_name="smoke-test+1@moosequest.net",
        user_id=b"user_1", challenge=challenge,
        supported_pub_key_algs=algs or [COSEAlgorithmIdentifier.ECDSA_SHA_256,
                                         COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256])
    return json.loads(options_to_json(options))


def _strict_walk(credential: dict) -> dict:
    """Decode every binary field strictly; return the decoded attestation object."""
    assert b64url_decode(credential["id"]) == b64url_decode(credential["rawId"])
    response = credential["response"]
    client_data = json.loads(b64url_decode(response["clientDataJSON"]))
    assert client_data["type"] == "webauthn.create"
    return {"client_data": client_data,
            "attestation": cbor_decode_strict(b64url_decode(response["attestationObject"]))}


def test_registration_verifies_with_py_webauthn_requiring_user_verification() -> None:
    options = _options()
    registration = SyntheticAuthenticator().register(options, origin=ORIGIN)
    verified = verify_registration_response(
        credential=registration.credential,
        expected_challenge=b64url_decode(options["challenge"]),
        expected_rp_id=RP_ID, expected_origin=ORIGIN, require_user_verification=True)
    assert verified.credential_id == registration.credential_id
    assert verified.user_verified is True
    assert verified.fmt == "none"
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"


def test_registration_has_the_runbook_shape_and_decodes_strictly() -> None:
    options = _options()
    registration = SyntheticAuthenticator(profile=profiles.GENERIC,
                                          randbytes=lambda n: b"\x07" * n).register(
        options, origin=ORIGIN)
    decoded = _strict_walk(registration.credential)
    attestation = decoded["attestation"]
    assert attestation["fmt"] == "none"
    assert attestation["attStmt"] == {}
    auth_data = attestation["authData"]
    assert auth_data[:32] == hashlib.sha256(RP_ID.encode()).digest()
    assert auth_data[32] == 0x45  # UP | UV | AT
    assert auth_data[37:53] == bytes(16)  # zero AAGUID
    assert int.from_bytes(auth_data[53:55], "big") == 32
    assert auth_data[55:87] == b"\x07" * 32  # injected randomness
    cose = cbor_decode_strict(auth_data[87:])  # no leftover bytes after the COSE key either
    assert cose[1] == 2 and cose[3] == -7 and cose[-1] == 1
    assert len(cose[-2]) == 32 and len(cose[-3]) == 32
    # Echoed byte for byte.
    assert decoded["client_data"]["challenge"] == options["challenge"]
    assert decoded["client_data"]["origin"] == ORIGIN
    response = registration.credential["response"]
    for value in (registration.credential["id"], response["clientDataJSON"],
                  response["attestationObject"]):
        assert "=" not in value and "+" not in value and "/" not in value


@settings(max_examples=40, deadline=None)
@given(challenge=st.binary(min_size=1, max_size=64))
def test_any_challenge_is_echoed_and_verifies(challenge: bytes) -> None:
    options = _options(challenge=challenge)
    registration = SyntheticAuthenticator().register(options, origin=ORIGIN)
    assert registration.client_data["challenge"] == b64url(challenge)
    verify_registration_response(credential=registration.credential, expected_challenge=challenge,
                                 expected_rp_id=RP_ID, expected_origin=ORIGIN,
                                 require_user_verification=True)


def test_small_coordinates_are_padded_to_32_bytes() -> None:
    # Search for a key whose x has a leading zero byte: the fixed-length encoding must keep it.
    for seed in range(1, 5000):
        key = ec.derive_private_key(seed, ec.SECP256R1())
        if key.public_key().public_numbers().x < 2 ** 248:
            break
    else:
        pytest.fail("no seed in 1..4999 gives an x below 2**248 (expected ~19 of them)")
    options = _options()
    registration = SyntheticAuthenticator(private_key=key).register(options, origin=ORIGIN)
    verify_registration_response(credential=registration.credential,
                                 expected_challenge=b64url_decode(options["challenge"]),
                                 expected_rp_id=RP_ID, expected_origin=ORIGIN,
                                 require_user_verification=True)


def test_options_wrapped_in_public_key_are_accepted() -> None:
    options = _options()
    registration = SyntheticAuthenticator().register({"publicKey": options}, origin=ORIGIN)
    assert registration.challenge == options["challenge"]


@pytest.mark.parametrize("profile", [profiles.ICLOUD_KEYCHAIN, profiles.GENERIC])
def test_es256_only_profiles_refuse_options_without_es256(profile: profiles.Profile) -> None:
    options = _options(algs=[COSEAlgorithmIdentifier.EDDSA,
                             COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256])
    with pytest.raises(AuthenticatorError, match=r"do not allow ES256 \(-7\).*\[-8, -257\]"):
        SyntheticAuthenticator(profile=profile).register(options, origin=ORIGIN)


def test_refuses_a_padded_challenge() -> None:
    options = _options()
    options["challenge"] += "=" * (-len(options["challenge"]) % 4 or 4)
    with pytest.raises(AuthenticatorError, match="padded"):
        SyntheticAuthenticator().register(options, origin=ORIGIN)


def test_rp_id_from_config_overrides_options() -> None:
    options = _options()
    registration = SyntheticAuthenticator().register(options, origin="https://x.raxx.app",
                                                     rp_id="raxx.app")
    assert registration.rp_id == "raxx.app"


# profile -> (algorithm picked from py_webauthn's default order, EdDSA first; flags; backed up)
PROFILE_FACTS = {
    "icloud-keychain": (-7, 0x5D, True),
    "security-key": (-8, 0x45, False),
    "generic": (-7, 0x45, False),
}


@pytest.mark.parametrize("name", sorted(PROFILE_FACTS))
def test_each_profile_registers_and_signs_in_as_its_device(name: str) -> None:
    algorithm, flags, backed_up = PROFILE_FACTS[name]
    profile = profiles.by_name(name)
    authenticator = SyntheticAuthenticator(profile=profile)
    options = json.loads(options_to_json(generate_registration_options(
        rp_id=RP_ID, rp_name="Raxx", user_name="smoke-test+1@moosequest.net", user_id=b"u1")))
    assert options["pubKeyCredParams"][0]["alg"] == -8  # py_webauthn offers EdDSA first
    registration = authenticator.register(options, origin=ORIGIN)
    assert (registration.algorithm, registration.flags) == (algorithm, flags)
    assert registration.credential["authenticatorAttachment"] == profile.attachment
    verified = verify_registration_response(
        credential=registration.credential, expected_challenge=b64url_decode(options["challenge"]),
        expected_rp_id=RP_ID, expected_origin=ORIGIN, require_user_verification=True)
    assert verified.credential_backed_up is backed_up
    assert verified.credential_device_type == ("multi_device" if backed_up else "single_device")
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"
    assert cbor_decode_strict(verified.credential_public_key)[3] == algorithm
    stored_count = verified.sign_count
    for _ in (1, 2):  # the login step signs with the same key type
        auth_options = json.loads(options_to_json(generate_authentication_options(
            rp_id=RP_ID, user_verification=UserVerificationRequirement.REQUIRED,
            allow_credentials=[PublicKeyCredentialDescriptor(id=verified.credential_id)])))
        assertion = authenticator.authenticate(auth_options, origin=ORIGIN)
        result = verify_authentication_response(
            credential=assertion, expected_challenge=b64url_decode(auth_options["challenge"]),
            expected_rp_id=RP_ID, expected_origin=ORIGIN,
            credential_public_key=verified.credential_public_key,
            credential_current_sign_count=stored_count, require_user_verification=True)
        assert result.credential_backed_up is backed_up
        # A synced passkey never counts (signCount stays 0); the others count up.
        assert result.new_sign_count == (0 if name == "icloud-keychain" else stored_count + 1)
        stored_count = result.new_sign_count


@settings(max_examples=60, deadline=None)
@given(order=st.permutations([-8, -7, -257, -36, -37, -48]), name=st.sampled_from(
    sorted(PROFILE_FACTS)))
def test_the_first_offered_algorithm_the_device_supports_is_picked(order: list[int],
                                                                    name: str) -> None:
    profile = profiles.by_name(name)
    options = _options(algs=[COSEAlgorithmIdentifier(a) for a in order])
    expected = next(a for a in order if a in profile.algorithms)
    registration = SyntheticAuthenticator(profile=profile).register(options, origin=ORIGIN)
    assert registration.algorithm == expected
    verify_registration_response(credential=registration.credential,
                                 expected_challenge=b64url_decode(options["challenge"]),
                                 expected_rp_id=RP_ID, expected_origin=ORIGIN,
                                 supported_pub_key_algs=[COSEAlgorithmIdentifier(a)
                                                         for a in order])


def test_assertion_refuses_options_that_do_not_allow_our_credential() -> None:
    authenticator = SyntheticAuthenticator()
    authenticator.register(_options(), origin=ORIGIN)
    options = {"challenge": b64url(b"c" * 32), "rpId": RP_ID,
               "allowCredentials": [{"id": b64url(b"other"), "type": "public-key"}]}
    with pytest.raises(AuthenticatorError, match="does not list the registered credential"):
        authenticator.authenticate(options, origin=ORIGIN)


@pytest.mark.parametrize("bad", ["YQ==", "a+b/", "YR", "Y"])
def test_strict_base64url_refuses(bad: str) -> None:
    with pytest.raises(DecodeError):
        b64url_decode(bad)


def test_strict_cbor_refuses_leftover_bytes() -> None:
    import cbor2
    with pytest.raises(DecodeError, match="leftover"):
        cbor_decode_strict(cbor2.dumps({"a": 1}) + b"\x00")
