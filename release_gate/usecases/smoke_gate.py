"""`release-gate smoke --pr N`: bind a smoke result to the PR head and to production.

The smoke and the gate are composed here, below the CLI (docs/design.md §4, §6). A PASS vouches
for "this head, deployed to production, works" (docs/github.md, "What a PASS proves"):

1. read the PR head BEFORE the smoke (and fail before touching the target if GitHub is down:
   a result we cannot bind is not worth a prod write);
2. hold the target against production as rules.yaml names it (`smoke.prod_url`,
   `smoke.heroku_app`): anything else (the sandbox, another URL, another app) may run, but it is
   a rehearsal that reports under `release-gate/smoke-rehearsal` and never posts a PASS;
3. for production: read which commit it runs before any request to it, and refuse (exit 2)
   unless it is the PR head (or contains it, `smoke.production.head: contains`);
4. mark `release-gate/smoke` pending on the head, run the smoke, which reads the deployment
   again after its steps;
5. read the PR head again; post PASS only if neither the head nor production's release moved,
   with the facts in the description (`PASS on raxx-api-prod v47 @ def5678`, which evidence.py
   parses back), else say why with `error`;
6. refresh the `release-gate` status and the checklist comment ourselves: statuses posted with
   GITHUB_TOKEN trigger no workflow, so nothing else would.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TextIO

from release_gate.core.deployment import Deployment, head_problem, pass_description
from release_gate.core.evidence import REHEARSAL_CONTEXT, SMOKE_CONTEXT
from release_gate.core.production import Production
from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.core.target import Target, TargetKind
from release_gate.core.verdict import StatusState, clip_description
from release_gate.errors import SmokeRefused
from release_gate.github.client import GitHubEnv, Transport
from release_gate.github.gate import GitHubGate
from release_gate.smoke import fences
from release_gate.smoke.session import DeploymentGuard
from release_gate.usecases.ports import SmokeGateApi
from release_gate.usecases.pr_gate import refresh_gate

EXIT_PASS = 0
EXIT_FAIL = 1


class _Failure(Protocol):
    @property
    def step(self) -> str: ...

    @property
    def title(self) -> str: ...


class _Deployed(Protocol):
    @property
    def before(self) -> Deployment: ...

    @property
    def changed(self) -> str | None: ...


class SmokeOutcome(Protocol):
    """What `release_gate.smoke` returns (smoke/result.py SmokeResult); only this is read."""

    @property
    def passed(self) -> bool: ...

    @property
    def target(self) -> str: ...

    @property
    def failure(self) -> _Failure | None: ...

    @property
    def deployment(self) -> _Deployed | None: ...


RunSmoke = Callable[[DeploymentGuard | None], SmokeOutcome]


def identify(target: str | None, settings: SmokeSettings, env: Mapping[str, str]) -> Target:
    """The target `smoke --target` and the environment choose (fences.py), before any request."""
    return fences.resolve_target(target, settings, env)


@dataclass(frozen=True)
class HeadGuard:
    """Production must run the PR head (deployment.py); read through `read`."""

    app: str
    head: str
    mode: str
    read: Callable[[], Deployment]
    contains: Callable[[str, str], bool]

    def before(self) -> Deployment:
        deployed = self.read()
        problem = head_problem(deployed, self.head, mode=self.mode, contains=self.contains)
        if problem is not None:
            raise SmokeRefused(problem)
        return deployed

    def after(self) -> Deployment:
        return self.read()


def describe(result: SmokeOutcome, where: str) -> str:
    if result.passed:
        return f"PASS on {where}"
    failure = result.failure
    if failure is None:
        return f"FAIL on {where}"
    return f"FAIL on {where} at step {failure.step}: {failure.title}"


def smoke_for_pr(*, number: int, api: SmokeGateApi, target: Target, production: Production,
                 run: RunSmoke, read: Callable[[], Deployment] | None = None,
                 out: TextIO | None = None,
                 on_result: Callable[[SmokeOutcome], str] | None = None) -> int:
    """Run the smoke for PR #number and post its result on the head it tested. Exit code.

    `on_result`: called with the result before it is posted (`release-gate deploy` rolls back
    on a FAIL there); what it returns is added to a FAIL's description (`; rolled back to v46`).
    """
    out = out or sys.stdout
    pull = api.pull(number)
    tested = pull.head_sha
    print(f"release-gate: smoke for PR #{number} at head {tested[:12]}", file=out)
    why_not = production.not_production(target)
    if why_not is not None:
        return _rehearsal(number=number, api=api, label=target.label(production.app),
                          asked_prod=target.kind is TargetKind.PROD, why_not=why_not, run=run,
                          tested=tested, out=out)
    if read is None:
        raise SmokeRefused("no way to read which commit production runs "
                           "(smoke.production.commit_from)")
    guard = HeadGuard(app=target.app, head=tested, mode=production.settings.head,
                      read=read, contains=api.contains)
    run_url = api.env.run_url
    if run_url:
        api.post_status(tested, state=StatusState.PENDING, description="Smoke running",
                        context=SMOKE_CONTEXT, target_url=run_url)
    try:
        result = run(guard)
    except BaseException as error:
        if run_url:  # never leave our `pending` behind: the smoke did not complete
            text = str(error) if isinstance(error, SmokeRefused) else (
                f"Smoke did not complete: {error}")
            api.post_status(tested, state=StatusState.ERROR, description=text,
                            context=SMOKE_CONTEXT, target_url=run_url)
        raise
    suffix = on_result(result) if on_result is not None else ""
    now = api.pull(number)
    code = EXIT_PASS if result.passed else EXIT_FAIL
    deployed = result.deployment
    problem = _not_counted(result, moved_to=now.head_sha if now.head_sha != tested else None)
    where = (f"{deployed.before.where} {deployed.before.label}" if deployed is not None
             else production.name)
    if not run_url:
        # A PASS counts only with a link to its run (evidence.py): outside Actions, say so.
        print("release-gate: not running in GitHub Actions (GITHUB_RUN_ID unset): "
              f"{SMOKE_CONTEXT} not posted", file=out)
        code = EXIT_FAIL
    elif problem is not None:
        print(f"release-gate: PASS NOT posted: {problem}; re-run the smoke", file=out)
        api.post_status(tested, state=StatusState.ERROR,
                        description=f"PASS not counted: {problem}",
                        context=SMOKE_CONTEXT, target_url=run_url)
        code = EXIT_FAIL
    else:
        state = StatusState.SUCCESS if result.passed else StatusState.FAILURE
        if result.passed:
            assert deployed is not None
            description = pass_description(deployed.before, tested)
        else:
            description = clip_description(describe(result, where), keep_end=suffix)
        api.post_status(tested, state=state, description=description,
                        context=SMOKE_CONTEXT, target_url=run_url)
        print(f"release-gate: posted {SMOKE_CONTEXT} = {state} on {tested[:12]}: {description}",
              file=out)
    refresh_gate(api, number=number, pull=now, out=out)
    return code


def _not_counted(result: SmokeOutcome, *, moved_to: str | None) -> str | None:
    """Why a PASS must not be posted (None: post it). A FAIL is always posted."""
    if not result.passed:
        return None
    if moved_to is not None:
        return f"head moved to {moved_to[:7]} during the smoke"
    deployed = result.deployment
    if deployed is None:
        return "production's deployment was not checked"
    return deployed.changed


def _rehearsal(*, number: int, api: SmokeGateApi, label: str, asked_prod: bool, why_not: str,
               run: RunSmoke, tested: str, out: TextIO) -> int:
    """A smoke against anything but production: it runs and reports, and never counts."""
    print(f"release-gate: not production: {why_not}. A rehearsal: its result goes to "
          f"{REHEARSAL_CONTEXT}, never to {SMOKE_CONTEXT}", file=out)
    result = run(None)
    run_url = api.env.run_url
    if run_url:
        state = StatusState.SUCCESS if result.passed else StatusState.FAILURE
        description = f"{describe(result, label)} (rehearsal: only production counts)"
        api.post_status(tested, state=state, description=description,
                        context=REHEARSAL_CONTEXT, target_url=run_url)
        print(f"release-gate: posted {REHEARSAL_CONTEXT} = {state} on {tested[:12]}", file=out)
    refresh_gate(api, number=number, out=out)
    # Asked for prod and got something else (RAXX_SMOKE_API_URL / HEROKU_APP point elsewhere):
    # the job must not look green.
    passed_as_asked = result.passed and not asked_prod
    return EXIT_PASS if passed_as_asked else EXIT_FAIL


def run_cli(number: int, run: RunSmoke, *, target: Target, production: Production,
            settings: SmokeSettings, env: Mapping[str, str]) -> int:
    """`smoke --pr N` from commands/smoke.py: GitHub settings from the Actions environment."""
    from release_gate.smoke.deployed import reader

    api = GitHubGate(GitHubEnv.from_environ(
        env, needs=f"smoke --pr {number} needs a token to post release-gate/smoke on the PR "
                   "head (run without --pr to only smoke)",
        repo_hint="set GITHUB_REPOSITORY=OWNER/NAME"), Transport.from_environ(env))
    read = None
    if production.not_production(target) is None:
        read = reader(production, env, timeout_s=settings.timeouts.http,
                      wait=settings.heroku.wait)
    try:
        return smoke_for_pr(number=number, api=api, target=target, production=production,
                            run=run, read=read)
    finally:
        api.close()
