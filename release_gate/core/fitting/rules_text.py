"""The fitted rules.yaml, as text: every rule says in a comment what was found and where.

The rules are the shipped policy's (release_gate/data/rules.yaml, docs/rules.md) with this
repository's paths; a rule with nothing to watch is left out and the file says why, so the gate
never carries a rule that cannot fire (core/reach.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from release_gate.core.fitting.survey import (
    CANONICAL_TABLES,
    CANONICAL_VARIABLES,
    Found,
    Survey,
)

# Files the gate depends on (docs/install.md): editing one is flagged (gate-self-protection).
GATE_FILES = ("rules.yaml", ".github/workflows/**", ".github/dependabot.yml",
              ".github/actions/release-gate/**", "action.yml")
NOT_CONFIG = ["rules.yaml", "docs/**", "*.png", "*.jpg", "*.jpeg", "*.gif", "*.webp", "*.ico",
              "*.woff", "*.woff2", "*.ttf", "*.otf", "*.pdf", "*.zip", "*.gz"]
MAX_LISTED = 6  # places named in one comment; the rest are counted


@dataclass(frozen=True)
class TeamValues:
    heroku_app: str | None
    protected_emails: tuple[str, ...]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _where(found: Sequence[Found]) -> list[str]:
    lines = [f"#   {f.path}: {f.why}" for f in found[:MAX_LISTED]]
    if len(found) > MAX_LISTED:
        lines.append(f"#   ... and {len(found) - MAX_LISTED} more")
    return lines


def _smoke_items() -> list[str]:
    return [
        "Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f pr=<PR>`) "
        "and get `release-gate/smoke` = PASS",
        "Smoke transcript shows `SMOKE VERDICT: PASS` with DB cred_count >= 1 (a 200 without "
        "a row is the boolean-cast bug class)",
        "Teardown reported its deleted rows (runbook: Prod-write safety)",
    ]


def render(survey: Survey, team: TeamValues) -> str:
    out = [
        "# release-gate policy, fitted to this repository by `release-gate init` (docs/init.md).",
        "# Source: the Signup E2E Smoke Runbook (\"When to run\") and the RCA of the 2026-05-25 "
        "SEV-1;",
        "# every rule is described in docs/rules.md. Review each comment: it says what init "
        "found and",
        "# where. `release-gate validate --repo .` reports a rule that matches no file.",
        "# The gate judges a PR with this file as it is on the BASE branch.",
        "version: 1",
        "",
        "settings:",
        "  keep_pass_when_unflagged: false",
        "  smoke_workflow: smoke.yml",
        "",
        "x-checklists:",
        "  smoke: &smoke",
        *[f"    - {_q(item)}" for item in _smoke_items()],
        "",
        "rules:",
    ]
    omitted: list[str] = []

    def path_rule(rule_id: str, description: str, found: Sequence[Found], what: str) -> None:
        if not found:
            omitted.append(f"{rule_id}: no {what} found")
            return
        out.extend([f"  # {what}, found by init:", *(f"  {line}" for line in _where(found)),
                    f"  - id: {rule_id}", "    kind: path", f"    description: {_q(description)}",
                    "    outcome: needs-smoke", f"    paths: {_list([f.path for f in found])}",
                    "    checklist: *smoke", ""])

    path_rule("auth-routes", "Auth routes changed", survey.route_files,
              "route files of the signup flow (begin/verify, register, login, passkey)")
    path_rule("webauthn-service", "WebAuthn service changed", survey.webauthn_services,
              "WebAuthn service modules")
    path_rule("bootstrap-token-service", "Bootstrap token service changed",
              survey.token_services, "bootstrap-token (signed link) modules")
    _migrations(out, survey, omitted)
    _config(out, survey)
    _process_model(out, survey, omitted)
    _ast_rules(out, survey)
    out.extend([
        "  # The gate protecting itself: its policy, workflows and action (docs/install.md).",
        "  - id: gate-self-protection",
        "    kind: path",
        "    description: The release gate's own policy, workflows or action changed",
        "    outcome: needs-smoke",
        "    paths:",
        *[f"      - {_q(p)}" for p in GATE_FILES],
        "    checklist:",
        "      - \"An owner of the release gate reviewed this change to the gate itself (it was "
        "judged by the base branch's rules, not these)\"",
        "",
    ])
    if omitted:
        out.extend(["# Not written: init found nothing for these rules in this repository "
                    "(add them by hand", "# from release_gate/data/rules.yaml when you add the "
                    "files):", *(f"#   {line}" for line in omitted), ""])
    out.extend(_smoke(team))
    return "\n".join(out) + "\n"


def _migrations(out: list[str], survey: Survey, omitted: list[str]) -> None:
    paths = [f"{d}/**" for d in survey.migration_dirs] + [f.path for f in survey.schema_files]
    if not paths:
        omitted.append("auth-migrations: no migration directory or schema file found")
        return
    tables = sorted({*CANONICAL_TABLES, *survey.auth_tables})
    alternatives = "|".join(re.escape(t).replace(r"\*", r"\w+") if t.endswith("*")
                            else re.escape(t) for t in tables)
    out.append("  # Runbook: a migration that touches the auth tables. Found by init:")
    out.extend(f"  #   {d}/: migration directory" for d in survey.migration_dirs)
    out.extend(f"  {line}" for line in _where(survey.schema_files))
    found = ", ".join(survey.auth_tables) or "none beyond the runbook's"
    pattern = r"\b(?:" + alternatives + r")\b"
    out.extend([f"  #   auth tables created or altered there: {found}",
                "  - id: auth-migrations", "    kind: content",
                "    description: Migration touches an auth table", "    outcome: needs-smoke",
                f"    paths: {_list(paths)}",
                f"    patterns: [{_q(pattern)}]",
                "    checklist: *smoke", ""])


def _config(out: list[str], survey: Survey) -> None:
    names = sorted({*CANONICAL_VARIABLES, *survey.variables})
    out.append("  # Runbook: a config change to the signing key, RP id, origin or Redis URL, "
               "wherever the name")
    out.append("  # appears. Found by init:")
    for name, files in list(survey.variables.items())[:12]:
        listed = ", ".join(files[:3]) + (f" (+{len(files) - 3})" if len(files) > 3 else "")
        out.append(f"  #   {name}: {listed}")
    if not survey.variables:
        out.append("  #   no such variable named in a config file yet: the runbook's names")
    pattern = r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b"
    out.extend([
        "  - id: sensitive-config", "    kind: content",
        "    description: Signup-sensitive config changed (signing key, RP id, origin or Redis)",
        "    outcome: needs-smoke", f"    patterns: [{_q(pattern)}]",
        f"    exclude: {_list(NOT_CONFIG)}",
        "    checklist:",
        f"      - {_q(_config_item(names))}",
        "      - \"Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f "
        "pr=<PR>`) and get `release-gate/smoke` = PASS\"",
        ""])


def _config_item(names: Sequence[str]) -> str:
    # `<APP>`: smoke.heroku_app, filled in when the checklist is made (core/engine.py).
    grep = "|".join(names)
    return (f"Heroku config of the target app matches the change (`heroku config --app <APP> | "
            f"grep -E '{grep}'`)")


def _process_model(out: list[str], survey: Survey, omitted: list[str]) -> None:
    shared = [
        "      - \"Shared state lives in Redis or Postgres, never in module-level containers: "
        "with gunicorn --preload each process has its own copy (RCA 2026-05-25, factor 1)\"",
        "      - \"Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f "
        "pr=<PR>`) and get `release-gate/smoke` = PASS\"",
    ]
    if survey.process_files:
        out.extend(["  # RCA 2026-05-25 factor 1: the process model. Found by init:",
                    *(f"  #   {p}" for p in survey.process_files),
                    "  - id: process-model-files", "    kind: path",
                    "    description: Process model changed (Procfile, gunicorn, app.json, "
                    "heroku.yml)", "    outcome: needs-smoke",
                    f"    paths: {_list(list(survey.process_files))}",
                    "    checklist:", *shared, ""])
    else:
        omitted.append("process-model-files: no Procfile, gunicorn config, app.json or "
                       "heroku.yml found")
    out.extend(["  # Worker count or --preload changed, in any file.",
                "  - id: process-model-flags", "    kind: content",
                "    description: Worker count or --preload changed", "    outcome: needs-smoke",
                "    patterns: ['--preload\\b', '--workers\\b', '\\bWEB_CONCURRENCY\\b', "
                "'\\bpreload_app\\b', '^\\s*workers\\s*=']",
                f"    exclude: {_list(NOT_CONFIG)}", "    checklist:", *shared, ""])


def _ast_rules(out: list[str], survey: Survey) -> None:
    roots = list(survey.package_roots) or ["**"]
    py_scope = [r if r.endswith(".py") else f"{r}/*.py" for r in roots]
    out.append("  # RCA 2026-05-25 factor 2: begin and verify ship in one PR. The server code "
               "found by init:")
    out.append(f"  #   {', '.join(roots)} ({survey.python_files} Python files, tests left out)")
    if survey.begin_routes:
        out.extend(f"  #   begin route: {b}" for b in survey.begin_routes[:MAX_LISTED])
    else:
        out.append("  #   no begin route yet: the rule stops the first one that ships alone")
    out.extend([
        "  - id: begin-verify-pairing", "    kind: route-pairing",
        "    description: A begin route would ship without its verify twin",
        "    outcome: blocked", f"    scope: {_list(py_scope)}", "    checklist:",
        "      - \"Every `.../begin[-x]` route ships in the same PR as its `.../verify[-x]` twin "
        "(RCA 2026-05-25, factor 2; action item 4)\"", "",
        "  # RCA 2026-05-25 factor 1: module-level state that request code mutates, in the "
        "same server code.",
        "  - id: process-local-state", "    kind: process-local-state",
        "    description: Module-level mutable state that request code mutates",
        "    outcome: blocked", f"    scope: {_list(roots)}", "    checklist:",
        "      - \"Shared state lives in Redis or Postgres, never in module-level containers: "
        "with gunicorn --preload each process has its own copy (RCA 2026-05-25, factor 1; "
        "action item 3)\"",
        "      - \"An intended per-process container carries `# release-gate: "
        "allow-process-local-state <reason>` on its definition line, and a reviewer agreed "
        "with the reason\"", ""])


def _smoke(team: TeamValues) -> list[str]:
    lines = ["# The signup E2E smoke (docs/smoke.md; another backend's routes and bodies: "
             "docs/configure-smoke.md).", "smoke:",
             "  # Runbook, Prod-write safety: the operator's account is never used or deleted."]
    if team.protected_emails:
        lines.append(f"  protected_emails: {_list(list(team.protected_emails))}")
    else:
        lines.append("  protected_emails: []  # add the operator's own email "
                     "(init --protected-email)")
    if team.heroku_app:
        lines.extend(["  # Production, for a smoke PASS to count (docs/github.md, \"What a PASS "
                      "proves\").", f"  heroku_app: {_q(team.heroku_app)}",
                      "  production:", "    commit_from: heroku", "    head: equal"])
    else:
        lines.append("  # heroku_app: your-production-app  (init --heroku-app; a PASS counts "
                     "only for production)")
    return lines
