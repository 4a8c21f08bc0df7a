"""Compose one smoke run from settings and environment: fences first, then backends, then steps.

The order is the point: every refusal (allow variable, protected email, unavailable backend)
happens before the first request. A local sandbox may already be booting meanwhile (the CLI
starts it first, to overlap its ~1 s boot): starting a process on loopback sends nothing.
`smoke()` returns the `SmokeResult`, so `smoke --pr N` can post it without re-running anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from release_gate.core.deployment import Deployment, change_problem
from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.core.target import Target, TargetKind
from release_gate.errors import GateError, SmokeRefused
from release_gate.smoke import fences
from release_gate.smoke.masking import Masker
from release_gate.smoke.result import StepId
from release_gate.smoke.signals import SignalGuard
from release_gate.smoke.transcript import Transcript

if TYPE_CHECKING:
    from release_gate.smoke.backend_types import Database, Minter
    from release_gate.smoke.local import LocalSandbox
    from release_gate.smoke.plan import ServerLog, StepHook
    from release_gate.smoke.result import DeploymentRecord, SmokeResult

# Imports inside functions are deferred on purpose: the fences refuse before the heavy parts
# (httpx, cryptography, SQL drivers) load, and a local sandbox boots while they do
# (bench/smoke_local.py measures it).

PAUSE_ENV = "RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"  # test hook: "4" or "4:30" (step:seconds)


@dataclass(frozen=True)
class SmokeRequest:
    target: str | None = None  # sandbox | prod | URL; None: prod (the runbook's target)
    email: str | None = None
    report: Path | None = None
    server_log: Path | None = None
    sandbox_fault: str | None = None


class DeploymentGuard(Protocol):
    """Production's deployment, read before the first write and after the steps (smoke --pr).

    `before()` raises SmokeRefused when production does not run the PR head (smoke_gate.py).
    """

    @property
    def app(self) -> str: ...

    def before(self) -> Deployment: ...

    def after(self) -> Deployment: ...


@dataclass(frozen=True)
class _Run:
    """What is decided before the target is touched."""

    request: SmokeRequest
    settings: SmokeSettings
    env: Mapping[str, str]
    target: Target
    email: str
    heroku_app: str
    out: Transcript
    guard: SignalGuard
    pause: tuple[StepId, float] | None
    deploy: DeploymentGuard | None = None


@dataclass(frozen=True)
class _Live:
    """The target as the steps see it, once started (sandbox) or resolved (any other)."""

    api_url: str
    minter: Minter
    database: Database
    origin: str | None = None
    rp_id: str | None = None
    log_path: Path | None = None
    note: str = ""
    hooks: tuple[StepHook, ...] = ()
    heroku_line: str | None = None
    server_log: ServerLog | None = None  # a log that is not a file (the Heroku app's stream)


def make_transcript(stream: TextIO, env: Mapping[str, str]) -> Transcript:
    def emit(command: str) -> None:  # `::add-mask::` must reach the runner unmasked
        with contextlib.suppress(OSError, ValueError):
            stream.write(command + "\n")
            stream.flush()

    return Transcript(stream, Masker.from_env(env, emit))


def smoke(request: SmokeRequest, settings: SmokeSettings, *, env: Mapping[str, str],
          stream: TextIO, signals: bool = True,
          sandbox: LocalSandbox | None = None, guard: SignalGuard | None = None,
          deploy: DeploymentGuard | None = None) -> SmokeResult:
    """Run the whole smoke. Raises SmokeRefused (exit 2) before any request when a fence holds.

    `sandbox`: a local sandbox already started for `--target sandbox` (see `start_sandbox`);
    this run waits for it, uses it and stops it. `guard`: the caller's signal guard, installed
    before it started anything (the CLI's); by default one is made here. `deploy`: production's
    deployment check (smoke --pr against production): read after the fences and before any
    request to the target, and again after the steps.
    """
    target = fences.resolve_target(request.target, settings, env)
    fences.check_allowed(target, settings, env)
    email = fences.choose_email(request.email, settings, env)
    _announce_email(env, email)
    run = _Run(request, settings, env, target, email, fences.heroku_app(settings, env),
               make_transcript(stream, env), guard or SignalGuard(enabled=signals), _pause(env),
               None if target.is_sandbox else deploy)
    # From here on SIGINT/SIGTERM are recorded, and raised only during the steps: teardown,
    # report and stopping the sandbox always finish (Actions: SIGINT, then SIGTERM).
    run.out.masker.add_url(target.api_url)
    run.out.masker.add_url(env.get(settings.database.url_env))
    with run.guard.installed():
        if target.is_sandbox:
            return _sandbox(run, sandbox)
        record = _deployed_before(run)
        from release_gate.smoke import backends, heroku_side

        assert target.api_url is not None
        if heroku_side.needed(settings):
            return _heroku(run, target.api_url, record)
        live = _Live(target.api_url, backends.build_minter(settings, heroku_app=run.heroku_app),
                     backends.build_database(settings, env=env))
        return _steps(run, live, record)


def _deployed_before(run: _Run) -> DeploymentRecord | None:
    """Which commit production runs, before anything is sent to it (refuses on a mismatch)."""
    if run.deploy is None:
        return None
    from release_gate.smoke.result import DeploymentRecord

    before = run.deploy.before()
    web = f", {before.web_label}" if before.web_label else ""
    run.out.line(f"[deploy] before: {before.where} {before.label}{web} ({before.source}): "
                 "the PR head")
    return DeploymentRecord(app=run.deploy.app, before=before)


def _deployed_after(run: _Run, record: DeploymentRecord) -> None:
    """Read it again: a release during the smoke means this run vouches for nothing."""
    assert run.deploy is not None
    try:
        after = run.deploy.after()
    except GateError as error:
        record.changed = f"production could not be read after the smoke ({error})"
    else:
        record.after = after
        record.changed = change_problem(record.before, after)
    if record.changed is None:
        web = f", {record.after.web_label}" if record.after and record.after.web_label else ""
        run.out.line(f"[deploy] after: {record.before.where} {record.before.label}, "
                     f"unchanged{web}")
    else:
        run.out.line(f"[deploy] after: {record.changed}: this run vouches for no release")


def _announce_email(env: Mapping[str, str], email: str) -> None:
    """Under Actions, the chosen email as the step output `email`, written before any request:
    smoke.yml's cleanup step for a cancelled job deletes that account's rows if the teardown
    could not finish (runbook "Prod-write safety")."""
    path = env.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"email={email}\n")


def _heroku(run: _Run, api_url: str, record: DeploymentRecord | None) -> SmokeResult:
    """The runbook's way: a Heroku app's dynos (or its database, direct) and its log."""
    from release_gate.smoke import heroku_side

    side = heroku_side.open_side(run.settings, run.env, app=run.heroku_app, out=run.out,
                                 release=record.before.release if record is not None else None)
    try:
        live = _Live(api_url, side.minter, side.database, server_log=side.server_log,
                     hooks=side.hooks, heroku_line=side.header())
        return _steps(run, live, record)
    finally:
        side.close()
        run.out.line(side.summary())


def start_sandbox(env: Mapping[str, str], fault: str | None) -> LocalSandbox:
    """Start the local sandbox now; `smoke(..., sandbox=...)` waits for it later."""
    from release_gate.smoke.local import LocalSandbox

    return LocalSandbox(env, fault=fault).start()


def _sandbox(run: _Run, started: LocalSandbox | None) -> SmokeResult:
    from release_gate.smoke.local import LocalSandbox, contract_of

    settings, fault = run.settings, run.request.sandbox_fault or run.env.get("SANDBOX_FAULT")
    if settings.origin or settings.rp_id:
        # Honour smoke.origin / smoke.rp_id: the sandbox must expect them, so the one started
        # early (with its localhost defaults, before the rules were read) is replaced.
        if started is not None:
            started.stop()
            started = None
        run.out.line(f"[sandbox] expecting smoke.origin={settings.origin or '(from rp_id)'} "
                     f"smoke.rp_id={settings.rp_id or '(the origin host)'} from the rules")
    sandbox = started or LocalSandbox(run.env, fault=run.request.sandbox_fault,
                                      origin=settings.origin, rp_id=settings.rp_id)
    run.out.masker.add(sandbox.signing_key, partial=False)
    with sandbox:
        # The sandbox boots in its own process meanwhile: the heavy imports below (httpx,
        # cryptography, the runner) overlap its start instead of adding to it.
        from release_gate.smoke import backends, runner  # noqa: F401

        live = _Live(sandbox.api_url,
                     backends.CommandMinter(settings.mint.command,
                                            timeout_s=settings.timeouts.command, env=sandbox.env),
                     backends.build_database(settings, env=run.env, url=sandbox.database_url),
                     sandbox.origin, sandbox.rp_id, sandbox.log_path,
                     f"local sandbox{', fault ' + fault if fault else ''}")
        # The rehearsal runs the team's own contract: their paths and field names.
        sandbox.follow(contract_of(settings))
        # A signal while it boots ends the wait at once; the steps then stop on entry (FAIL,
        # "interrupted") and the sandbox is stopped on the way out.
        sandbox.wait_ready(health_path=settings.endpoints.health or "/healthz",
                           timeout_s=settings.timeouts.sandbox_start,
                           interrupted=lambda: bool(run.guard.deferred))
        return _steps(run, live)


def _steps(run: _Run, live: _Live, record: DeploymentRecord | None = None) -> SmokeResult:
    from release_gate.smoke import profiles, report
    from release_gate.smoke.authenticator import SyntheticAuthenticator
    from release_gate.smoke.client import ApiClient
    from release_gate.smoke.deadline import Deadline
    from release_gate.smoke.plan import ServerLog, SmokePlan
    from release_gate.smoke.runner import run_smoke

    log = run.request.server_log or live.log_path
    timeouts, limits = run.settings.timeouts, run.settings.limits
    deadline = Deadline(timeouts.total,
                        what=f"the smoke's {timeouts.total:g} s deadline (smoke.timeouts.total)")
    with ApiClient(live.api_url, timeout_s=timeouts.http, request_s=timeouts.request,
                   body_bytes=limits.body_bytes, run_deadline=deadline) as client:
        plan = SmokePlan(settings=run.settings, target=run.target.kind, api_url=live.api_url,
                         email=run.email, heroku_app=run.heroku_app, minter=live.minter,
                         database=live.database, client=client, out=run.out,
                         origin=live.origin, rp_id=live.rp_id, target_note=live.note,
                         server_log=(ServerLog.from_now(log) if log else live.server_log),
                         pause_after=run.pause, deadline=deadline, hooks=live.hooks,
                         heroku_line=live.heroku_line,
                         authenticator=SyntheticAuthenticator(
                             profile=profiles.by_name(run.settings.authenticator)))
        result = run_smoke(plan, guard=run.guard)
    result.rerun = rerun_command(run, result.api_url)
    if record is not None:
        _deployed_after(run, record)
        result.deployment = record
    if run.request.report is not None:
        report.write(run.request.report, result, run.out.masker)
    return result


def rerun_command(run: _Run, api_url: str) -> str:
    """The command that runs this smoke again against the same target (a fresh email)."""
    if run.target.is_sandbox:
        fault = run.request.sandbox_fault or run.env.get("SANDBOX_FAULT")
        return "release-gate smoke --target sandbox" + (f" --sandbox-fault {fault}"
                                                         if fault else "")
    target = TargetKind.PROD.value if run.target.kind == TargetKind.PROD else api_url
    return f"{run.settings.env.allow_prod}=1 release-gate smoke --target {target}"


def _pause(env: Mapping[str, str]) -> tuple[StepId, float] | None:
    raw = env.get(PAUSE_ENV)
    if not raw:
        return None
    step, _, seconds = raw.partition(":")
    try:
        return StepId(step.strip()), float(seconds) if seconds else 60.0
    except ValueError:
        raise SmokeRefused(f"{PAUSE_ENV} must be STEP or STEP:SECONDS with STEP one of "
                           f"{', '.join(StepId)}, not {raw!r}") from None


def cleanup(email: str, settings: SmokeSettings, *, env: Mapping[str, str],
            stream: TextIO) -> dict[str, int]:
    """`smoke cleanup --email E`: the runbook's hand-typed orphan snippet, fenced like a run."""
    email = fences.check_email(email, settings, action="delete rows of")
    allow = settings.env.allow_prod
    if env.get(allow) != "1":
        raise SmokeRefused(f"refusing to delete rows: cleanup writes to the database in "
                           f"{settings.database.url_env}, so {allow}=1 is required")
    out = make_transcript(stream, env)
    out.masker.add_url(env.get(settings.database.url_env))
    from release_gate.smoke import backends, heroku_side

    side = None
    if settings.database.backend == "heroku":
        side = heroku_side.open_side(settings, env, app=fences.heroku_app(settings, env), out=out,
                                     logs=False)
        database = side.database
    else:
        database = backends.build_database(settings, env=env)
    out.line(f"[cleanup] deleting smoke rows for email='{email}' via {database.description}...")
    try:
        deleted = database.delete(email=email)
    finally:
        if side is not None:
            side.close()
            out.line(side.summary())
    if not any(deleted.values()):
        out.line("[cleanup] OK no rows found")
    else:
        out.line("[cleanup] OK deleted "
                 + ", ".join(f"{n} {label} row(s)" for label, n in deleted.items()))
    return deleted

