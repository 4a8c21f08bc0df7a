"""`release-gate init`: write a rules.yaml fitted to this repository (docs/init.md).

Reads the repository (git/tree.py), lets core/fitting find what the gate must watch, writes
rules.yaml (each rule commented with what was found and where) and, with `--workflows`, the three
workflows and the Dependabot file pinned to the action's commit; then prints the GitHub settings
still to make as `gh` commands. Never overwrites a file without `--force`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_gate.git.tree import LocalTree


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", metavar="DIR",
                        help="the backend repository to fit (default: .)")
    parser.add_argument("--heroku-app", metavar="APP",
                        help="the production Heroku app (smoke.heroku_app; default: app.json's "
                             "name)")
    parser.add_argument("--protected-email", action="append", default=[], metavar="EMAIL",
                        help="the operator's email, never used or deleted by the smoke "
                             "(repeatable; default: git's user.email of the repository)")
    parser.add_argument("--workflows", action="store_true",
                        help="also write .github/workflows/{release-gate,smoke,config-watch}.yml "
                             "and .github/dependabot.yml (needs --action)")
    parser.add_argument("--action", metavar="OWNER/NAME@SHA",
                        help="the release-gate commit the workflows pin (a full commit SHA)")
    parser.add_argument("--github-repo", metavar="OWNER/NAME",
                        help="for the printed gh commands (default: from the origin remote)")
    parser.add_argument("--branch", default="main",
                        help="the default branch (default: main)")
    parser.add_argument("--reviewer", action="append", default=[], metavar="LOGIN",
                        help="a required reviewer of the production environment (repeatable)")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")


def run(args: argparse.Namespace) -> int:
    from release_gate.core import config
    from release_gate.core.fitting import rules_text, setup, survey
    from release_gate.errors import ConfigError
    from release_gate.git.tree import LocalTree

    tree = LocalTree.of(args.repo)
    pin = None
    if args.workflows:
        if not args.action:
            raise ConfigError("--workflows needs --action OWNER/NAME@SHA (the release-gate "
                              "commit the workflows install)")
        try:
            pin = setup.ActionPin.parse(args.action)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    found = survey.survey(tree.paths, tree.read)
    team = rules_text.TeamValues(
        heroku_app=args.heroku_app or _app_json_name(tree),
        protected_emails=tuple(args.protected_email) or _git_email(tree.root))
    text = rules_text.render(found, team)
    config.load_text(text, "rules.yaml (written by init)")  # never write a file check refuses
    files = {"rules.yaml": text}
    if pin is not None:
        data = resources.files("release_gate").joinpath("data", "workflows")
        for name in setup.WORKFLOWS:
            template = data.joinpath(name).read_text("utf-8")
            try:
                files[f".github/workflows/{name}"] = setup.workflow(name, template, pin)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        files[".github/dependabot.yml"] = data.joinpath("dependabot.yml").read_text("utf-8")
    root = Path(args.repo)
    existing = [name for name in files if (root / name).exists()]
    if existing and not args.force:
        raise ConfigError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}"
                          f" in {root}: init never overwrites; review them, or pass --force")
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(f"wrote {name}")
    print(f"\nNext: review rules.yaml (each rule says what init found and where), then\n"
          f"  release-gate validate --repo {args.repo}\n"
          "commit it, run these commands as an admin of the repository, then "
          "`release-gate doctor`:\n")
    settings = setup.RepoSettings(repository=args.github_repo or _origin(tree.root) or "OWNER/REPO",
                              branch=args.branch, reviewers=tuple(args.reviewer))
    sys.stdout.write(setup.gh_commands(settings))
    return 0


def _app_json_name(tree: LocalTree) -> str | None:
    import json

    data = tree.read("app.json")
    if not data:
        return None
    try:
        name = json.loads(data).get("name")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and name else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _git_email(root: Path) -> tuple[str, ...]:
    email = _git(root, "config", "user.email")
    return (email,) if email else ()


def _origin(root: Path) -> str | None:
    import re

    url = _git(root, "remote", "get-url", "origin")
    match = re.search(r"github\.com[:/]([^/]+/[^/]+?)(?:\.git)?/?$", url or "")
    return match.group(1) if match else None
