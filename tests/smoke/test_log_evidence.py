"""The RCA's log evidence, judged from lines (release_gate/smoke/log_evidence.py)."""

from __future__ import annotations

import pytest

from release_gate.core.smoke_config.heroku_settings import LogEvidenceSettings
from release_gate.smoke.log_evidence import judge

PREFIX = "2026-05-25T01:23:55.000000+00:00 app[web.1]: 2026-05-25 01:23:55 INFO [pid 17] svc: "
STORED = PREFIX + "webauthn.challenge_stored store=redis user_id=42"
POPPED = PREFIX + "webauthn.challenge_popped store=redis user_id=42"
ROUTER = "2026-05-25T01:23:55.000000+00:00 heroku[router]: at=info method=POST status=200"
RULES = LogEvidenceSettings()


def test_both_redis_lines_of_this_user_are_evidence() -> None:
    judgement = judge([ROUTER, STORED, POPPED], 42, RULES, final=False)
    assert judgement.outcome == "ok" and judgement.lines == (STORED, POPPED)


def test_another_users_lines_are_not_evidence() -> None:
    other = [STORED.replace("=42", "=421"), POPPED.replace("=42", "=4")]
    assert judge(other, 42, RULES, final=False).outcome == "pending"
    assert judge(other, 42, RULES, final=True).code == "log-evidence-missing"


@pytest.mark.parametrize(("line", "code"), [
    (PREFIX + "webauthn.challenge_stored store=memory user_id=42", "log-store-memory"),
    (PREFIX + "webauthn.challenge_miss store=redis user_id=42", "log-challenge-miss"),
])
def test_memory_store_and_miss_fail_even_next_to_the_redis_lines(line: str, code: str) -> None:
    judgement = judge([STORED, line, POPPED], 42, RULES, final=False)
    assert (judgement.outcome, judgement.code) == ("fail", code)


def test_no_info_line_at_all_warns_by_default_and_fails_when_required() -> None:
    lines = [ROUTER, "2026-05-25T01:23:55+00:00 app[web.1]: WARNING something else"]
    assert judge(lines, 42, RULES, final=False).outcome == "pending"
    warned = judge(lines, 42, RULES, final=True)
    assert (warned.outcome, warned.code) == ("warn", "log-no-info")
    required = judge(lines, 42, LogEvidenceSettings(require_info=True), final=True)
    assert (required.outcome, required.code) == ("fail", "log-no-info")


def test_the_router_line_is_not_an_app_info_line() -> None:
    assert judge([ROUTER.replace("at=info", "at=INFO")], 42, RULES, final=True).code == \
        "log-no-info"


def test_patterns_are_configuration() -> None:
    rules = LogEvidenceSettings(user="uid:{user_id}", required=("challenge saved in redis",),
                                store_split=("challenge saved in ram",), miss=())
    line = "t app[web.1]: INFO challenge saved in redis uid:42"
    assert judge([line], 42, rules, final=False).outcome == "ok"
    assert judge([line.replace("redis", "ram")], 42, rules, final=False).code == \
        "log-store-memory"


class _BrokenStream:
    error: str | None = "log stream failed: connection reset"
    incomplete: str | None = None

    def lines(self) -> list[str]:
        return []

    def close(self) -> None:
        return None


def test_a_broken_stream_fails_closed_instead_of_warning() -> None:
    from types import SimpleNamespace

    from release_gate.smoke.log_evidence import LogEvidence
    from release_gate.smoke.steps import StepFailed

    evidence = LogEvidence(_BrokenStream, LogEvidenceSettings(wait=0.1), where="test")
    plan = SimpleNamespace(out=SimpleNamespace(step=lambda step, text: None))
    evidence.before("2", plan, None, None)
    with pytest.raises(StepFailed) as failed:
        evidence.after("4", plan, SimpleNamespace(user_id=42), None)
    assert failed.value.code == "log-unavailable"


class _LossyStream:
    """A stream that said logplex dropped lines (an L10 notice), with `shown` lines."""

    error: str | None = None
    incomplete: str | None = "logplex dropped lines (heroku[logplex]: Error L10 (output buffer " \
                             "overflow): 7 messages dropped)"
    def __init__(self) -> None:
        self.shown: list[str] = []

    def lines(self) -> list[str]:
        return list(self.shown)

    def close(self) -> None:
        return None


@pytest.mark.parametrize("shown", [
    [],  # no INFO line at all: would be the RCA's swallowed-logs warning
    ["x app[web.1]: INFO webauthn.challenge_stored store=redis user_id=42"],  # one of two
])
def test_lines_missing_from_a_lossy_stream_are_incomplete_evidence_not_absent_lines(
        shown: list[str]) -> None:
    from types import SimpleNamespace

    from release_gate.smoke.log_evidence import LogEvidence
    from release_gate.smoke.steps import StepFailed

    source = _LossyStream()
    source.shown = shown
    evidence = LogEvidence(lambda: source, LogEvidenceSettings(wait=0.1), where="test")
    plan = SimpleNamespace(out=SimpleNamespace(step=lambda step, text: None))
    evidence.before("2", plan, None, None)
    with pytest.raises(StepFailed) as failed:
        evidence.after("4", plan, SimpleNamespace(user_id=42), None)
    assert failed.value.code == "log-incomplete"
    assert "evidence is incomplete" in failed.value.message and "L10" in failed.value.message


def test_a_lossy_stream_still_shows_what_it_did_deliver() -> None:
    from types import SimpleNamespace

    from release_gate.smoke.log_evidence import LogEvidence

    source = _LossyStream()
    source.shown = ["x app[web.1]: INFO webauthn.challenge_stored store=redis user_id=42",
                    "x app[web.1]: INFO webauthn.challenge_popped store=redis user_id=42"]
    evidence = LogEvidence(lambda: source, LogEvidenceSettings(wait=0.1), where="test")
    plan = SimpleNamespace(out=SimpleNamespace(step=lambda step, text: None))
    evidence.before("2", plan, None, None)
    evidence.after("4", plan, SimpleNamespace(user_id=42), None)
    assert evidence.judgement is not None and evidence.judgement.outcome == "ok"
