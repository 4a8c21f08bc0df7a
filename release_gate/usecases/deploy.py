"""`release-gate deploy --pr N`: build the PR head on production, wait until it serves, smoke
it, and on a FAIL put production back (docs/heroku.md, "Deploy, smoke, roll back").

1. fences, before anything is created on Heroku (core/deploy.py): the head comes from this
   repository, it is still the head that was dispatched, and the gate (re-judged now, nothing
   posted) says `needs-smoke`; the target is production as rules.yaml names it;
2. read production's current release (the one a rollback returns to), then
   `POST /apps/{app}/builds` with the head's tarball link from GitHub's API (a private
   repository's link carries a short-lived token: never printed) and `version` = the head;
   the build log streams into the job log;
3. wait for the build, its release (release phase included), then every web dyno on it;
4. run the smoke exactly as `smoke --pr N` does (usecases/smoke_gate.py);
5. on a FAIL, a failed build or release, a timeout or a cancellation after the build started:
   roll back to the release read in 2, but only while production's current release is the one
   this run made (another release meanwhile: production is left alone, and that is said); on a
   PASS, `smoke.deploy.after_pass: restore` also goes back (the PASS still counts).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from release_gate.core import deploy as rules
from release_gate.core.deploy import ReleaseRef
from release_gate.core.deployment import SHORT, Deployment
from release_gate.core.evidence import SMOKE_CONTEXT
from release_gate.core.production import Production
from release_gate.core.smoke_config.heroku_settings import WaitSettings
from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.core.target import Target
from release_gate.core.verdict import StatusState, clip_description
from release_gate.errors import SmokeRefused
from release_gate.heroku import formation
from release_gate.heroku.api import HerokuApi, Release
from release_gate.heroku.builds import BuildLog, wait_for_build, wait_for_release
from release_gate.smoke.signals import SignalGuard, SmokeInterrupted
from release_gate.usecases.ports import DeployApi
from release_gate.usecases.pr_gate import refresh_gate
from release_gate.usecases.smoke_gate import RunSmoke, SmokeOutcome, smoke_for_pr

EXIT_PASS, EXIT_FAIL = 0, 1


def _ref(release: Release) -> ReleaseRef:
    return ReleaseRef(release.version, release.id or "", release.description,
                      release.user_email)


@dataclass
class DeployRecord:
    """What the deploy did, for the transcript, the report and the job summary."""

    app: str
    head: str
    before: str = ""
    build: str = ""  # build id
    build_status: str = ""
    release: str = ""  # v47
    dynos: str = ""
    log_excerpt: list[str] = field(default_factory=list)
    outcome: str = ""  # one line: what production runs now and why
    rollback: str = ""  # "rolled back to v46" | "not rolled back: ..." | ""

    def to_dict(self) -> dict[str, Any]:
        return {"app": self.app, "head": self.head, "before": self.before, "build": self.build,
                "build_status": self.build_status, "release": self.release,
                "dynos": self.dynos, "log_excerpt": list(self.log_excerpt),
                "outcome": self.outcome, "rollback": self.rollback}


@dataclass
class _Run:
    number: int
    head: str
    app: str
    api: DeployApi
    heroku: HerokuApi
    settings: SmokeSettings
    guard: SignalGuard
    out: TextIO
    record: DeployRecord
    before: ReleaseRef
    ours: ReleaseRef | None = None
    started: bool = False
    passed: bool = False
    undone: bool = False  # production was put back (or the decision not to was made) once

    def say(self, text: str) -> None:
        print(f"[deploy] {text}", file=self.out, flush=True)


def check_fences(api: DeployApi, *, number: int, dispatched: str | None, target: Target,
                 production: Production, judge: Callable[[], Any] | None = None) -> str:
    """Everything that must hold before Heroku is asked for anything. Returns the head."""
    pull = api.pull(number)
    head = pull.head_sha
    problem = (rules.fork_problem(head_repo=pull.head_repo, repository=api.repository,
                                  number=number)
               or rules.moved_problem(dispatched=dispatched, now=head))
    not_production = production.not_production(target)
    if problem is None and not_production is not None:
        problem = (f"deploy builds on production only, as rules.yaml names it: "
                   f"{not_production}")
    if problem is None:
        judged = judge() if judge is not None else refresh_gate(
            api, number=number, pull=pull, dry_run=True, out=io.StringIO())
        problem = rules.verdict_problem(judged.evaluation.verdict, head)
        if problem is None and judged.pull.head_sha != head:
            problem = rules.moved_problem(dispatched=head, now=judged.pull.head_sha)
    if problem is not None:
        raise SmokeRefused(problem)
    return head


def deploy_for_pr(*, number: int, dispatched: str | None, api: DeployApi,
                  connect: Callable[[], HerokuApi], target: Target, production: Production,
                  settings: SmokeSettings,
                  run: RunSmoke, read: Callable[[], Deployment], guard: SignalGuard,
                  report: Path | None = None, out: TextIO | None = None) -> int:
    """The whole flow; exit 0 PASS, 1 FAIL (production restored where it may be), 2 refused.

    `connect` makes the Heroku client, only once the fences have passed: a refused deploy
    sends Heroku nothing at all."""
    out = out or sys.stdout
    head = check_fences(api, number=number, dispatched=dispatched, target=target,
                        production=production)
    heroku = connect()
    try:
        return _deploy(number=number, head=head, api=api, heroku=heroku, target=target,
                       production=production, settings=settings, run=run, read=read,
                       guard=guard, report=report, out=out)
    finally:
        heroku.close()


def _deploy(*, number: int, head: str, api: DeployApi, heroku: HerokuApi, target: Target,
            production: Production, settings: SmokeSettings, run: RunSmoke,
            read: Callable[[], Deployment], guard: SignalGuard, report: Path | None,
            out: TextIO) -> int:
    app = target.app
    now = heroku.current(app)
    if now.pending is not None:  # someone's release phase is running: one deploy at a time
        raise SmokeRefused(f"release v{now.pending.version} of {app} is still pending (its "
                           f"release phase runs): wait for it, then dispatch again")
    before = now.release
    record = DeployRecord(app=app, head=head,
                          before=f"v{before.version} @ {(before.commit or '?')[:SHORT]}")
    state = _Run(number, head, app, api, heroku, settings, guard, out, record, _ref(before))
    state.say(f"production {app} runs {record.before}; building PR #{number} head "
              f"{head[:SHORT]} there")
    try:
        failure = _build_and_release(state)
        if failure is not None:
            return _failed_before_smoke(state, failure, report)
        code = smoke_for_pr(number=number, api=api, target=target, production=production,
                            run=run, read=read, out=out,
                            on_result=lambda result: _after_smoke(state, result))
    except BaseException as error:
        if state.started and not state.passed:
            try:
                _undo(state, interrupted=isinstance(error, (SmokeInterrupted,
                                                            KeyboardInterrupt)))
            except Exception as undo_error:  # say it, and keep the first error
                state.say(f"the rollback failed too: {_short(undo_error)}; check production")
                state.record.rollback = f"not rolled back: the rollback failed ({undo_error})"
            _post(state, StatusState.ERROR, clip_description(
                f"Deploy did not complete: {_short(error)}", keep_end=_suffix(state)))
        _write_report(report, state.record)
        raise
    if state.passed and settings.deploy.after_pass == rules.RESTORE:
        state.say(f"smoke.deploy.after_pass: restore: putting {app} back on "
                  f"{state.before.label} (the PASS still counts)")
        _undo(state, interrupted=False)
    elif state.passed:
        record.outcome = (f"production stays on {record.release} (the PR head; "
                          "smoke.deploy.after_pass: keep)")
        state.say(record.outcome)
    _write_report(report, record)
    return code


def _build_and_release(state: _Run) -> str | None:
    """Build, release, dynos. None when the head serves; else what failed (one line)."""
    deploy = state.settings.deploy
    url = state.api.tarball_url(state.head)  # carries a token for a private repo: not printed
    # Unarmed: a signal now is acted on after the answer, so the build's id is always known.
    build = state.heroku.create_build(state.app, url=url, version=state.head)
    state.started = True
    state.record.build = build.id
    state.say(f"build {build.id} started; its log follows")
    with state.guard.armed():
        log = None
        if build.output_stream_url:
            log = BuildLog(build.output_stream_url, verify=state.heroku.verify,
                           sink=lambda line: print(f"[build] {line}", file=state.out,
                                                   flush=True))
        try:
            if log is not None:  # the stream ends with the build: then one read says how
                log.finish(timeout_s=deploy.build_timeout)
            build = wait_for_build(state.heroku, state.app, build,
                                   timeout_s=deploy.build_timeout)
        finally:
            if log is not None:
                log.finish(timeout_s=0)
                state.record.log_excerpt = list(log.tail)
        state.record.build_status = build.status
        if build.status != "succeeded" or build.release_id is None:
            return f"the build of {state.head[:SHORT]} {build.status} on Heroku"
        state.ours = _ref(state.heroku.release(state.app, build.release_id))
        release = wait_for_release(state.heroku, state.app, build.release_id,
                                   timeout_s=deploy.release_timeout)
        state.ours = _ref(release)
        state.record.release = f"v{release.version}"
        if release.status != "succeeded":
            return f"release v{release.version} {release.status} (its release phase)"
        state.say(f"release v{release.version} is current; waiting for the web dynos")
        web = _web_on(state, release.version)
        state.record.dynos = web.summary
        if not web.ready:
            return (f"the web dynos are not all up on v{release.version} after "
                    f"{deploy.dynos_timeout:g} s ({web.laggards})")
        state.say(f"{web.summary}, every one up")
    return None


def _web_on(state: _Run, version: int) -> formation.WebFormation:
    """Every web dyno up on `version` (heroku/formation.py, as `heroku ps:wait`), bounded by
    `smoke.deploy.dynos_timeout`, polled as often as the smoke's own wait."""
    waits = WaitSettings(dynos=state.settings.deploy.dynos_timeout,
                         release=state.settings.deploy.release_timeout,
                         interval=state.settings.heroku.wait.interval)
    return formation.web_on_release(state.heroku, state.app, version, waits)


def _after_smoke(state: _Run, result: SmokeOutcome) -> str:
    """Called by smoke_for_pr before it posts: a FAIL rolls back, and says so."""
    if result.passed:
        state.passed = True
        return ""
    interrupted = bool(getattr(result, "interrupted", None)) or bool(state.guard.deferred)
    _undo(state, interrupted=interrupted)
    return _suffix(state)


def _failed_before_smoke(state: _Run, failure: str, report: Path | None) -> int:
    state.say(f"FAIL before the smoke: {failure}")
    _undo(state, interrupted=False)
    _post(state, StatusState.FAILURE, clip_description(
        f"FAIL on {state.app}: {failure} (no smoke ran)", keep_end=_suffix(state)))
    refresh_gate(state.api, number=state.number, out=state.out)
    _write_report(report, state.record)
    return EXIT_FAIL


def _undo(state: _Run, *, interrupted: bool) -> None:
    """Roll back to the release read at the start, only over the release this run made."""
    if state.undone:
        return
    state.undone = True
    if state.record.build and not state.record.build_status:
        # Heroku offers no way to cancel a build: it will release when it finishes.
        note = (f"build {state.record.build} was still running when the deploy stopped: if it "
                f"succeeds Heroku releases it; then roll back by hand to {state.before.label}")
        state.say(note)
        state.record.rollback, state.record.outcome = f"not rolled back: {note}", note
        return
    current = _ref(state.heroku.current_release(state.app))
    plan = rules.plan_rollback(before=state.before, ours=state.ours, current=current)
    if plan.action != "rollback":
        state.say(plan.reason)
        state.record.rollback = "" if plan.action == "none" else f"not rolled back: {plan.reason}"
        state.record.outcome = plan.reason
        return
    assert plan.to is not None
    done = state.heroku.rollback(state.app, plan.to.id)
    state.say(f"rolled back: v{done.version} 'Rollback to {plan.to.label}' created")
    state.record.rollback = f"rolled back to {plan.to.label}"
    state.record.outcome = f"production back on {plan.to.label}'s code and config (v{done.version})"
    if interrupted:  # the runner kills the job seconds after its signal: do not wait
        state.say("interrupted: not waiting for the web dynos on the rollback")
        return
    web = _web_on(state, done.version)
    if web.ready:
        state.say(f"{web.summary}, every one up")
    else:
        state.say(f"the rollback release v{done.version} exists, but not every web dyno is up "
                  f"on it yet ({web.laggards})")


def _suffix(state: _Run) -> str:
    text = state.record.rollback
    if not text:
        return ""
    if "rollback failed" in text:
        return "; rollback FAILED: check production"
    if "still running" in text:
        return "; NOT rolled back: the build was still running (check production)"
    if text.startswith("not rolled back"):
        return "; NOT rolled back: another release happened meanwhile"
    return f"; {text}"


def _post(state: _Run, status: StatusState, description: str) -> None:
    run_url = state.api.env.run_url
    if not run_url:
        state.say(f"not running in GitHub Actions: {SMOKE_CONTEXT} not posted ({description})")
        return
    state.api.post_status(state.head, state=status, description=description,
                          context=SMOKE_CONTEXT, target_url=run_url)
    print(f"release-gate: posted {SMOKE_CONTEXT} = {status} on {state.head[:12]}: "
          f"{description}", file=state.out)


def _write_report(path: Path | None, record: DeployRecord) -> None:
    """Add the deploy to the smoke's JSON report (or write one with the deploy alone)."""
    if path is None:
        return
    data: dict[str, Any] = {}
    try:
        loaded = json.loads(path.read_text("utf-8"))
        data = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        data = {}
    data["deploy"] = record.to_dict()
    path.write_text(json.dumps(data, indent=2), "utf-8")


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:120] or type(error).__name__


def deploy_env_problem(env: Mapping[str, str]) -> str | None:
    """Deploy needs the same credentials as the smoke against production (docs/install.md)."""
    missing = [name for name in ("GITHUB_TOKEN", "HEROKU_API_KEY") if not env.get(name)]
    return f"{', '.join(missing)} not set: deploy needs both" if missing else None
