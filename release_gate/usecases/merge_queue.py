"""The gate on a merge queue commit: the tree that will ship, judged as one change.

The required check must report on the queue's commit too (docs/design.md §6), and the queue is
where PRs meet: PR A adds `begin-with-token` while its verify twin exists, PR B removes the
verify route while no begin exists; each is clear alone, together they are the RCA's
contributing factor 2. Route pairing and process-local state are properties of the tree, so
on `merge_group` the gate judges the merge group commit against its base (`base_sha...head_sha`
of the event), with the base's rules:

- a blocking finding of that combined change fails the queue commit, whatever each PR's own
  verdict was (the queue then drops the group);
- otherwise the queued PR's own status stands (re-derived now, with its smoke evidence): a smoke
  PASS proves a PR head on production, and each PR ahead in the queue passed its own gate to
  enter it.

The PR's own status and comment are left as they are.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import TextIO

from release_gate.core import policy, reach
from release_gate.core.evidence import GATE_CONTEXT
from release_gate.core.verdict import Evaluation, GateStatus, StatusState, Verdict, gate_status
from release_gate.errors import GateError
from release_gate.render import actions
from release_gate.usecases.ports import MergeQueueApi
from release_gate.usecases.pr_gate import post_error, refresh_gate

_QUEUE_REF = re.compile(r"/pr-(\d+)-[0-9a-f]+$")


@dataclass(frozen=True)
class MergeGroup:
    """The fields of GitHub's `merge_group` event payload the gate reads."""

    head_sha: str  # the queue's commit: the base with every queued PR up to this one merged
    base_sha: str  # the base branch's commit the group was built on
    head_ref: str  # refs/heads/gh-readonly-queue/<base>/pr-<N>-<sha>

    @property
    def pr_number(self) -> int:
        match = _QUEUE_REF.search(self.head_ref)
        if match is None:
            raise GateError(f"cannot tell which PR the merge group {self.head_ref!r} is for")
        return int(match.group(1))


def read_event(path: str | None) -> MergeGroup:
    try:
        with open(path or "", encoding="utf-8") as handle:
            group = json.load(handle)["merge_group"]
        return MergeGroup(head_sha=str(group["head_sha"]), base_sha=str(group["base_sha"]),
                          head_ref=str(group["head_ref"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GateError(f"--merge-group needs a merge_group event payload: {error}") from None


def judge_group(api: MergeQueueApi, group: MergeGroup, *, rules: str | None) -> Evaluation:
    """base_sha...head_sha as one change, by the base's rules (or the base checkout's file)."""
    chosen = (policy.from_file(rules) if rules else
              policy.from_base(api.read(policy.RULES_PATH, group.base_sha), base=group.base_sha))
    ctx = api.commits_changes(base=group.base_sha, head=group.head_sha)
    try:
        return reach.judge(chosen, ctx, notes=(chosen.note, *ctx.notes))
    finally:
        ctx.close()


def queue_status(own: GateStatus, combined: Evaluation) -> GateStatus:
    """A blocking finding of the combined change wins; else the queued PR's own status."""
    if combined.verdict is Verdict.BLOCKED:
        status = gate_status(combined, smoke_passed_on_head=False)
        return GateStatus(status.state, f"Merge group: {status.description}")
    return own


def merge_group(api: MergeQueueApi, *, rules: str | None, dry_run: bool, out: TextIO) -> int:
    group = read_event(api.env.event_path)
    try:
        own = refresh_gate(api, number=group.pr_number, rules=rules, dry_run=True,
                           out=io.StringIO())
        combined = judge_group(api, group, rules=rules)
    except Exception as error:
        if not dry_run:
            post_error(api, group.head_sha, error)
        raise
    status = queue_status(own.status, combined)
    if dry_run:
        print(f"would post {GATE_CONTEXT} = {status.state.value}: {status.description} on the "
              f"merge group commit {group.head_sha[:12]}", file=out)
    else:
        api.post_status(group.head_sha, state=status.state, description=status.description,
                        context=GATE_CONTEXT, target_url=api.env.run_url)
    print(f"release-gate: merge group {group.head_sha[:12]} (PR #{own.pull.number}): PR alone "
          f"{own.evaluation.verdict.value}, the group as one change {combined.verdict.value}; "
          f"{GATE_CONTEXT} = {status.state.value} ({status.description})", file=out)
    if status.state is StatusState.FAILURE and combined.verdict is Verdict.BLOCKED:
        for line in actions.annotation_lines(combined):
            print(line, file=out)
    return 0
