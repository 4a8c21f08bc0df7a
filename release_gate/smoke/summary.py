"""The smoke's GitHub Actions job summary, rendered from its JSON report (smoke/report.py).

smoke.yml runs `python -m release_gate.smoke.summary REPORT >> "$GITHUB_STEP_SUMMARY"` with
`if: always()`, so a failed, refused or cancelled run also says what happened. The report was
written through the masker; nothing here adds a secret.

A PASS and a FAIL must look different at a glance: the heading carries ✅ or ❌, the failing
step's row is marked and bold, and a Mermaid gantt (GitHub renders Mermaid in job summaries)
draws the steps with their durations, the failing one in red.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from release_gate.core.target import TargetKind

NO_REPORT = ("### Signup smoke: no report\n\nThe smoke wrote no report: it was refused before it "
             "started (see the step log for the fence that held) or the job was killed.\n")

# Commands and names a reader copies: shown in code format, so `--app` never wraps.
_COMMAND = re.compile(r"\b((?:heroku|release-gate|gh) [^;()`,]*[^;()`,\s.])")
_NAME = re.compile(r"(?<![\w./-])([A-Z][A-Z0-9]*_[A-Z0-9_]+|smoke\.[a-z_]+(?:\.[a-z_]+)*)\b")
# A local database file: its directory is a throwaway temporary path, its name is enough.
_SQLITE_PATH = re.compile(r"sqlite:///+(?:[^\s)]*/)?([^/\s)]+)")


def code_format(text: str) -> str:
    """Put commands and variable / setting names outside code spans into code spans."""
    parts = text.split("`")
    for index in range(0, len(parts), 2):  # even parts are outside code spans
        plain = _COMMAND.sub(r"`\1`", parts[index])
        pieces = plain.split("`")
        for inner in range(0, len(pieces), 2):
            pieces[inner] = _NAME.sub(r"`\1`", pieces[inner])
        parts[index] = "`".join(pieces)
    return "`".join(parts)


def _cell(text: object) -> str:
    return _SQLITE_PATH.sub(r"sqlite:///…/\1", str(text)).replace("|", "\\|").replace("\n", " ")


def _target(report: Mapping[str, Any]) -> str:
    kind, url = report.get("target"), report.get("api_url")
    if kind == TargetKind.SANDBOX:
        return "the local sandbox"
    if kind == TargetKind.PROD:
        return f"production (`{url}`)"
    return f"`{url}`"


def _step_name(step: Mapping[str, Any]) -> str:
    name, title = str(step.get("step")), str(step.get("title") or "")
    label = {"health": "health", "login": "login", "replay": "replay",
             "teardown": "teardown"}.get(name, f"step {name}")
    return label if not title or title == name else f"{label}: {title}"


def _ms(value: object) -> str:
    return f"{value:.0f}" if isinstance(value, (int, float)) else "?"


def _deleted(teardown: Mapping[str, Any]) -> str:
    deleted = teardown.get("deleted") or {}
    if not isinstance(deleted, Mapping) or not deleted:
        return "nothing"
    return ", ".join(f"{n} {label} row{'' if n == 1 else 's'}" for label, n in deleted.items())


def gantt(steps: Sequence[Mapping[str, Any]]) -> list[str]:
    """The steps one after another, as long as they took; the failing one marked `crit`."""
    lines = ["```mermaid", "gantt", "    title Steps (ms)", "    dateFormat x",
             "    axisFormat %S.%L s"]
    start = 0
    for index, step in enumerate(steps):
        ms = step.get("ms")
        length = max(1, round(ms)) if isinstance(ms, (int, float)) else 1
        tag = "done" if step.get("ok") else "crit"
        name = re.sub(r"[:#;]", " ", _step_name(step).split(":")[0])
        lines.append(f"    {name} {_ms(ms)} ms :{tag}, s{index}, {start}, {start + length}")
        start += length
    lines.append("```")
    return lines


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
    passed = verdict == "PASS"
    ids = report.get("ids") or {}
    steps = [s for s in report.get("steps") or [] if isinstance(s, Mapping)]
    mark = "✅" if passed else "❌"
    lines = [f"### {mark} Signup smoke: {'PASS' if passed else '**' + verdict + '**'} on "
             f"{_target(report)}", "",
             f"API `{report.get('api_url')}` · email `{report.get('email')}` · "
             f"started {report.get('started_at')} · {_ms(report.get('wall_ms'))} ms", "",
             "| step | status | HTTP | ms | detail |", "| --- | --- | --- | --- | --- |"]
    for step in steps:
        ok = bool(step.get("ok"))
        status = "✅&nbsp;ok" if ok else "❌&nbsp;**FAIL**"
        name = _cell(_step_name(step))
        http = step.get("http_status")
        cells = [name if ok else f"**{name}**", status, str(http) if http else "",
                 _ms(step.get("ms")), _cell(step.get("detail", ""))]
        lines.append("| " + " | ".join(cells) + " |")
    if steps:
        lines += ["", *gantt(steps)]
    failure = report.get("failure")
    if isinstance(failure, Mapping):
        diagnosis = failure.get("diagnosis") or {}
        http = failure.get("http_status")
        at = f" (HTTP {http})" if http else ""
        lines += ["", f"**❌ Failed at step {failure.get('step')}{at}:** "
                      f"{code_format(_cell(failure.get('message')))}", "",
                  f"- diagnosis: `{diagnosis.get('id')}` ({diagnosis.get('source')})",
                  f"- likely cause: {code_format(str(diagnosis.get('likely_cause')))}",
                  f"- next step: {code_format(str(diagnosis.get('next_step')))}"]
        log_lines = [str(line) for line in failure.get("log_lines") or []]
        if log_lines:
            lines += ["", "<details><summary>The target's log</summary>", "", "```text",
                      *(line.replace("```", "'''") for line in log_lines), "```", "",
                      "</details>"]
    teardown = report.get("teardown") or {}
    if teardown.get("ran"):
        state = "ok" if teardown.get("ok") else "**FAILED**"
        tear = f"Teardown {state}: deleted {_deleted(teardown)}."
    else:
        tear = f"Teardown did not run ({teardown.get('message') or 'nothing written'})."
    facts = [f"user_id {ids.get('user_id')}" if ids.get("user_id") is not None else "",
             f"cred_count {ids.get('cred_count')}" if ids.get("cred_count") is not None else ""]
    shown = ", ".join(f for f in facts if f)
    lines += ["", tear + (f" {shown[0].upper()}{shown[1:]}." if shown else "")]
    if report.get("interrupted"):
        lines.append(f"Interrupted by {report.get('interrupted')}.")
    if report.get("rerun"):
        lines += ["", f"Run it again: `{report.get('rerun')}`"]
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
