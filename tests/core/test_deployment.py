"""deployment.py and production.py: what production runs, held against the PR head."""

from __future__ import annotations

import pytest

from release_gate.core.deployment import (
    Deployment,
    PassFacts,
    change_problem,
    facts_problem,
    head_problem,
    parse_pass,
    pass_description,
)
from release_gate.core.production import (
    CONTAINS,
    EQUAL,
    VERSION_URL,
    Production,
    ProductionSettings,
)
from release_gate.core.target import Target, TargetKind

HEAD = "def5678" + "0" * 33
OTHER = "abc1234" + "1" * 33
MERGE = "9876543" + "2" * 33
PROD = Production(app="raxx-api-prod", api_url="https://api.raxx.app")
PROD_CONTAINS = Production(app="raxx-api-prod", api_url="https://api.raxx.app",
                           settings=ProductionSettings(head=CONTAINS))


def deployed(commit: str | None, release: int | None = 47) -> Deployment:
    return Deployment("raxx-api-prod", release, commit, "Heroku release")


def never(head: str, commit: str) -> bool:
    raise AssertionError("contains() must not be asked")


def test_production_running_another_commit_is_refused_with_the_runbook_wording() -> None:
    problem = head_problem(deployed(OTHER, 46), HEAD, mode=EQUAL, contains=never)
    assert problem == "prod runs abc1234 (v46), not the PR head def5678: deploy the PR first"


@pytest.mark.parametrize("commit", [HEAD, HEAD[:7], HEAD.upper()])
def test_production_running_the_head_passes_whatever_the_abbreviation(commit: str) -> None:
    assert head_problem(deployed(commit), HEAD, mode=EQUAL, contains=never) is None


@pytest.mark.parametrize("commit", [None, "", "def56"])
def test_an_unknown_or_too_short_commit_is_not_the_head(commit: str | None) -> None:
    assert head_problem(deployed(commit), HEAD, mode=EQUAL, contains=lambda h, c: True)


def test_contains_mode_asks_ancestry_only_when_the_commit_differs() -> None:
    asked: list[tuple[str, str]] = []

    def contains(head: str, commit: str) -> bool:
        asked.append((head, commit))
        return commit == MERGE

    assert head_problem(deployed(MERGE), HEAD, mode=CONTAINS, contains=contains) is None
    problem = head_problem(deployed(OTHER), HEAD, mode=CONTAINS, contains=contains)
    assert problem is not None and "does not contain the PR head def5678" in problem
    assert head_problem(deployed(HEAD), HEAD, mode=CONTAINS, contains=contains) is None
    assert asked == [(HEAD, MERGE), (HEAD, OTHER)]
    # Strict mode never accepts a merge commit, whatever its ancestry.
    assert head_problem(deployed(MERGE), HEAD, mode=EQUAL, contains=lambda h, c: True)


@pytest.mark.parametrize("before, after, changed", [
    (deployed(HEAD, 47), deployed(HEAD, 47), False),
    (deployed(HEAD, 47), deployed(HEAD, 48), True),  # a config release: same slug
    (deployed(HEAD, 47), deployed(OTHER, 48), True),
    (deployed(HEAD, None), deployed(OTHER, None), True),
])
def test_a_release_between_the_two_reads_is_a_change(before: Deployment, after: Deployment,
                                                     changed: bool) -> None:
    problem = change_problem(before, after)
    assert (problem is not None) == changed
    if problem:
        assert before.label in problem and after.label in problem


@pytest.mark.parametrize("what, head, text", [
    (deployed(HEAD), HEAD, "PASS on raxx-api-prod v47 @ def5678"),
    (deployed(MERGE), HEAD, "PASS on raxx-api-prod v47 @ 9876543 (contains def5678)"),
    (Deployment("api.example", None, HEAD, "GET"), HEAD, "PASS on api.example @ def5678"),
])
def test_the_pass_description_carries_the_facts_and_parses_back(what: Deployment, head: str,
                                                                 text: str) -> None:
    assert pass_description(what, head) == text
    facts = parse_pass(text)
    assert facts is not None
    assert (facts.where, facts.release, facts.commit) == (what.where, what.release,
                                                          (what.commit or "")[:7])


@pytest.mark.parametrize("text", [None, "", "PASS on prod", "PASS on sandbox",
                                  "PASS on raxx-api-prod v47",
                                  "FAIL on raxx-api-prod v47 @ def5678",
                                  "PASS on raxx-api-prod v47 @ def5678 extra"])
def test_descriptions_without_the_facts_parse_to_nothing(text: str | None) -> None:
    assert parse_pass(text) is None


@pytest.mark.parametrize("facts, production, reason", [
    (None, PROD, "does not name production's release and commit"),
    (PassFacts("127.0.0.1:9", 47, "def5678"), PROD, "ran against 127.0.0.1:9, not production"),
    (PassFacts("raxx-api-staging", 47, "def5678"), PROD, "not production (raxx-api-prod"),
    (PassFacts("raxx-api-prod", 47, "abc1234"), PROD, "tested abc1234 on production, not the "
                                                      "head def5678"),
    (PassFacts("raxx-api-prod", 47, "9876543", "abc1234"), PROD_CONTAINS, "vouches for abc1234"),
    (PassFacts("raxx-api-prod", 47, "9876543", "def5678"), PROD, "requires production to run "
                                                                 "the head itself"),
])
def test_facts_that_do_not_vouch_for_this_head_on_production(
        facts: PassFacts | None, production: Production, reason: str) -> None:
    problem = facts_problem(facts, production=production, head=HEAD, description="PASS on prod")
    assert problem is not None and reason in problem


@pytest.mark.parametrize("facts, production", [
    (PassFacts("raxx-api-prod", 47, "def5678"), PROD),
    (PassFacts("raxx-api-prod", 47, "9876543", "def5678"), PROD_CONTAINS),
])
def test_facts_that_vouch(facts: PassFacts, production: Production) -> None:
    assert facts_problem(facts, production=production, head=HEAD, description="") is None


@pytest.mark.parametrize("kind, url, app, reason", [
    ("sandbox", None, "raxx-api-prod", "local sandbox"),
    ("url", "https://api.raxx.app", "raxx-api-prod", "ad-hoc URL"),
    ("prod", "https://staging.raxx.app", "raxx-api-prod", "not production's https://api.raxx.app"),
    ("prod", "https://api.raxx.app", "raxx-api-staging", "Heroku app raxx-api-staging"),
    ("prod", "https://API.raxx.app/", "raxx-api-prod", None),
])
def test_only_the_production_named_by_rules_yaml_is_production(
        kind: str, url: str | None, app: str, reason: str | None) -> None:
    problem = PROD.not_production(Target(TargetKind(kind), url, app))
    assert problem == reason if reason is None else (problem is not None and reason in problem)


def test_a_version_url_production_is_named_by_its_host_and_ignores_the_app() -> None:
    production = Production(app="raxx-api-prod", api_url="http://127.0.0.1:8123",
                            settings=ProductionSettings(commit_from=VERSION_URL,
                                                        version_url="/version"))
    assert production.name == "127.0.0.1:8123"
    assert production.version_endpoint() == "http://127.0.0.1:8123/version"
    assert production.not_production(
        Target(TargetKind.PROD, "http://127.0.0.1:8123", "anything")) is None


def test_sensitive_config_is_the_runbook_four_the_process_model_plus_the_configured_ones(
        ) -> None:
    production = Production("a", "https://x", ProductionSettings(
        sensitive_config=("SESSION_SECRET", "REDIS_URL", "WEB_CONCURRENCY")))
    assert production.sensitive_config == ("BOOTSTRAP_TOKEN_SIGNING_KEY", "WEBAUTHN_RP_ID",
                                           "WEBAUTHN_ORIGIN", "REDIS_URL", "WEB_CONCURRENCY",
                                           "GUNICORN_CMD_ARGS", "SESSION_SECRET")


def test_the_web_dynos_ride_in_the_pass_and_parse_back() -> None:
    deployed = Deployment("raxx-api-prod", 47, HEAD, "Heroku release", web=(2, 2))
    text = pass_description(deployed, HEAD)
    assert text == f"PASS on raxx-api-prod v47 @ {HEAD[:7]}, 2/2 web dynos on v47"
    facts = parse_pass(text)
    assert facts == PassFacts("raxx-api-prod", 47, HEAD[:7], None, (2, 2))
    production = PROD
    assert facts_problem(facts, production=production, head=HEAD, description=text) is None
    # dynos counted on another release, or not all of them up: vouches for nothing
    assert parse_pass(f"PASS on raxx-api-prod v47 @ {HEAD[:7]}, 2/2 web dynos on v46") is None
    half = parse_pass(f"PASS on raxx-api-prod v47 @ {HEAD[:7]}, 1/2 web dynos on v47")
    assert facts_problem(half, production=production, head=HEAD, description="") is not None


def test_a_pending_release_or_a_web_dyno_off_the_release_refuses_and_is_a_change() -> None:
    settled = Deployment("raxx-api-prod", 47, HEAD, "Heroku release", web=(2, 2))
    pending = Deployment("raxx-api-prod", 47, HEAD, "Heroku release", web=(2, 2),
                         pending="v48 (Set WEBAUTHN_ORIGIN config vars)")
    rolling = Deployment("raxx-api-prod", 47, HEAD, "Heroku release", web=(1, 2),
                         web_detail="web.2 up on v46")
    for deployed, says in ((pending, "v48 (Set WEBAUTHN_ORIGIN config vars)"),
                           (rolling, "1/2 web dynos on v47: web.2 up on v46")):
        problem = head_problem(deployed, HEAD, mode=EQUAL, contains=lambda h, d: False)
        assert problem is not None and says in problem
        change = change_problem(settled, deployed)
        assert change is not None and says.split(":")[0] in change
    assert head_problem(settled, HEAD, mode=EQUAL, contains=lambda h, d: False) is None


def test_a_slugless_release_refusal_says_to_read_the_commit_from_the_app() -> None:
    container = Deployment("raxx-api-prod", 47, None, "Heroku release v47", slugless=True)
    problem = head_problem(container, HEAD, mode=EQUAL, contains=lambda h, d: False)
    assert problem is not None and "smoke.production.commit_from: version-url" in problem
    assert "deploy the PR head" not in problem
