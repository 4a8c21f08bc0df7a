"""The Heroku Platform API, through heroku3 (the only module that imports it).

heroku3 5.2.1 needs care in three places, handled here:

- `heroku3.from_key` authenticates against the hard-coded https://api.heroku.com at once, so the
  client is built by hand: our own `requests` session (base URL from `HEROKU_API_URL`, TLS trust
  from `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE`, a timeout on every request) and only then the key.
- heroku3 does not fail on a bad key (`authenticate` returns False, and for any non-2xx): we
  read `GET /account` and map 401/403 to one clear line.
- heroku3 follows `Next-Range` only by printing a warning to standard output, and never bounds
  the pages: releases are paged here, with a page cap.
- heroku3 raises on 429 without the response (so `RateLimit-Remaining` and `Retry-After` are
  lost), keeps Heroku's error `id` and `message` only inside an exception string, and sends
  `Accept: application/vnd.heroku+json; version=3.cedar-acm`. So every request goes through
  heroku3's own session and URL builder (`_request`), the answer is read here: the Accept header
  is the Heroku CLI's (`version=3`, heroku/cli `src/lib/run/dyno.ts`), a 429 is waited out within
  the caller's budget (`budget`), and every error line carries Heroku's `id` and `message`.
  heroku3's models still parse the answers (releases, dynos).

Every failure leaves as a `HerokuError` with one line that says what and where; the key itself
is never part of a message.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import heroku3.api
import requests
from heroku3.models.dyno import Dyno as Heroku3Dyno
from heroku3.models.release import Release as Heroku3Release
from requests.adapters import HTTPAdapter

from release_gate.errors import HerokuError
from release_gate.heroku.brief import brief

DEFAULT_API_URL = "https://api.heroku.com"
KEY_ENV, URL_ENV = "HEROKU_API_KEY", "HEROKU_API_URL"
RELEASES_PAGE = 1000  # Heroku's largest page (`max=1000`); the default is 200
MAX_PAGES = 100  # 100,000 releases: far past any real app, but a bound
REQUEST_TIMEOUT = (10.0, 30.0)  # connect, read (seconds): heroku3 sets none
CREATE_ATTEMPTS = 3  # first try + 2 retries on 409, no pause, as the CLI (`_doStart`)
# The Heroku CLI's Accept header (src/lib/run/dyno.ts); heroku3 sends `version=3.cedar-acm`.
ACCEPT = "application/vnd.heroku+json; version=3"
# A 429 is waited out while the caller's budget lasts (`HerokuApi.budget`); without one, this long.
RATE_LIMIT_BUDGET_S = 30.0
# Heroku's token bucket refills continuously (about 75 tokens a minute): a token is a second
# or so away, so without a Retry-After the wait is short and grows a little.
RATE_LIMIT_FIRST_WAIT_S, RATE_LIMIT_MAX_WAIT_S = 1.0, 8.0
# One-off dynos live at most this long (`time_to_live` on create): a dyno the smoke loses
# track of still ends (the smoke's own commands are bounded by smoke.timeouts.command).
DYNO_TIME_TO_LIVE_S = 600
# An app is named by its name or its id (Heroku: lowercase letters, digits and dashes).
_APP = re.compile(r"^(?:[a-z][a-z0-9-]{1,29}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12})$")


@dataclass(frozen=True)
class Release:
    version: int  # v47 -> 47
    description: str  # "Deploy abc1234", "Set WEBAUTHN_ORIGIN config vars", "Rollback to v46"
    created_at: datetime  # aware, UTC
    status: str  # "succeeded" | "pending" | "failed"
    current: bool
    slug_id: str | None
    commit: str | None  # the slug's `commit` (None when unknown / no slug, or not resolved)
    oci_image_id: str | None = None  # CNB (Fir) releases: `slug` is null, `oci_image` is set
    oci_commit: str | None = None  # `oci_image.commit`, when the release carries it
    id: str | None = None  # the release's uuid (what a rollback names)
    user_email: str | None = None  # who made it (a release this key made: our account's email)

    @property
    def slugless(self) -> bool:
        """Container Registry and CNB releases have `slug: null` (Platform API, release)."""
        return self.slug_id is None


@dataclass(frozen=True)
class CurrentRelease:
    """The current release, and a newer one still `pending` (its release phase running)."""

    release: Release
    pending: Release | None


@dataclass(frozen=True)
class Build:
    """A build as `POST`/`GET /apps/{app}/builds[/{id}]` answer it (Platform API "Build")."""

    id: str
    status: str  # pending | succeeded | failed
    output_stream_url: str | None
    release_id: str | None  # set once the build made its release
    version: str | None  # source_blob.version: the commit it built


@dataclass(frozen=True)
class Dyno:
    """A one-off dyno as `POST /apps/{app}/dynos` answered it."""

    id: str
    name: str  # "run.1234"
    attach_url: str | None  # rendezvous://host:port/secret, when created with attach: true
    state: str
    release: int | None = None  # `release.version`: which release the dyno runs


@dataclass(frozen=True)
class FormationDyno:
    """One dyno of `GET /apps/{app}/dynos` (the formation, and any one-off dynos)."""

    name: str  # "web.1"
    type: str  # "web" | "worker" | "run" | "release"
    state: str  # "up" | "starting" | "crashed" | "down" | "idle"
    release: int | None  # `release.version`


class RateLimited(HerokuError):
    """Heroku answered 429 for longer than the caller's budget."""


@dataclass(frozen=True)
class LogSession:
    logplex_url: str  # plain HTTPS GET of log lines; the URL itself carries a credential


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout: heroku3 calls `session.request` without one."""

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: float | tuple[float, float] | tuple[float, None] | None = None,
             verify: bool | str = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        return super().send(request, stream=stream, timeout=timeout or REQUEST_TIMEOUT,
                            verify=verify, cert=cert, proxies=proxies)


def trust_from_env(environ: Mapping[str, str]) -> str | bool:
    """CA bundle to verify against: REQUESTS_CA_BUNDLE, then SSL_CERT_FILE, else the default."""
    return environ.get("REQUESTS_CA_BUNDLE") or environ.get("SSL_CERT_FILE") or True


def check_app_name(app: str) -> str:
    if not _APP.match(app or ""):
        raise HerokuError(f"{app!r} is not a Heroku app name (lowercase letters, digits, dashes; "
                          "HEROKU_APP / smoke.heroku_app)")
    return app


class HerokuApi:
    """One authenticated Platform API client. Build it with `from_env` (after the fences)."""

    def __init__(self, client: heroku3.api.Heroku, *, base_url: str, verify: str | bool,
                 account_email: str, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._h = client
        self.base_url = base_url
        self.verify = verify
        self.account_email = account_email
        self._sleep = sleep
        self._clock = clock
        self._budget_end: float | None = None  # monotonic; None: RATE_LIMIT_BUDGET_S per request
        self.requests = 0  # Platform API requests sent (bench/heroku_smoke.py reports them)
        self.rate_limited_s = 0.0  # time spent waiting out 429s
        self.rate_limit_remaining: int | None = None  # the last `RateLimit-Remaining` seen

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *,
                 sleep: Callable[[float], None] = time.sleep) -> HerokuApi:
        key = environ.get(KEY_ENV, "").strip()
        if not key:
            raise HerokuError(f"{KEY_ENV} is not set: the Heroku backends need an API key "
                              "(docs/heroku.md says which scope)")
        base_url = (environ.get(URL_ENV) or DEFAULT_API_URL).strip().rstrip("/")
        if not base_url.startswith("https://"):
            raise HerokuError(f"{URL_ENV} must be an https:// URL, not {base_url!r}")
        verify = trust_from_env(environ)
        session = requests.Session()
        # As heroku3.from_key does: the key given is the only credential (no ~/.netrc fallback).
        # That also stops requests reading REQUESTS_CA_BUNDLE itself, so trust is set here.
        session.trust_env = False
        session.verify = verify
        session.mount("https://", _TimeoutAdapter(max_retries=0))
        client = heroku3.api.Heroku(session=session)
        session.headers["Accept"] = ACCEPT  # after heroku3's __init__ set its own
        client._heroku_url = base_url  # before any request: never the hard-coded api.heroku.com
        client._api_key = key
        session.auth = ("", key)
        api = cls(client, base_url=base_url, verify=verify, account_email="", sleep=sleep)
        # heroku3 itself never fails on a bad key: ask who we are, and fail closed.
        account = api._json("GET", ("account",), what="GET /account")
        api.account_email = str(account.get("email") or "") if isinstance(account, dict) else ""
        return api

    def close(self) -> None:
        """Close the HTTP session's connections (heroku3 keeps them alive)."""
        self._h._session.close()

    @contextlib.contextmanager
    def budget(self, seconds: float) -> Iterator[None]:
        """Within this block, a 429 is waited out until `seconds` from now (or an enclosing
        budget's end, whichever is sooner): a step's or the teardown's own budget."""
        outer = self._budget_end
        end = self._clock() + max(0.0, seconds)
        self._budget_end = end if outer is None else min(outer, end)
        try:
            yield
        finally:
            self._budget_end = outer

    # -- reads -------------------------------------------------------------------------

    def app(self, app: str) -> dict[str, Any]:
        """`GET /apps/{app}`: the app's JSON (id, name, web_url, maintenance, ...)."""
        check_app_name(app)
        data = self._json("GET", ("apps", app), what=f"app {app}", app=app)
        if not isinstance(data, dict):
            raise HerokuError(f"app {app}: the answer is not an object")
        return data

    def config_vars(self, app: str) -> dict[str, str]:
        check_app_name(app)
        data = self._json("GET", ("apps", app, "config-vars"), what=f"config vars of {app}",
                          app=app)
        if not isinstance(data, dict):
            raise HerokuError(f"config vars of {app}: the answer is not an object")
        return {str(k): str(v) for k, v in data.items() if v is not None}

    def releases(self, app: str) -> list[Release]:
        """Every release, oldest first, following Heroku's `Range` / `Next-Range` pages."""
        check_app_name(app)
        found: list[Release] = []
        page_range = f"version ..; max={RELEASES_PAGE}"
        for _ in range(MAX_PAGES):
            response = self._request("GET", ("apps", app, "releases"),
                                     what=f"releases of {app}", app=app, valrange=page_range)
            found.extend(self._release(item) for item in _json_list(response, "releases"))
            next_range = response.headers.get("Next-Range")
            if response.status_code != 206 or not next_range:
                return sorted(found, key=lambda r: r.version)
            page_range = next_range
        raise HerokuError(f"releases of {app}: more than {MAX_PAGES} pages; giving up")

    def current_release(self, app: str) -> Release:
        """The release marked `current`, with its commit (see `current`)."""
        return self.current(app).release

    def current(self, app: str) -> CurrentRelease:
        """The release marked `current`, with its commit, and a newer release still `pending`.

        The commit: the slug's `commit` (`GET /apps/{app}/slugs/{id}`); a CNB release has no
        slug and carries `oci_image` (its `commit`, or `GET /apps/{app}/oci-images/{id}`, as
        the CLI's `pipelines:diff` reads it); a Container Registry release has neither.
        The most recent ten releases are read as `releases:info` does (heroku/cli
        `src/lib/releases/releases.ts`: `version ..; max=10, order=desc`).
        """
        check_app_name(app)
        response = self._request("GET", ("apps", app, "releases"), what=f"releases of {app}",
                                 app=app, valrange="version ..; max=10, order=desc")
        recent = [self._release(item) for item in _json_list(response, "releases")]
        current = next((r for r in recent if r.current), None)
        if current is None:  # more than 10 releases after the current one: read them all
            recent = list(reversed(self.releases(app)))
            current = next((r for r in recent if r.current), None)
        if current is None:
            raise HerokuError(f"app {app} has no current release")
        # A failed or expired newer release never served traffic: only `pending` matters.
        pending = next((r for r in sorted(recent, key=lambda r: r.version)
                        if r.version > current.version and r.status == "pending"), None)
        return CurrentRelease(self._with_commit(app, current), pending)

    def _with_commit(self, app: str, release: Release) -> Release:
        commit: str | None = None
        if release.slug_id is not None:
            slug = self._json("GET", ("apps", app, "slugs", release.slug_id),
                              what=f"slug {release.slug_id} of {app}", app=app)
            commit = slug.get("commit") if isinstance(slug, dict) else None
        elif release.oci_commit:
            commit = release.oci_commit
        elif release.oci_image_id is not None:
            images = self._json("GET", ("apps", app, "oci-images", release.oci_image_id),
                                what=f"OCI image {release.oci_image_id} of {app}", app=app)
            image = images[0] if isinstance(images, list) and images else images
            commit = image.get("commit") if isinstance(image, dict) else None
        return replace(release, commit=str(commit) if isinstance(commit, str) and commit
                       else None)

    def formation(self, app: str) -> list[FormationDyno]:
        """`GET /apps/{app}/dynos`: every dyno with its type, state and release (`ps:wait`)."""
        check_app_name(app)
        items = _json_list(self._request("GET", ("apps", app, "dynos"),
                                         what=f"dynos of {app}", app=app), "dynos")
        dynos = []
        for item in items:
            if not isinstance(item, dict):
                raise HerokuError(f"dynos of {app}: an entry is not an object")
            release = item.get("release")
            version = release.get("version") if isinstance(release, dict) else None
            dynos.append(FormationDyno(str(item.get("name") or "?"), str(item.get("type") or ""),
                                       str(item.get("state") or ""),
                                       version if isinstance(version, int) else None))
        return dynos

    def release(self, app: str, ident: str | int) -> Release:
        """`GET /apps/{app}/releases/{id_or_version}`."""
        check_app_name(app)
        data = self._json("GET", ("apps", app, "releases", str(ident)),
                          what=f"release {ident} of {app}", app=app)
        return self._release(data)

    def release_config_vars(self, app: str, ident: str | int) -> dict[str, str]:
        """`GET /apps/{app}/releases/{id_or_version}/config-vars`: what that release ran with."""
        check_app_name(app)
        data = self._json("GET", ("apps", app, "releases", str(ident), "config-vars"),
                          what=f"config vars of release {ident} of {app}", app=app)
        if not isinstance(data, dict):
            raise HerokuError(f"config vars of release {ident} of {app}: not an object")
        return {str(k): str(v) for k, v in data.items() if v is not None}

    # -- builds and rollbacks (release-gate deploy) ------------------------------------

    def create_build(self, app: str, *, url: str, version: str) -> Build:
        """`POST /apps/{app}/builds` from a source tarball URL, `version` = the commit."""
        check_app_name(app)
        data = self._json("POST", ("apps", app, "builds"), what=f"build on {app}", app=app,
                          body={"source_blob": {"url": url, "version": version}})
        return _build(data, f"build on {app}")

    def build(self, app: str, build_id: str) -> Build:
        check_app_name(app)
        data = self._json("GET", ("apps", app, "builds", build_id),
                          what=f"build {build_id} of {app}", app=app)
        return _build(data, f"build {build_id} of {app}")

    def rollback(self, app: str, release_id: str) -> Release:
        """`POST /apps/{app}/releases` with `{"release": id}`: a new release "Rollback to vN"
        with that release's slug and config vars (as `heroku releases:rollback` posts it)."""
        check_app_name(app)
        data = self._json("POST", ("apps", app, "releases"), what=f"rollback of {app}", app=app,
                          body={"release": release_id})
        return self._release(data)

    # -- one-off dynos and logs --------------------------------------------------------

    def create_dyno(self, app: str, command: str, *, size: str | None = None,
                    env: Mapping[str, str] | None = None,
                    time_to_live: int = DYNO_TIME_TO_LIVE_S) -> Dyno:
        """`POST /apps/{app}/dynos` with `attach: true` and a `time_to_live`.

        409 ("the release isn't found yet") is retried at once, twice, as the Heroku CLI's
        `_doStart` does; a 429 is waited out within the current budget (`_request`).
        """
        check_app_name(app)
        body: dict[str, Any] = {"command": command, "attach": True, "force_no_tty": True,
                                "time_to_live": time_to_live}
        if size:
            body["size"] = size
        if env:
            body["env"] = dict(env)
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                data = self._json("POST", ("apps", app, "dynos"), what=f"one-off dyno on {app}",
                                  app=app, body=body, retry_statuses=(409,))
                break
            except _Retryable as retry:
                if attempt == CREATE_ATTEMPTS:
                    raise HerokuError(f"one-off dyno on {app}: Heroku answered {retry.status} "
                                      f"{CREATE_ATTEMPTS} times ({retry.detail}); giving up") \
                        from None
        if not isinstance(data, dict):
            raise HerokuError(f"one-off dyno on {app}: the answer is not an object")
        dyno = Heroku3Dyno.new_from_dict(data, h=self._h)
        if not dyno.id or not dyno.name:
            raise HerokuError(f"one-off dyno on {app}: the answer has no id or name")
        release = data.get("release")
        version = release.get("version") if isinstance(release, dict) else None
        return Dyno(str(dyno.id), str(dyno.name), dyno.attach_url, str(dyno.state or ""),
                    version if isinstance(version, int) else None)

    def stop_dyno(self, app: str, name: str) -> None:
        """`POST /apps/{app}/dynos/{name}/actions/stop`."""
        check_app_name(app)
        self._request("POST", ("apps", app, "dynos", name, "actions", "stop"),
                      what=f"stopping dyno {name} on {app}", app=app)

    def log_session(self, app: str, *, tail: bool = True, lines: int = 1) -> LogSession:
        """`POST /apps/{app}/log-sessions`: a `logplex_url` to stream the app's log from."""
        check_app_name(app)
        data = self._json("POST", ("apps", app, "log-sessions"), what=f"log session of {app}",
                          app=app, body={"tail": tail, "lines": lines})
        url = data.get("logplex_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            raise HerokuError(f"log session of {app}: no https logplex_url in the answer")
        return LogSession(url)

    # -- plumbing ----------------------------------------------------------------------

    def _release(self, item: Any) -> Release:
        if not isinstance(item, dict):
            raise HerokuError("releases: an entry is not an object")
        model = Heroku3Release.new_from_dict(item, h=self._h)
        created = model.created_at
        if not isinstance(model.version, int) or not isinstance(created, datetime):
            raise HerokuError(f"releases: entry {item.get('id')!r} has no version or created_at")
        slug = item.get("slug")
        slug_id = slug.get("id") if isinstance(slug, dict) else None
        image = item.get("oci_image")
        image_id = image.get("id") if isinstance(image, dict) else None
        image_commit = image.get("commit") if isinstance(image, dict) else None
        return Release(version=model.version, description=str(model.description or ""),
                       created_at=(created if created.tzinfo else created.replace(tzinfo=UTC))
                       .astimezone(UTC),
                       status=str(model.status or ""), current=bool(model.current),
                       slug_id=str(slug_id) if slug_id else None, commit=None,
                       oci_image_id=str(image_id) if image_id else None,
                       oci_commit=str(image_commit) if isinstance(image_commit, str)
                       and image_commit else None,
                       id=str(item["id"]) if item.get("id") else None,
                       user_email=_user_email(item))

    def _json(self, method: str, resource: Sequence[str], *, what: str, app: str | None = None,
              body: Mapping[str, Any] | None = None,
              retry_statuses: Sequence[int] = ()) -> Any:
        response = self._request(method, resource, what=what, app=app, body=body,
                                 retry_statuses=retry_statuses)
        try:
            return json.loads(response.content.decode("utf-8"))
        except ValueError:
            raise HerokuError(f"{what}: the Heroku API answered something that is not JSON") \
                from None

    def _request(self, method: str, resource: Sequence[str], *, what: str,
                 app: str | None = None, body: Mapping[str, Any] | None = None,
                 valrange: str | None = None,
                 retry_statuses: Sequence[int] = ()) -> requests.Response:
        """One Platform API request through heroku3's session and URL builder; a 429 is waited
        out (Retry-After, else about a second) while the budget lasts."""
        data = json.dumps(body) if body is not None else None
        url = self._h._url_for(*resource)
        headers = self._h._get_headers_for_request(valrange=valrange)
        headers["Accept"] = ACCEPT
        start = self._clock()
        end = self._budget_end if self._budget_end is not None else start + RATE_LIMIT_BUDGET_S
        wait = RATE_LIMIT_FIRST_WAIT_S
        while True:
            response = self._send(method, url, what, data=data, headers=headers)
            remaining = response.headers.get("RateLimit-Remaining")
            if remaining is not None and remaining.strip().isdigit():
                self.rate_limit_remaining = int(remaining)
            code = response.status_code
            if 200 <= code < 300:
                return response
            detail = _heroku_detail(response)
            if code == 429:
                pause = _retry_after(response)
                pause = wait if pause is None else pause
                if self._clock() + pause <= end:
                    self._sleep(pause)
                    self.rate_limited_s += pause
                    wait = min(RATE_LIMIT_MAX_WAIT_S, wait * 2)
                    continue
                waited = self._clock() - start
                raise RateLimited(
                    f"{what}: Heroku rate limit: 429 for {waited:.0f} s, past the "
                    f"{end - start:.0f} s budget ({detail}; RateLimit-Remaining: "
                    f"{remaining if remaining is not None else '?'}"
                    + (f", Retry-After: {response.headers['Retry-After']}"
                       if "Retry-After" in response.headers else "") + ")")
            if code in retry_statuses:
                raise _Retryable(code, detail)
            raise HerokuError(_http_message(what, code, app, self.base_url, detail))

    def _send(self, method: str, url: str, what: str, *, data: str | None,
              headers: dict[str, str]) -> requests.Response:
        self.requests += 1
        try:
            response: requests.Response = self._h._session.request(
                method, url, data=data, headers=headers)
            return response
        except requests.exceptions.SSLError as error:
            raise HerokuError(f"{what}: TLS verification of {self.base_url} failed "
                              f"({_short(error)}); trust comes from REQUESTS_CA_BUNDLE / "
                              "SSL_CERT_FILE") from None
        except requests.Timeout:
            raise HerokuError(f"{what}: the Heroku API at {self.base_url} did not answer "
                              "in time") from None
        except requests.RequestException as error:
            raise HerokuError(f"{what}: cannot reach the Heroku API at {self.base_url} "
                              f"({_short(error)})") from None


class _Retryable(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status)
        self.status, self.detail = status, detail


def _heroku_detail(response: requests.Response) -> str:
    """Heroku's error `id` and `message` (Platform API, Errors), as `id: message`."""
    try:
        body = json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and (body.get("id") or body.get("message")):
        ident = " ".join(str(body.get("id") or "").split())[:80]
        message = " ".join(str(body.get("message") or "").split())[:300]
        return f"{ident}: {message}" if ident else message
    return f"HTTP {response.status_code}, no Heroku error body"


def _http_message(what: str, code: int, app: str | None, base_url: str, detail: str) -> str:
    if code == 401:
        return (f"{what}: the Heroku API rejected {KEY_ENV} (401 Unauthorized, {detail}); "
                "create a new key (docs/heroku.md)")
    if code == 403:
        return (f"{what}: {KEY_ENV} is not allowed to do this (403 Forbidden, {detail}); "
                "docs/heroku.md lists the access the key needs")
    # Heroku says which resource it could not find ("Couldn't find that app."): a missing
    # slug or image is not an unknown app.
    if code == 404 and app is not None and re.search(r"\bapp\b", detail.lower()):
        return (f"{what}: unknown Heroku app {app!r} (404 from {base_url}, {detail}); "
                "check HEROKU_APP")
    return f"{what}: the Heroku API answered HTTP {code} ({detail})"


def _retry_after(response: requests.Response | None) -> float | None:
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(60.0, max(0.0, float(raw))) if raw else None
    except ValueError:
        return None


def _user_email(item: Mapping[str, Any]) -> str | None:
    user = item.get("user")
    email = user.get("email") if isinstance(user, dict) else None
    return str(email) if email else None


def _build(data: Any, what: str) -> Build:
    if not isinstance(data, dict) or not data.get("id") or not data.get("status"):
        raise HerokuError(f"{what}: the answer has no id or status")
    release = data.get("release") if isinstance(data.get("release"), dict) else None
    source = data.get("source_blob") if isinstance(data.get("source_blob"), dict) else {}
    stream = data.get("output_stream_url")
    return Build(str(data["id"]), str(data["status"]),
                 str(stream) if isinstance(stream, str) and stream else None,
                 str(release["id"]) if release and release.get("id") else None,
                 str(source.get("version")) if source and source.get("version") else None)


def _json_list(response: requests.Response, what: str) -> list[Any]:
    try:
        items = json.loads(response.content.decode("utf-8"))
    except ValueError:
        raise HerokuError(f"{what}: the Heroku API answered something that is not JSON") \
            from None
    if not isinstance(items, list):
        raise HerokuError(f"{what}: expected a list, got {type(items).__name__}")
    return items


def _short(error: Exception) -> str:
    return brief(error)
