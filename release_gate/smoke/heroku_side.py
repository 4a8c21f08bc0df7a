"""The smoke's Heroku side: one-off dynos for step 1 and step 5, or SQL straight to the app's
database (direct mode), and the log evidence (docs/heroku.md).

Dynos per smoke (the runbook used three `heroku run`s: mint, check, cleanup):

- dyno mode: at most two. Step 1 mints on one; step 5 reads the rows on another and, when step
  5 passes, deletes them in the same transaction, so the teardown needs no dyno. A teardown
  after a failure (or after the optional login/replay steps, which need the rows) runs on a
  dyno of its own, and a dyno that does not boot is retried once on a new one: both are
  counted and shown.
- direct mode: no dyno for the database. `DATABASE_URL` comes from the app's config vars
  through the API and the runner talks SQL (TLS: `sslmode=require`); step 1 mints as
  `smoke.mint` says (a dyno unless `mint.backend` is `command` or `python`).

Built after the fences: nothing here runs unless RAXX_SMOKE_ALLOW_PROD=1 passed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.errors import HerokuError, SmokeRefused
from release_gate.heroku.api import KEY_ENV, HerokuApi, RateLimited
from release_gate.heroku.dynos import OneOffDynos, WrongRelease
from release_gate.heroku.logs import LogTail
from release_gate.heroku.rendezvous import RendezvousError
from release_gate.smoke import backends, dyno_script
from release_gate.smoke.backend_types import BackendError, Database, DbState, Minter
from release_gate.smoke.diagnosis import DYNO_FAILED, RATE_LIMITED, WRONG_RELEASE
from release_gate.smoke.log_evidence import LogEvidence
from release_gate.smoke.plan import ServerLog, StepHook
from release_gate.smoke.transcript import Transcript


def needed(settings: SmokeSettings) -> bool:
    return "heroku" in (settings.mint.backend, settings.database.backend)


class SmokeDynos:
    """`backends.DynoRunner` over our one-off dynos; remembers which dyno served what."""

    def __init__(self, dynos: OneOffDynos, api: HerokuApi) -> None:
        self._dynos = dynos
        self._api = api
        self.used: list[tuple[str, str]] = []  # (purpose, dyno name), retries included

    @property
    def count(self) -> int:
        return len(self._dynos.created)

    def run(self, app: str, argv: Sequence[str], *, timeout_s: float,
            purpose: str = "step 1", budget_s: float | None = None) -> backends.CommandOutput:
        """`budget_s`: how long a rate limit may be waited out (the step's, or the teardown's
        own budget); by default `timeout_s`."""
        before = len(self._dynos.created)
        try:
            with self._api.budget(timeout_s if budget_s is None else budget_s):
                # The teardown deletes the rows whatever release its dyno runs.
                result = self._dynos.run(app, argv, timeout_s=timeout_s,
                                         any_release=purpose == "teardown")
        except RateLimited as error:
            raise BackendError(f"{RATE_LIMITED} {error}") from None
        except WrongRelease as error:
            raise BackendError(f"{WRONG_RELEASE} {error}") from None
        except RendezvousError as error:
            message = str(error) if error.timed_out else f"{DYNO_FAILED} {error}"
            raise BackendError(message, timed_out=error.timed_out) from None
        except HerokuError as error:
            raise BackendError(f"heroku run: {error}") from None
        finally:
            self.used += [(purpose, name) for name in self._dynos.created[before:]]
        # A dyno sends stdout and stderr down one stream: both views see all of it.
        return backends.CommandOutput(result.exit_code, result.output, result.output)


class DynoDatabase:
    """Step 5 and the teardown on one-off dynos (dyno_script.py runs there)."""

    def __init__(self, runner: SmokeDynos, *, app: str, settings: SmokeSettings,
                 teardown_in_check: bool) -> None:
        self._runner, self._app, self._settings = runner, app, settings
        self._teardown_in_check = teardown_in_check
        self._deleted: dict[str, dict[str, int]] = {}  # email -> rows step 5's dyno deleted
        self.description = f"heroku run ({app})"
        self.waiting_ms = 0.0

    def check(self, *, email: str, nonce: str | None) -> DbState:
        mode = "check+teardown" if self._teardown_in_check else "check"
        answer = self._run(mode, email, nonce,
                           "step 5 + teardown" if self._teardown_in_check else "step 5")
        deleted = dyno_script.deleted_counts(answer)
        if deleted is not None:
            self._deleted[email.casefold()] = deleted
        return dyno_script.db_state(answer)

    def delete(self, *, email: str) -> dict[str, int]:
        done = self._deleted.pop(email.casefold(), None)
        if done is not None:  # step 5 passed and its dyno already deleted the rows
            return done
        counts = dyno_script.deleted_counts(self._run("teardown", email, None, "teardown"))
        if counts is None:
            raise BackendError("the teardown dyno reported no deleted rows")
        return counts

    def _run(self, mode: str, email: str, nonce: str | None, purpose: str) -> Mapping[str, object]:
        argv = dyno_script.db_argv(self._settings, mode=mode, email=email, nonce=nonce)
        timeouts = self._settings.timeouts
        # The teardown waits out a rate limit for as long as its own budget lasts: giving up
        # earlier orphans the smoke's rows in production.
        budget = timeouts.teardown if mode == "teardown" else timeouts.command
        start = time.perf_counter()
        try:
            out = self._runner.run(self._app, argv, timeout_s=timeouts.command,
                                   purpose=purpose, budget_s=budget)
        finally:
            self.waiting_ms += (time.perf_counter() - start) * 1000
        if out.exit_code != 0:
            raise BackendError(f"heroku run exited {out.exit_code}", exit_code=out.exit_code,
                               output=out.stdout[-2000:])
        answer = dyno_script.marked_result(out.stdout)
        if answer is None:
            raise BackendError(f"the dyno printed no {dyno_script.MARK.strip()} line",
                               output=out.stdout[-2000:])
        return answer


def with_sslmode(url: str, sslmode: str) -> str:
    """Add `sslmode` to a PostgreSQL URL unless it names one (Heroku Postgres refuses
    plaintext); other URLs are left alone."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "sslmode" for name, _ in query):
        return url
    return urlunsplit(parts._replace(query=urlencode([*query, ("sslmode", sslmode)])))


@dataclass
class HerokuSide:
    app: str
    mode: str
    api: HerokuApi
    dynos: SmokeDynos
    minter: Minter
    database: Database
    hooks: tuple[StepHook, ...] = ()
    server_log: ServerLog | None = None

    def header(self) -> str:
        if self.mode == "direct":
            return f"{self.app} (direct mode: database over SQL from this runner)"
        return f"{self.app} (dyno mode: one-off dynos for the mint and the database check)"

    def summary(self) -> str:
        return self._dyno_summary() + "\n" + self.api_summary()

    def api_summary(self) -> str:
        """`[heroku] Platform API: 9 requests` (+ the rate-limit waits, when there were any)."""
        waited = (f"; waited {self.api.rate_limited_s:.0f} s on its rate limit (429)"
                  if self.api.rate_limited_s else "")
        return f"[heroku] Platform API: {self.api.requests} requests{waited}"

    def _dyno_summary(self) -> str:
        if not self.dynos.used:
            return f"[heroku] {self.mode} mode: no one-off dyno used"
        by_purpose: dict[str, list[str]] = {}
        for purpose, name in self.dynos.used:
            by_purpose.setdefault(purpose, []).append(name)
        shown = "; ".join(f"{purpose}: {', '.join(names)}" for purpose, names in
                          by_purpose.items())
        count = len(self.dynos.used)
        return (f"[heroku] {self.mode} mode: {count} one-off dyno{'s' if count != 1 else ''} "
                f"used ({shown})")

    def close(self) -> None:
        for hook in self.hooks:
            if isinstance(hook, LogEvidence):
                hook.close()


def open_side(settings: SmokeSettings, env: Mapping[str, str], *, app: str, out: Transcript,
              logs: bool = True, release: int | None = None) -> HerokuSide:
    """Authenticate, then build the backends `settings` asks for. Call only after the fences.

    `release`: the release the smoke tests (read before it, `smoke --pr`): every one-off dyno
    must run it. Refuses (before any dyno) an app in maintenance mode, and dyno mode on an app
    whose dynos this client cannot run commands on (CNB / Fir).
    """
    if not env.get(KEY_ENV):
        raise SmokeRefused(f"{KEY_ENV} is not set: the Heroku backends (smoke.mint.backend / "
                           "smoke.database.backend: heroku, the runbook's way) need an API key; "
                           "docs/heroku.md says which scope")
    heroku = settings.heroku
    api = HerokuApi.from_env(env)
    try:
        _check_app(api.app(app), app, uses_dynos=_uses_dynos(settings))
    except BaseException:
        api.close()
        raise
    dynos = SmokeDynos(OneOffDynos(api, boot_timeout_s=heroku.boot_timeout,
                                   size=heroku.dyno_size,
                                   on_retry=lambda why: out.line(f"[heroku] {why}"),
                                   release=release), api)
    minter: Minter
    if settings.mint.backend == "heroku":
        minter = backends.HerokuMinter(dynos, app=app, argv=settings.mint.dyno_command,
                                       timeout_s=settings.timeouts.command)
    else:
        minter = backends.build_minter(settings, heroku_app=app, env=env)
    database: Database
    if settings.database.backend != "heroku":
        database = backends.build_database(settings, env=env)
    elif heroku.mode == "direct":
        database = _direct_database(api, app, settings, out)
    else:
        database = DynoDatabase(dynos, app=app, settings=settings,
                                teardown_in_check=not (settings.steps.login
                                                       or settings.steps.replay))
    side = HerokuSide(app, heroku.mode, api, dynos, minter, database)
    if logs and heroku.logs.enabled:
        evidence = LogEvidence(lambda: LogTail.open(api, app), heroku.logs,
                               where=f"log session of {app}")
        side.hooks = (evidence,)
        side.server_log = _StreamLog(evidence)
    return side


def _uses_dynos(settings: SmokeSettings) -> bool:
    return settings.mint.backend == "heroku" or (settings.database.backend == "heroku"
                                                 and settings.heroku.mode == "dyno")


def _name(value: object) -> str:
    return str(value.get("name") or "") if isinstance(value, Mapping) else ""


def _check_app(data: Mapping[str, object], app: str, *, uses_dynos: bool) -> None:
    """Refusals from `GET /apps/{app}`, before any dyno or request to the app."""
    if data.get("maintenance") is True:
        raise SmokeRefused(f"{app} is in maintenance mode (GET /apps/{app}: maintenance: true): "
                           "its router answers every request with the maintenance page (H80), "
                           "so nothing was minted or sent; re-run after `heroku maintenance:off "
                           f"--app {app}`")
    stack, generation = _name(data.get("stack")), _name(data.get("generation"))
    if uses_dynos and (stack == "cnb" or generation == "fir"):
        raise SmokeRefused(
            f"{app} runs Cloud Native Buildpacks (stack {stack or '?'}, generation "
            f"{generation or '?'}): its one-off dynos start commands through the CNB "
            "`launcher` and are not attached over rendezvous, which dyno mode needs; use "
            "smoke.heroku.mode: direct with smoke.mint.backend: command (docs/heroku.md, "
            "Generations)")


class _StreamLog(ServerLog):
    """The app's log as the diagnosis reads it: what the log session delivered since step 2
    (waiting for delivery to settle first: a failing step 4 is judged on the lines it caused)."""

    def __init__(self, evidence: LogEvidence) -> None:
        super().__init__(Path(os.devnull))
        self._evidence = evidence

    def since_start(self, until: Callable[[str], bool] | None = None) -> str | None:
        return self._evidence.log_text(until=until)


def _direct_database(api: HerokuApi, app: str, settings: SmokeSettings,
                     out: Transcript) -> Database:
    from release_gate.smoke.sqldb import SqlDatabase

    var = settings.heroku.database_url_var
    url = api.config_vars(app).get(var)
    if not url:
        raise HerokuError(f"app {app} has no {var} config var: direct mode needs it "
                          "(smoke.heroku.database_url_var)")
    out.masker.add_url(url)  # the database password passes through this runner: never shown
    database = SqlDatabase(with_sslmode(url, settings.heroku.sslmode), sql=settings.sql,
                           timeout_s=settings.timeouts.command)
    database.description = (f"SQL from this runner ({app}'s {var}, "
                            f"sslmode={settings.heroku.sslmode})")
    return database
