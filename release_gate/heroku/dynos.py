"""`heroku run --exit-code` without the CLI: create a one-off dyno, attach, return its result.

A dyno that does not boot (no acknowledgement in time, or the rendezvous closed before it) is
stopped and tried once more (runbook, "Step 5 heroku run timeout | Dyno boot under load | Re-run
the smoke"): its command never started, so a second dyno is safe. Any other failure after the
dyno was created stops it too (it may still be running the command). A dyno that runs another
release than the one the smoke tests is stopped before it is attached to. Every dyno created is
counted, retries included, because the smoke reports how many one-off dynos it cost on
production.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Sequence

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.rendezvous import (
    DynoBootFailed,
    DynoBootTimeout,
    DynoResult,
    RendezvousError,
    attach,
    with_exit_status,
)

BOOT_RETRIES = 1


class WrongRelease(HerokuError):
    """The one-off dyno runs another release than the one the smoke tests."""


def shell_command(argv: Sequence[str]) -> str:
    """One command line for the dyno's shell, each argument quoted (the CLI joins with spaces,
    quoting only arguments with spaces, which breaks on quotes inside a script)."""
    return argv[0] if len(argv) == 1 else shlex.join(argv)


class OneOffDynos:
    def __init__(self, api: HerokuApi, *, boot_timeout_s: float = 60.0,
                 size: str | None = None,
                 on_retry: Callable[[str], None] | None = None,
                 release: int | None = None) -> None:
        self._api = api
        self._boot_timeout_s = boot_timeout_s
        self._size = size
        self._on_retry = on_retry
        # The release the smoke tests: each dyno must run it. Without one given (a smoke not
        # tied to a reading of production), the first dyno's release: mint, step 5 and the
        # teardown then all ran one release.
        self.release = release
        self.created: list[str] = []  # names of the dynos this run created, in order

    def run(self, app: str, argv: Sequence[str], *, timeout_s: float,
            any_release: bool = False) -> DynoResult:
        """`any_release`: a cleanup, which must run whatever release the dyno gets."""
        command = with_exit_status(shell_command(argv))
        for attempt in range(BOOT_RETRIES + 1):
            dyno = self._api.create_dyno(app, command, size=self._size)
            self.created.append(dyno.name)
            if self.release is None and not any_release:
                self.release = dyno.release
            try:
                self._check(dyno.name, app, dyno.attach_url,
                            self.release if any_release else dyno.release)
                assert dyno.attach_url is not None
                return attach(dyno.attach_url, verify=self._api.verify,
                              boot_timeout_s=self._boot_timeout_s, run_timeout_s=timeout_s,
                              dyno=f"{dyno.name} on {app}")
            except (DynoBootTimeout, DynoBootFailed) as boot:
                self._stop(app, dyno.name)
                if attempt == BOOT_RETRIES:
                    raise type(boot)(f"{boot} (tried {BOOT_RETRIES + 1} dynos)") from None
                if self._on_retry is not None:
                    self._on_retry(f"{boot}; trying once more on a new dyno")
            except HerokuError:
                self._stop(app, dyno.name)  # it may still be running the command
                raise
        raise AssertionError("unreachable")

    def _check(self, name: str, app: str, attach_url: str | None, release: int | None) -> None:
        if not attach_url:
            raise RendezvousError(f"{name} on {app}: created without an attach_url")
        if self.release is not None and release != self.release:
            raise WrongRelease(
                f"{name} on {app} runs {'v' + str(release) if release is not None else 'no '}"
                f"{'' if release is not None else 'named release'}, not v{self.release}, the "
                "release the smoke tests: a release happened meanwhile; re-run the smoke")

    def _stop(self, app: str, name: str) -> None:
        # A dyno stuck booting would otherwise run until Heroku gives up on it.
        with contextlib.suppress(HerokuError):
            self._api.stop_dyno(app, name)
