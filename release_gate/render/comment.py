"""The sticky checklist comment on a flagged PR (docs/design.md §6). Pure.

One comment per PR, found by the hidden MARKER among the comments the token's own identity
wrote (usecases/pr_gate.py; anyone can write the marker, and every workflow writes as
`github-actions[bot]`). Its hidden state only remembers which head passed; no hold is kept here
(the config-drift hold is a commit status: core/drift_hold.py). The body is a deterministic
function of the evaluation, the smoke evidence and the previous body (ticks a person made by
hand are kept), so an unchanged PR renders byte for byte the same text and the command skips
the edit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from release_gate.core.config_drift import ConfigChange
from release_gate.core.evidence import SMOKE_CONTEXT, SmokeEvidence
from release_gate.core.verdict import Evaluation, Finding, GateStatus, Outcome, Verdict

MARKER = "<!-- release-gate:checklist -->"
CLEARED_TITLE = "### ✅ release-gate: no longer flagged"
_STATE = re.compile(r"<!-- release-gate:state (\{.*?\}) -->")
_TICKED = re.compile(r"^- \[[xX]\] (.+)$", re.MULTILINE)

# GitHub rejects comments over 65,536 characters: a huge PR lists its first findings only.
MAX_FINDINGS = 60

# Items that evidence proves: the smoke PASS on this head (docs/design.md §6) ticks them itself.
_SMOKE_ITEM_MARKS = (SMOKE_CONTEXT, "SMOKE VERDICT")


@dataclass(frozen=True)
class Links:
    server_url: str  # https://github.com
    repository: str  # owner/name
    pr_number: int
    workflow_file: str = "smoke.yml"
    # URL of release-gate's docs/rules.md at the version that ran (RELEASE_GATE_SOURCE_URL, set
    # by action.yml); each finding links to its rule's section there, as linters link a rule.
    rules_doc: str | None = None

    def rule(self, rule_id: str) -> str:
        """The rule id in code format, linked to its section of docs/rules.md when known."""
        return rule_link(rule_id, self.rules_doc)

    def blob(self, path: str, sha: str, line: int | None) -> str:
        url = f"{self.server_url}/{self.repository}/blob/{sha}/{quote(path)}"
        return f"{url}#L{line}" if line is not None else url

    def commit(self, sha: str) -> str:
        return f"{self.server_url}/{self.repository}/commit/{sha}"

    @property
    def dispatch_command(self) -> str:
        return f"gh workflow run {self.workflow_file} -f pr={self.pr_number}"

    def deploy_command(self, head: str) -> str:
        """One approved dispatch that deploys `head`, smokes it and rolls back on a FAIL
        (release-gate deploy, docs/runbook.md); `head` pins the commit the reviewer saw."""
        return f"{self.dispatch_command} -f deploy=yes -f head={head}"

    @property
    def workflow_page(self) -> str:
        return f"{self.server_url}/{self.repository}/actions/workflows/{self.workflow_file}"


def rule_link(rule_id: str, rules_doc: str | None) -> str:
    return f"[`{rule_id}`]({rules_doc}#{rule_id})" if rules_doc else f"`{rule_id}`"


@dataclass(frozen=True)
class SmokeRun:
    """One smoke result on this PR, for the comment's history table (kept in its state)."""

    head: str
    verdict: str  # PASS | FAIL
    release: int | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"head": self.head, "verdict": self.verdict, "release": self.release,
                "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: Any) -> SmokeRun | None:
        try:
            release = data.get("release")
            return cls(str(data["head"]), str(data["verdict"]),
                       int(release) if release is not None else None,
                       datetime.fromisoformat(str(data["at"])))
        except (AttributeError, KeyError, TypeError, ValueError):
            return None


HISTORY_ROWS = 10  # the newest; older runs are in the Actions history


@dataclass(frozen=True)
class CommentState:
    """The machine-readable part of the comment: which head it describes, which head passed."""

    head: str
    pass_head: str | None = None
    # A sensitive config change on production after the PASS (`release-gate watch-config`
    # records it here, so every later run of the gate keeps holding the PASS against it).
    config_change: ConfigChange | None = None
    history: tuple[SmokeRun, ...] = ()


def _change_to_json(change: ConfigChange) -> dict[str, Any]:
    return {"version": change.version, "description": change.description,
            "at": change.created_at.isoformat(), "kind": change.kind, "names": list(change.names)}


def _change_from_json(data: Any) -> ConfigChange | None:
    if not isinstance(data, dict):
        return None
    try:
        return ConfigChange(int(data["version"]), str(data["description"]),
                            datetime.fromisoformat(str(data["at"])), str(data["kind"]),
                            tuple(str(n) for n in data["names"]))
    except (KeyError, TypeError, ValueError):
        return None


def is_ours(body: str) -> bool:
    return body.lstrip().startswith(MARKER)


def parse_state(body: str) -> CommentState | None:
    match = _STATE.search(body)
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
        runs = data.get("history") or []
        history = tuple(r for r in (SmokeRun.from_json(item) for item in runs
                                    if isinstance(runs, list)) if r is not None)
        return CommentState(head=str(data["head"]), pass_head=data.get("pass_head"),
                            config_change=_change_from_json(data.get("config_change")),
                            history=history[-HISTORY_ROWS:])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _header(state: CommentState) -> list[str]:
    data: dict[str, Any] = {"head": state.head, "pass_head": state.pass_head}
    if state.config_change is not None:
        data["config_change"] = _change_to_json(state.config_change)
    if state.history:
        data["history"] = [run.to_json() for run in state.history]
    payload = json.dumps(data, sort_keys=True)
    return [MARKER, f"<!-- release-gate:state {payload} -->"]


def _hand_ticked(previous: str | None) -> set[str]:
    return set(_TICKED.findall(previous or ""))


def is_smoke_item(item: str) -> bool:
    return any(mark in item for mark in _SMOKE_ITEM_MARKS)


def _after_smoke(item: str) -> bool:
    """The smoke itself, or a step that comes after it (tapping the URL on a device)."""
    return is_smoke_item(item) or "smoke" in item.lower()


_TITLE = {
    Verdict.BLOCKED: "⛔ release-gate: blocked",
    Verdict.NEEDS_SMOKE: "🟡 release-gate: prod smoke required",
    Verdict.CLEAR: "✅ release-gate: clear",
}


def _finding_line(finding: Finding, links: Links, head: str) -> str:
    icon = "⛔" if finding.outcome is Outcome.BLOCKED else "🟡"
    where = finding.path if finding.line is None else f"{finding.path}:{finding.line}"
    url = links.blob(finding.path, head, finding.line)
    return f"- {icon} [`{where}`]({url}) · {links.rule(finding.rule)}: {finding.message}"


def pass_facts_text(evidence: SmokeEvidence) -> str:
    """`smoke ran against def5678, release v47, 14:32 UTC on raxx-api-prod` (docs/github.md)."""
    decisive = evidence.decisive
    facts = evidence.facts
    if decisive is None or facts is None:
        return ""
    at = decisive.created_at.strftime("%H:%M UTC")
    within = f" (containing {facts.contains})" if facts.contains else ""
    return f"smoke ran against {facts.label}{within}, {at} on {facts.where}"


def smoke_lines(evidence: SmokeEvidence, links: Links, *, blocked: bool = False) -> list[str]:
    sha7 = evidence.head[:7]
    out: list[str] = []
    if blocked and not evidence.passed:
        out.append(f"- ⏸️ the smoke waits for the fix: no PASS can lift a block. Once the "
                   f"blocking finding is fixed, production must run the new head, then: "
                   f"`{links.dispatch_command}`")
        out.extend(f"- {note}" for note in evidence.notes)
        return out
    change = evidence.config_change
    if change is not None and evidence.decisive is not None:
        facts = pass_facts_text(evidence) or str(evidence.decisive.description)
        out.append(f"- ⚠️ the PASS on `{(evidence.kept_from or evidence.head)[:7]}` ({facts}) no "
                   f"longer counts: production's config changed since, {change.summary} "
                   f"({', '.join(change.names)}). Re-run the smoke: `{links.dispatch_command}`")
    elif evidence.passed and evidence.decisive is not None:
        run = evidence.run
        run_link = f"[run {run.id}]({run.html_url})" if run is not None else "the smoke run"
        facts = pass_facts_text(evidence)
        desc = f": {facts}" if facts else ""
        if evidence.kept_from:
            out.append(f"- ✅ PASS on `{evidence.kept_from[:7]}`{desc}, {run_link}: kept for "
                       f"`{sha7}` because the commits since touch no flagged file")
        else:
            out.append(f"- ✅ PASS on `{sha7}`{desc}, {run_link}")
    elif evidence.decisive is not None:
        run = evidence.run
        run_link = f"[run {run.id}]({run.html_url})" if run is not None else "the smoke run"
        desc = f" ({evidence.decisive.description})" if evidence.decisive.description else ""
        out.append(f"- ❌ the latest smoke on `{sha7}` FAILED{desc}, {run_link}. Fix and re-run: "
                   f"`{links.dispatch_command}`")
    else:
        out.append(f"- ⏳ no smoke PASS for `{sha7}` yet. Production must run `{sha7}` first "
                   f"(the smoke refuses another commit). Deploy, smoke and roll back on a FAIL "
                   f"in one approved dispatch: `{links.deploy_command(evidence.head)}`; or "
                   f"deploy it yourself, then run it: `{links.dispatch_command}` (or "
                   f"[Run workflow]({links.workflow_page}) with pr = {links.pr_number})")
    if evidence.running is not None:
        target = evidence.running.target_url
        link = f" ([run]({target}))" if target else ""
        out.append(f"- 🔄 a smoke is running on `{sha7}`{link}")
    for ignored in evidence.ignored:
        s = ignored.status
        who = s.creator_login or "unknown"
        out.append(f"- ⚠️ ignored `{s.context}` = {s.state} by {who}: {ignored.reason}")
    out.extend(f"- {note}" for note in evidence.notes)
    return out


def title(evaluation: Evaluation, evidence: SmokeEvidence) -> str:
    """The heading says the state the PR is in (a counted PASS is no longer "required")."""
    if evaluation.verdict is Verdict.NEEDS_SMOKE and evidence.passed:
        return "✅ release-gate: prod smoke passed"
    return _TITLE[evaluation.verdict]


def lead(evaluation: Evaluation, evidence: SmokeEvidence, links: Links) -> str:
    """The top sentence, in full (the status description is clipped at 140 characters)."""
    sha7 = evaluation.head[:7]
    blocking = [f for f in evaluation.findings if f.outcome is Outcome.BLOCKED]
    if blocking:
        first = blocking[0]
        where = first.path if first.line is None else f"{first.path}:{first.line}"
        more = (f" ({len(blocking) - 1} more blocking finding"
                f"{'s' if len(blocking) > 2 else ''} below.)" if len(blocking) > 1 else "")
        return (f"**Blocked** by {links.rule(first.rule)} at "
                f"[`{where}`]({links.blob(first.path, evaluation.head, first.line)}): "
                f"{first.message}. Fix this first: no smoke PASS can lift a block.{more}")
    if evidence.passed:
        facts = pass_facts_text(evidence)
        return (f"The prod smoke passed for `{sha7}`{': ' + facts if facts else ''}. The gate "
                "is satisfied; the checklist's other items are for the people who merge.")
    return (f"This head changes what the signup smoke guards: production must run `{sha7}`, "
            "then the prod smoke must PASS on it before this PR can merge.")


def history(previous: CommentState | None, evidence: SmokeEvidence) -> tuple[SmokeRun, ...]:
    """The PR's smoke runs so far: the previous comment's list plus the decisive status on
    this head, once (an unchanged PR renders the same body)."""
    runs = list(previous.history if previous is not None else ())
    decisive = evidence.decisive
    if decisive is not None and evidence.kept_from is None and decisive.state in (
            "success", "failure", "error"):
        run = SmokeRun(head=decisive.sha or evidence.head,
                       verdict="PASS" if decisive.state == "success" else "FAIL",
                       release=evidence.facts.release if evidence.facts else None,
                       at=decisive.created_at)
        if run not in runs:
            runs.append(run)
    return tuple(sorted(runs, key=lambda r: r.at)[-HISTORY_ROWS:])


def history_table(runs: tuple[SmokeRun, ...], links: Links) -> list[str]:
    if not runs:
        return []
    out = ["", "**Smoke history on this PR**", "", "| head | verdict | release | when |",
           "| --- | --- | --- | --- |"]
    for run in reversed(runs):
        mark = "✅ PASS" if run.verdict == "PASS" else "❌ **FAIL**"
        release = f"v{run.release}" if run.release is not None else "–"
        out.append(f"| [`{run.head[:7]}`]({links.commit(run.head)}) | {mark} | {release} | "
                   f"{run.at.strftime('%Y-%m-%d %H:%M UTC')} |")
    return out


def _unclipped(description: str) -> str:
    """The status description beside its state, unless GitHub's limit cut it (the top
    sentence has it whole then)."""
    return "" if description.endswith("…") else f" ({description})"


def render(evaluation: Evaluation, evidence: SmokeEvidence, status: GateStatus, *,
           links: Links, previous: str | None = None, max_findings: int = MAX_FINDINGS) -> str:
    """The checklist comment for a flagged PR (needs-smoke or blocked)."""
    head = evaluation.head
    blocked = evaluation.verdict is Verdict.BLOCKED
    runs = history(parse_state(previous) if previous else None, evidence)
    out = _header(CommentState(head=head, pass_head=evidence.pass_head,
                               config_change=evidence.config_change, history=runs))
    out += [
        f"### {title(evaluation, evidence)}",
        "",
        lead(evaluation, evidence, links),
        "",
        f"Head [`{head[:7]}`]({links.commit(head)}) · status `release-gate`: "
        f"**{status.state.value}**{_unclipped(status.description)}",
        "",
        "**What matched**",
        "",
    ]
    # Blocking findings first: they decide, and no PASS lifts them.
    ordered = sorted(evaluation.findings, key=lambda f: f.outcome is not Outcome.BLOCKED)
    shown = ordered[:max_findings]
    out.extend(_finding_line(f, links, head) for f in shown)
    if len(evaluation.findings) > len(shown):
        out.append(f"- … and {len(evaluation.findings) - len(shown)} more (see the job summary "
                   "or `release-gate check`)")
    if evaluation.checklist:
        ticked_by_hand = _hand_ticked(previous)
        out += ["", "**Checklist**", ""]
        items = [raw.replace("<PR>", str(links.pr_number)) for raw in evaluation.checklist]
        if blocked:  # the fixes first; the smoke and what follows it wait for them
            items.sort(key=_after_smoke)
        for item in items:
            # Evidence, never a hand tick, decides the smoke items.
            smoke = is_smoke_item(item)
            done = evidence.passed if smoke else item in ticked_by_hand
            waits = (" _(waits for the fix above)_" if blocked and _after_smoke(item)
                     and not done else "")
            out.append(f"- [{'x' if done else ' '}] {item}{waits}")
    out += ["", f"**Smoke** (`{SMOKE_CONTEXT}`)", ""]
    out += smoke_lines(evidence, links, blocked=blocked)
    out += history_table(runs, links)
    if evaluation.notes:
        out += [""]
        out.extend(f"<sub>{note}</sub><br>" for note in evaluation.notes)
    return "\n".join(out) + "\n"


def render_cleared(evaluation: Evaluation, *, links: Links) -> str:
    """What the comment becomes when a later push leaves nothing flagged."""
    head = evaluation.head
    return "\n".join([
        *_header(CommentState(head=head)),
        CLEARED_TITLE,
        "",
        f"As of [`{head[:7]}`]({links.commit(head)}) this PR changes nothing release-sensitive; "
        "the earlier checklist no longer applies.",
    ]) + "\n"
