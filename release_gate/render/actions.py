"""What a GitHub Actions job shows: step summary, annotations, outputs. Pure text.

Workflow commands: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
(`::error file=F,line=L,title=T::message`; data escapes %, CR, LF; properties also `:` and `,`).
"""

from __future__ import annotations

from collections.abc import Mapping

from release_gate.core import reach
from release_gate.core.evidence import SmokeEvidence
from release_gate.core.verdict import Evaluation, GateStatus, Verdict
from release_gate.render.comment import Links, render


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(evaluation: Evaluation, *, rules_doc: str | None = None) -> list[str]:
    """One `::error` per finding, on its file and line when it has one; the message ends with
    the rule's documentation (docs/rules.md#<rule-id>) when its URL is known."""
    lines = []
    for finding in evaluation.findings:
        props = [f"file={_escape_property(finding.path)}"]
        if finding.line is not None:
            props.append(f"line={finding.line}")
        title = f"release-gate {finding.outcome.value}: {finding.rule}"
        props.append(f"title={_escape_property(title)}")
        message = finding.message
        if rules_doc:
            message += f" (rule {finding.rule}: {rules_doc}#{finding.rule})"
        lines.append(f"::error {','.join(props)}::{_escape_data(message)}")
    for rule_id in evaluation.unreachable:  # core/reach.py: no silent CLEAR
        title = _escape_property(f"release-gate: rule {rule_id} cannot fire")
        lines.append(f"::warning title={title}::{_escape_data(reach.message(rule_id))}")
    return lines


def outputs(evaluation: Evaluation) -> dict[str, str]:
    return {"verdict": evaluation.verdict.value, "head_sha": evaluation.head}


def format_outputs(values: Mapping[str, str]) -> str:
    """GITHUB_OUTPUT lines (values here never hold a newline: a verdict and a sha)."""
    return "".join(f"{key}={value}\n" for key, value in values.items())


def summary(evaluation: Evaluation, evidence: SmokeEvidence, status: GateStatus, *,
            links: Links) -> str:
    """GITHUB_STEP_SUMMARY markdown: the same view as the comment, or one line when clear."""
    if evaluation.verdict is Verdict.CLEAR:
        lines = [
            "### ✅ release-gate: clear",
            "",
            f"Head `{evaluation.head[:7]}` · status `release-gate`: **{status.state.value}** "
            f"({status.description})",
        ]
        lines.extend(f"\n<sub>{note}</sub>" for note in evaluation.notes)
        return "\n".join(lines) + "\n"
    # The job summary may be long (1 MiB): every finding, not the comment's first ones.
    body = render(evaluation, evidence, status, links=links,
                  max_findings=len(evaluation.findings))
    # Drop the hidden comment markers: they mean nothing in a job summary.
    visible = [line for line in body.splitlines() if not line.startswith("<!-- release-gate:")]
    return "\n".join(visible) + "\n"

