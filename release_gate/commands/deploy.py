"""`release-gate deploy --pr N`: build the PR head on production, smoke it, roll back on a FAIL.

Exit 0 PASS, 1 FAIL (or the deploy failed; production rolled back where it may be), 2 refused
(a fence: fork, not needs-smoke, moved head, RAXX_SMOKE_ALLOW_PROD). The work is in
release_gate/usecases/deploy.py; docs/heroku.md, "Deploy, smoke, roll back".
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", type=int, required=True, metavar="N",
                        help="the PR whose head is built on production (same repository only; "
                             "the gate must judge it needs-smoke)")
    parser.add_argument("--head", metavar="SHA",
                        help="the head that was dispatched: refused if the PR moved since")
    parser.add_argument("--email", help="smoke account email (default RAXX_SMOKE_EMAIL, else "
                                        "smoke-test+<unix-ts>@ the configured domain)")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="write the smoke's JSON report, with the deploy in it")
    parser.add_argument("--rules", metavar="FILE",
                        help="rules file with the smoke: section (default ./rules.yaml if "
                             "present, else the embedded default)")


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from release_gate.core import config
    from release_gate.core.smoke_config.settings import parse
    from release_gate.github.client import GitHubEnv, Transport
    from release_gate.github.gate import GitHubGate
    from release_gate.heroku.api import HerokuApi
    from release_gate.smoke import fences, session
    from release_gate.smoke.deployed import reader
    from release_gate.smoke.signals import SignalGuard
    from release_gate.usecases import deploy, smoke_gate

    env = dict(os.environ)
    # Installed first: a SIGINT/SIGTERM from here on is acted on at a safe point (rollback).
    guard = SignalGuard()
    with guard.installed():
        rules = args.rules or ("rules.yaml" if Path("rules.yaml").is_file() else None)
        loaded = config.load_file(rules, smoke_only=True) if rules else config.load_default()
        settings = parse(loaded.smoke)
        resolved = fences.resolve_target("prod", settings, env)
        fences.check_allowed(resolved, settings, env)  # RAXX_SMOKE_ALLOW_PROD=1, as the smoke
        target = smoke_gate.identify("prod", settings, env)
        api = GitHubGate(GitHubEnv.from_environ(env), Transport.from_environ(env))
        request = session.SmokeRequest(target="prod", email=args.email, report=args.report)
        try:
            return deploy.deploy_for_pr(
                number=args.pr, dispatched=args.head or None, api=api,
                connect=lambda: HerokuApi.from_env(env), target=target,
                production=loaded.production, settings=settings,
                run=lambda check: session.smoke(request, settings, env=env, stream=sys.stdout,
                                                guard=guard, deploy=check),
                read=reader(loaded.production, env, timeout_s=settings.timeouts.http),
                guard=guard, report=args.report)
        finally:
            api.close()
