"""The smoke's GitHub Actions job summary, rendered from its JSON report (smoke/report.py).

smoke.yml runs `python -m release_gate.smoke.summary REPORT >> "$GITHUB_STEP_SUMMARY"` with
`if: always()`, so a failed, refused or cancelled run also says what happened. The report was
written through the masker; nothing here adds a secret.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

NO_REPORT = ("### Signup smoke: no report\n\nThe smoke wrote no report: it was refused before it "
             "started (see the step log for the fence that held) or the job was killed.\n")


def render_deploy(deploy: Mapping[str, Any]) -> list[str]:
    """`release-gate deploy`: what was built, what production runs now, the build log's end."""
    lines = [f"### Deploy of {str(deploy.get('head', '?'))[:7]} on {deploy.get('app')}", "",
             f"- before: {deploy.get('before')}; build {deploy.get('build') or '-'} "
             f"{deploy.get('build_status') or ''}; release {deploy.get('release') or '-'}; "
             f"{deploy.get('dynos') or 'dynos not checked'}"]
    if deploy.get("rollback"):
        lines.append(f"- **{deploy.get('rollback')}**")
    if deploy.get("outcome"):
        lines.append(f"- now: {deploy.get('outcome')}")
    excerpt = [str(line).replace("`", "'") for line in deploy.get("log_excerpt") or []]
    if excerpt:
        lines += ["", "<details><summary>build log (last lines)</summary>", "", "```text",
                  *excerpt, "```", "</details>"]
    return [*lines, ""]


def render(report: Mapping[str, Any]) -> str:
    deploy = report.get("deploy")
    head = render_deploy(deploy) if isinstance(deploy, Mapping) else []
    if head and not report.get("steps"):  # the deploy failed before the smoke
        return "\n".join(head) + "\nNo smoke ran.\n"
    return "\n".join(head) + ("\n" if head else "") + _render_smoke(report)


def _render_smoke(report: Mapping[str, Any]) -> str:
    verdict = str(report.get("verdict", "?")).upper()
    ids = report.get("ids") or {}
    lines = [f"### Signup smoke: {verdict} on {report.get('target')}", "",
             f"API `{report.get('api_url')}` · email `{report.get('email')}` · "
             f"started {report.get('started_at')} · {report.get('wall_ms')} ms", "",
             "| step | | ms | detail |", "| --- | --- | --- | --- |"]
    for step in report.get("steps") or []:
        mark = "ok" if step.get("ok") else "FAILED"
        cells = [f"{step.get('step')} {step.get('title')}", mark, str(step.get("ms")),
                 str(step.get("detail", ""))]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    failure = report.get("failure")
    if failure:
        diagnosis = failure.get("diagnosis") or {}
        lines += ["", f"**Failed at step {failure.get('step')}:** {failure.get('message')}",
                  f"- likely cause: {diagnosis.get('likely_cause')}",
                  f"- next step: {diagnosis.get('next_step')}"]
    teardown = report.get("teardown") or {}
    lines += ["", f"Teardown: {'ran' if teardown.get('ran') else 'did not run'}"
                  f"{', ok' if teardown.get('ok') else ', FAILED'}; deleted "
                  f"{teardown.get('deleted') or {}}. user_id {ids.get('user_id')}, "
                  f"cred_count {ids.get('cred_count')}."]
    if report.get("interrupted"):
        lines.append(f"Interrupted by {report.get('interrupted')}.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m release_gate.smoke.summary REPORT.json", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        report = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        sys.stdout.write(NO_REPORT)
        return 0
    except (OSError, ValueError) as error:
        print(f"release-gate: error: {path}: unreadable report: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
