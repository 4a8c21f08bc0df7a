"""The PR gate: evaluate a PR, bring its `release-gate` status and checklist comment up to date.

The use case behind `release-gate pr` (commands/pr.py parses the arguments) and behind the gate
refresh of `smoke --pr` (smoke_gate.py): statuses posted with GITHUB_TOKEN trigger no workflow,
so the smoke job refreshes the gate itself. On any failure it posts `error` where it still can
and raises (docs/design.md §2, §6); `dry_run` prints what it would post and writes nothing.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from release_gate.core import drift_hold, engine, evidence, policy, reach
from release_gate.core.config import Config
from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import GATE_CONTEXT, Expectation, SmokeEvidence
from release_gate.core.verdict import Evaluation, GateStatus, StatusState, Verdict, gate_status
from release_gate.errors import GateError
from release_gate.github.client import CommentRecord, PullInfo
from release_gate.github.pull import HeadMoved
from release_gate.render import actions
from release_gate.render.comment import (
    CLEARED_TITLE,
    CommentState,
    Links,
    is_ours,
    parse_state,
    render,
    render_cleared,
)
from release_gate.usecases.ports import GateApi


@dataclass(frozen=True)
class GateResult:
    pull: PullInfo
    evaluation: Evaluation
    evidence: SmokeEvidence
    status: GateStatus
    links: Links
    status_posted: bool
    comment_action: str  # created | updated | unchanged | none | cleared


def refresh_gate(api: GateApi, *, number: int, pull: PullInfo | None = None,
                 rules: str | None = None, clone: str | None = None, dry_run: bool = False,
                 out: TextIO | None = None,
                 config_change: ConfigChange | None = None) -> GateResult:
    """Evaluate the PR and bring its status and comment up to date; post `error` on failure.

    `config_change`: a sensitive config change on production (watch-config); a PASS older than
    it stops counting, and the comment keeps it for every later run.
    """
    out = out or sys.stdout
    judged = _Judged(pull.head_sha if pull is not None else None)
    try:
        if pull is None:
            pull = api.event_pull(number) or api.pull(number)
        return _refresh(api, pull, rules=rules, clone=clone, dry_run=dry_run, out=out,
                        judged=judged, config_change=config_change)
    except Exception as error:
        # Fail closed (docs/design.md §2): never leave a stale success behind a failed run.
        if judged.head and not dry_run:
            post_error(api, judged.head, error)
        raise


@dataclass
class _Judged:
    """The head being judged, for the error status (HeadMoved can make it change)."""

    head: str | None


def post_error(api: GateApi, sha: str, error: BaseException) -> None:
    text = str(error) if isinstance(error, GateError) else f"{type(error).__name__}: {error}"
    try:
        api.post_status(sha, state=StatusState.ERROR, description=f"release-gate failed: {text}",
                        context=GATE_CONTEXT, target_url=api.env.run_url)
    except GateError as failure:
        print(f"release-gate: could not post the error status either: {failure}",
              file=sys.stderr)


def _rules(api: GateApi, pull: PullInfo, rules: str | None) -> policy.Policy:
    if rules:
        return policy.from_file(rules)
    # docs/design.md §6: the BASE branch's rules judge the PR, never the head's.
    return policy.from_base(api.read(policy.RULES_PATH, pull.base_sha), base=pull.base_sha)


def _refresh(api: GateApi, pull: PullInfo, *, rules: str | None, clone: str | None,
             dry_run: bool, out: TextIO, judged: _Judged,
             config_change: ConfigChange | None) -> GateResult:
    judged.head = pull.head_sha
    chosen = _rules(api, pull, rules)
    try:
        ctx = api.pull_changes(pull, clone=clone)
    except HeadMoved:
        stale_base = pull.base_sha
        pull = api.pull(pull.number)  # the payload was stale: judge the PR as it is now
        judged.head = pull.head_sha
        if pull.base_sha != stale_base:
            chosen = _rules(api, pull, rules)
        ctx = api.pull_changes(pull, clone=clone)
    try:
        evaluation = reach.judge(chosen, ctx, notes=(chosen.note, *ctx.notes))
    finally:
        ctx.close()
    for note in ctx.notes:  # how the PR was read (a clone that could not be, a fallback...)
        print(f"release-gate: PR #{pull.number}: {note}", file=out)
    links = Links(server_url=api.env.server_url, repository=api.repository,
                  pr_number=pull.number, workflow_file=chosen.config.settings.smoke_workflow,
                  rules_doc=api.env.rules_doc)
    statuses = api.statuses(pull.head_sha)
    gate_statuses = sorted((s for s in statuses if s.context == GATE_CONTEXT),
                           key=lambda s: (s.created_at, s.id), reverse=True)

    # Listing comments costs a call: skip it when the PR has none and no earlier run of ours
    # finished on this head (the payload's count may be stale on a re-run; our status is not).
    ours: list[CommentRecord] = []
    if pull.comments is None or pull.comments > 0 or gate_statuses:
        ours = _sticky(api, pull.number, out=out)
    existing = ours[0] if ours else None
    state = parse_state(existing.body) if existing else None

    found = _evidence(api, pull, evaluation, chosen.config, statuses, state)
    # The config-drift hold comes from statuses no one can edit (drift_hold.py), never from
    # the comment's hidden state.
    change = drift_hold.newest(config_change, drift_hold.newest_hold(statuses))
    if change is not None:
        found = evidence.config_changed(found, change)
    status = gate_status(evaluation, smoke_passed_on_head=found.passed)

    comment_action = _upsert_comment(api, pull, evaluation, found, status, links, ours,
                                     dry_run=dry_run, out=out)
    current = gate_statuses[0] if gate_statuses else None
    status_posted = False
    if current is None or (current.state, current.description) != (status.state.value,
                                                                   status.description):
        if dry_run:
            print(f"would post {GATE_CONTEXT} = {status.state.value}: {status.description} "
                  f"on {pull.head_sha[:12]}", file=out)
        else:
            api.post_status(pull.head_sha, state=status.state,
                            description=status.description, context=GATE_CONTEXT,
                            target_url=api.env.run_url)
            status_posted = True
    print(f"release-gate: PR #{pull.number} head {pull.head_sha[:12]}: "
          f"{evaluation.verdict.value}; {GATE_CONTEXT} = {status.state.value} "
          f"({status.description}){'' if status_posted or dry_run else ' (already posted)'}; "
          f"comment {comment_action}", file=out)
    for line in actions.annotation_lines(evaluation, rules_doc=links.rules_doc):
        print(line, file=out)
    return GateResult(pull=pull, evaluation=evaluation, evidence=found, status=status,
                      links=links, status_posted=status_posted, comment_action=comment_action)


def _sticky(api: GateApi, number: int, *, out: TextIO) -> list[CommentRecord]:
    """Our comments, oldest first (the oldest is THE comment): the hidden marker AND written by
    the token's own identity. Anyone who can comment can write the marker, and every workflow
    writes as github-actions[bot]; a marker comment by anyone else is ignored, and said so."""
    marked = [c for c in api.comments(number) if is_ours(c.body)]
    if not marked:
        return []
    me = api.identity()
    for other in marked:
        if not me.wrote(other):
            print(f"release-gate: ignored comment {other.id} on PR #{number}: it carries the "
                  f"checklist marker but was written by {other.author or 'unknown'} "
                  f"({other.author_type or 'unknown type'}), not by {me.login} ({me.type})",
                  file=out)
    return sorted((c for c in marked if me.wrote(c)), key=lambda c: c.id)


def expectation(api: GateApi, pull: PullInfo, config: Config) -> Expectation:
    """What a counted smoke PASS for this PR looks like, by the base branch's rules.yaml."""
    return Expectation(repository=api.repository, server_url=api.env.server_url,
                       default_branch=pull.default_branch,
                       workflow_file=config.settings.smoke_workflow, pr_number=pull.number,
                       production=config.production)


def _evidence(api: GateApi, pull: PullInfo, evaluation: Evaluation, config: Config,
              statuses: Sequence[evidence.StatusRecord], state: CommentState | None
              ) -> SmokeEvidence:
    expect = expectation(api, pull, config)
    if evaluation.verdict is Verdict.CLEAR:
        return SmokeEvidence(head=pull.head_sha)  # nothing to prove: no run fetches
    found = evidence.collect(statuses, head=pull.head_sha, expect=expect, fetch_run=api.run,
                                 on_branch=api.on_branch)
    if found.passed:
        return found
    older = state.pass_head if state is not None else None
    if not older or older == pull.head_sha:
        return found
    if not config.settings.keep_pass_when_unflagged:
        return evidence.with_note(found, f"the PASS on `{older[:7]}` was for an older head: a new "
                                         "push needs a new smoke (docs/design.md §6)")
    return _keep_older_pass(api, pull, config, expect, found, older)


def _keep_older_pass(api: GateApi, pull: PullInfo, config: Config, expect: Expectation,
                     found: SmokeEvidence, older: str) -> SmokeEvidence:
    """settings.keep_pass_when_unflagged: keep an older head's PASS if nothing flagged since."""
    older_statuses = api.statuses(older)
    before = evidence.collect(older_statuses, head=older, expect=expect, fetch_run=api.run,
                              on_branch=api.on_branch)
    held = drift_hold.newest_hold(older_statuses)
    if held is not None:  # a hold on the older head travels with its PASS
        before = evidence.config_changed(before, held)
    if not before.passed:
        return evidence.with_note(found, f"no valid PASS on the older head `{older[:7]}` to keep")
    comparison = api.compare(older, pull.head_sha)
    if comparison.status not in ("ahead", "identical"):
        return evidence.with_note(found, f"the PASS on `{older[:7]}` is not kept: that commit is "
                                         "no longer an ancestor of the head (history rewritten)")
    ctx = api.compare_changes(comparison, base=older, head=pull.head_sha)
    if ctx is None:
        return evidence.with_note(found, f"the PASS on `{older[:7]}` is not kept: too many "
                                         "changes since to check")
    try:
        since = engine.evaluate(config, ctx)
    finally:
        ctx.close()
    if since.findings:
        first = since.findings[0]
        return evidence.with_note(found, f"the PASS on `{older[:7]}` is not kept: the commits "
                                         f"since touch `{first.path}` ({first.rule})")
    return evidence.kept(before, head=pull.head_sha,
                         note=f"the commits since `{older[:7]}` touch no flagged file "
                              "(settings.keep_pass_when_unflagged)")


def _upsert_comment(api: GateApi, pull: PullInfo, evaluation: Evaluation, found: SmokeEvidence,
                    status: GateStatus, links: Links, ours: list[CommentRecord], *,
                    dry_run: bool, out: TextIO) -> str:
    """Exactly one comment per PR, found by its hidden marker (docs/design.md §6)."""
    existing = ours[0] if ours else None
    if evaluation.verdict is Verdict.CLEAR:
        if existing is None:
            return "none"  # clear PRs get no comment
        if CLEARED_TITLE in existing.body:
            return "unchanged"  # already the short note: no edit per push
        body = render_cleared(evaluation, links=links)
    else:
        body = render(evaluation, found, status, links=links,
                      previous=existing.body if existing else None)
    if dry_run:
        if existing is None or existing.body != body:
            verb = "create" if existing is None else f"update comment {existing.id}"
            print(f"would {verb}:\n{body}", file=out)
        return "dry-run"
    for duplicate in ours[1:]:
        api.delete_comment(pull.number, duplicate.id)
    if existing is not None:
        if existing.body == body:
            return "unchanged"
        api.edit_comment(pull.number, existing.id, body)
        return "cleared" if evaluation.verdict is Verdict.CLEAR else "updated"
    created = api.create_comment(pull.number, body)
    # Concurrent runs may each have created one: re-list, keep the oldest, delete the rest.
    everyone = _sticky(api, pull.number, out=io.StringIO())
    keeper = everyone[0] if everyone else created
    for other in everyone[1:]:
        api.delete_comment(pull.number, other.id)
    if keeper.id != created.id and keeper.body != body:
        api.edit_comment(pull.number, keeper.id, body)
    return "created"


def write_actions_files(result: GateResult, environ: Mapping[str, str]) -> None:
    """GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, when running under Actions."""
    summary_path = environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(actions.summary(result.evaluation, result.evidence, result.status,
                                         links=result.links))
    output_path = environ.get("GITHUB_OUTPUT")
    if output_path:
        with open(output_path, "a", encoding="utf-8") as handle:
            handle.write(actions.format_outputs(actions.outputs(result.evaluation)))
