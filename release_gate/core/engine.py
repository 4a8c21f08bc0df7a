"""Run every rule over one change context and merge the result into an Evaluation."""

from __future__ import annotations

import re

from release_gate.core.config import Config
from release_gate.core.context import ChangeContext
from release_gate.core.verdict import Evaluation, Finding, sort_findings

# A trailing "(RCA 2026-05-25, factor 1; action item 3)": a citation, not part of the item.
# A parenthesis holding a command (backticks) is part of the item.
_CITATION = re.compile(r"\s*\(([^()`]*)\)\s*$")


# A checklist item names the team's production app as `<APP>`: rules.yaml's smoke.heroku_app,
# the one the smoke and the PASS's production check use (never a hard-coded app).
APP_PLACEHOLDER = "<APP>"


def evaluate(config: Config, ctx: ChangeContext, *, notes: tuple[str, ...] = ()) -> Evaluation:
    findings: list[Finding] = []
    checklist: list[str] = []
    app = str(config.smoke.get("heroku_app") or "$HEROKU_APP")
    for rule in config.rules:
        found = rule.evaluate(ctx)
        if not found:
            continue
        findings.extend(found)
        for item in rule.checklist:
            merge_item(checklist, item.replace(APP_PLACEHOLDER, app))
    return Evaluation(
        base=ctx.changes.base,
        head=ctx.changes.head,
        findings=sort_findings(findings),
        checklist=tuple(checklist),
        notes=notes,
    )


def merge_item(checklist: list[str], item: str) -> None:
    """Append `item`, unless an item differing only by its citation is there: then that one
    carries both citations (a reviewer should never tick the same thing twice)."""
    text, cited = _split(item)
    for index, existing in enumerate(checklist):
        other_text, other_cited = _split(existing)
        if other_text == text:
            merged = other_cited + [c for c in cited if c not in other_cited]
            checklist[index] = f"{text} ({'; '.join(merged)})" if merged else text
            return
    checklist.append(item)


def _split(item: str) -> tuple[str, list[str]]:
    found = _CITATION.search(item)
    if found is None:
        return item, []
    return item[:found.start()], [part.strip() for part in found.group(1).split(";")
                                  if part.strip()]
