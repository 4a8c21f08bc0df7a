"""`release-gate smoke` and `release-gate smoke cleanup` (docs/design.md §3, §5).

Exit 0 PASS, 1 FAIL, 2 refused (fences, usage). The work is in release_gate.smoke.session.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_gate.smoke import local as session_types
    from release_gate.smoke.signals import SignalGuard

# Imports inside functions are deferred on purpose: `--help` and a bad command line answer
# without loading the smoke (httpx, cryptography), and `--target sandbox` boots the sandbox
# before paying for them (bench/smoke_local.py).

EXIT_PASS = 0
EXIT_FAIL = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default=None, metavar="sandbox|prod|URL",
                        help="sandbox (started locally, no credentials), prod "
                             "(RAXX_SMOKE_API_URL or smoke.prod_url) or an http(s) URL; "
                             "default prod. Anything but sandbox needs RAXX_SMOKE_ALLOW_PROD=1")
    parser.add_argument("--email", help="smoke account email (default RAXX_SMOKE_EMAIL, else "
                                        "smoke-test+<unix-ts>@moosequest.net)")
    parser.add_argument("--report", type=Path, metavar="FILE",
                        help="write the run as JSON (verdict, steps with timings, ids, failure)")
    _rules_option(parser)
    parser.add_argument("--server-log", type=Path, metavar="FILE",
                        help="the target's log file; on failure the diagnosis reads the RCA's "
                             "challenge-store lines from it")
    parser.add_argument("--sandbox-fault", metavar="NAME", choices=fault_names(),
                        help="with --target sandbox: start it with this fault switch, one of: "
                             + ", ".join(fault_names()))
    # --- GitHub binding (release_gate/usecases/smoke_gate.py) ---
    parser.add_argument("--pr", type=int, metavar="N",
                        help="post release-gate/smoke on PR N's head (GITHUB_TOKEN, "
                             "GITHUB_REPOSITORY) and refresh the release-gate status; against "
                             "production only when it runs that head (refused otherwise, exit "
                             "2); any other target reports to release-gate/smoke-rehearsal")
    sub = parser.add_subparsers(dest="smoke_command", metavar="{cleanup}")
    cleanup = sub.add_parser("cleanup", help="delete orphaned rows of a smoke email",
                             description="Delete the rows a smoke run left behind (replaces the "
                                         "runbook's hand-typed snippet). Needs "
                                         "RAXX_SMOKE_ALLOW_PROD=1; refuses protected emails.")
    cleanup.add_argument("--email", required=True, dest="cleanup_email", metavar="EMAIL",
                         help="the smoke email whose rows to delete")
    _rules_option(cleanup)


def fault_names() -> list[str]:
    # The CLI composes smoke and sandbox; the names are pure data (no sandbox code runs here).
    from release_gate.sandbox.faults import FAULTS

    return [str(name) for name in FAULTS]


def _sandbox_installed() -> None:
    """The sandbox runs in a child process: without its extra it would die there with a
    traceback. Found missing here, cli.py says it in one line naming the [sandbox] extra."""
    import importlib.util

    from release_gate.commands import SANDBOX_MODULES

    for name in SANDBOX_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="FILE",
                        help="rules file with the smoke: section (default ./rules.yaml if "
                             "present, else the embedded default)")


def run(args: argparse.Namespace) -> int:
    import os

    from release_gate.core.target import TargetKind
    from release_gate.errors import SmokeRefused
    from release_gate.smoke import session
    from release_gate.smoke.signals import SignalGuard

    env = dict(os.environ)
    sandbox = None
    fault = env.get("SANDBOX_FAULT")
    if args.target == TargetKind.SANDBOX and fault and fault.strip() not in fault_names():
        raise SmokeRefused(f"SANDBOX_FAULT: unknown sandbox fault {fault!r}; allowed values: "
                           f"[{', '.join(fault_names())}]")
    # The guard goes in before anything is started: from here a SIGINT/SIGTERM is recorded and
    # acted on at a safe point, so it can never leave the sandbox or its directory behind.
    if args.target == TargetKind.SANDBOX and args.smoke_command != "cleanup":
        _sandbox_installed()
    guard = SignalGuard()
    with guard.installed():
        try:
            if args.target == TargetKind.SANDBOX and args.smoke_command != "cleanup":
                # Boot the local sandbox first: its ~1 s start then overlaps loading rules.yaml
                # and the smoke's imports instead of following them (bench/smoke_local.py). No
                # request is sent before the fences have passed.
                sandbox = session.start_sandbox(env, args.sandbox_fault)
            return _run(args, env, sandbox, guard)
        finally:
            if sandbox is not None:
                sandbox.stop()  # already stopped by a run that got that far; covers refusals


def _run(args: argparse.Namespace, env: dict[str, str],
         sandbox: session_types.LocalSandbox | None, guard: SignalGuard) -> int:
    from release_gate.core import config
    from release_gate.core.smoke_config.settings import parse
    from release_gate.smoke import session

    rules = args.rules or ("rules.yaml" if Path("rules.yaml").is_file() else None)
    # A file with only a `smoke:` section is enough here (docs/configure-smoke.md).
    loaded = config.load_file(rules, smoke_only=True) if rules else config.load_default()
    settings = parse(loaded.smoke)
    if args.smoke_command == "cleanup":
        session.cleanup(args.cleanup_email, settings, env=env, stream=sys.stdout)
        return EXIT_PASS
    request = session.SmokeRequest(target=args.target, email=args.email, report=args.report,
                                   server_log=args.server_log, sandbox_fault=args.sandbox_fault)
    if args.pr is not None:  # bind the result to the PR head and production (smoke_gate.py)
        from release_gate.usecases import smoke_gate
        target = smoke_gate.identify(args.target, settings, env)
        return smoke_gate.run_cli(args.pr, lambda deploy: session.smoke(
            request, settings, env=env, stream=sys.stdout, sandbox=sandbox, guard=guard,
            deploy=deploy), target=target, production=loaded.production,
            settings=settings, env=env)
    result = session.smoke(request, settings, env=env, stream=sys.stdout, sandbox=sandbox,
                           guard=guard)
    return EXIT_PASS if result.passed else EXIT_FAIL
