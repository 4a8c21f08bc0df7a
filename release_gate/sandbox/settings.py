"""Sandbox configuration from the environment, named as on the real Heroku app (runbook)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from release_gate.sandbox.faults import Fault, parse_fault

# Sandbox-only development key: it signs tokens for a throwaway local backend and protects
# nothing. Never use it for a real deployment (set BOOTSTRAP_TOKEN_SIGNING_KEY there).
DEV_SIGNING_KEY = "release-gate-sandbox-dev-key-not-a-secret"
DEFAULT_PORT = 8000
DEFAULT_CHALLENGE_TTL_SECONDS = 60.0  # the RCA fix's Redis TTL
DEFAULT_SLOW_SECONDS = 5.0
_Num = TypeVar("_Num", int, float)
_FALSY = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    signing_key: str
    rp_id: str
    rp_name: str
    origin: str
    database_url: str | None  # None: a fresh SQLite file, made when the app starts
    redis_url: str | None
    registration_enabled: bool
    fault: Fault | None
    challenge_ttl_seconds: float
    slow_seconds: float
    # Heroku's dyno metadata names (labs: runtime-dyno-metadata): what GET /version reports, so
    # the sandbox can stand in for production when the smoke checks the deployed commit.
    slug_commit: str | None = None
    release_version: str | None = None
    # COSE algorithms the registration options offer, in order (SANDBOX_PUBKEY_ALGS, e.g.
    # "-7" or "-8,-7"); empty: py_webauthn's default list, EdDSA first.
    algorithms: tuple[int, ...] = ()
    # The team's smoke: contract, written by the smoke (contract.py); None: the sandbox's own.
    contract_file: str | None = None

    def __repr__(self) -> str:
        # Keep the signing key out of tracebacks and logs.
        return f"Settings(rp_id={self.rp_id!r}, origin={self.origin!r}, fault={self.fault})"

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, port: int | None = None,
                 fault: str | None = None) -> Settings:
        """Read the environment. `port`/`fault` (from the command line) win over PORT/SANDBOX_FAULT.

        Raises ValueError naming the variable when a value cannot be used.
        """
        port = port if port is not None else _number(env, "PORT", DEFAULT_PORT, int)
        chosen_fault = parse_fault(fault if fault else env.get("SANDBOX_FAULT"))
        return cls(
            signing_key=env.get("BOOTSTRAP_TOKEN_SIGNING_KEY") or DEV_SIGNING_KEY,
            rp_id=env.get("WEBAUTHN_RP_ID") or "localhost",
            rp_name=env.get("WEBAUTHN_RP_NAME") or "release-gate sandbox",
            origin=env.get("WEBAUTHN_ORIGIN") or f"http://localhost:{port}",
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            registration_enabled=(env.get("FLAG_WEBAUTHN_REGISTRATION", "1").strip().lower()
                                  not in _FALSY),
            fault=chosen_fault,
            challenge_ttl_seconds=_number(env, "SANDBOX_CHALLENGE_TTL_SECONDS",
                                          DEFAULT_CHALLENGE_TTL_SECONDS, float),
            slow_seconds=_number(env, "SANDBOX_SLOW_SECONDS", DEFAULT_SLOW_SECONDS, float),
            slug_commit=env.get("HEROKU_SLUG_COMMIT") or None,
            release_version=env.get("HEROKU_RELEASE_VERSION") or None,
            algorithms=_algorithms(env.get("SANDBOX_PUBKEY_ALGS")),
            contract_file=env.get("SANDBOX_CONTRACT_FILE") or None,
        )


def _algorithms(raw: str | None) -> tuple[int, ...]:
    if not raw or not raw.strip():
        return ()
    try:
        return tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ValueError(f"SANDBOX_PUBKEY_ALGS must be COSE algorithm numbers separated by "
                         f"commas (e.g. -8,-7), got {raw!r}") from None


def _number(env: Mapping[str, str], name: str, default: _Num, kind: type[_Num]) -> _Num:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {raw!r}")
    return value

