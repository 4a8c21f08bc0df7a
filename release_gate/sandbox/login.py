"""Optional login ceremony, so the smoke's optional assertion step has a target (docs/design.md §5):
it proves the stored public key is usable, which registration alone does not."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from release_gate.sandbox.state import State

logger = logging.getLogger("release_gate.sandbox.login")
router = APIRouter(prefix="/api/auth/login")

NO_PASSKEY = "no passkey registered for this email"
VERIFICATION_FAILED = "passkey verification failed"


class LoginBeginBody(BaseModel):
    email: str


class LoginVerifyBody(BaseModel):
    email: str
    credential: dict[str, Any]


@router.post("/begin")
def login_begin(body: LoginBeginBody, state: State) -> JSONResponse:
    user_id = state.storage.find_user_id(body.email)
    stored = [] if user_id is None else state.storage.credentials_for(user_id)
    if user_id is None or not stored:
        raise HTTPException(status_code=400, detail=NO_PASSKEY)
    options = generate_authentication_options(
        rp_id=state.settings.rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
                           for c in stored])
    state.challenges.put(user_id, options.challenge, purpose="auth")
    return JSONResponse(json.loads(options_to_json(options)))


@router.post("/verify")
def login_verify(body: LoginVerifyBody, state: State) -> JSONResponse:
    user_id = state.storage.find_user_id(body.email)
    if user_id is None:
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED)
    challenge = state.challenges.pop(user_id, purpose="auth")
    if challenge is None:
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED)
    credential_id = body.credential.get("id")
    stored = next((c for c in state.storage.credentials_for(user_id)
                   if c.credential_id == credential_id), None)
    if stored is None:
        logger.warning("webauthn.authentication_failed user_id=%d reason=unknown_credential",
                       user_id)
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED)
    try:
        verified = verify_authentication_response(
            credential=body.credential, expected_challenge=challenge,
            expected_rp_id=state.settings.rp_id, expected_origin=state.settings.origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count)
    except Exception as error:  # py_webauthn raises several types for malformed input
        logger.warning("webauthn.authentication_failed user_id=%d reason=%s",
                       user_id, str(error).replace("\n", " "))
        raise HTTPException(status_code=400, detail=VERIFICATION_FAILED) from None
    state.storage.update_sign_count(stored.credential_id, verified.new_sign_count)
    logger.info("webauthn.authenticated user_id=%d", user_id)
    return JSONResponse({"status": "ok", "user_id": user_id})
