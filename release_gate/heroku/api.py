"""The Heroku Platform API, through heroku3 (the only module that imports it).

heroku3 5.2.1 needs care in three places, handled here:

- `heroku3.from_key` authenticates against the hard-coded https://api.heroku.com at once, so the
  client is built by hand: our own `requests` session (base URL from `HEROKU_API_URL`, TLS trust
  from `REQUESTS_CA_BUNDLE` / `SSL_CERT_FILE`, a timeout on every request) and only then the key.
- heroku3 does not fail on a bad key (`authenticate` returns False, and for any non-2xx): we
  read `GET /account` and map 401/403 to one clear line.
- heroku3 follows `Next-Range` only by printing a warning to standard output, and never bounds
  the pages: releases are paged here, through heroku3's own request method, with a page cap.

Every failure leaves as a `HerokuError` with one line that says what and where; the key itself
is never part of a message.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import heroku3.api
import requests
from heroku3.models.account import Account
from heroku3.models.configvars import ConfigVars
from heroku3.models.dyno import Dyno as Heroku3Dyno
from heroku3.models.release import Release as Heroku3Release
from heroku3.models.slug import Slug
from requests.adapters import HTTPAdapter

from release_gate.errors import HerokuError

DEFAULT_API_URL = "https://api.heroku.com"
KEY_ENV, URL_ENV = "HEROKU_API_KEY", "HEROKU_API_URL"
RELEASES_PAGE = 1000  # Heroku's largest page (`max=1000`); the default is 200
MAX_PAGES = 100  # 100,000 releases: far past any real app, but a bound
REQUEST_TIMEOUT = (10.0, 30.0)  # connect, read (seconds): heroku3 sets none
CREATE_ATTEMPTS = 4  # first try + 3 retries on 409 / 429, as the CLI retries 409
# An app is named by its name or its id (Heroku: lowercase letters, digits and dashes).
_APP = re.compile(r"^(?:[a-z][a-z0-9-]{1,29}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12})$")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Release:
    version: int  # v47 -> 47
    description: str  # "Deploy abc1234", "Set WEBAUTHN_ORIGIN config vars", "Rollback to v46"
    created_at: datetime  # aware, UTC
    status: str  # "succeeded" | "pending" | "failed"
    current: bool
    slug_id: str | None
    commit: str | None  # the slug's `commit` (None when unknown / no slug, or not resolved)


@dataclass(frozen=True)
class Dyno:
    """A one-off dyno as `POST /apps/{app}/dynos` answered it."""

    id: str
    name: str  # "run.1234"
    attach_url: str | None  # rendezvous://host:port/secret, when created with attach: true
    state: str


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
                 account_email: str, sleep: Callable[[float], None] = time.sleep) -> None:
        self._h = client
        self.base_url = base_url
        self.verify = verify
        self.account_email = account_email
        self._sleep = sleep

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
        client._heroku_url = base_url  # before any request: never the hard-coded api.heroku.com
        client._api_key = key
        session.auth = ("", key)
        api = cls(client, base_url=base_url, verify=verify, account_email="", sleep=sleep)
        # heroku3 itself never fails on a bad key: ask who we are, and fail closed.
        account = api._call("GET /account", lambda: client._get_resource(("account",), Account))
        api.account_email = str(getattr(account, "email", "") or "")
        return api

    def close(self) -> None:
        """Close the HTTP session's connections (heroku3 keeps them alive)."""
        self._h._session.close()

    # -- reads -------------------------------------------------------------------------

    def app(self, app: str) -> dict[str, Any]:
        """`GET /apps/{app}`: the app's JSON (id, name, web_url, ...); 404 names the app."""
        check_app_name(app)
        data = self._json("GET", ("apps", app), what=f"app {app}", app=app)
        if not isinstance(data, dict):
            raise HerokuError(f"app {app}: the answer is not an object")
        return data

    def config_vars(self, app: str) -> dict[str, str]:
        check_app_name(app)
        config = self._call(f"config vars of {app}", lambda: self._h._get_resource(
            ("apps", app, "config-vars"), ConfigVars, app=None), app=app)
        return {str(k): str(v) for k, v in config.to_dict().items() if v is not None}

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
        """The release marked `current`, with the commit of its slug (`GET /apps/{app}/slugs`)."""
        check_app_name(app)
        response = self._request("GET", ("apps", app, "releases"), what=f"releases of {app}",
                                 app=app, valrange="version ..; order=desc, max=10")
        recent = [self._release(item) for item in _json_list(response, "releases")]
        current = next((r for r in recent if r.current), None)
        if current is None:  # more than 10 releases after the current one: read them all
            current = next((r for r in reversed(self.releases(app)) if r.current), None)
        if current is None:
            raise HerokuError(f"app {app} has no current release")
        if current.slug_id is None:
            return current
        slug = self._call(f"slug {current.slug_id} of {app}", lambda: self._h._get_resource(
            ("apps", app, "slugs", current.slug_id), Slug), app=app)
        commit = getattr(slug, "commit", None)
        return Release(current.version, current.description, current.created_at, current.status,
                       current.current, current.slug_id, str(commit) if commit else None)

    # -- one-off dynos and logs --------------------------------------------------------

    def create_dyno(self, app: str, command: str, *, size: str | None = None,
                    env: Mapping[str, str] | None = None) -> Dyno:
        """`POST /apps/{app}/dynos` with `attach: true`; retries 409 and 429 with backoff.

        409: "the release isn't found yet" (the Heroku CLI retries it); 429: rate limited.
        """
        check_app_name(app)
        body: dict[str, Any] = {"command": command, "attach": True, "force_no_tty": True}
        if size:
            body["size"] = size
        if env:
            body["env"] = dict(env)
        delay = 0.5
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                data = self._json("POST", ("apps", app, "dynos"), what=f"one-off dyno on {app}",
                                  app=app, body=body, retry_statuses=(409, 429))
                break
            except _Retryable as retry:
                if attempt == CREATE_ATTEMPTS:
                    raise HerokuError(f"one-off dyno on {app}: Heroku answered {retry.status} "
                                      f"{CREATE_ATTEMPTS} times; giving up") from None
                self._sleep(retry.wait if retry.wait is not None else delay)
                delay *= 2
        dyno = Heroku3Dyno.new_from_dict(data, h=self._h)
        if not dyno.id or not dyno.name:
            raise HerokuError(f"one-off dyno on {app}: the answer has no id or name")
        return Dyno(str(dyno.id), str(dyno.name), dyno.attach_url, str(dyno.state or ""))

    def stop_dyno(self, app: str, name: str) -> None:
        """`POST /apps/{app}/dynos/{name}/actions/stop`, best effort (a hung dyno)."""
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
        slug = getattr(model, "slug", None)
        slug_id = getattr(slug, "id", None) if slug is not None else None
        return Release(version=model.version, description=str(model.description or ""),
                       created_at=(created if created.tzinfo else created.replace(tzinfo=UTC))
                       .astimezone(UTC),
                       status=str(model.status or ""), current=bool(model.current),
                       slug_id=str(slug_id) if slug_id else None, commit=None)

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
        data = json.dumps(body) if body is not None else None

        def send() -> requests.Response:
            response: requests.Response = self._h._http_resource(
                method, tuple(resource), data=data, valrange=valrange)
            return response

        try:
            return self._call_raw(what, send, app=app)
        except _Status as status:
            if status.code in retry_statuses:
                raise _Retryable(status.code, status.retry_after) from None
            raise HerokuError(status.message) from None

    def _call(self, what: str, call: Callable[[], _T], *, app: str | None = None) -> _T:
        try:
            return self._call_raw(what, call, app=app)
        except _Status as status:
            raise HerokuError(status.message) from None

    def _call_raw(self, what: str, call: Callable[[], _T], *, app: str | None = None) -> _T:
        try:
            return call()
        except heroku3.api.RateLimitExceeded:
            raise _Status(429, f"{what}: Heroku rate limit reached (429 Too Many Requests); "
                               "retry later") from None
        except requests.HTTPError as error:
            response = error.response
            code = response.status_code if response is not None else 0
            raise _Status(code, _http_message(what, code, app, self.base_url),
                          _retry_after(response)) from None
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
        except heroku3.api.ResponseError:
            raise HerokuError(f"{what}: the Heroku API answered something that is not JSON") \
                from None


class _Status(Exception):
    """A non-2xx answer, before it becomes a HerokuError (or a retry)."""

    def __init__(self, code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


class _Retryable(Exception):
    def __init__(self, status: int, wait: float | None) -> None:
        super().__init__(status)
        self.status, self.wait = status, wait


def _http_message(what: str, code: int, app: str | None, base_url: str) -> str:
    if code == 401:
        return (f"{what}: the Heroku API rejected {KEY_ENV} (401 Unauthorized); "
                "create a new key (docs/heroku.md)")
    if code == 403:
        return (f"{what}: {KEY_ENV} is not allowed to do this (403 Forbidden); "
                "docs/heroku.md lists the access the key needs")
    if code == 404 and app is not None:
        return f"{what}: unknown Heroku app {app!r} (404 from {base_url}); check HEROKU_APP"
    if code == 429:
        return f"{what}: Heroku rate limit reached (429 Too Many Requests); retry later"
    return f"{what}: the Heroku API answered HTTP {code}"


def _retry_after(response: requests.Response | None) -> float | None:
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(30.0, max(0.0, float(raw))) if raw else None
    except ValueError:
        return None


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
    return " ".join(str(error).split())[:200] or type(error).__name__
