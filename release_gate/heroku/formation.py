"""Which release serves the traffic: the current release and the web dynos running it.

With preboot, new web dynos take traffic before the old ones stop, so two releases serve side by
side for minutes, and after a deploy or a config change the dynos restart over time. `heroku
ps:wait` (heroku/cli `src/commands/ps/wait.ts`) waits until every dyno is `up` on the latest
release, polling `GET /apps/{app}/dynos` every `--wait-interval` seconds (10 at least, for the
rate limit). Here the same, for the `web` dynos only (they serve the requests), bounded: the
caller refuses or fails with the dynos and their releases named when the wait runs out.

A newer release still `pending` (its release phase running) is about to replace what runs; it
is waited for the same way, and named when it does not settle. A newer release that `failed`
never served traffic and does not matter (`HerokuApi.current`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from release_gate.core.smoke_config.heroku_settings import WaitSettings
from release_gate.heroku.api import CurrentRelease, FormationDyno, HerokuApi


@dataclass(frozen=True)
class WebFormation:
    """The web dynos as last read, against the release they should run."""

    release: int
    dynos: tuple[FormationDyno, ...]  # type `web` only
    waited_s: float = 0.0

    @property
    def on_release(self) -> tuple[FormationDyno, ...]:
        return tuple(d for d in self.dynos if d.state == "up" and d.release == self.release)

    @property
    def ready(self) -> bool:
        """At least one web dyno, and every one `up` on the release."""
        return bool(self.dynos) and len(self.on_release) == len(self.dynos)

    @property
    def summary(self) -> str:
        """`2/2 web dynos on v47`."""
        return f"{len(self.on_release)}/{len(self.dynos)} web dynos on v{self.release}"

    @property
    def laggards(self) -> str:
        """`web.2 starting on v46`, for each web dyno not up on the release."""
        if not self.dynos:
            return "no web dyno is running"
        return ", ".join(f"{d.name} {d.state or 'in no state'} on "
                         f"{'v' + str(d.release) if d.release is not None else 'no release'}"
                         for d in self.dynos if d not in self.on_release)


def settled_release(api: HerokuApi, app: str, waits: WaitSettings, *,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> CurrentRelease:
    """The current release once no newer one is pending, or after `waits.release` seconds
    (then `pending` names it)."""
    end = clock() + waits.release
    while True:
        current = api.current(app)
        if current.pending is None or clock() + waits.interval > end:
            return current
        sleep(waits.interval)


def web_on_release(api: HerokuApi, app: str, release: int, waits: WaitSettings, *,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> WebFormation:
    """The web formation once every web dyno is `up` on `release`, or after `waits.dynos`
    seconds (then `ready` is False and `laggards` says which)."""
    start = clock()
    end = start + waits.dynos
    while True:
        web = tuple(d for d in api.formation(app) if d.type == "web")
        formation = WebFormation(release, web, clock() - start)
        if formation.ready or clock() + waits.interval > end:
            return formation
        sleep(waits.interval)
