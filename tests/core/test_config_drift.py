"""config_drift.py: which releases changed sensitive config after the last counted PASS.

The descriptions are Heroku's own wording (Platform API `description`, `heroku releases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_gate.core.config_drift import LastPass, classify, sensitive_changes
from release_gate.core.production import (
    PROCESS_MODEL_CONFIG,
    RUNBOOK_SENSITIVE_CONFIG,
    Production,
    ProductionSettings,
)

SENSITIVE = (*RUNBOOK_SENSITIVE_CONFIG, "SESSION_SECRET")
T0 = datetime(2026, 5, 25, 0, 52, tzinfo=UTC)


@dataclass(frozen=True)
class Rel:
    version: int
    description: str
    created_at: datetime
    status: str = "succeeded"


@pytest.mark.parametrize("description, expected", [
    ("Set WEBAUTHN_ORIGIN config vars", ("set", ("WEBAUTHN_ORIGIN",))),
    ("Set FEATURE_X, WEBAUTHN_RP_ID config vars", ("set", ("WEBAUTHN_RP_ID",))),
    ("Set FEATURE_X and REDIS_URL config vars", ("set", ("REDIS_URL",))),
    ("Remove REDIS_URL config vars", ("remove", ("REDIS_URL",))),
    ("Unset BOOTSTRAP_TOKEN_SIGNING_KEY config var", ("remove", ("BOOTSTRAP_TOKEN_SIGNING_KEY",))),
    ("Config add WEBAUTHN_ORIGIN config vars", ("set", ("WEBAUTHN_ORIGIN",))),
    ("set session_secret config vars", ("set", ("session_secret",))),
    ("Set FEATURE_X config vars", None),
    ("Remove LOG_LEVEL config vars", None),
    ("Rollback to v46", ("rollback", ("*",))),
    ("Attach REDIS (@ref:redis-curved-12345)", ("add-on", ("REDIS_URL",))),
    ("Detach REDIS", ("add-on", ("REDIS_URL",))),
    ("Update REDIS by heroku-redis", ("add-on", ("REDIS_URL",))),
    ("Attach DATABASE (@ref:postgresql-rigid-1234)", None),
    ("Set FEATURE_X, FEATURE_Y, … config vars", ("unreadable", ("*",))),
    ("Changed config vars", ("unreadable", ("*",))),
    ("Deploy 1a2b3c4", None),
    ("Promote raxx-api-staging v12 1a2b3c4", None),
    ("Enable Logplex", None),
    ("Rotated REDIS_URL by operator", ("mention", ("REDIS_URL",))),
    # The add-on shape (`Update <NAME>`) must not hide a sensitive name it does not turn into
    # `<NAME>_URL`, nor a config list one outside it.
    ("Update WEBAUTHN_ORIGIN", ("mention", ("WEBAUTHN_ORIGIN",))),
    ("Update REDIS_URL by x", ("mention", ("REDIS_URL",))),
    ("Attach WEBAUTHN_RP_ID", ("mention", ("WEBAUTHN_RP_ID",))),
    ("Set FEATURE_X config vars and REDIS_URL", ("mention", ("REDIS_URL",))),
])
def test_heroku_descriptions_are_read_tolerantly(description: str,
                                                 expected: tuple[str, tuple[str, ...]] | None
                                                 ) -> None:
    assert classify(description, SENSITIVE) == expected


# v44-v46 as in the RCA's timeline, then config changes; the last counted PASS ran on v47.
HISTORY = [
    Rel(44, "Deploy 1a2b3c4", T0),
    Rel(45, "Set REDIS_URL config vars", T0 + timedelta(minutes=5)),  # before the PASS: smoked
    Rel(46, "Deploy 5d6e7f8", T0 + timedelta(minutes=10)),
    Rel(47, "Deploy 9a8b7c6", T0 + timedelta(minutes=20)),  # the release the PASS ran on
    Rel(48, "Set FEATURE_X config vars", T0 + timedelta(minutes=30)),  # unrelated
    Rel(49, "Set WEBAUTHN_ORIGIN config vars", T0 + timedelta(minutes=40)),
    Rel(50, "Remove REDIS_URL config vars", T0 + timedelta(minutes=50), status="failed"),
    Rel(51, "Remove REDIS_URL config vars", T0 + timedelta(minutes=55)),
    Rel(52, "Rollback to v46", T0 + timedelta(minutes=60)),
]


def test_only_sensitive_releases_after_the_last_pass_are_reported() -> None:
    changes = sensitive_changes(reversed(HISTORY), sensitive=SENSITIVE,
                                last_pass=LastPass(47, T0 + timedelta(minutes=25)))
    assert [(c.version, c.kind, c.names) for c in changes] == [
        (49, "set", ("WEBAUTHN_ORIGIN",)),
        (51, "remove", ("REDIS_URL",)),
        (52, "rollback", ("*",)),
    ]
    assert changes[0].summary == "v49 'Set WEBAUTHN_ORIGIN config vars' at 2026-05-25 01:32 UTC"


def test_nothing_is_due_when_the_pass_ran_on_the_newest_release() -> None:
    assert sensitive_changes(HISTORY, sensitive=SENSITIVE,
                             last_pass=LastPass(52, T0 + timedelta(hours=2))) == []


def test_without_a_release_number_the_pass_time_decides() -> None:
    changes = sensitive_changes(HISTORY, sensitive=SENSITIVE,
                                last_pass=LastPass(None, T0 + timedelta(minutes=50)))
    assert [c.version for c in changes] == [51, 52]


def test_without_any_pass_every_sensitive_release_counts() -> None:
    changes = sensitive_changes(HISTORY, sensitive=SENSITIVE, last_pass=None)
    assert [c.version for c in changes] == [45, 49, 51, 52]


def test_a_release_number_alone_ignores_time() -> None:
    changes = sensitive_changes(HISTORY, sensitive=SENSITIVE, last_pass=LastPass(50, None))
    assert [c.version for c in changes] == [51, 52]


def test_the_process_model_is_watched_by_default() -> None:
    """RCA factor 1: workers and `--preload` come from WEB_CONCURRENCY / GUNICORN_CMD_ARGS too."""
    watched = Production(app="raxx-api-prod", api_url="https://api.raxx.app",
                         settings=ProductionSettings()).sensitive_config
    assert set(PROCESS_MODEL_CONFIG) <= set(watched)
    assert classify("Set WEB_CONCURRENCY config vars", watched) == ("set", ("WEB_CONCURRENCY",))
    assert classify("Update WEB_CONCURRENCY by ops", watched) == ("mention",
                                                                    ("WEB_CONCURRENCY",))


_WATCHED = (*RUNBOOK_SENSITIVE_CONFIG, *PROCESS_MODEL_CONFIG)
_OTHER = st.sampled_from(["FEATURE_X", "LOG_LEVEL", "DATABASE_URL", "SENTRY_DSN"])
_VERB = st.sampled_from(["Update", "Set", "Attach", "Detach", "Rotate", "Rotated", "Change",
                         "Changed", "Remove", "Unset", "Config add", "Add", "Delete", "Edit",
                         "update", "SET", "Promote", "Deploy", "Restart"])
_SUFFIX = st.sampled_from(["", " by x", " by heroku-redis", " config vars", " config var",
                           " (@ref:redis-curved-1234)", " via dashboard", ".", " to a new value",
                           " and FEATURE_Y config vars", " for raxx-api-prod"])


@settings(max_examples=300, deadline=None)
@given(verb=_VERB, before=st.lists(_OTHER, max_size=2), name=st.sampled_from(_WATCHED),
       after=st.lists(_OTHER, max_size=2), joiner=st.sampled_from([", ", " and ", " "]),
       suffix=_SUFFIX)
def test_any_description_naming_a_watched_variable_is_sensitive(
        verb: str, before: list[str], name: str, after: list[str], joiner: str,
        suffix: str) -> None:
    """Whatever wording Heroku (or a person) uses, naming a watched variable counts."""
    names = joiner.join([*before, name, *after])
    found = classify(f"{verb} {names}{suffix}", _WATCHED)
    assert found is not None
    assert name in found[1] or found[1] == ("*",)
