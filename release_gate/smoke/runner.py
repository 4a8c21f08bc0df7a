"""`run_smoke`: the steps in order, a diagnosis on failure, and a teardown that always runs.

Teardown runs on pass, on fail, on Ctrl-C and on SIGTERM (runbook "Prod-write safety": both rows
"are deleted in the teardown step (step 6) regardless of pass or fail"; Actions cancels a job with
SIGINT then SIGTERM). The result object feeds the transcript, the JSON report and `--pr`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from release_gate.core.target import TargetKind
from release_gate.smoke import optional, steps
from release_gate.smoke.backend_types import BackendError
from release_gate.smoke.deadline import Deadline
from release_gate.smoke.diagnosis import Symptom, diagnose, log_awaited
from release_gate.smoke.fences import is_protected
from release_gate.smoke.masking import redact_url
from release_gate.smoke.plan import SmokePlan
from release_gate.smoke.result import (
    Diagnosis,
    Failure,
    FailureKind,
    SmokeResult,
    SmokeVerdict,
    StepId,
    StepRecord,
)
from release_gate.smoke.signals import DeadlineReached, SignalGuard, SmokeInterrupted
from release_gate.smoke.transcript import excerpt

Step = Callable[[SmokePlan, steps.RunState, SmokeResult], None]
ORDER = tuple(StepId)  # the transcript's order: health, 1-5, login, replay, teardown
LOG_TAIL_LINES = 15
ALARM_GRACE_S = 0.5
EXCERPT_SCAN = 64 * 1024  # the diagnosis looks for its phrases in the start of a body


def planned_steps(plan: SmokePlan) -> list[tuple[StepId, Step]]:
    chosen: list[tuple[StepId, Step]] = [
        (StepId.MINT, steps.mint), (StepId.BEGIN, steps.begin), (StepId.CREDENTIAL, steps.build),
        (StepId.VERIFY, steps.verify), (StepId.DATABASE, steps.check_database)]
    if plan.settings.steps.login:
        chosen.append((StepId.LOGIN, optional.login))
    if plan.settings.steps.replay:
        chosen.append((StepId.REPLAY, optional.replay))
    return chosen


def run_smoke(plan: SmokePlan, *, guard: SignalGuard | None = None,
              now: datetime | None = None) -> SmokeResult:
    guard = guard or SignalGuard(enabled=False)
    started = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = SmokeResult(target=plan.target, api_url=redact_url(plan.api_url), email=plan.email,
                         started_at=started)
    state = steps.RunState()
    wall = time.perf_counter()
    current = StepId.HEALTH
    with guard.installed():  # no-op when the caller (session.smoke) installed it already
        api = f"{result.api_url} ({plan.target_note})" if plan.target_note else result.api_url
        plan.out.header(title=plan.settings.title, started_at=started, api_url=api,
                        heroku_line=_heroku_line(plan), setup=_setup_lines(plan),
                        email=plan.email)
        try:
            # The timer is a backstop for blocking calls that know no deadline (a mint command,
            # a database driver); a request ends at the deadline itself, with its partial body.
            with guard.armed(plan.deadline, grace=ALARM_GRACE_S):
                steps.probe_health(plan, state, result)
                for current, step in planned_steps(plan):
                    _check_time(plan, current)
                    for hook in plan.hooks:
                        hook.before(current, plan, state, result)
                    step(plan, state, result)
                    for hook in plan.hooks:
                        hook.after(current, plan, state, result)
                    _maybe_pause(plan, current)
            result.verdict = SmokeVerdict.PASS
        except steps.StepFailed as failed:
            _fail(plan, state, result, failed)
        except DeadlineReached as reached:
            _fail(plan, state, result, _out_of_time(current, reached.deadline))
        except (SmokeInterrupted, KeyboardInterrupt) as interrupt:
            name = interrupt.signame if isinstance(interrupt, SmokeInterrupted) else "SIGINT"
            result.interrupted = name
            _fail(plan, state, result, steps.StepFailed(
                current, "interrupted", f"interrupted by {name}", kind=FailureKind.INTERRUPTED,
                detail=name))
        except Exception as error:  # a bug in the smoke is a FAIL, never a PASS; teardown runs
            # The answer that led to the bug is shown with it: "read the body above" needs one.
            _fail(plan, state, result, steps.StepFailed(
                current, "internal error", f"{type(error).__name__}: {error}",
                kind=FailureKind.INTERNAL, detail=f"{type(error).__name__}: {error}",
                exchange=plan.client.last))
        finally:
            seen = len(guard.deferred)
            budget = Deadline(plan.settings.timeouts.teardown,
                              what=f"teardown's {plan.settings.timeouts.teardown:g} s budget "
                                   "(smoke.timeouts.teardown)")
            with guard.timed(budget):
                try:
                    _teardown(plan, state, result, budget)
                except DeadlineReached as reached:  # between the database call and its report
                    _teardown_failed(plan, result, str(reached), 0.0)
            if len(guard.deferred) > seen:
                plan.out.step(StepId.TEARDOWN, f"note: {', '.join(guard.deferred[seen:])} received "
                                          "during teardown; teardown completed first")
    result.wall_ms = (time.perf_counter() - wall) * 1000
    result.waiting_ms = (plan.client.waiting_ms + plan.minter.waiting_ms
                         + plan.database.waiting_ms)
    plan.out.verdict(result, order=ORDER)
    return result


def _heroku_line(plan: SmokePlan) -> str:
    if plan.heroku_line:
        return plan.heroku_line
    if plan.heroku_app in (plan.minter.description, plan.database.description):
        return plan.heroku_app
    return f"n/a ({plan.target}: mint and database check run locally)"


def _check_time(plan: SmokePlan, step: StepId) -> None:
    if plan.deadline.expired():
        raise _out_of_time(step, plan.deadline)


def _out_of_time(step: StepId, deadline: Deadline) -> steps.StepFailed:
    message = f"{deadline.what or 'the deadline'} ran out"
    return steps.StepFailed(step, "deadline", message, kind=FailureKind.DEADLINE, detail=message)


def _setup_lines(plan: SmokePlan) -> list[tuple[str, str]]:
    origin = plan.origin or plan.settings.origin
    rp_id = plan.rp_id or plan.settings.rp_id
    return [("Mint", plan.minter.description), ("Database", plan.database.description),
            ("Origin", origin or "https://<rp.id of the registration options> (smoke.origin "
                                 "unset)"),
            ("RP id", rp_id or "rp.id of the registration options (smoke.rp_id unset)")]


def _maybe_pause(plan: SmokePlan, step: StepId) -> None:
    # Test hook (RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP): hold the run after a step so a test can
    # deliver SIGTERM at a known point and check that teardown still runs.
    if plan.pause_after is None or plan.pause_after[0] != step:
        return
    plan.out.step(step, f"pausing {plan.pause_after[1]:g} s (RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP)")
    deadline = time.monotonic() + plan.pause_after[1]
    while time.monotonic() < deadline:
        time.sleep(0.05)


def _fail(plan: SmokePlan, state: steps.RunState, result: SmokeResult,
          failed: steps.StepFailed) -> None:
    result.verdict = SmokeVerdict.FAIL
    exchange = failed.exchange
    until = log_awaited(failed.step, failed.kind, exchange.status if exchange else None)
    log = plan.server_log.since_start(until) if plan.server_log else None
    symptom = Symptom(
        step=failed.step, kind=failed.kind,
        http_status=exchange.status if exchange else None,
        body=exchange.body[:EXCERPT_SCAN] if exchange else "", latency_ms=failed.latency_ms,
        baseline_ms=state.baseline_ms, fast_ms=plan.settings.fast_verify_ms, code=failed.code,
        detail=failed.detail or failed.message, log=log, app=plan.heroku_app,
        backend=(plan.minter.description if failed.step == StepId.MINT
                 else plan.database.description if failed.step == StepId.DATABASE else ""),
        settings=plan.settings, origin=state.origin, rp_id=state.rp_id,
        options_rp_id=steps.options_rp_id(state.options), target=plan.target,
        on_heroku=plan.target == TargetKind.PROD or plan.heroku_line is not None)
    diagnosis = diagnose(symptom)
    log_lines: list[str] = []
    if log:
        health = plan.settings.endpoints.health or "\0"
        log_lines = [excerpt(line, plan.settings.limits.excerpt_chars)
                     for line in log.strip().splitlines() if health not in line][-LOG_TAIL_LINES:]
    result.failure = Failure(step=failed.step, title=failed.title, message=failed.message,
                             diagnosis=diagnosis, http_status=symptom.http_status,
                             body=(excerpt(exchange.body, plan.settings.limits.excerpt_chars)
                                   if exchange else None),
                             latency_ms=failed.latency_ms, log_lines=tuple(log_lines))
    if failed.latency_ms is not None:
        result.steps.append(StepRecord(failed.step, failed.title, False, failed.latency_ms,
                                       symptom.http_status, failed.message))
    out = plan.out
    status = f"HTTP {exchange.status} " if exchange and exchange.status else ""
    took = f"after {failed.latency_ms:.0f} ms" if failed.latency_ms is not None else ""
    out.step(failed.step, f"FAIL {status}{took}".strip() + f": {failed.message}")
    if exchange is not None and exchange.status is not None:
        out.body(failed.step, excerpt(exchange.body, plan.settings.limits.excerpt_chars))
    if failed.output.strip():
        for line in failed.output.strip().splitlines()[-10:]:
            out.step(failed.step, f"output: {line}")
    out.step(failed.step, f"likely cause: {diagnosis.likely_cause}")
    out.step(failed.step, f"next step: {diagnosis.next_step}")
    for line in log_lines:
        out.line(f"[server log] {line}")


def _teardown(plan: SmokePlan, state: steps.RunState, result: SmokeResult,
              budget: Deadline) -> None:
    teardown = result.teardown
    out = plan.out
    if is_protected(plan.email, plan.settings):
        # Runbook fence: `if email == "kris@moosequest.net": skip cleanup`. Unreachable (the
        # email was refused before any request), kept as the last line of defence.
        teardown.message = "skipped: protected email"
        out.step(StepId.TEARDOWN, f"SKIPPED: {plan.email!r} is a protected email; nothing deleted")
        return
    if not state.wrote:
        teardown.message = "nothing written"
        out.step(StepId.TEARDOWN, "nothing to delete: no request that writes rows was sent")
        return
    shown_id = state.user_id if state.user_id is not None else "unknown"
    out.step(StepId.TEARDOWN, f"deleting smoke rows for user_id={shown_id} email='{plan.email}'...")
    teardown.ran = True
    before = plan.database.waiting_ms
    try:
        if budget.expired():
            raise DeadlineReached(budget)
        deleted = plan.database.delete(email=plan.email)
    except (BackendError, DeadlineReached) as error:
        _teardown_failed(plan, result, str(error), plan.database.waiting_ms - before)
        return
    result.steps.append(StepRecord(StepId.TEARDOWN, "teardown", True,
                                   plan.database.waiting_ms - before))
    teardown.deleted = deleted
    counts = ", ".join(f"{n} {label} row(s)" for label, n in deleted.items())
    out.step(StepId.TEARDOWN, f"OK deleted {counts}")
    for step in state.timed_out_writes:
        out.step(StepId.TEARDOWN, f"note: step {step} timed out and the target may still "
                                  "write rows for this email; later run `release-gate smoke "
                                  f"cleanup --email {plan.email}`")


def _teardown_failed(plan: SmokePlan, result: SmokeResult, error: str, ms: float) -> None:
    teardown = result.teardown
    teardown.ok = False
    teardown.message = error
    result.steps.append(StepRecord(StepId.TEARDOWN, "teardown", False, ms, detail=error))
    plan.out.step(StepId.TEARDOWN, f"FAILED: {error}; orphaned rows may remain: run "
                              f"`release-gate smoke cleanup --email {plan.email}`")
    if result.failure is None:
        result.verdict = SmokeVerdict.FAIL
        result.failure = Failure(StepId.TEARDOWN, "teardown", error, Diagnosis(
            "teardown-failed", f"Teardown could not delete the smoke rows ({error})",
            "The database is unreachable or slow, or the teardown SQL does not fit the schema",
            f"release-gate smoke cleanup --email {plan.email}", "release-gate"))
