"""`release-gate doctor`: check a live repository's set-up through the GitHub API (docs/doctor.md).

Exit 0 every item ok, 3 something is missing or wrong (each printed with its fix), 1 the API
failed, 2 bad input (no token, no repository).
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_TO_FIX = 3


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME",
                        help="repository (default: $GITHUB_REPOSITORY)")


def run(args: argparse.Namespace) -> int:
    from release_gate.core.setup_check import State, check, render
    from release_gate.github.client import GitHub, GitHubEnv, Transport
    from release_gate.github.setup_reads import read_facts

    env = GitHubEnv.from_environ(
        os.environ, repository=args.repo,
        needs="doctor needs a token that can read the repository's settings (rulesets, "
              "environments, secret names: an admin's, e.g. `GITHUB_TOKEN=$(gh auth token)`)",
        repo_hint="pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    api = GitHub(env, Transport.from_environ(os.environ))
    try:
        items = check(read_facts(api))
    finally:
        api.close()
    sys.stdout.write(render(items))
    return 0 if all(item.state is State.OK for item in items) else EXIT_TO_FIX
