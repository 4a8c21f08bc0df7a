"""Fault switches: each reproduces one row of the runbook's failure table, or the RCA.

Pure data, no I/O, so `release-gate sandbox --help` can list them without importing FastAPI.
docs/sandbox.md maps every fault to the runbook row it reproduces.
"""

from __future__ import annotations

from enum import StrEnum


class Fault(StrEnum):
    WRONG_SIGNING_KEY = "wrong-signing-key"
    REGISTRATION_DISABLED = "registration-disabled"
    CHALLENGE_STORE_SPLIT = "challenge-store-split"
    USER_ROW_MISSING = "user-row-missing"
    VERIFY_NO_COMMIT = "verify-no-commit"
    CBOR_REGRESSION = "cbor-regression"
    SLOW_DEPENDENCY = "slow-dependency"


# name -> one-line description (the symptom the smoke sees).
FAULTS: dict[str, str] = {
    Fault.WRONG_SIGNING_KEY: "server checks tokens with another key: begin -> 400 "
                             "'Invalid or expired signup link' (runbook step 2 row)",
    Fault.REGISTRATION_DISABLED: "FLAG_WEBAUTHN_REGISTRATION off: begin -> 404 "
                                 "(runbook step 2 row)",
    Fault.CHALLENGE_STORE_SPLIT: "challenge stored where verify cannot see it (RCA): verify -> "
                                 "400 "
                                 "'passkey verification failed' fast, with the miss log line",
    Fault.USER_ROW_MISSING: "begin does not commit the user row: verify -> 400 "
                            "'signup session not found' (runbook step 4 row)",
    Fault.VERIFY_NO_COMMIT: "verify answers 200 ok but never commits the credential "
                            "(boolean-cast bug class, runbook step 5 cred_count=0 row)",
    Fault.CBOR_REGRESSION: "verify rejects well-formed attestation: 400 "
                           "'passkey verification failed' (runbook step 4 row)",
    Fault.SLOW_DEPENDENCY: "begin waits SANDBOX_SLOW_SECONDS (default 5) on a slow dependency "
                           "(runbook timeout row)",
}


def parse_fault(name: str | None) -> Fault | None:
    """`None`/empty means no fault; an unknown name is a ValueError that lists the allowed ones."""
    if not name:
        return None
    try:
        return Fault(name.strip())
    except ValueError:
        allowed = ", ".join(FAULTS)
        raise ValueError(f"unknown sandbox fault {name!r}; allowed values: [{allowed}]") from None
