"""The Acme signup API (Starlette, py_webauthn, PostgreSQL). Run: `uvicorn --factory
tests.otherbackend.app:create_app`. Configuration: ACME_DATABASE_URL, INVITE_SIGNING_SECRET,
ACME_ORIGIN, ACME_RP_ID, and ACME_FAULT=skip-passkey-insert (verify answers 201 but stores no
passkey: the silent-write bug class).

    POST /v2/invites/redeem      {"inviteCode"}                  -> {"creationOptions": {...}}
    POST /v2/accounts/passkeys   {"inviteCode", "attestation"}   -> 201 {"result": "created",
                                                                        "account": {"id": N}}
There is no health endpoint.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import bytes_to_base64url

from tests.otherbackend.invites import InviteRejected, check

logger = logging.getLogger("acme")

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id SERIAL PRIMARY KEY,
    email_address TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS passkeys (
    passkey_id SERIAL PRIMARY KEY,
    owner_account INTEGER NOT NULL REFERENCES accounts(account_id),
    credential_id TEXT NOT NULL UNIQUE,
    public_key BYTEA NOT NULL,
    sign_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS invites_redeemed (
    jti TEXT PRIMARY KEY,
    redeemed_for TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registration_challenges (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(account_id),
    challenge BYTEA NOT NULL);
"""


class Acme:
    def __init__(self, env: dict[str, str]) -> None:
        self.database_url = env["ACME_DATABASE_URL"]
        self.secret = env["INVITE_SIGNING_SECRET"]
        self.origin = env.get("ACME_ORIGIN", "https://app.acme.test")
        self.rp_id = env.get("ACME_RP_ID", "acme.test")
        self.fault = env.get("ACME_FAULT", "")
        with psycopg.connect(self.database_url) as connection:
            connection.execute(SCHEMA)

    async def redeem(self, request: Request) -> JSONResponse:
        body = await request.json()
        try:
            invite = check(str(body.get("inviteCode", "")), secret=self.secret)
        except InviteRejected as error:
            return JSONResponse({"error": str(error)}, status_code=401)
        with psycopg.connect(self.database_url) as connection:
            if connection.execute("SELECT 1 FROM invites_redeemed WHERE jti = %s",
                                  (invite.jti,)).fetchone():
                return JSONResponse({"error": "invite rejected: already redeemed"},
                                    status_code=409)
            connection.execute("INSERT INTO invites_redeemed (jti, redeemed_for) VALUES (%s, %s)",
                               (invite.jti, invite.email))
            row = connection.execute(
                "INSERT INTO accounts (email_address) VALUES (%s) ON CONFLICT (email_address) "
                "DO UPDATE SET email_address = EXCLUDED.email_address RETURNING account_id",
                (invite.email,)).fetchone()
            assert row is not None
            account_id = int(row[0])
            options = generate_registration_options(
                rp_id=self.rp_id, rp_name="Acme", user_name=invite.email,
                user_id=f"acct-{account_id}".encode())
            connection.execute(
                "INSERT INTO registration_challenges (account_id, challenge) VALUES (%s, %s) "
                "ON CONFLICT (account_id) DO UPDATE SET challenge = EXCLUDED.challenge",
                (account_id, options.challenge))
        return JSONResponse({"creationOptions": json.loads(options_to_json(options)),
                             "expiresIn": 300})

    async def add_passkey(self, request: Request) -> JSONResponse:
        body = await request.json()
        try:
            invite = check(str(body.get("inviteCode", "")), secret=self.secret)
        except InviteRejected as error:
            return JSONResponse({"error": str(error)}, status_code=401)
        attestation: Any = body.get("attestation")
        with psycopg.connect(self.database_url) as connection:
            row = connection.execute(
                "DELETE FROM registration_challenges WHERE account_id = (SELECT account_id FROM "
                "accounts WHERE email_address = %s) RETURNING account_id, challenge",
                (invite.email,)).fetchone()
            if row is None:
                return JSONResponse({"error": "no pending signup"}, status_code=404)
            account_id, challenge = int(row[0]), bytes(row[1])
            try:
                verified = verify_registration_response(
                    credential=attestation, expected_challenge=challenge,
                    expected_rp_id=self.rp_id, expected_origin=self.origin)
            except Exception as error:  # py_webauthn raises several types
                logger.warning("passkey rejected account=%d: %s", account_id, error)
                return JSONResponse({"error": "attestation rejected", "reason": str(error)},
                                    status_code=422)
            if self.fault != "skip-passkey-insert":
                connection.execute(
                    "INSERT INTO passkeys (owner_account, credential_id, public_key, sign_count) "
                    "VALUES (%s, %s, %s, %s)",
                    (account_id, bytes_to_base64url(verified.credential_id),
                     verified.credential_public_key, verified.sign_count))
        return JSONResponse({"result": "created", "account": {"id": account_id}},
                            status_code=201)


def create_app() -> Starlette:
    acme = Acme(dict(os.environ))
    return Starlette(routes=[
        Route("/v2/invites/redeem", acme.redeem, methods=["POST"]),
        Route("/v2/accounts/passkeys", acme.add_passkey, methods=["POST"]),
    ])
