"""What `release-gate doctor` reads of a repository's set-up (core/setup_check.py judges it).

PyGithub where it has the call (the repository, contents, environments and their secrets);
PyGithub's requester, with the same retries, for the two endpoints it lacks (the rules that apply
to a branch, an environment's deployment branch policies). Secret values are never read: the
API does not return them, and only names are kept.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from github import GithubException

from release_gate.core.setup_check import WORKFLOWS, Environment, Facts
from release_gate.github.client import GitHub, api_errors

FILES = ("rules.yaml", *(f".github/workflows/{name}" for name in WORKFLOWS),
         ".github/dependabot.yml")
ENVIRONMENTS = ("production", "config-watch")


def read_facts(api: GitHub) -> Facts:
    repo = api.pygithub_repo()
    with api_errors("reading the repository"):
        branch = str(repo.default_branch)
    files = {}
    for path in FILES:
        data = api.read(path, branch)
        files[path] = data.decode("utf-8", "replace") if data is not None else None
    full = api.repository
    with api_errors(f"reading the rules that apply to {branch}"):
        rules = api.request_json(f"/repos/{full}/rules/branches/{quote(branch, safe='')}")
    return Facts(repository=full, default_branch=branch, files=files,
                 branch_rules=[r for r in rules or [] if isinstance(r, dict)],
                 environments={name: _environment(api, repo, name) for name in ENVIRONMENTS})


def _environment(api: GitHub, repo: Any, name: str) -> Environment | None:
    with api_errors(f"reading the environment {name}"):
        try:
            env = repo.get_environment(name)
            rules = env.protection_rules or []
        except GithubException as error:
            if error.status == 404:
                return None
            raise
        reviewers = tuple(
            str(getattr(r.reviewer, "login", None) or getattr(r.reviewer, "slug", "?"))
            for rule in rules if rule.type == "required_reviewers"
            for r in rule.reviewers or [])
        policy = env.deployment_branch_policy
        policies: tuple[str, ...] = ()
        if policy is not None and policy.custom_branch_policies:
            data = api.request_json(f"/repos/{api.repository}/environments/"
                                    f"{quote(name, safe='')}/deployment-branch-policies")
            policies = tuple(str(p.get("name")) for p in data.get("branch_policies", [])
                             if isinstance(p, dict))
        secrets = tuple(secret.name for secret in env.get_secrets())
    return Environment(reviewers=reviewers, any_branch=policy is None,
                       protected_branches=bool(policy is not None and policy.protected_branches),
                       branch_policies=policies, secret_names=secrets)
