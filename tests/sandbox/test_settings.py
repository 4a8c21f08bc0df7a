"""Configuration from the environment and the fault list."""

from __future__ import annotations

import pytest

from release_gate.sandbox.faults import FAULTS, Fault, parse_fault
from release_gate.sandbox.settings import DEV_SIGNING_KEY, Settings


def test_defaults() -> None:
    settings = Settings.from_env({}, port=8123)
    assert settings.signing_key == DEV_SIGNING_KEY
    assert settings.rp_id == "localhost"
    assert settings.origin == "http://localhost:8123"
    assert settings.database_url is None  # a fresh SQLite file, made only when the app starts
    assert settings.redis_url is None
    assert settings.registration_enabled is True
    assert settings.fault is None
    assert settings.challenge_ttl_seconds == 60.0  # the RCA fix's TTL
    assert settings.slow_seconds == 5.0


def test_heroku_style_environment() -> None:
    settings = Settings.from_env({
        "BOOTSTRAP_TOKEN_SIGNING_KEY": "k", "WEBAUTHN_RP_ID": "raxx.app",
        "WEBAUTHN_ORIGIN": "https://raxx.app", "REDIS_URL": "redis://h:1/0",
        "DATABASE_URL": "postgres://u@h/db", "FLAG_WEBAUTHN_REGISTRATION": "off",
        "SANDBOX_FAULT": "cbor-regression", "PORT": "5000"})
    assert (settings.signing_key, settings.rp_id, settings.origin) == (
        "k", "raxx.app", "https://raxx.app")
    assert settings.redis_url == "redis://h:1/0"
    assert settings.database_url == "postgres://u@h/db"
    assert settings.registration_enabled is False
    assert settings.fault is Fault.CBOR_REGRESSION


def test_origin_follows_port_and_command_line_fault_wins() -> None:
    settings = Settings.from_env({"PORT": "5001", "SANDBOX_FAULT": "cbor-regression"},
                                 fault="slow-dependency")
    assert settings.origin == "http://localhost:5001"
    assert settings.fault is Fault.SLOW_DEPENDENCY


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off", ""])
def test_registration_flag_falsy_values(value: str) -> None:
    assert Settings.from_env({"FLAG_WEBAUTHN_REGISTRATION": value}).registration_enabled is False


def test_bad_numbers_name_the_variable() -> None:
    with pytest.raises(ValueError, match="SANDBOX_SLOW_SECONDS"):
        Settings.from_env({"SANDBOX_SLOW_SECONDS": "soon"})
    with pytest.raises(ValueError, match="SANDBOX_CHALLENGE_TTL_SECONDS"):
        Settings.from_env({"SANDBOX_CHALLENGE_TTL_SECONDS": "-1"})


def test_repr_hides_the_signing_key() -> None:
    settings = Settings.from_env({"BOOTSTRAP_TOKEN_SIGNING_KEY": "super-secret-value"})
    assert "super-secret-value" not in repr(settings)


def test_faults_are_kebab_case_with_a_description() -> None:
    assert list(FAULTS) == [fault.value for fault in Fault]
    for name, description in FAULTS.items():
        assert name == name.lower() and " " not in name
        assert description


def test_unknown_fault_lists_the_allowed_values() -> None:
    assert parse_fault(None) is None and parse_fault("") is None
    with pytest.raises(ValueError, match=r"allowed values: \[wrong-signing-key, "):
        parse_fault("wrong-key")


def test_dyno_metadata_names_what_get_version_reports() -> None:
    # Heroku's runtime-dyno-metadata names: the smoke reads them back (smoke.production).
    settings = Settings.from_env({"HEROKU_SLUG_COMMIT": "d" * 40, "HEROKU_RELEASE_VERSION": "v47"})
    assert (settings.slug_commit, settings.release_version) == ("d" * 40, "v47")
    assert Settings.from_env({}).slug_commit is None
