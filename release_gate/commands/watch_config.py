"""`release-gate watch-config [--app APP]`: is a smoke due after a production config change?

Exit 0 nothing due, 3 a smoke is due, 1 the Heroku or GitHub API failed, 2 bad command line or
rules.yaml. The work is in release_gate/usecases/config_watch.py (docs/cli.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", metavar="APP",
                        help="Heroku app (default HEROKU_APP, else smoke.heroku_app)")
    parser.add_argument("--rules", metavar="FILE",
                        help="rules file naming production and the sensitive config vars "
                             "(default ./rules.yaml if present, else the embedded default)")
    parser.add_argument("--since-release", type=int, metavar="N",
                        help="count changes after release vN instead of after the last counted "
                             "smoke PASS found through GitHub")
    parser.add_argument("--no-github", action="store_true",
                        help="report only: do not read or write GitHub (needs --since-release)")


def run(args: argparse.Namespace) -> int:
    from release_gate.core import config
    from release_gate.core.config_drift import LastPass
    from release_gate.core.smoke_config.settings import parse
    from release_gate.errors import ConfigError, HerokuError
    from release_gate.github.client import GitHubEnv, Transport
    from release_gate.github.gate import GitHubGate
    from release_gate.heroku.api import HerokuApi, check_app_name
    from release_gate.usecases import config_watch

    env = dict(os.environ)
    rules = args.rules or ("rules.yaml" if Path("rules.yaml").is_file() else None)
    loaded = config.load_file(rules) if rules else config.load_default()
    settings = parse(loaded.smoke)
    try:  # a malformed app name is bad input (exit 2), not a Heroku failure
        app = check_app_name(args.app or env.get(settings.env.heroku_app)
                             or loaded.production.app)
    except HerokuError as error:
        raise ConfigError(str(error)) from None
    use_github = not args.no_github
    if not use_github and args.since_release is None:
        raise ConfigError("--no-github needs --since-release N: without GitHub there is no "
                          "last counted smoke PASS to count from")
    api = None
    if use_github:
        api = GitHubGate(GitHubEnv.from_environ(
            env, needs="watch-config needs a token to find the last counted smoke PASS and "
                       "re-open the gate (or report only: --no-github --since-release N)",
            repo_hint="set GITHUB_REPOSITORY=OWNER/NAME (or report only: --no-github "
                      "--since-release N)"), Transport.from_environ(env))
    try:
        heroku = HerokuApi.from_env(env)
        releases = heroku.releases(app)
        found = None
        if args.since_release is not None:
            found = config_watch.FoundPass(LastPass(args.since_release, None),
                                           f"--since-release {args.since_release}")
        elif api is not None:
            found = config_watch.last_counted_pass(
                api, production=loaded.production,
                workflow_file=loaded.settings.smoke_workflow)
        facts = config_watch.heroku_rollback_facts(
            account_email=heroku.account_email, releases=releases,
            config_of=lambda version: heroku.release_config_vars(app, version))
        return config_watch.watch(app=app, releases=releases,
                                  production=loaded.production, last=found, api=api,
                                  rollback_facts=facts)
    finally:
        if api is not None:
            api.close()
