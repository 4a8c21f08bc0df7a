"""Run every rule over one change context and merge the result into an Evaluation."""

from __future__ import annotations

from release_gate.config import Config
from release_gate.context import ChangeContext
from release_gate.verdict import Evaluation, Finding, sort_findings


def evaluate(config: Config, ctx: ChangeContext, *, notes: tuple[str, ...] = ()) -> Evaluation:
    findings: list[Finding] = []
    checklist: list[str] = []
    for rule in config.rules:
        found = rule.evaluate(ctx)
        if not found:
            continue
        findings.extend(found)
        checklist.extend(item for item in rule.checklist if item not in checklist)
    return Evaluation(
        base=ctx.changes.base,
        head=ctx.changes.head,
        findings=sort_findings(findings),
        checklist=tuple(checklist),
        notes=notes,
    )
