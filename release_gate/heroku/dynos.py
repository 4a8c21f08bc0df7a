"""`heroku run --exit-code` without the CLI: create a one-off dyno, attach, return its result.

A dyno that does not boot in time is stopped and tried once more (runbook, "Step 5 heroku run
timeout | Dyno boot under load | Re-run the smoke"): its command never started, so a second
dyno is safe. Every dyno created is counted, retries included, because the smoke reports how
many one-off dynos it cost on production.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Sequence

from release_gate.errors import HerokuError
from release_gate.heroku.api import HerokuApi
from release_gate.heroku.rendezvous import DynoBootTimeout, DynoResult, attach, with_exit_status

BOOT_RETRIES = 1


def shell_command(argv: Sequence[str]) -> str:
    """One command line for the dyno's shell, each argument quoted (the CLI joins with spaces,
    quoting only arguments with spaces, which breaks on quotes inside a script)."""
    return argv[0] if len(argv) == 1 else shlex.join(argv)


class OneOffDynos:
    def __init__(self, api: HerokuApi, *, boot_timeout_s: float = 60.0,
                 size: str | None = None,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self._api = api
        self._boot_timeout_s = boot_timeout_s
        self._size = size
        self._on_retry = on_retry
        self.created: list[str] = []  # names of the dynos this run created, in order

    def run(self, app: str, argv: Sequence[str], *, timeout_s: float) -> DynoResult:
        command = with_exit_status(shell_command(argv))
        for attempt in range(BOOT_RETRIES + 1):
            dyno = self._api.create_dyno(app, command, size=self._size)
            self.created.append(dyno.name)
            if not dyno.attach_url:
                raise HerokuError(f"{dyno.name}: created without an attach_url")
            try:
                return attach(dyno.attach_url, verify=self._api.verify,
                              boot_timeout_s=self._boot_timeout_s, run_timeout_s=timeout_s,
                              dyno=f"{dyno.name} on {app}")
            except DynoBootTimeout as timeout:
                self._stop(app, dyno.name)
                if attempt == BOOT_RETRIES:
                    raise DynoBootTimeout(f"{timeout} (tried {BOOT_RETRIES + 1} dynos)") \
                        from None
                if self._on_retry is not None:
                    self._on_retry(f"{timeout}; trying once more on a new dyno")
        raise AssertionError("unreachable")

    def _stop(self, app: str, name: str) -> None:
        # A dyno stuck booting would otherwise run until Heroku gives up on it.
        with contextlib.suppress(HerokuError):
            self._api.stop_dyno(app, name)
