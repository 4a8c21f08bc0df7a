"""The `smoke:` section: JSON Schema with unknown keys refused, defaults in code."""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core import config
from release_gate.core.smoke_config.settings import SmokeSettings, parse
from release_gate.errors import ConfigError


def _load(smoke_yaml: str) -> config.Config:
    text = "version: 1\nrules: []\nsmoke:\n" + textwrap.indent(textwrap.dedent(smoke_yaml), "  ")
    return config.load_text(text, "rules.yaml")


def test_defaults_match_the_sandbox_and_the_runbook() -> None:
    settings = parse({})
    assert settings == SmokeSettings()
    assert settings.endpoints.begin == "/api/auth/register/begin-with-token"
    assert settings.endpoints.verify == "/api/auth/register/verify-with-token"
    assert settings.protected_emails == ("kris@moosequest.net",)
    assert settings.mint.backend == "heroku" and settings.database.backend == "heroku"
    assert settings.steps.login is False and settings.steps.replay is False


def test_the_shipped_rules_file_has_a_valid_smoke_section() -> None:
    settings = parse(config.load_default().smoke)
    assert "kris@moosequest.net" in settings.protected_emails


def test_overrides() -> None:
    settings = parse(_load("""
        prod_url: https://api.example.com/
        protected_emails: [Ops@Example.com]
        endpoints: {begin: /b, verify: /v}
        bodies: {begin: {signup_token: "{token}"}}
        mint: {backend: command, command: [mint-token, "{email}"]}
        database: {backend: sql, url_env: SMOKE_DB}
        sql:
          teardown:
            - {label: user, sql: "DELETE FROM users WHERE id = :user_id"}
        steps: {login: true}
        timeouts: {http: 2.5}
        diagnosis: {fast_verify_ms: 3}
    """).smoke)
    assert settings.prod_url == "https://api.example.com"
    assert settings.protected_emails == ("ops@example.com",)
    assert settings.endpoints.begin == "/b" and settings.endpoints.health == "/healthz"
    assert dict(settings.bodies.begin) == {"signup_token": "{token}"}
    assert dict(settings.bodies.verify) == {"token": "{token}", "credential": "{credential}"}
    assert settings.mint.command == ("mint-token", "{email}")
    assert settings.database.url_env == "SMOKE_DB"
    assert [t.label for t in settings.sql.teardown] == ["user"]
    assert settings.steps.login and not settings.steps.replay
    assert settings.timeouts.http == 2.5 and settings.timeouts.command == 120
    assert settings.fast_verify_ms == 3


def test_unknown_key_is_an_error_with_the_allowed_keys() -> None:
    with pytest.raises(ConfigError, match=r"rules.yaml:\d+:\d+: smoke.endpoints.bgin: unknown key "
                                          r"'bgin'; allowed keys: begin, health"):
        _load("endpoints: {bgin: /x}\n")


def test_backend_must_be_one_of_the_allowed_values() -> None:
    with pytest.raises(ConfigError, match=r"'ssh' is not allowed; allowed values: "
                                          r"\[command, python, heroku\]"):
        _load("mint: {backend: ssh}\n")


def test_top_level_unknown_key() -> None:
    with pytest.raises(ConfigError, match="unknown key 'allow_prod'"):
        _load("allow_prod: true\n")


def test_nonce_in_teardown_is_refused_with_its_location() -> None:
    # The teardown also runs from `smoke cleanup --email`, where there is no token: a :nonce
    # there would be bound to nothing and silently delete nothing.
    with pytest.raises(ConfigError) as caught:
        _load("""
            sql:
              teardown:
                - {label: credential, sql: "DELETE FROM creds WHERE user_id = :user_id"}
                - {label: nonce, sql: "DELETE FROM used WHERE nonce = :nonce"}
            """)
    message = str(caught.value)
    assert message.startswith("rules.yaml:8:"), message
    assert "smoke.sql.teardown.1.sql: :nonce is not given to this statement" in message
    assert "it receives :email, :user_id" in message


@pytest.mark.parametrize(("key", "sql", "receives"), [
    ("user", "SELECT id, email FROM users WHERE id = :user_id", ":email"),
    ("cred_count", "SELECT count(*) FROM c WHERE t = :token", ":email, :user_id"),
])
def test_a_parameter_a_statement_is_not_given_is_refused(key: str, sql: str,
                                                         receives: str) -> None:
    with pytest.raises(ConfigError, match=f"smoke.sql.{key}: :\\w+ is not given to this "
                                          f"statement; it receives {receives}$"):
        _load(f"sql: {{{key}: '{sql}'}}\n")


def test_postgres_casts_are_not_parameters() -> None:
    loaded = _load("sql: {nonce_used: 'SELECT count(*) FROM u WHERE nonce = :nonce::text'}\n")
    assert parse(loaded.smoke).sql.nonce_used is not None


SMOKE_ONLY = "smoke:\n  endpoints: {health: null}\n"


def test_a_file_with_only_smoke_is_accepted_for_the_smoke() -> None:
    loaded = config.load_text(SMOKE_ONLY, "acme-smoke.yaml", smoke_only=True)
    assert loaded.smoke_only and parse(loaded.smoke).endpoints.health is None


def test_a_file_with_only_smoke_as_rules_says_what_to_add() -> None:
    with pytest.raises(ConfigError) as caught:
        config.load_text(SMOKE_ONLY, "acme-smoke.yaml")
    assert str(caught.value) == (
        "acme-smoke.yaml:1:1: this file has only a `smoke:` section; to use it as a rules file "
        "add `version: 1` and `rules: []` at the top level (`release-gate smoke --rules` "
        "accepts it as it is)")
