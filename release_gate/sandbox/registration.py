"""The Option C bootstrap-link registration: begin-with-token and verify-with-token.

They ship together, in one module and one PR: begin without its verify twin was the RCA's
contributing factor 2.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.generate_registration_options import default_supported_pub_key_algs

from release_gate.sandbox import tokens
from release_gate.sandbox.attestation import regress_attestation
from release_gate.sandbox.faults import Fault
from release_gate.sandbox.state import SandboxState, State
from release_gate.sandbox.storage import TokenReplayed

logger = logging.getLogger("release_gate.sandbox.registration")
router = APIRouter(prefix="/api/auth/register")

# Response bodies are the contract of the runbook's "Interpreting failures" table.
INVALID_LINK = "Invalid or expired signup link"
VERIFICATION_FAILED = "passkey verification failed"
SESSION_NOT_FOUND = "signup session not found"


class BeginBody(BaseModel):
    token: str


class VerifyBody(BaseModel):
    token: str
    credential: dict[str, Any]


def user_handle(user_id: int) -> bytes:
    # base64url("user_1") is "dXNlcl8x", the user.id in the runbook's transcript.
    return f"user_{user_id}".encode()


@router.post("/begin-with-token")
def begin_with_token(body: BeginBody, state: State) -> JSONResponse:
    if not state.registration_enabled:
        raise HTTPException(status_code=404)  # FLAG_WEBAUTHN_REGISTRATION off (runbook step 2)
    claims = _claims(body.token, state, "auth.register_begin_with_token")
    if state.settings.fault is Fault.SLOW_DEPENDENCY:
        time.sleep(state.settings.slow_seconds)  # a slow database or Redis (runbook timeout row)
    try:
        user_id = state.storage.begin_signup(
            nonce=claims.nonce, email=claims.email,
            keep_user=state.settings.fault is not Fault.USER_ROW_MISSING)
    except TokenReplayed:
        logger.info("auth.register_begin_with_token rejected reason=token_replayed")
        raise HTTPException(status_code=400, detail=INVALID_LINK) from None
    options = generate_registration_options(
        rp_id=state.settings.rp_id, rp_name=state.settings.rp_name, user_name=claims.email,
        user_id=user_handle(user_id), supported_pub_key_algs=_algorithms(state),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    state.begin_challenges.put(user_id, options.challenge)
    logger.info("auth.register_begin_with_token issued user_id=%d", user_id)
    return JSONResponse(json.loads(options_to_json(options)))


@router.post("/verify-with-token")
def verify_with_token(body: VerifyBody, state: State) -> JSONResponse:
    if not state.registration_enabled:
        raise HTTPException(status_code=404)
    # The token was consumed at begin: check signature and expiry only, not the nonce.
    claims = _claims(body.token, state, "auth.register_verify_with_token")
    user_id = state.storage.find_user_id(claims.email)
    if user_id is None:
        logger.info("auth.register_verify_with_token rejected reason=no_user_row")
        raise HTTPException(status_code=400, detail=SESSION_NOT_FOUND)
    challenge = state.challenges.pop(user_id)
    if challenge is None:  # the store logged webauthn.challenge_miss (RCA)
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED)
    credential = body.credential
    if state.settings.fault is Fault.CBOR_REGRESSION:
        credential = regress_attestation(credential)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge,
            expected_rp_id=state.settings.rp_id, expected_origin=state.settings.origin,
            supported_pub_key_algs=_algorithms(state) or DEFAULT_ALGORITHMS)
    except Exception as error:  # py_webauthn raises several types for malformed input
        logger.warning("webauthn.registration_verify_failed user_id=%d reason=%s",
                       user_id, str(error).replace("\n", " "))
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    state.storage.add_credential(
        user_id=user_id, credential_id=credential_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        commit=state.settings.fault is not Fault.VERIFY_NO_COMMIT)
    logger.info("webauthn.registration_verified user_id=%d credential_id=%s...",
                user_id, credential_id[:16])
    return JSONResponse({"status": "ok", "user_id": user_id})


DEFAULT_ALGORITHMS = list(default_supported_pub_key_algs)


def _algorithms(state: SandboxState) -> list[COSEAlgorithmIdentifier] | None:
    algorithms = state.settings.algorithms
    return [COSEAlgorithmIdentifier(a) for a in algorithms] if algorithms else None


def _claims(token: str, state: SandboxState, event: str) -> tokens.TokenClaims:
    try:
        return tokens.verify(token, key=state.validation_key)
    except tokens.InvalidToken as error:
        logger.info("%s rejected reason=%s", event, str(error).replace(" ", "_"))
        raise HTTPException(status_code=400, detail=INVALID_LINK) from None
