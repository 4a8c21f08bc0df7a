"""What `init` writes beside rules.yaml, and the GitHub settings it cannot make: pure text.

The workflows are this repository's own (.github/workflows/, shipped as package data) with the
install pointed at the pinned release-gate, as docs/install.md step 2 describes; the settings are
docs/install.md steps 3 and 4 as `gh` commands.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

ACTIONS_APP_ID = 15368  # the GitHub Actions app: only its statuses satisfy the ruleset
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)@([0-9a-f]{40})$")
WORKFLOWS = ("release-gate.yml", "smoke.yml", "config-watch.yml")


@dataclass(frozen=True)
class ActionPin:
    """`OWNER/release-gate@<40-hex sha>`: a commit, never a branch or a tag (the gate runs with
    a write token, docs/install.md)."""

    repository: str
    sha: str

    @classmethod
    def parse(cls, text: str) -> ActionPin:
        match = _PIN.match(text.strip())
        if match is None:
            raise ValueError(f"--action {text!r}: expected OWNER/NAME@<full 40-hex commit SHA> "
                             "(pin a commit, never a branch or a tag)")
        return cls(match.group(1), match.group(2))

    @property
    def pip(self) -> str:
        return f"git+https://github.com/{self.repository}@{self.sha}"


def workflow(name: str, template: str, pin: ActionPin) -> str:
    """One workflow of this repository, installing release-gate from the pinned commit."""
    text = template
    if name == "release-gate.yml":
        text = re.sub(
            r"      - name: release-gate \(action\.yml of the base checkout above\)\n"
            r"(?:        #.*\n)*        uses: \./.*\n",
            f"      - name: release-gate (the pinned action, docs/install.md)\n"
            f"        uses: {pin.repository}@{pin.sha}\n", text)
    else:
        text = text.replace('".[${extras}]"', f'"release-gate[${{extras}}] @ {pin.pip}"')
        text = text.replace('".[smoke]"', f'"release-gate[smoke] @ {pin.pip}"')
    if f"{pin.repository}@{pin.sha}" not in text:
        raise ValueError(f"the {name} template no longer has the step init pins")
    return text


@dataclass(frozen=True)
class RepoSettings:
    """The repository settings init prints as gh commands (the ruleset, the environment)."""

    repository: str  # OWNER/NAME, or a placeholder
    branch: str
    reviewers: tuple[str, ...]


def gh_commands(settings: RepoSettings) -> str:
    """docs/install.md steps 3 and 4 as commands the user runs (an admin's token)."""
    repo = settings.repository
    ruleset = {
        "name": "release-gate", "target": "branch", "enforcement": "active",
        "conditions": {"ref_name": {"include": [f"refs/heads/{settings.branch}"],
                                    "exclude": []}},
        "rules": [{"type": "required_status_checks", "parameters": {
            "strict_required_status_checks_policy": False,
            "required_status_checks": [{"context": "release-gate",
                                        "integration_id": ACTIONS_APP_ID}]}}],
    }
    reviewers = settings.reviewers or ("<a-reviewer>",)
    ids = ", ".join(f'{{"type": "User", "id": '
                    f'$(gh api users/{shlex.quote(r)} --jq .id)}}' for r in reviewers)
    policy = {"protected_branches": False, "custom_branch_policies": True}
    lines = [
        "# 1. The required check: `release-gate`, from the GitHub Actions app only "
        "(docs/install.md step 3)",
        f"gh api --method POST repos/{repo}/rulesets --input - <<'JSON'",
        json.dumps(ruleset, indent=2),
        "JSON",
        "",
        "# 2. The production environment: reviewers, default branch only, its secret (step 4)",
        f"gh api --method PUT repos/{repo}/environments/production --input - <<JSON",
        '{"reviewers": [' + ids + '], "deployment_branch_policy": ' + json.dumps(policy) + "}",
        "JSON",
        f"gh api --method POST repos/{repo}/environments/production/deployment-branch-policies "
        f"-f name={shlex.quote(settings.branch)} -f type=branch",
        "# A secret's value is encrypted for the repository: gh does it (the raw API needs the "
        "key)",
        f"gh secret set HEROKU_API_KEY --env production --repo {repo}",
        "",
        "# 3. The config-watch environment: no reviewers (hourly), default branch only, a "
        "read-only key",
        f"gh api --method PUT repos/{repo}/environments/config-watch --input - <<'JSON'",
        '{"deployment_branch_policy": ' + json.dumps(policy) + "}",
        "JSON",
        f"gh api --method POST repos/{repo}/environments/config-watch/deployment-branch-policies "
        f"-f name={shlex.quote(settings.branch)} -f type=branch",
        "heroku authorizations:create --scope read-protected --description "
        "\"release-gate config watch\"  # then:",
        f"gh secret set HEROKU_API_KEY --env config-watch --repo {repo}",
        "",
        f"# Then check the set-up (docs/doctor.md): GITHUB_TOKEN=$(gh auth token) "
        f"release-gate doctor --repo {repo}",
    ]
    return "\n".join(lines) + "\n"
