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


DOCS = "https://github.com/acme/release-gate/blob/v1/docs/rules.md"
DOC_LINKS = Links(server_url="https://github.com", repository="acme/api", pr_number=7,
                  rules_doc=DOCS)
LONG = ("A begin route would ship without its verify twin: POST /api/auth/register/"
        "begin-with-token in backend_v2/api/routes/auth.py has no verify-with-token in this PR "
        "(RCA 2026-05-25, factor 2: begin without verify)")


def _blocked() -> Evaluation:
    findings = (
        Finding(path="a_first.py", line=3, rule="auth-routes", outcome=Outcome.NEEDS_SMOKE,
                message="Auth routes changed"),
        Finding(path="b_second.py", line=9, rule="begin-verify-pairing",
                outcome=Outcome.BLOCKED, message=LONG),
    )
    checklist = ("Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f "
                 "pr=<PR>`) and get `release-gate/smoke` = PASS",
                 "Every `.../begin[-x]` route ships in the same PR as its `.../verify[-x]` twin")
    return Evaluation(base="b" * 40, head=HEAD, findings=findings, checklist=checklist)


def _lines(body: str) -> list[str]:
    return [line for line in body.splitlines() if line and not line.startswith("<!--")]


def test_the_heading_says_the_state_after_a_counted_pass() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    passed = collect([_status()], head=HEAD, expect=EXPECT, on_branch=on_main,
                     fetch_run=lambda _id: _run())
    status = gate_status(evaluation, smoke_passed_on_head=True)
    green = render(evaluation, passed, status, links=LINKS)
    assert _lines(green)[0] == "### ✅ release-gate: prod smoke passed"
    assert "prod smoke required" not in green
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: None)
    waiting = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                     links=LINKS)
    assert _lines(waiting)[0] == "### 🟡 release-gate: prod smoke required"


def test_a_blocked_pr_leads_with_the_blocking_finding_its_fix_and_the_full_text() -> None:
    evaluation = _blocked()
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: None)
    status = gate_status(evaluation, smoke_passed_on_head=False)
    assert status.description.endswith("…")  # GitHub's 140 characters
    body = render(evaluation, none, status, links=DOC_LINKS)
    lines = _lines(body)
    assert lines[0] == "### ⛔ release-gate: blocked"
    # The top sentence: the blocking finding, whole, linked to its rule, and that no PASS helps.
    assert lines[1].startswith(f"**Blocked** by [`begin-verify-pairing`]({DOCS}"
                               "#begin-verify-pairing) at [`b_second.py:9`]")
    assert LONG in lines[1] and "no smoke PASS can lift a block" in lines[1]
    assert status.description not in body
    findings = [line for line in lines if line.startswith(("- ⛔", "- 🟡"))]
    assert findings[0].startswith("- ⛔") and findings[1].startswith("- 🟡")
    assert f"[`auth-routes`]({DOCS}#auth-routes)" in findings[1]
    checklist = lines[lines.index("**Checklist**") + 1:lines.index("**Smoke** "
                                                                     "(`release-gate/smoke`)")]
    assert checklist[0].startswith("- [ ] Every `.../begin[-x]` route")  # the fix first
    assert checklist[1].endswith("_(waits for the fix above)_")
    smoke = lines[lines.index("**Smoke** (`release-gate/smoke`)") + 1]
    assert smoke.startswith("- ⏸️ the smoke waits for the fix") and "Run it" not in body


def test_the_run_it_line_says_production_must_run_the_head_first() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: None)
    body = render(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                  links=LINKS)
    line = next(line for line in body.splitlines() if line.startswith("- ⏳"))
    assert f"Production must run `{HEAD[:7]}` first" in line
    assert line.index("Production must run") < line.index("gh workflow run smoke.yml -f pr=7")
    # the one-dispatch deploy is offered first, pinned to the head the reviewer saw
    assert f"`gh workflow run smoke.yml -f pr=7 -f deploy=yes -f head={HEAD}`" in line
    assert line.index("deploy=yes") < line.index("deploy it yourself")


def test_the_comment_keeps_the_prs_smoke_history() -> None:
    evaluation = _evaluation(Outcome.NEEDS_SMOKE)
    failed = collect([_status("failure", description="FAIL at step 4 (challenge-miss)")],
                     head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: _run())
    first = render(evaluation, failed, gate_status(evaluation, smoke_passed_on_head=False),
                   links=LINKS)
    passed = collect([_status(at=T0 + timedelta(hours=2), id=2)], head=HEAD, expect=EXPECT,
                     on_branch=on_main, fetch_run=lambda _id: _run())
    status = gate_status(evaluation, smoke_passed_on_head=True)
    second = render(evaluation, passed, status, links=LINKS, previous=first)
    lines = second.splitlines()
    table = lines[lines.index("| head | verdict | release | when |"):]
    assert table[1] == "| --- | --- | --- | --- |"
    link = f"[`{HEAD[:7]}`](https://github.com/acme/api/commit/{HEAD})"
    assert table[2] == f"| {link} | ✅ PASS | v47 | 2026-05-25 05:00 UTC |"
    assert table[3] == f"| {link} | ❌ **FAIL** | – | 2026-05-25 03:00 UTC |"
    # Deterministic: the same evidence again adds no row and changes nothing.
    assert render(evaluation, passed, status, links=LINKS, previous=second) == second


def test_annotations_and_the_job_summary_link_each_rule() -> None:
    from release_gate.github.client import GitHubEnv
    from release_gate.render.actions import annotation_lines, summary

    env = GitHubEnv.from_environ({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme/api",
                                  "RELEASE_GATE_SOURCE_URL": DOCS.rsplit("/", 2)[0]})
    assert env.rules_doc == DOCS
    evaluation = _blocked()
    lines = annotation_lines(evaluation, rules_doc=env.rules_doc)
    assert lines[1].endswith(f"(rule begin-verify-pairing: {DOCS}#begin-verify-pairing)")
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: None)
    text = summary(evaluation, none, gate_status(evaluation, smoke_passed_on_head=False),
                   links=DOC_LINKS)
    assert f"[`auth-routes`]({DOCS}#auth-routes)" in text
    assert "<!--" not in text
