"""Where step 1 mints its token and where step 5 / teardown read and delete rows.

Chosen in the `smoke:` section (`mint.backend`, `database.backend`):

- mint `command`: a local command that prints the token (the sandbox's `mint`, or your own);
- mint `python`: an in-process call `module:function(email) -> token`;
- database `sql`: SQL through a URL (sqlite:/// or postgresql://), see sqldb.py;
- `heroku` (both): a one-off dyno, as the runbook does with `heroku run`, through a
  `DynoRunner`; heroku_side.py builds these (and direct mode) once the fences have passed.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.smoke.backend_types import (
    MINT_NOT_UNDERSTOOD,
    BackendError,
    BackendUnavailable,
    Database,
    Minter,
)
from release_gate.smoke.dyno_script import marked_result
from release_gate.smoke.sqldb import SqlDatabase


@dataclass(frozen=True)
class CommandOutput:
    exit_code: int
    stdout: str
    stderr: str


class DynoRunner(Protocol):
    """Runs a command on a one-off dyno of `app` (`heroku run --exit-code`) and returns its output.

    Implemented over release_gate.heroku by heroku_side.SmokeDynos; the backends here only
    depend on this interface.
    """

    def run(self, app: str, argv: Sequence[str], *, timeout_s: float) -> CommandOutput: ...


def expand(argv: Sequence[str], email: str) -> list[str]:
    return [a.replace("{email}", email).replace("{python}", sys.executable) for a in argv]


class CommandMinter:
    def __init__(self, argv: Sequence[str], *, timeout_s: float,
                 env: Mapping[str, str] | None = None, label: str | None = None) -> None:
        self._argv = tuple(argv)
        self._timeout_s = timeout_s
        self._env = dict(env) if env is not None else None
        shown = " ".join(a.replace("{python}", "python") for a in self._argv
                         if a != "{email}")
        self.description = label or f"local command ({shown})"
        self.waiting_ms = 0.0

    def mint(self, email: str) -> str:
        argv = expand(self._argv, email)
        start = time.perf_counter()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self._timeout_s,
                                  env=self._env, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise BackendError(f"mint command timed out after {self._timeout_s:g} s",
                               timed_out=True) from None
        except OSError as error:
            raise BackendError(f"mint command could not start: {error}") from None
        finally:
            self.waiting_ms += (time.perf_counter() - start) * 1000
        if done.returncode != 0:
            raise BackendError(f"mint command exited {done.returncode}",
                               exit_code=done.returncode, output=done.stderr[-2000:])
        return _token_from_output(done.stdout, done.stderr)


class PythonMinter:
    """In-process: `module:function(email) -> token` (for a backend whose code is importable)."""

    def __init__(self, spec: str) -> None:
        module_name, _, attr = spec.partition(":")
        if not module_name or not attr:
            raise BackendUnavailable(f"smoke.mint.function must be 'module:function', not {spec!r}")
        self._module_name, self._attr = module_name, attr
        self.description = f"in-process call {spec}"
        self.waiting_ms = 0.0

    def mint(self, email: str) -> str:
        start = time.perf_counter()
        try:
            function: Callable[[str], object] = getattr(
                importlib.import_module(self._module_name), self._attr)
            token = function(email)
        except Exception as error:  # whatever the team's function raises is a step 1 failure
            raise BackendError(f"{self.description} raised {type(error).__name__}: {error}",
                               exit_code=1) from None
        finally:
            self.waiting_ms += (time.perf_counter() - start) * 1000
        if not isinstance(token, str) or not token.strip():
            raise BackendError(f"{self.description} returned no token", exit_code=1)
        return token.strip()


class HerokuMinter:
    """`heroku run` on a one-off dyno (runbook step 1), through a `DynoRunner`."""

    def __init__(self, runner: DynoRunner, *, app: str, argv: Sequence[str],
                 timeout_s: float) -> None:
        self._runner, self._app, self._argv, self._timeout_s = runner, app, tuple(argv), timeout_s
        self.description = app
        self.waiting_ms = 0.0

    def mint(self, email: str) -> str:
        start = time.perf_counter()
        try:
            out = self._runner.run(self._app, expand(self._argv, email), timeout_s=self._timeout_s)
        finally:
            self.waiting_ms += (time.perf_counter() - start) * 1000
        if out.exit_code != 0:
            raise BackendError(f"heroku run exited {out.exit_code}", exit_code=out.exit_code,
                               output=out.stderr[-2000:])
        return _token_from_output(out.stdout, out.stderr)


# A token is one printable word (base64url, JWT-like): never a sentence such as an APM banner.
_TOKEN = re.compile(r"^[!-~]{1,4096}$")
# What may be a secret in output shown back (a token printed where the contract does not
# read it): long unbroken runs of token characters keep their first 6 only.
_SECRETISH = re.compile(r"[A-Za-z0-9._~+/=-]{20,}")
MARKED_TOKEN = 'RELEASE_GATE_RESULT {"token": ...}'


def _token_from_output(stdout: str, stderr: str) -> str:
    """The token, only from where the mint contract puts it (docs/smoke.md, Backends): the
    `RELEASE_GATE_RESULT {"token": ...}` line, else the last line of standard output when it is
    one token-shaped word. Anything else is "mint output not understood", the output shown
    masked, never a guess (a banner taken for a token reads later as a wrong signing key)."""
    marked = marked_result(stdout)  # the default dyno command prints RELEASE_GATE_RESULT {token}
    if marked is not None and isinstance(marked.get("token"), str) and marked["token"].strip():
        return str(marked["token"]).strip()
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if lines and _TOKEN.match(lines[-1]):
        return lines[-1]
    # A dyno sends both streams down one: then stdout and stderr are the same text.
    parts = (stdout.strip(),) if stderr == stdout else (stdout.strip(), stderr.strip())
    shown = "\n".join(part for part in parts if part)
    why = ("mint printed no token" if not lines else
           "the last line of standard output is not one word (a banner or a message?)")
    raise BackendError(f"{MINT_NOT_UNDERSTOOD}: {why}, and no {MARKED_TOKEN} line carries "
                       "one", exit_code=0,
                       output=_SECRETISH.sub(lambda m: m.group(0)[:6] + "…[masked]",
                                             shown)[-2000:])



_HEROKU_HERE = ("smoke.{key}.backend is heroku: the one-off dyno backends are built by "
                "release_gate.smoke.heroku_side (with HEROKU_API_KEY), not here")


def build_minter(settings: SmokeSettings, *, heroku_app: str,
                 env: Mapping[str, str] | None = None,
                 dyno_runner: DynoRunner | None = None) -> Minter:
    """`dyno_runner` comes from heroku_side.py; without one the heroku backend refuses."""
    mint = settings.mint
    if mint.backend == "command":
        return CommandMinter(mint.command, timeout_s=settings.timeouts.command, env=env)
    if mint.backend == "python":
        if not mint.function:
            raise BackendUnavailable("smoke.mint.backend is python but smoke.mint.function "
                                     "is not set ('module:function')")
        return PythonMinter(mint.function)
    if dyno_runner is None:
        raise BackendUnavailable(_HEROKU_HERE.format(key="mint"))
    return HerokuMinter(dyno_runner, app=heroku_app, argv=mint.dyno_command,
                        timeout_s=settings.timeouts.command)


def build_database(settings: SmokeSettings, *, env: Mapping[str, str],
                   url: str | None = None) -> Database:
    """`url` (the sandbox target's own database) wins over the configured backend."""
    if url is None and settings.database.backend == "heroku":
        raise BackendUnavailable(_HEROKU_HERE.format(key="database"))
    if url is None:
        url = env.get(settings.database.url_env)
        if not url:
            raise BackendUnavailable(
                f"smoke.database.backend is sql but {settings.database.url_env} is not set: "
                "step 5 needs the database to confirm the rows (runbook: 'confirms DB write + "
                "commit, not just API 200')")
    return SqlDatabase(url, sql=settings.sql, timeout_s=settings.timeouts.command)
