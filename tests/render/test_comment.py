"""render/comment.py: the sticky checklist comment, from an evaluation and its smoke evidence."""

from __future__ import annotations

from datetime import timedelta

from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import collect, config_changed
from release_gate.core.verdict import Evaluation, Finding, Outcome, gate_status
from release_gate.render.comment import Links, is_ours, parse_state, render, render_cleared
from tests.evidence_data import EXPECT, HEAD, T0, on_main
from tests.evidence_data import run as _run
from tests.evidence_data import status as _status


def _evaluation(outcome: Outcome | None) -> Evaluation:
    findings = () if outcome is None else (
        Finding(path="backend_v2/api/routes/auth.py", line=12, rule="auth-routes",
                outcome=outcome, message="Auth routes changed"),)
    checklist = ("Run the smoke (`gh workflow run smoke.yml -f pr=<PR>`) and get "
                 "`release-gate/smoke` = PASS", "Tap the signup URL on a real device")
    return Evaluation(base="b" * 40, head=HEAD, findings=findings,
                      checklist=checklist if findings else ())


LINKS = Links(server_url="https://github.com", repository="acme/api", pr_number=7)


def test_comment_links_lines_ticks_evidence_and_keeps_hand_ticks() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: None)
    body = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS)
    assert is_ours(body)
    assert parse_state(body) is not None and parse_state(body).head == HEAD  # type: ignore[union-attr]
    assert f"https://github.com/acme/api/blob/{HEAD}/backend_v2/api/routes/auth.py#L12" in body
    assert "- [ ] Run the smoke (`gh workflow run smoke.yml -f pr=7`)" in body
    ticked = body.replace("- [ ] Tap the signup", "- [x] Tap the signup").replace(
        "- [ ] Run the smoke", "- [x] Run the smoke")
    again = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                   links=LINKS, previous=ticked)
    assert "- [x] Tap the signup URL on a real device" in again  # a person's tick is kept
    assert "- [ ] Run the smoke" in again  # evidence, not a hand tick, decides this one
    passed = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    green = render(evaluation, passed, gate_status(evaluation, smoke_passed_on_head=True),
                   links=LINKS)
    assert "- [x] Run the smoke" in green
    assert parse_state(green).pass_head == HEAD  # type: ignore[union-attr]
    assert render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS) == body  # deterministic: an unchanged PR is not re-edited


def test_cleared_note() -> None:
    body = render_cleared(_evaluation(None), links=LINKS)
    assert is_ours(body) and "no longer flagged" in body


def test_the_pass_shows_its_facts_and_a_config_change_since_stops_it() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    passed = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                    fetch_run=lambda _id: _run())
    green = render(evaluation, passed, gate_status(evaluation, smoke_passed_on_head=True),
                   links=LINKS)
    assert f"smoke ran against {HEAD[:7]}, release v47, 03:00 UTC on raxx-api-prod" in green
    change = ConfigChange(48, "Set REDIS_URL config vars", T0 + timedelta(hours=1), "set",
                          ("REDIS_URL",))
    stale = config_changed(passed, change)
    body = render(evaluation, stale, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS)
    assert (f"- ⚠️ the PASS on `{HEAD[:7]}` (smoke ran against {HEAD[:7]}, release v47, "
            "03:00 UTC on raxx-api-prod) no longer counts: production's config changed since, "
            "v48 'Set REDIS_URL config vars' at 2026-05-25 04:00 UTC (REDIS_URL)") in body
    assert "- [ ] Run the smoke" in body
    state = parse_state(body)
    assert state is not None and state.config_change == change and state.pass_head is None


def test_a_damaged_state_reads_as_none() -> None:
    assert parse_state('<!-- release-gate:state {"head": 1, "config_change": []} -->') \
        is not None
    assert parse_state("<!-- release-gate:state {not json} -->") is None
