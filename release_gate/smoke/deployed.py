"""Read which commit production runs: Heroku's current release, or the target's version endpoint.

`smoke --pr` reads it before the first write and again after the steps (deployment.py decides
what the reading means). Heroku: the current release and its slug's `commit` through the
Platform API (heroku/api.py), never a request to the API target itself, once no newer release
is pending and every web dyno is up on it (heroku/formation.py, bounded by `smoke.heroku.wait`).
Other targets: a JSON endpoint named by `smoke.production.version_url` (the sandbox serves one
at /version).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from release_gate.core.deployment import Deployment
from release_gate.core.production import HEROKU, Production
from release_gate.core.smoke_config.heroku_settings import WaitSettings
from release_gate.errors import GateError
from release_gate.smoke.steps import field_value

Reader = Callable[[], Deployment]
MAX_VERSION_BYTES = 64 * 1024  # a version document is small; anything bigger is not one


class DeploymentUnreadable(GateError):
    """Production's deployed commit cannot be read: the smoke cannot vouch for anything."""


def reader(production: Production, env: Mapping[str, str], *, timeout_s: float,
           wait: WaitSettings | None = None) -> Reader:
    """How to read production's deployment, as `smoke.production.commit_from` says."""
    if production.settings.commit_from == HEROKU:
        return _heroku(production.app, env, wait or WaitSettings())
    url = production.version_endpoint()
    assert url is not None  # the schema requires version_url with commit_from: version-url
    return _version_url(production, url, timeout_s=timeout_s)


def _heroku(app: str, env: Mapping[str, str], wait: WaitSettings) -> Reader:
    # deferred: heroku3 loads only when used
    from release_gate.heroku.api import HerokuApi
    from release_gate.heroku.formation import settled_release, web_on_release

    def read() -> Deployment:
        # A client per reading: the two readings are minutes apart, and no connection is left
        # open in between (or after the run).
        api = HerokuApi.from_env(env)
        try:
            current = settled_release(api, app, wait)
            release = current.release
            web = web_on_release(api, app, release.version, wait)
        finally:
            api.close()
        pending = current.pending
        return Deployment(where=app, release=release.version, commit=release.commit,
                          source=f"Heroku release v{release.version} of {app}",
                          web=(len(web.on_release), len(web.dynos)), web_detail=web.laggards,
                          pending=(f"v{pending.version} ({pending.description})"
                                   if pending is not None else None),
                          slugless=release.slugless)

    return read


def _version_url(production: Production, url: str, *, timeout_s: float) -> Reader:
    settings = production.settings

    def read() -> Deployment:
        import httpx  # deferred with the rest of the smoke's HTTP (session.py)

        try:
            response = httpx.get(url, timeout=timeout_s, follow_redirects=False)
        except httpx.HTTPError as error:
            raise DeploymentUnreadable(f"GET {url}: {type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise DeploymentUnreadable(f"GET {url} answered HTTP {response.status_code}, not "
                                       "200 (smoke.production.version_url)")
        if len(response.content) > MAX_VERSION_BYTES:
            raise DeploymentUnreadable(f"GET {url}: the answer is over {MAX_VERSION_BYTES} "
                                       "bytes; not a version document")
        try:
            data = response.json()
        except ValueError:
            raise DeploymentUnreadable(f"GET {url}: the answer is not JSON") from None
        commit = field_value(data, settings.version_field)
        release = (field_value(data, settings.release_field) if settings.release_field
                   else None)
        return Deployment(where=production.name, release=_release_number(release, url),
                          commit=str(commit).strip().lower() if commit else None,
                          source=f"GET {url} (field {settings.version_field})")

    return read


def _release_number(raw: Any, url: str) -> int | None:
    if raw is None or raw == "":
        return None
    text = str(raw).strip().lower().removeprefix("v")
    if not text.isdigit():
        raise DeploymentUnreadable(f"GET {url}: release {raw!r} is not a number like v47")
    return int(text)
