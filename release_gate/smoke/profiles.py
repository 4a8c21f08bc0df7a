"""The devices the synthetic authenticator copies (`smoke.authenticator` in rules.yaml).

A backend that works with one authenticator can fail with another: a synced passkey sets the
backup flags (BE, BS) and never counts signatures; a security key answers EdDSA when the
options offer it first (py_webauthn's default order does). The smoke signs as the device the
team signs up with, so a PASS speaks for that device. docs/smoke.md lists the profiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from release_gate.core.smoke_config.schema import AUTHENTICATOR_PROFILES

ES256 = -7
EDDSA = -8
ALGORITHM_NAMES = {ES256: "ES256", EDDSA: "EdDSA"}
KEY_NAMES = {ES256: "EC P-256", EDDSA: "Ed25519"}

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08  # backup eligible: a synced (multi-device) credential
FLAG_BS = 0x10  # backed up
FLAG_AT = 0x40
FLAG_NAMES = ((FLAG_UP, "UP"), (FLAG_UV, "UV"), (FLAG_BE, "BE"), (FLAG_BS, "BS"),
              (FLAG_AT, "AT"))


class NoSupportedAlgorithm(ValueError):
    """The options offer no algorithm this profile can make a key for."""


@dataclass(frozen=True)
class Profile:
    name: str
    algorithms: frozenset[int]  # what it can make; the options' order decides among them
    backup_eligible: bool
    backed_up: bool
    attachment: str  # authenticatorAttachment: platform | cross-platform
    transports: tuple[str, ...]
    counts_signatures: bool  # False: signCount stays 0, as synced passkeys report it
    copies: str  # the device, for the transcript and the docs

    @property
    def flags(self) -> int:
        """authenticatorData flags of a registration (with AT)."""
        return self.assertion_flags | FLAG_AT

    @property
    def assertion_flags(self) -> int:
        return (FLAG_UP | FLAG_UV | (FLAG_BE if self.backup_eligible else 0)
                | (FLAG_BS if self.backed_up else 0))

    def choose(self, params: Sequence[Any]) -> int:
        """The first `pubKeyCredParams` entry this device supports, as a browser picks it."""
        offered = [p.get("alg") for p in params if isinstance(p, Mapping)]
        for entry in params:
            if (isinstance(entry, Mapping) and entry.get("alg") in self.algorithms
                    and entry.get("type", "public-key") == "public-key"):
                return int(entry["alg"])
        wanted = " or ".join(f"{ALGORITHM_NAMES[a]} ({a})" for a in sorted(self.algorithms))
        raise NoSupportedAlgorithm(
            f"the options do not allow {wanted}: pubKeyCredParams offer {offered}; the "
            f"{self.name} profile ({self.copies}) makes no other key type")


def flag_names(flags: int) -> str:
    return "|".join(name for bit, name in FLAG_NAMES if flags & bit)


ICLOUD_KEYCHAIN = Profile(
    "icloud-keychain", frozenset({ES256}), backup_eligible=True, backed_up=True,
    attachment="platform", transports=("hybrid", "internal"), counts_signatures=False,
    copies="an iPhone's iCloud Keychain passkey")
SECURITY_KEY = Profile(
    "security-key", frozenset({EDDSA, ES256}), backup_eligible=False, backed_up=False,
    attachment="cross-platform", transports=("usb",), counts_signatures=True,
    copies="a roaming FIDO2 security key")
GENERIC = Profile(
    "generic", frozenset({ES256}), backup_eligible=False, backed_up=False,
    attachment="platform", transports=("internal",), counts_signatures=True,
    copies="a device-bound platform authenticator")

PROFILES: Mapping[str, Profile] = {p.name: p for p in (ICLOUD_KEYCHAIN, SECURITY_KEY, GENERIC)}
DEFAULT = PROFILES[AUTHENTICATOR_PROFILES[0]]


def by_name(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown authenticator profile {name!r}: choose one of "
                         f"{', '.join(PROFILES)}") from None
