"""`--format text`: for a person at a terminal."""

from __future__ import annotations

from release_gate.core.verdict import Evaluation, Verdict

_HEADLINE = {
    Verdict.CLEAR: "CLEAR: no release-sensitive changes",
    Verdict.NEEDS_SMOKE: "NEEDS SMOKE: run the prod signup smoke on this head before merging",
    Verdict.BLOCKED: "BLOCKED: this change cannot merge as it is",
}


def render(evaluation: Evaluation) -> str:
    lines = [
        f"release-gate: {_HEADLINE[evaluation.verdict]}",
        f"  base {evaluation.base[:12]}  head {evaluation.head[:12]}",
    ]
    lines.extend(f"  note: {note}" for note in evaluation.notes)
    if evaluation.findings:
        lines.append("")
        lines.append("Findings:")
        for f in evaluation.findings:
            where = f"{f.path}:{f.line}" if f.line is not None else f.path
            lines.append(f"  [{f.outcome.value}] {where} ({f.rule})")
            lines.append(f"      {f.message}")
    if evaluation.checklist:
        lines.append("")
        lines.append("Checklist:")
        lines.extend(f"  [ ] {item}" for item in evaluation.checklist)
    return "\n".join(lines) + "\n"
