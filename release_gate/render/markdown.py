"""`--format markdown`: a report to paste into a PR or a job summary."""

from __future__ import annotations

import re

from release_gate.core.verdict import Evaluation, Outcome, Verdict

_BADGE = {
    Verdict.CLEAR: "✅ **clear**: no release-sensitive changes",
    Verdict.NEEDS_SMOKE: "🟡 **needs-smoke**: production must run this head, then the prod "
                         "signup smoke must PASS on it",
    Verdict.BLOCKED: "⛔ **blocked**: this change cannot merge as it is; no smoke PASS lifts a "
                     "block",
}
_ICON = {Outcome.BLOCKED: "⛔", Outcome.NEEDS_SMOKE: "🟡"}
# A hyphen a browser does not break at: narrow table columns otherwise wrap `needs-` / `smoke`.
NO_BREAK_HYPHEN = "\u2011"
# `gh workflow run smoke.yml -f pr=<PR>`: `check` knows no PR number (`pr` fills it in).
_PR_COMMAND = re.compile(r"`([^`]*?)\bpr=<PR>([^`]*)`")


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def unbroken(text: str) -> str:
    """A short word (an outcome, a rule id) that a narrow column must not wrap mid-word."""
    return text.replace("-", NO_BREAK_HYPHEN)


def without_pr_placeholder(item: str) -> str:
    def spelled(match: re.Match[str]) -> str:
        rest = match.group(2).strip()
        return (f"`{match.group(1)}pr=` followed by the PR's number"
                + (f" and `{rest}`" if rest else ""))

    return _PR_COMMAND.sub(spelled, item).replace("<PR>", "the PR's number")


def render(evaluation: Evaluation, *, rules_doc: str | None = "docs/rules.md") -> str:
    out = [
        "### release-gate",
        "",
        _BADGE[evaluation.verdict],
        "",
        f"Base `{evaluation.base[:12]}` → head `{evaluation.head[:12]}`",
    ]
    out.extend(f"> {note}" for note in evaluation.notes)
    if evaluation.findings:
        out += ["", "| outcome | where | rule | why |", "| --- | --- | --- | --- |"]
        ordered = sorted(evaluation.findings, key=lambda f: f.outcome is not Outcome.BLOCKED)
        for f in ordered:
            where = f"`{f.path}:{f.line}`" if f.line is not None else f"`{f.path}`"
            rule = unbroken(f.rule)
            linked = f"[{rule}]({rules_doc}#{f.rule})" if rules_doc else rule
            out.append(f"| {_ICON[f.outcome]}&nbsp;{unbroken(f.outcome.value)} | "
                       f"{escape_cell(where)} | {linked} | {escape_cell(f.message)} |")
    if evaluation.checklist:
        out += ["", "**Checklist**", ""]
        out.extend(f"- [ ] {without_pr_placeholder(item)}" for item in evaluation.checklist)
    return "\n".join(out) + "\n"
