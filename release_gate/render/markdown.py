"""`--format markdown`: a report to paste into a PR or a job summary."""

from __future__ import annotations

from release_gate.core.verdict import Evaluation, Verdict

_BADGE = {
    Verdict.CLEAR: "✅ **clear**: no release-sensitive changes",
    Verdict.NEEDS_SMOKE: "🟡 **needs-smoke**: run the prod signup smoke on this head",
    Verdict.BLOCKED: "⛔ **blocked**: this change cannot merge as it is",
}


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(evaluation: Evaluation) -> str:
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
        for f in evaluation.findings:
            where = f"`{f.path}:{f.line}`" if f.line is not None else f"`{f.path}`"
            out.append(f"| {f.outcome.value} | {escape_cell(where)} | `{f.rule}` | "
                       f"{escape_cell(f.message)} |")
    if evaluation.checklist:
        out += ["", "**Checklist**", ""]
        out.extend(f"- [ ] {item}" for item in evaluation.checklist)
    return "\n".join(out) + "\n"
