"""`release-gate smoke --pr N`: bind a smoke result to the PR head it was run for.

The smoke and the gate are composed here, below the CLI (docs/design.md §4, §6):

1. read the PR head BEFORE the smoke (and fail before touching the target if GitHub is down:
   a result we cannot bind is not worth a prod write);
2. mark `release-gate/smoke` pending on that head, run the smoke;
3. read the head again: if a push landed meanwhile, the smoke did not test what is now the PR,
   so a PASS is NOT posted (a FAIL still is, on the head it was run for) and we say why;
4. post `release-gate/smoke` = success/failure with this run's URL (evidence.py checks that
   URL back through the API);
5. refresh the `release-gate` status and the checklist comment ourselves: statuses posted with
   GITHUB_TOKEN trigger no workflow, so nothing else would.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

from release_gate.evidence import SMOKE_CONTEXT
from release_gate.github.client import GitHub, GitHubEnv, Transport
from release_gate.pr_gate import refresh_gate
from release_gate.verdict import StatusState

EXIT_PASS = 0
EXIT_FAIL = 1


class _Failure(Protocol):
    @property
    def step(self) -> str: ...

    @property
    def title(self) -> str: ...


class SmokeOutcome(Protocol):
    """What `release_gate.smoke` returns (smoke/result.py SmokeResult); only this is read."""

    @property
    def passed(self) -> bool: ...

    @property
    def target(self) -> str: ...

    @property
    def failure(self) -> _Failure | None: ...


def describe(result: SmokeOutcome) -> str:
    if result.passed:
        return f"PASS on {result.target}"
    failure = result.failure
    if failure is None:
        return f"FAIL on {result.target}"
    return f"FAIL on {result.target} at step {failure.step}: {failure.title}"


def smoke_for_pr(*, number: int, api: GitHub, run: Callable[[], SmokeOutcome],
                 out: TextIO | None = None) -> int:
    """Run the smoke for PR #number and post its result on the head it tested. Exit code."""
    out = out or sys.stdout


    run_url = api.env.run_url
    pull = api.pull(number)
    tested = pull.head_sha
    if run_url:
        api.post_status(tested, state=StatusState.PENDING, description="Smoke running",
                        context=SMOKE_CONTEXT, target_url=run_url)
    print(f"release-gate: smoke for PR #{number} at head {tested[:12]}", file=out)
    try:
        result = run()
    except BaseException as error:
        if run_url:  # never leave our `pending` behind: the smoke did not complete
            api.post_status(tested, state=StatusState.ERROR,
                            description=f"Smoke did not complete: {error}",
                            context=SMOKE_CONTEXT, target_url=run_url)
        raise
    now = api.pull(number)
    moved = now.head_sha != tested
    code = EXIT_PASS if result.passed else EXIT_FAIL
    if not run_url:
        # A PASS counts only with a link to its run (evidence.py): outside Actions, say so.
        print("release-gate: not running in GitHub Actions (GITHUB_RUN_ID unset): "
              f"{SMOKE_CONTEXT} not posted", file=out)
        code = EXIT_FAIL
    elif result.passed and moved:
        print(f"release-gate: the PR head moved from {tested[:12]} to {now.head_sha[:12]} during "
              f"the smoke: PASS NOT posted (it tested {tested[:7]}, not the PR as it is now); "
              "re-run the smoke", file=out)
        api.post_status(tested, state=StatusState.ERROR,
                        description=f"PASS not counted: head moved to {now.head_sha[:7]} "
                                    "during the smoke",
                        context=SMOKE_CONTEXT, target_url=run_url)
        code = EXIT_FAIL
    else:
        state = StatusState.SUCCESS if result.passed else StatusState.FAILURE
        api.post_status(tested, state=state, description=describe(result),
                        context=SMOKE_CONTEXT, target_url=run_url)
        print(f"release-gate: posted {SMOKE_CONTEXT} = {state} on {tested[:12]}", file=out)
    refresh_gate(api, number=number, pull=now, out=out)
    return code


def run_cli(number: int, run: Callable[[], SmokeOutcome], *, env: Mapping[str, str]) -> int:
    """`smoke --pr N` from commands/smoke.py: GitHub settings from the Actions environment."""
    api = GitHub(GitHubEnv.from_environ(env), Transport.from_environ(env))
    try:
        return smoke_for_pr(number=number, api=api, run=run)
    finally:
        api.close()
