"""`release-gate doctor`: is a live repository set up as docs/install.md says? Pure.

The GitHub adapter (github/setup_reads.py) gathers the facts; this module judges each item
ok / missing / wrong and says the fix. Secret values are never read: only their names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import yaml

ACTIONS_APP_ID = 15368  # the GitHub Actions app (docs/install.md step 3)
GATE_CONTEXT = "release-gate"
WORKFLOWS = ("release-gate.yml", "smoke.yml", "config-watch.yml")
SECRET = "HEROKU_API_KEY"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_USES = re.compile(r"^\s*-?\s*uses:\s*([^\s#]+)", re.MULTILINE)
_GIT_INSTALL = re.compile(r"git\+https://[^\s\"'@]+@([^\s\"'#]+)")


class State(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"


@dataclass(frozen=True)
class Item:
    name: str
    state: State
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Environment:
    """What the environments API says (names only: never a secret's value)."""

    reviewers: tuple[str, ...]
    any_branch: bool  # no deployment branch policy: every branch may deploy
    protected_branches: bool
    branch_policies: tuple[str, ...]  # custom policies' names (branch patterns)
    secret_names: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    repository: str
    default_branch: str
    files: Mapping[str, str | None]  # path on the default branch -> text (None: absent)
    branch_rules: Sequence[Mapping[str, object]]  # GET /rules/branches/{default}
    environments: Mapping[str, Environment | None] = field(default_factory=dict)


def check(facts: Facts) -> list[Item]:
    items = [_rules_file(facts)]
    for name in WORKFLOWS:
        items.extend(_workflow(facts, name))
    items.append(_present(facts, ".github/dependabot.yml", "moves the actions' pins by "
                          "reviewed PRs (docs/install.md step 2)"))
    items.append(_ruleset(facts))
    items.extend(_environment(facts, "production", reviewers_needed=True))
    items.extend(_environment(facts, "config-watch", reviewers_needed=False))
    return items


def _init_fix(what: str) -> str:
    return f"run `release-gate init --workflows --action OWNER/release-gate@<sha>` ({what}), " \
           "review, commit to the default branch"


def _rules_file(facts: Facts) -> Item:
    if facts.files.get("rules.yaml") is None:
        return Item("rules.yaml", State.MISSING, f"no rules.yaml on {facts.default_branch}: PRs "
                    "are judged by the embedded default policy", _init_fix("writes rules.yaml"))
    return Item("rules.yaml", State.OK, f"on {facts.default_branch}")


def _present(facts: Facts, path: str, why: str) -> Item:
    if facts.files.get(path) is None:
        return Item(path, State.MISSING, why, _init_fix("writes it"))
    return Item(path, State.OK, f"on {facts.default_branch}")


def _workflow(facts: Facts, name: str) -> list[Item]:
    path = f".github/workflows/{name}"
    text = facts.files.get(path)
    if text is None:
        return [Item(path, State.MISSING, f"not on {facts.default_branch}",
                     _init_fix("writes the three workflows"))]
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [Item(path, State.WRONG, f"not valid YAML: {' '.join(str(error).split())[:120]}",
                     "fix the file (actionlint shows where)")]
    if not isinstance(spec, dict):
        return [Item(path, State.WRONG, "not a workflow (no mapping at the top)",
                     _init_fix("writes it again, with --force"))]
    items = [Item(path, State.OK, f"on {facts.default_branch}")]
    unpinned = [u for u in _USES.findall(text)
                if not u.startswith(("./", "docker://")) and not _SHA.match(u.rpartition("@")[2])]
    unpinned += [f"git+...@{ref}" for ref in _GIT_INSTALL.findall(text) if not _SHA.match(ref)]
    if unpinned:
        items.append(Item(f"{path} pins", State.WRONG,
                          "not pinned to a commit SHA: " + ", ".join(sorted(set(unpinned))),
                          "pin every action and the release-gate install to a full commit SHA "
                          "(the gate runs with a write token; docs/install.md step 2)"))
    else:
        items.append(Item(f"{path} pins", State.OK, "every action and install pinned to a "
                                                    "commit SHA"))
    if name == "config-watch.yml":
        items.append(_schedule(path, spec))
    return items


def _schedule(path: str, spec: Mapping[object, object]) -> Item:
    trigger = spec.get("on", spec.get(True))  # YAML 1.1 reads a bare `on:` as True
    schedule = trigger.get("schedule") if isinstance(trigger, dict) else None
    crons: list[str] = [str(entry["cron"]) for entry in schedule or []
                        if isinstance(entry, dict) and isinstance(entry.get("cron"), str)]
    if not crons:
        return Item(f"{path} schedule", State.MISSING, "no `schedule:` cron: a config change "
                    "on Heroku is never reported", "add `schedule: [{cron: \"17 * * * *\"}]` "
                    "(hourly, as shipped)")
    return Item(f"{path} schedule", State.OK, "cron " + ", ".join(crons))


def _ruleset(facts: Facts) -> Item:
    name = f"required check `{GATE_CONTEXT}` on {facts.default_branch}"
    fix = ("create the ruleset `release-gate init` prints (required_status_checks with "
           f"{{\"context\": \"{GATE_CONTEXT}\", \"integration_id\": {ACTIONS_APP_ID}}})")
    found: list[dict[str, object]] = []
    for rule in facts.branch_rules:
        if rule.get("type") != "required_status_checks":
            continue
        parameters = rule.get("parameters")
        checks = parameters.get("required_status_checks", []) \
            if isinstance(parameters, dict) else []
        found.extend(c for c in checks if isinstance(c, dict) and c.get("context") == GATE_CONTEXT)
    if not found:
        return Item(name, State.MISSING, "no active ruleset requires it: a PR can merge "
                    "without the gate", fix)
    if any(c.get("integration_id") == ACTIONS_APP_ID for c in found):
        return Item(name, State.OK, f"required, from the GitHub Actions app ({ACTIONS_APP_ID})")
    sources = ", ".join(str(c.get("integration_id", "any source")) for c in found)
    return Item(name, State.WRONG, f"required, but from {sources}: anyone with write access "
                "can post a `release-gate` status with their own token", fix)


def _environment(facts: Facts, name: str, *, reviewers_needed: bool) -> list[Item]:
    env = facts.environments.get(name)
    label = f"environment `{name}`"
    if env is None:
        return [Item(label, State.MISSING, "does not exist", "create it with the `gh api` "
                     "commands `release-gate init` prints (docs/install.md step 4)")]
    items = [Item(label, State.OK, "exists")]
    if reviewers_needed:
        if env.reviewers:
            items.append(Item(f"{label} reviewers", State.OK, ", ".join(env.reviewers)))
        else:
            items.append(Item(f"{label} reviewers", State.MISSING, "no required reviewer: a "
                              "prod smoke runs without anyone approving it",
                              "add required reviewers (Settings → Environments)"))
    branch = facts.default_branch
    if env.any_branch:
        items.append(Item(f"{label} branches", State.WRONG, "any branch may deploy: a workflow "
                          "edited on a branch could reach its secrets",
                          f"restrict deployments to {branch} (custom branch policy)"))
    elif env.protected_branches or set(env.branch_policies) == {branch}:
        what = "protected branches only" if env.protected_branches else f"{branch} only"
        items.append(Item(f"{label} branches", State.OK, what))
    else:
        items.append(Item(f"{label} branches", State.WRONG,
                          "deploys from " + (", ".join(env.branch_policies) or "no branch"),
                          f"allow {branch} only (deployment branch policy)"))
    if SECRET in env.secret_names:
        items.append(Item(f"{label} secret {SECRET}", State.OK, "set (value not read)"))
    else:
        items.append(Item(f"{label} secret {SECRET}", State.MISSING,
                          "not set: " + ("the smoke cannot reach Heroku" if reviewers_needed
                                         else "the config watch cannot read Heroku's releases"),
                          f"gh secret set {SECRET} --env {name} --repo {facts.repository}"))
    return items


def render(items: Sequence[Item]) -> str:
    width = max((len(i.name) for i in items), default=0)
    lines = []
    for item in items:
        lines.append(f"{item.state.value:<7} {item.name:<{width}}  {item.detail}")
        if item.fix:
            lines.append(f"{'':<7} {'':<{width}}  fix: {item.fix}")
    bad = [i for i in items if i.state is not State.OK]
    lines.append("")
    lines.append("doctor: every item ok" if not bad else
                 f"doctor: {len(bad)} item(s) to fix (docs/doctor.md)")
    return "\n".join(lines) + "\n"
