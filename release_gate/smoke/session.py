"""Compose one smoke run from settings and environment: fences first, then backends, then steps.

The order is the point: every refusal (allow variable, protected email, unavailable backend)
happens before the first request; the sandbox is started only after the fences passed.
`smoke()` returns the `SmokeResult`, so `smoke --pr N` can post it without re-running anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from release_gate.errors import SmokeRefused
from release_gate.smoke import backends, fences, report
from release_gate.smoke.backends import CommandMinter
from release_gate.smoke.client import ApiClient
from release_gate.smoke.masking import Masker
from release_gate.smoke.plan import ServerLog, SmokePlan
from release_gate.smoke.result import SmokeResult
from release_gate.smoke.runner import run_smoke
from release_gate.smoke.settings import SmokeSettings
from release_gate.smoke.signals import SignalGuard
from release_gate.smoke.transcript import Transcript

PAUSE_ENV = "RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"  # test hook: "4" or "4:30" (step:seconds)


@dataclass(frozen=True)
class SmokeRequest:
    target: str | None = None  # sandbox | prod | URL; None: prod (the runbook's target)
    email: str | None = None
    report: Path | None = None
    server_log: Path | None = None
    sandbox_fault: str | None = None


def make_transcript(stream: TextIO, env: Mapping[str, str]) -> Transcript:
    def emit(command: str) -> None:  # `::add-mask::` must reach the runner unmasked
        stream.write(command + "\n")
        stream.flush()

    return Transcript(stream, Masker.from_env(env, emit))


def smoke(request: SmokeRequest, settings: SmokeSettings, *, env: Mapping[str, str],
          stream: TextIO, signals: bool = True) -> SmokeResult:
    """Run the whole smoke. Raises SmokeRefused (exit 2) before any request when a fence holds."""
    target = fences.resolve_target(request.target, settings, env)
    fences.check_allowed(target, settings, env)
    email = fences.choose_email(request.email, settings, env)
    out = make_transcript(stream, env)
    app = fences.heroku_app(settings, env)
    with _target(target, settings, env, request, out) as live:
        api_url, origin, rp_id, db_url, child_env, log_path = live
        minter = (CommandMinter(settings.mint.command, timeout_s=settings.timeouts.command,
                                env=child_env) if target.is_sandbox
                  else backends.build_minter(settings, heroku_app=app, env=None))
        database = backends.build_database(settings, env=env, url=db_url)
        if not target.is_sandbox:
            out.masker.add(_password(env.get(settings.database.url_env, "")), partial=False)
        server_log = request.server_log or log_path
        with ApiClient(api_url, timeout_s=settings.timeouts.http) as client:
            plan = SmokePlan(
                settings=settings, target=target.kind, api_url=api_url, email=email,
                heroku_app=app, minter=minter, database=database, client=client, out=out,
                origin=origin, rp_id=rp_id,
                server_log=ServerLog.from_now(server_log) if server_log else None,
                pause_after=_pause(env))
            result = run_smoke(plan, guard=SignalGuard(enabled=signals))
    if request.report is not None:
        report.write(request.report, result, out.masker)
    return result


Live = tuple[str, str | None, str | None, str | None, Mapping[str, str] | None, Path | None]


@contextlib.contextmanager
def _target(target: fences.Target, settings: SmokeSettings, env: Mapping[str, str],
            request: SmokeRequest, out: Transcript) -> Iterator[Live]:
    """(api_url, origin, rp_id, database_url, mint env, log path) for the run."""
    if not target.is_sandbox:
        assert target.api_url is not None
        yield target.api_url, None, None, None, None, None
        return
    from release_gate.smoke.local import LocalSandbox

    sandbox = LocalSandbox(env, health_path=settings.endpoints.health or "/healthz",
                           start_timeout_s=settings.timeouts.sandbox_start,
                           fault=request.sandbox_fault)
    out.masker.add(sandbox.signing_key, partial=False)
    with sandbox:
        yield (sandbox.api_url, sandbox.origin, sandbox.rp_id, sandbox.database_url,
               sandbox.env, sandbox.log_path)


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _pause(env: Mapping[str, str]) -> tuple[str, float] | None:
    raw = env.get(PAUSE_ENV)
    if not raw:
        return None
    step, _, seconds = raw.partition(":")
    try:
        return step.strip(), float(seconds) if seconds else 60.0
    except ValueError:
        raise SmokeRefused(f"{PAUSE_ENV} must be STEP or STEP:SECONDS, not {raw!r}") from None


def cleanup(email: str, settings: SmokeSettings, *, env: Mapping[str, str],
            stream: TextIO) -> dict[str, int]:
    """`smoke cleanup --email E`: the runbook's hand-typed orphan snippet, fenced like a run."""
    email = fences.check_email(email, settings, action="delete rows of")
    allow = settings.env.allow_prod
    if env.get(allow) != "1":
        raise SmokeRefused(f"refusing to delete rows: cleanup writes to the database in "
                           f"{settings.database.url_env}, so {allow}=1 is required")
    out = make_transcript(stream, env)
    out.masker.add(_password(env.get(settings.database.url_env, "")), partial=False)
    database = backends.build_database(settings, env=env)
    out.line(f"[cleanup] deleting smoke rows for email='{email}' via {database.description}...")
    deleted = database.delete(email=email)
    if not any(deleted.values()):
        out.line("[cleanup] OK no rows found")
    else:
        out.line("[cleanup] OK deleted "
                 + ", ".join(f"{n} {label} row(s)" for label, n in deleted.items()))
    return deleted

