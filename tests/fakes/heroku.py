"""A fake Heroku: the Platform API, dyno rendezvous and logplex, over real TLS on loopback.

Tests drive the real heroku3 client and our rendezvous client against it. Shapes follow the
Platform API reference (account, apps, config-vars, releases, slugs, dynos with `attach_url`,
log-sessions with `logplex_url`) and the Heroku CLI's `run` (rendezvous: TLS, the secret and
"\\r\\n", a "rendezvous" acknowledgement line, then the process's output; the connection closes
when the process ends). What bites is reproduced:

- `Range` pagination of releases as Heroku does it: `Range: version ..; max=N[, order=desc]`
  (default max 200, at most 1000), `206 Partial Content` with `Content-Range` and `Next-Range`
  while more remain, `200` on the last page;
- 401 for a bad key (on every route, including the `GET /account` heroku3 never makes), 404
  for an unknown app, programmable faults (409 / 429 on dyno create, 5xx ...);
- one-off dynos that run their command on this machine, with the app's config vars as
  environment, through `bash -c` like a dyno's shell; the slug lives at `/app` on a dyno, so the
  fake maps the literal path `/app` in a command to `app_root` (a temporary directory the test
  fills, e.g. with a `backend_v2/` package) and puts a `python` for this interpreter on PATH;
- dyno behaviours per creation: `hang` (never acknowledges: a dyno that does not boot),
  `drop` (closes the connection mid-output), `coalesce` (acknowledgement and all output in one
  TLS record), `no-status` (the exit-status echo never runs), `slow:S` (boots after S seconds);
- logplex: `GET` of the session URL streams the app's log as Heroku lines
  (`2026-05-25T01:23:55.000000+00:00 app[web.1]: ...`) from a file the app writes (the sandbox's
  log), following it until the client disconnects; `drop_levels` hides lines of a log level (the
  RCA's swallowed INFO lines).

Shapes that bite on a real production app, each after the source named:

- `Accept`: the CLI sends `application/vnd.heroku+json; version=3` (heroku/cli
  `src/lib/run/dyno.ts`) or one of the variants it uses (`3.sdk`, `3.run-inside`, ...); anything
  else is `406` with Heroku's error body (`id`, `message`: Platform API reference, Errors);
- errors carry `{"id": ..., "message": ...}`; `fail(..., 422, message=...)` programs one;
- rate limits (Platform API reference, Rate Limits): every answer has `RateLimit-Remaining`;
  `rate_limit(times, retry_after)` answers `429` `{"id": "rate_limit"}` with
  `RateLimit-Remaining: 0` (and `Retry-After` when given) to any route;
- the formation (`GET /apps/{app}/dynos`, Platform API reference, Dyno List; read as
  `ps:wait` reads it, heroku/cli `src/commands/ps/wait.ts`): web dynos each with a `state` and a
  `release.version`. A succeeded release restarts them onto it at once, unless the test scripts
  a rollout (`rollout(app, [[("web.1", "up", 47), ...], ...])`: one formation per poll, the last
  one staying), the way preboot serves two releases side by side;
- releases `pending` (release phase running) and `failed` (never current), and releases with
  `slug: null`, with or without `oci_image` (CNB: `{"id", "commit"}`; heroku/cli
  `src/lib/types/fir.d.ts`, Release and OciImage; `GET /apps/{app}/oci-images/{id}` answers a
  list, as `pipelines:diff` reads it);
- `maintenance` on `GET /apps/{app}` (heroku/cli `src/commands/maintenance/index.ts`);
- the dyno-create answer names the dyno's `release` (the current one, or `dyno_release`);
  `time_to_live` is recorded; output is LF with `force_no_tty` (no pty) and CRLF without; a
  command whose last write has no newline puts the exit marker mid-line, as on Heroku (the
  CLI's regex is unanchored, `src/lib/run/dyno.ts` `_readData`); dyno behaviours
  `close-before-ack` (the rendezvous closes before the acknowledgement: a dyno that failed to
  boot) and `https-attach` (a Private Spaces dyno: an `https://` attach_url, which the CLI
  attaches to over SSH);
- logplex as the CLI reads it since October 2024 (heroku/cli `src/lib/run/log-displayer.ts`,
  an EventSource; its fixtures in `test/unit/lib/run/log-displayer.unit.test.ts`): with
  `Accept: text/event-stream`, `text/event-stream` of `id: N` / `data: <line>` events; the old
  plain text otherwise. `log_lines(app, ...)` injects router lines (`heroku[router]: at=error
  code=H12 ...`) and logplex's own notices (`heroku[logplex]: Error L10 (output buffer
  overflow): ...`); `logplex_drop_after` cuts the stream after N events (the client reconnects
  with `Last-Event-Id`).

Builds and rollbacks (`release-gate deploy`), after the Platform API reference ("Build", "Release")
and devcenter "Building and Releasing Using the Platform API":

- `POST /apps/{app}/builds` answers `pending` with an `output_stream_url`, then fetches
  `source_blob.url` for real (the fake GitHub's codeload link, over TLS; `source_trust`), runs a
  buildpack's detect (Python: `requirements.txt`, `pyproject.toml`, `Pipfile` or `setup.py` at
  the root, else the build fails as Heroku says it), streams its log while it runs (the stream
  ends with the build), and on success makes the slug (`commit` = `source_blob.version`; the
  archive's own commit id is kept as `source_commit`), then the release `Deploy <sha8>`:
  `pending` while a release phase runs (`release_phase_s`, `release_phase_fails`), then
  `succeeded` and current (the web dynos restart on it), or `failed`; the slug's files (the
  archive's `slug_root` folder) are what one-off dynos on that release see at /app;
- `POST /apps/{app}/releases` with `{"release": id}` is a rollback, as `heroku
  releases:rollback` posts it (heroku/cli `src/commands/releases/rollback.ts`): a new release
  "Rollback to vN" with that release's slug and config vars, made by the key's account;
  `GET /apps/{app}/releases/{id|version}` and its `/config-vars`.

Every request is counted (`calls`, `rendezvous_connections`, `logplex_requests`), and every dyno
creation is recorded (`dynos`), so tests can assert budgets and that a fence sent nothing.

    with FakeHeroku() as heroku:
        app = heroku.add_app("raxx-api-prod", config={"DATABASE_URL": url})
        heroku.add_release("raxx-api-prod", description="Deploy abc1234", commit="abc1234...")
        env = heroku.environ()          # HEROKU_API_KEY, HEROKU_API_URL, SSL_CERT_FILE, ...
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import HTTPSHandler, build_opener

from tests.fakes.tls import TestCA, serve_https

DYNO_APP = Path(__file__).resolve().parent / "dyno_app"  # the team's app, as far as dynos need
API_KEY = "hrku-fake-0123456789abcdef"  # what the fake accepts; tests never print it either
DEFAULT_PAGE, MAX_PAGE = 200, 1000
# Platform API reference, Rate Limits: the 429 body.
RATE_LIMIT_MESSAGE = ("Your account reached the API rate limit. Please wait a few minutes before "
                      "making new requests")
LOG_EVENT_BASE = 1000  # the first SSE event id of a log session (the CLI's fixture: 1002, 1003)
HANG_LIMIT_S = 60.0  # a hung dyno still lets go of its socket eventually (bounded test servers)
DYNO_LIMIT_S = 120.0
_APP_PATH = re.compile(r"(?<![\w./-])/app(?=$|[/'\"\s;)])")
_RANGE = re.compile(r"^\s*(?P<attr>\w+)\s+(?P<start>\]?[^.\s;]*)\.\.(?P<end>[^;\s]*)\s*"
                    r"(?:;\s*(?P<opts>.*))?$")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeRelease:
    version: int
    id: str
    description: str
    status: str
    current: bool
    created_at: datetime
    slug_id: str | None
    oci_image: dict[str, Any] | None = None
    config: dict[str, str] = field(default_factory=dict)  # the config vars this release runs
    user_email: str = "operator@example.com"

    def json(self, app: FakeApp) -> dict[str, Any]:
        return {
            "addon_plan_names": ["heroku-postgresql:essential-0"], "artifacts": [],
            "app": {"id": app.id, "name": app.name},
            "created_at": _iso(self.created_at), "updated_at": _iso(self.created_at),
            "description": self.description, "status": self.status, "id": self.id,
            "slug": {"id": self.slug_id} if self.slug_id else None,
            "oci_image": self.oci_image,
            "user": {"email": self.user_email, "id": "5f3e0b3c-0000-4000-8000-000000000001"},
            "version": self.version, "current": self.current, "output_stream_url": None,
            "eligible_for_rollback": True,
        }


@dataclass
class FakeDyno:
    app: str
    name: str
    id: str
    command: str
    env: dict[str, str]
    secret: str
    behaviour: str
    created_at: datetime
    size: str = "Basic"
    state: str = "starting"
    exit_code: int | None = None
    output: str = ""
    time_to_live: Any = None
    tty: bool = True
    stopped: bool = False


@dataclass
class FakeBuild:
    id: str
    app: str
    version: str | None
    url: str
    status: str = "pending"
    lines: list[str] = field(default_factory=list)
    slug_id: str | None = None
    release_id: str | None = None
    source_commit: str | None = None  # the pax header's commit id in the fetched archive
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stream_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))


@dataclass
class FakeApp:
    name: str
    id: str
    config: dict[str, str]
    releases: list[FakeRelease] = field(default_factory=list)
    slugs: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, dict[str, Any]] = field(default_factory=dict)  # OCI images (CNB)
    log_path: Path | None = None  # the file the app's web dyno writes (sandbox log)
    drop_levels: set[str] = field(default_factory=set)  # e.g. {"INFO"}: the RCA's swallowed lines
    maintenance: bool = False
    stack: str = "heroku-24"  # "cnb" for a Fir app (CNB: the `launcher` runs commands)
    generation: str = "cedar"  # "fir"
    web: list[tuple[str, str, int | None]] = field(default_factory=list)  # (name, state, version)
    rollout: list[list[tuple[str, str, int | None]]] = field(default_factory=list)
    extra_lines: list[str] = field(default_factory=list)  # injected log lines (router, logplex)
    builds: list[FakeBuild] = field(default_factory=list)
    slug_dirs: dict[str, Path] = field(default_factory=dict)  # slug id -> its files (/app)
    slug_root: str = ""  # the archive's folder the buildpack compiles (default: its root)
    build_s: float = 0.2  # how long a build compiles
    release_phase_s: float = 0.0  # > 0: releases stay `pending` that long (a release phase)
    release_phase_fails: bool = False


@dataclass
class LogSessionState:
    app: str
    offset: int  # how far into the app's log file the session has read
    lines: list[str] = field(default_factory=list)  # event N is lines[N - LOG_EVENT_BASE]


@dataclass
class Fault:
    method: str
    route: str  # a route template, e.g. "/apps/{app}/dynos"
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None


ROUTES = [
    ("GET", "/account"), ("GET", "/account/rate-limits"), ("GET", "/apps/{app}"),
    ("GET", "/apps/{app}/config-vars"), ("GET", "/apps/{app}/releases"),
    ("GET", "/apps/{app}/slugs/{slug}"), ("GET", "/apps/{app}/oci-images/{image}"),
    ("GET", "/apps/{app}/dynos"), ("POST", "/apps/{app}/dynos"),
    ("POST", "/apps/{app}/dynos/{dyno}/actions/stop"), ("DELETE", "/apps/{app}/dynos/{dyno}"),
    ("POST", "/apps/{app}/log-sessions"), ("GET", "/logplex/{session}"),
    ("POST", "/apps/{app}/builds"), ("GET", "/apps/{app}/builds"),
    ("GET", "/apps/{app}/builds/{build}"), ("GET", "/build-output/{stream}"),
    ("POST", "/apps/{app}/releases"), ("GET", "/apps/{app}/releases/{release}"),
    ("GET", "/apps/{app}/releases/{release}/config-vars"),
]
_COMPILED = [(m, t, re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(t))
                               + "$")) for m, t in ROUTES]


class FakeHeroku:
    def __init__(self, *, api_key: str = API_KEY, email: str = "release-gate@example.com",
                 app_files: Path | None = None, source_trust: str | None = None) -> None:
        """`app_files`: a directory copied to what dynos see as /app (the slug).
        `source_trust`: a CA bundle for fetching build sources (the fake GitHub's)."""
        self.source_trust = source_trust
        self.api_key = api_key
        self.email = email
        self.lock = threading.RLock()
        self.apps: dict[str, FakeApp] = {}
        self.dynos: list[FakeDyno] = []
        self.behaviours: list[str] = []  # consumed one per dyno creation; default "normal"
        self.faults: list[Fault] = []
        self.calls: Counter[tuple[str, str]] = Counter()
        self.rendezvous_connections = 0
        self.logplex_requests = 0
        self.logplex_down = False  # logplex answers 503 (an incident)
        self.logplex_drop_after: int | None = None  # close each stream after N events
        self.logplex_last_event_ids: list[str | None] = []  # Last-Event-Id of each stream GET
        self.logplex_content_types: list[str] = []  # what each stream GET was answered with
        self.logplex_plain = False  # answer text/plain even when asked for SSE (an old stream)
        self.rate_limited = 0  # 429s still to answer (any route)
        self.rate_limit_retry_after: str | None = None
        self.accepts: list[str] = []  # the Accept header of every API request
        self.dyno_release: int | None = None  # one-off dynos run this release (None: current)
        self.log_sessions: dict[str, LogSessionState] = {}  # session token -> its state
        self._processes: set[subprocess.Popen[bytes]] = set()
        self._ca: TestCA | None = None
        self._api: ThreadingHTTPServer | None = None
        self._rendezvous: socket.socket | None = None
        self._stopping = threading.Event()
        self._tmp = tempfile.TemporaryDirectory(prefix="fake-heroku-")
        self.app_root = Path(self._tmp.name) / "app"  # what a dyno sees at /app
        self.app_root.mkdir()
        if app_files is not None:
            shutil.copytree(app_files, self.app_root, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        bindir = Path(self._tmp.name) / "bin"
        bindir.mkdir()
        (bindir / "python").symlink_to(sys.executable)
        self._bindir = bindir

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> FakeHeroku:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._ca = TestCA()
        context = self._ca.server_context()
        fake = self

        class Handler(_Handler):
            owner = fake

        self._api = serve_https(Handler, context, name="fake-heroku-api")
        listener = socket.create_server(("127.0.0.1", 0))
        self._rendezvous = listener
        threading.Thread(target=self._accept_rendezvous, args=(listener, context),
                         name="fake-heroku-rendezvous", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        with self.lock:
            processes = list(self._processes)
        for process in processes:
            _kill(process)
        if self._api is not None:
            self._api.shutdown()
            self._api.server_close()
            self._api = None
        if self._rendezvous is not None:
            # close() alone leaves the accepting thread blocked on the listening socket (Linux),
            # alive across tests; shutdown() wakes it, and it returns.
            with contextlib.suppress(OSError):
                self._rendezvous.shutdown(socket.SHUT_RDWR)
            self._rendezvous.close()
            self._rendezvous = None
        if self._ca is not None:
            self._ca.cleanup()
        self._tmp.cleanup()

    @property
    def api_url(self) -> str:
        assert self._api is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._api.server_address[1]}"

    @property
    def ca_path(self) -> str:
        assert self._ca is not None
        return self._ca.path

    @property
    def rendezvous_port(self) -> int:
        assert self._rendezvous is not None
        return int(self._rendezvous.getsockname()[1])

    def environ(self, *, api_key: str | None = None, app: str | None = None) -> dict[str, str]:
        env = {"HEROKU_API_KEY": api_key or self.api_key, "HEROKU_API_URL": self.api_url,
               "SSL_CERT_FILE": self.ca_path, "REQUESTS_CA_BUNDLE": self.ca_path}
        if app:
            env["HEROKU_APP"] = app
        return env

    # -- state API for tests -----------------------------------------------------------

    def add_app(self, name: str, *, config: dict[str, str] | None = None,
                log_path: Path | None = None, web_dynos: int = 2) -> FakeApp:
        with self.lock:
            app = FakeApp(name, str(uuid.uuid4()), dict(config or {}), log_path=log_path,
                          web=[(f"web.{n}", "up", None) for n in range(1, web_dynos + 1)])
            self.apps[name] = app
            return app

    def rollout(self, app: str, formations: list[list[tuple[str, str, int | None]]]) -> None:
        """The web formation as successive `GET /apps/{app}/dynos` see it (the last one stays):
        e.g. preboot, `[[("web.1", "up", 47), ("web.2", "up", 46)], [... both 47]]`."""
        with self.lock:
            self.apps[app].rollout = [list(f) for f in formations]

    def rate_limit(self, times: int, *, retry_after: str | None = None) -> None:
        """The next `times` API requests answer 429 (any route), as an exhausted token bucket."""
        with self.lock:
            self.rate_limited, self.rate_limit_retry_after = times, retry_after

    def log_lines(self, app: str, *lines: str) -> None:
        """Lines logplex adds to the app's stream (router lines, logplex notices), verbatim
        after the timestamp: e.g. `heroku[router]: at=error code=H12 ...`."""
        with self.lock:
            self.apps[app].extra_lines.extend(lines)

    def set_config(self, app: str, **values: str) -> None:
        with self.lock:
            self.apps[app].config.update(values)

    def add_release(self, app: str, *, description: str, commit: str | None = None,
                    status: str = "succeeded", created_at: datetime | None = None,
                    with_slug: bool = True, artifact: str = "slug") -> FakeRelease:
        """Append release v(N+1); a succeeded one becomes `current` and the web dynos restart
        onto it, as a deploy does. `with_slug=False`: a config change (the previous slug kept).
        `artifact`: "slug"; "oci" (CNB: `slug: null`, `oci_image` with its `commit`);
        "oci-id" (`oci_image: {"id"}` only: the commit is at `/oci-images/{id}`); "container"
        (Container Registry: `slug: null`, no `oci_image`)."""
        with self.lock:
            target = self.apps[app]
            previous = target.releases[-1] if target.releases else None
            version = previous.version + 1 if previous else 1
            moment = created_at or (previous.created_at + timedelta(minutes=1) if previous
                                    else datetime(2026, 5, 25, 0, 0, tzinfo=UTC))
            slug_id = None
            oci_image: dict[str, Any] | None = None
            if with_slug and artifact in ("oci", "oci-id"):
                image_id = str(uuid.uuid4())
                oci_image = {"id": image_id, **({"commit": commit} if artifact == "oci" else {})}
                target.images[image_id] = {
                    "id": image_id, "commit": commit, "commit_description": description,
                    "base_image_name": "heroku/heroku:24-cnb", "digest": "sha256:" + "0" * 64,
                    "stack": {"id": str(uuid.uuid4()), "name": "cnb"}, "process_types": {},
                    "buildpacks": [], "architecture": "amd64", "image_repo": f"{target.id}/b",
                    "created_at": _iso(moment), "updated_at": _iso(moment)}
            elif with_slug and artifact == "container":
                pass
            elif with_slug:
                slug_id = str(uuid.uuid4())
                target.slugs[slug_id] = {
                    "id": slug_id, "commit": commit, "commit_description": description,
                    "buildpack_provided_description": "Python", "checksum": None,
                    "process_types": {"web": "gunicorn app:app"}, "size": 1024,
                    "stack": {"id": str(uuid.uuid4()), "name": "heroku-24"},
                    "created_at": _iso(moment), "updated_at": _iso(moment),
                    "blob": {"method": "GET", "url": "https://slugs.example/blob"},
                }
            elif previous is not None:
                slug_id = previous.slug_id  # a config change keeps the slug (or image)
                oci_image = previous.oci_image
            release = FakeRelease(version, str(uuid.uuid4()), description, status, False,
                                  moment, slug_id, oci_image, dict(target.config))
            target.releases.append(release)
            if status == "succeeded":
                self._make_current(target, release)
            return release

    def _make_current(self, app: FakeApp, release: FakeRelease) -> None:
        """The release now runs: the app's config is its config, the web dynos restart on it."""
        with self.lock:
            for old in app.releases:
                old.current = False
            release.current = True
            app.config = dict(release.config)
            app.web = [(name, "up", release.version) for name, _, _ in app.web]

    def release(self, app: str, version: int) -> FakeRelease:
        with self.lock:
            return next(r for r in self.apps[app].releases if r.version == version)

    def current(self, app: str) -> FakeRelease:
        with self.lock:
            return next(r for r in self.apps[app].releases if r.current)

    def slug_commit(self, app: str, release: FakeRelease) -> str | None:
        with self.lock:
            slug = self.apps[app].slugs.get(release.slug_id or "")
            return slug.get("commit") if slug else None

    # -- builds (POST /apps/{app}/builds) ----------------------------------------------

    def start_build(self, app: FakeApp, source: dict[str, Any]) -> FakeBuild:
        build = FakeBuild(str(uuid.uuid4()), app.name, source.get("version"),
                          str(source.get("url") or ""))
        with self.lock:
            app.builds.append(build)
        threading.Thread(target=self._build, args=(app, build), name="fake-heroku-build",
                         daemon=True).start()
        return build

    def _say(self, build: FakeBuild, text: str) -> None:
        with self.lock:
            build.lines.extend(text.splitlines())

    def _build(self, app: FakeApp, build: FakeBuild) -> None:
        self._say(build, "-----> Building on the Heroku-24 stack")
        try:
            archive = self._fetch_source(build.url)
        except Exception as error:  # what Heroku says when the source URL cannot be fetched
            self._say(build, f" !     Failed to download the source: {error}")
            self._finish_build(build, "failed")
            return
        root = Path(self._tmp.name) / "slugs" / build.id
        root.mkdir(parents=True)
        try:
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                build.source_commit = tar.pax_headers.get("comment")
                tar.extractall(root, filter="data")
        except (tarfile.TarError, OSError) as error:
            self._say(build, f" !     The source is not a gzipped tarball: {error}")
            self._finish_build(build, "failed")
            return
        tops = [entry for entry in root.iterdir()]
        source = tops[0] if len(tops) == 1 and tops[0].is_dir() else root
        self._say(build, "-----> Determining which buildpack to use for this app")
        markers = ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py")
        if not any((source / marker).is_file() for marker in markers):
            self._say(build, " !     No default language could be detected for this app.\n"
                             "\t\t\tHINT: This occurs when Heroku cannot detect the buildpack "
                             "to use for this application automatically.\n"
                             " !     Push failed")
            self._finish_build(build, "failed")
            return
        self._say(build, "-----> Python app detected\n-----> Installing requirements with pip")
        time.sleep(app.build_s)
        self._say(build, "-----> Discovering process types\n"
                         "       Procfile declares types -> web\n"
                         "-----> Compressing...\n       Done: 42.1M\n"
                         "-----> Launching...")
        slug_dir = source / app.slug_root if app.slug_root else source
        with self.lock:
            slug_id = str(uuid.uuid4())
            now = datetime.now(UTC)
            app.slugs[slug_id] = {
                "id": slug_id, "commit": build.version,
                "commit_description": "", "buildpack_provided_description": "Python",
                "checksum": None, "process_types": {"web": "gunicorn app:app"}, "size": 1024,
                "stack": {"id": str(uuid.uuid4()), "name": "heroku-24"},
                "created_at": _iso(now), "updated_at": _iso(now),
                "blob": {"method": "GET", "url": "https://slugs.example/blob"},
            }
            app.slug_dirs[slug_id] = slug_dir if slug_dir.is_dir() else source
            build.slug_id = slug_id
            release = self._new_release(app, f"Deploy {(build.version or '')[:8]}", slug_id,
                                        dict(app.config))
            build.release_id = release.id
        self._say(build, f"       Released v{release.version}\n"
                         f"       https://{app.name}.herokuapp.com/ deployed to Heroku")
        self._finish_build(build, "succeeded")
        self._release_phase(app, release)

    def _fetch_source(self, url: str) -> bytes:
        if not url.startswith("https://"):
            raise ValueError("source_blob.url must be https")
        context = ssl.create_default_context(cafile=self.source_trust)
        opener = build_opener(HTTPSHandler(context=context))
        with opener.open(url, timeout=30) as answer:
            return bytes(answer.read(64 * 1024 * 1024))

    def _finish_build(self, build: FakeBuild, status: str) -> None:
        with self.lock:
            build.status = status

    def _new_release(self, app: FakeApp, description: str, slug_id: str | None,
                     config: dict[str, str]) -> FakeRelease:
        with self.lock:
            previous = app.releases[-1] if app.releases else None
            release = FakeRelease((previous.version + 1) if previous else 1, str(uuid.uuid4()),
                                  description, "pending", False, datetime.now(UTC), slug_id,
                                  None, config, self.email)
            app.releases.append(release)
            return release

    def _release_phase(self, app: FakeApp, release: FakeRelease) -> None:
        """`pending` while the release command runs, then `succeeded` (current) or `failed`."""
        def finish() -> None:
            time.sleep(app.release_phase_s)
            with self.lock:
                if app.release_phase_fails:
                    release.status = "failed"
                else:
                    release.status = "succeeded"
                    self._make_current(app, release)

        if app.release_phase_s > 0:
            threading.Thread(target=finish, name="fake-heroku-release-phase",
                             daemon=True).start()
        else:
            finish()

    def rollback(self, app: FakeApp, target: FakeRelease) -> FakeRelease:
        with self.lock:
            release = self._new_release(app, f"Rollback to v{target.version}", target.slug_id,
                                        dict(target.config))
            release.status = "succeeded"
            self._make_current(app, release)
            return release

    def fail(self, method: str, route: str, status: int, *, times: int = 1,
             headers: dict[str, str] | None = None, message: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(method, route, status, times, dict(headers or {}),
                                     message))

    def total_requests(self) -> int:
        """Everything that reached any part of the fake: API, rendezvous and logplex."""
        with self.lock:
            return sum(self.calls.values()) + self.rendezvous_connections + self.logplex_requests

    def current_version(self, app: FakeApp) -> int | None:
        with self.lock:
            return next((r.version for r in app.releases if r.current), None)

    def dyno_creations(self) -> int:
        with self.lock:
            return len(self.dynos)

    # -- internals used by the handlers ------------------------------------------------

    def take_fault(self, method: str, route: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and fault.route == route and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def create_dyno(self, app: FakeApp, body: dict[str, Any]) -> FakeDyno:
        with self.lock:
            behaviour = self.behaviours.pop(0) if self.behaviours else "normal"
            dyno = FakeDyno(app.name, f"run.{1000 + len(self.dynos) + 1}", str(uuid.uuid4()),
                            str(body.get("command", "")), dict(body.get("env") or {}),
                            secrets.token_hex(16), behaviour, datetime.now(UTC),
                            str(body.get("size") or "Basic"),
                            time_to_live=body.get("time_to_live"),
                            tty=not body.get("force_no_tty"))
            self.dynos.append(dyno)
            return dyno

    def slug_root_of(self, name: str) -> Path:
        """What a dyno of the app sees at /app: the current release's built slug, if any."""
        with self.lock:
            app = self.apps[name]
            current = next((r for r in app.releases if r.current), None)
            built = app.slug_dirs.get(current.slug_id or "") if current else None
            return built or self.app_root

    def attach_url(self, dyno: FakeDyno) -> str:
        if dyno.behaviour == "https-attach":  # Private Spaces: attached over SSH via https
            return f"https://127.0.0.1:{self.rendezvous_port}/{dyno.secret}"
        return f"rendezvous://127.0.0.1:{self.rendezvous_port}/{dyno.secret}"

    def _accept_rendezvous(self, listener: socket.socket, context: ssl.SSLContext) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                self.rendezvous_connections += 1
            threading.Thread(target=self._serve_dyno, args=(raw, context), daemon=True).start()

    def _serve_dyno(self, raw: socket.socket, context: ssl.SSLContext) -> None:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(10)
        try:
            conn = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        try:
            secret = _read_line(conn)
            with self.lock:
                dyno = next((d for d in self.dynos if d.secret == secret), None)
            if dyno is None:
                return
            self._run_dyno(conn, dyno)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _run_dyno(self, conn: ssl.SSLSocket, dyno: FakeDyno) -> None:
        behaviour, _, arg = dyno.behaviour.partition(":")
        if behaviour == "close-before-ack":  # the dyno failed to boot: closed, nothing sent
            dyno.state = "crashed"
            conn.unwrap()
            return
        if behaviour == "hang":  # never boots: no acknowledgement, socket held open
            dyno.state = "starting"
            conn.settimeout(0.2)
            deadline = time.monotonic() + HANG_LIMIT_S
            while time.monotonic() < deadline and not self._stopping.is_set():
                try:
                    if conn.recv(1) == b"":
                        return  # the client gave up
                except TimeoutError:
                    continue
            return
        if behaviour == "slow":
            time.sleep(float(arg or "1"))
        dyno.state = "up"
        command = _APP_PATH.sub(str(self.slug_root_of(dyno.app)), dyno.command)
        if behaviour == "no-status":  # the appended echo never runs (e.g. the shell is killed)
            command = command.split('; echo "\uffff heroku-command-exit-status', 1)[0]
        app = self.apps[dyno.app]
        env = {"PATH": f"{self._bindir}:/usr/local/bin:/usr/bin:/bin",
               "HOME": str(self.app_root), "DYNO": dyno.name, "PORT": "5000",
               **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ
                  else {}),
               **app.config, **dyno.env}
        process = subprocess.Popen(["bash", "-c", command], cwd=self.slug_root_of(dyno.app),
                                   env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        with self.lock:
            self._processes.add(process)
        try:
            self._pump(conn, process, behaviour, dyno)
        finally:
            _kill(process)
            with self.lock:
                self._processes.discard(process)
            dyno.state = "down"

    def _pump(self, conn: ssl.SSLSocket, process: subprocess.Popen[bytes], behaviour: str,
              dyno: FakeDyno) -> None:
        assert process.stdout is not None
        ack = b"rendezvous\r\n"
        if behaviour == "coalesce":  # everything in the acknowledgement's TLS record
            out, _ = process.communicate(timeout=DYNO_LIMIT_S)
            dyno.output, dyno.exit_code = out.decode("utf-8", "replace"), process.returncode
            conn.sendall(ack + (out.replace(b"\n", b"\r\n") if dyno.tty else out))
            conn.unwrap()
            return
        conn.sendall(ack)
        deadline = time.monotonic() + DYNO_LIMIT_S
        while time.monotonic() < deadline:
            chunk = process.stdout.read1(4096)  # type: ignore[attr-defined]
            if not chunk:
                break
            dyno.output += chunk.decode("utf-8", "replace")
            if behaviour == "drop":  # the TCP connection dies: no TLS close_notify
                conn.sendall(chunk[: max(1, len(chunk) // 2)])
                conn.shutdown(socket.SHUT_RDWR)
                return
            # A dyno's pty sends CRLF; with force_no_tty there is no pty: LF as written.
            conn.sendall(chunk.replace(b"\n", b"\r\n") if dyno.tty else chunk)
        process.wait(timeout=5)
        dyno.exit_code = process.returncode
        conn.unwrap()  # a clean end: TLS close_notify, then the socket closes

    def pump_log(self, session: LogSessionState, app: FakeApp) -> list[str]:
        """The session's lines so far: the app's log file since the session began, as Heroku
        log lines, with injected router / logplex lines in between."""
        with self.lock:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
            session.lines.extend(f"{stamp} {line}" for line in app.extra_lines)
            app.extra_lines.clear()
            if app.log_path is None or not app.log_path.exists():
                return list(session.lines)
            with app.log_path.open("rb") as handle:
                handle.seek(session.offset)
                data = handle.read()
            complete = data.rfind(b"\n") + 1
            for raw in data[:complete].decode("utf-8", "replace").splitlines():
                if any(re.search(rf"\b{level}\b", raw) for level in app.drop_levels):
                    continue
                session.lines.append(f"{stamp} app[web.1]: {raw}")
            session.offset += complete
            return list(session.lines)


def _read_line(conn: ssl.SSLSocket, limit: int = 4096) -> str:
    data = b""
    while not data.endswith(b"\r\n") and len(data) < limit:
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace").strip()


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, 9)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


# `version=3` and the variants the Heroku CLI sends (grep `vnd.heroku+json` in heroku/cli src/).
ACCEPTED = re.compile(r"^application/vnd\.heroku\+json; version=3(?:\.(?:sdk|run-inside|fir|"
                      r"docker-releases|dogwood|pipelines|review-apps|webhooks|account-quotas|"
                      r"team-invitations|repositories-api))?$")


def _parse_range(header: str | None) -> tuple[int | None, bool, int | None, bool, str, int]:
    """`version ]5..; max=10, order=desc` -> (start, start_exclusive, end, end_exclusive, order,
    max). Unparseable ranges fall back to Heroku's defaults."""
    if not header:
        return None, False, None, False, "asc", DEFAULT_PAGE
    match = _RANGE.match(header)
    if not match or match["attr"] not in ("version", "id"):
        return None, False, None, False, "asc", DEFAULT_PAGE
    start, end = match["start"], match["end"]
    start_excl = start.startswith("]")
    end_excl = end.endswith("[")
    start, end = start.lstrip("]"), end.rstrip("[")
    order, size = "asc", DEFAULT_PAGE
    for option in (match["opts"] or "").replace(";", ",").split(","):
        name, _, value = option.strip().partition("=")
        if name == "order" and value in ("asc", "desc"):
            order = value
        elif name == "max" and value.isdigit():
            size = max(1, min(MAX_PAGE, int(value)))
    return (int(start) if start.isdigit() else None, start_excl,
            int(end) if end.isdigit() else None, end_excl, order, size)


class _Handler(BaseHTTPRequestHandler):
    owner: FakeHeroku
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing ----------------------------------------------------------------------

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", str(uuid.uuid4()))
        if "RateLimit-Remaining" not in (headers or {}):
            self.send_header("RateLimit-Remaining", "4500")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, ident: str, message: str,
               headers: dict[str, str] | None = None) -> None:
        self._send(status, {"id": ident, "message": message}, headers)

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                _, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return password == self.owner.api_key
        if auth.startswith("Bearer "):
            return auth[7:] == self.owner.api_key
        return False

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        try:
            data = json.loads(self.rfile.read(length))
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _dispatch(self, method: str) -> None:
        path = unquote(urlsplit(self.path).path)
        match: re.Match[str] | None = None
        template = "?"
        for route_method, candidate, pattern in _COMPILED:
            match = pattern.match(path)
            if route_method == method and match:
                template = candidate
                break
        else:
            with self.owner.lock:
                self.owner.calls[(method, "?")] += 1
            self._error(404, "not_found", "The requested API endpoint was not found.")
            return
        assert match is not None
        if template == "/build-output/{stream}":  # like logplex: the URL is the credential
            self._build_output(match["stream"])
            return
        if template == "/logplex/{session}":
            self._logplex(match["session"])
            return
        with self.owner.lock:
            self.owner.calls[(method, template)] += 1
        body = self._body() if method in ("POST", "PATCH") else {}
        accept = self.headers.get("Accept", "")
        with self.owner.lock:
            self.owner.accepts.append(accept)
        if not self._authorized():
            self._error(401, "unauthorized", "Invalid credentials provided.")
            return
        if not ACCEPTED.match(accept):
            self._error(406, "not_acceptable", "The requested API version is not supported; "
                        "send Accept: application/vnd.heroku+json; version=3.")
            return
        with self.owner.lock:
            limited = self.owner.rate_limited > 0
            if limited:
                self.owner.rate_limited -= 1
            retry_after = self.owner.rate_limit_retry_after
        if limited:  # Platform API reference, Rate Limits: 429, no tokens left
            self._error(429, "rate_limit", RATE_LIMIT_MESSAGE,
                        {"RateLimit-Remaining": "0",
                         **({"Retry-After": retry_after} if retry_after else {})})
            return
        fault = self.owner.take_fault(method, template)
        if fault is not None:
            ident = {409: "conflict", 422: "invalid_params",
                     429: "rate_limit"}.get(fault.status, "error")
            extra = {"RateLimit-Remaining": "0"} if fault.status == 429 else {}
            default = RATE_LIMIT_MESSAGE if fault.status == 429 else f"fake fault {fault.status}"
            self._error(fault.status, ident, fault.message or default,
                        {**extra, **fault.headers})
            return
        params = match.groupdict()
        app = self.owner.apps.get(params.get("app", "")) if "app" in params else None
        if "app" in params and app is None:
            self._error(404, "not_found", "Couldn't find that app.", {"X-Resource": "app"})
            return
        getattr(self, "_" + re.sub(r"\W+", "_", f"{method} {template}").strip("_").lower())(
            app, params, body)

    # -- routes ------------------------------------------------------------------------

    def _get_account(self, app: None, params: dict[str, str], body: dict[str, Any]) -> None:
        self._send(200, {"email": self.owner.email, "id": "5f3e0b3c-0000-4000-8000-0000000000aa",
                         "name": "Release Gate", "verified": True,
                         "created_at": "2024-01-01T00:00:00Z"})

    def _get_account_rate_limits(self, app: None, params: dict[str, str],
                                 body: dict[str, Any]) -> None:
        self._send(200, {"remaining": 4500})

    def _get_apps_app(self, app: FakeApp, params: dict[str, str], body: dict[str, Any]) -> None:
        self._send(200, {"id": app.id, "name": app.name, "stack": {"name": app.stack},
                         "build_stack": {"name": app.stack},
                         "generation": {"name": app.generation},
                         "web_url": f"https://{app.name}.herokuapp.com/",
                         "region": {"name": "us"}, "maintenance": app.maintenance})

    def _get_apps_app_config_vars(self, app: FakeApp, params: dict[str, str],
                                  body: dict[str, Any]) -> None:
        with self.owner.lock:
            self._send(200, dict(app.config))

    def _get_apps_app_releases(self, app: FakeApp, params: dict[str, str],
                               body: dict[str, Any]) -> None:
        start, start_excl, end, end_excl, order, size = _parse_range(self.headers.get("Range"))
        with self.owner.lock:
            chosen = [r for r in app.releases
                      if (start is None or r.version > start or (r.version == start
                                                                 and not start_excl))
                      and (end is None or r.version < end or (r.version == end
                                                              and not end_excl))]
            chosen.sort(key=lambda r: r.version, reverse=order == "desc")
            page, rest = chosen[:size], chosen[size:]
            items = [r.json(app) for r in page]
        headers = {"Accept-Ranges": "id, version"}
        if page:
            options = f"; max={size}" + (", order=desc" if order == "desc" else "")
            headers["Content-Range"] = (f"version {page[0].version}..{page[-1].version}"
                                        f"{options}")
            if rest:
                last = page[-1].version
                headers["Next-Range"] = (f"version ]{last}..{options}" if order == "asc"
                                         else f"version ..{last}[{options}")
        self._send(206 if rest else 200, items, headers)

    def _get_apps_app_slugs_slug(self, app: FakeApp, params: dict[str, str],
                                 body: dict[str, Any]) -> None:
        slug = app.slugs.get(params["slug"])
        if slug is None:
            self._error(404, "not_found", "Couldn't find that slug.")
            return
        self._send(200, slug)

    def _get_apps_app_oci_images_image(self, app: FakeApp, params: dict[str, str],
                                       body: dict[str, Any]) -> None:
        image = app.images.get(params["image"])
        if image is None:
            self._error(404, "not_found", "Couldn't find that OCI image.")
            return
        self._send(200, [image])  # a list, as heroku/cli pipelines:diff reads it

    def _get_apps_app_dynos(self, app: FakeApp, params: dict[str, str],
                            body: dict[str, Any]) -> None:
        with self.owner.lock:
            web = app.rollout.pop(0) if len(app.rollout) > 1 else (
                app.rollout[0] if app.rollout else app.web)
            by_version = {r.version: r for r in app.releases}
            running = [d for d in self.owner.dynos if d.app == app.name and d.state == "up"]
        now = _iso(datetime.now(UTC))

        def entry(name: str, kind: str, state: str, version: int | None) -> dict[str, Any]:
            release = by_version.get(version) if version is not None else None
            return {"attach_url": None, "command": "gunicorn app:app" if kind == "web" else "",
                    "created_at": now, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                    "name": name, "app": {"id": app.id, "name": app.name},
                    "release": {"id": release.id if release else None, "version": version},
                    "size": "Standard-1X", "state": state, "type": kind, "updated_at": now}

        self._send(200, [entry(name, "web", state, version) for name, state, version in web]
                   + [entry(d.name, "run", d.state, self.owner.current_version(app))
                      for d in running])

    def _post_apps_app_dynos(self, app: FakeApp, params: dict[str, str],
                             body: dict[str, Any]) -> None:
        if not isinstance(body.get("command"), str) or not body["command"]:
            self._error(422, "invalid_params", "Command is required.")
            return
        dyno = self.owner.create_dyno(app, body)
        attach = bool(body.get("attach"))
        version = self.owner.dyno_release or self.owner.current_version(app)
        release = next((r for r in app.releases if r.version == version), None)
        self._send(201, {
            "attach_url": self.owner.attach_url(dyno) if attach else None,
            "command": dyno.command, "created_at": _iso(dyno.created_at), "id": dyno.id,
            "name": dyno.name, "release": {"id": release.id if release else None,
                                           "version": version},
            "app": {"id": app.id, "name": app.name}, "size": dyno.size, "state": "starting",
            "type": "run", "updated_at": _iso(dyno.created_at),
        })

    def _post_apps_app_dynos_dyno_actions_stop(self, app: FakeApp, params: dict[str, str],
                                               body: dict[str, Any]) -> None:
        with self.owner.lock:
            for dyno in self.owner.dynos:
                if dyno.name == params["dyno"] and dyno.app == app.name:
                    dyno.stopped = True
        self._send(202, {})

    def _delete_apps_app_dynos_dyno(self, app: FakeApp, params: dict[str, str],
                                    body: dict[str, Any]) -> None:
        self._send(202, {})

    def _post_apps_app_log_sessions(self, app: FakeApp, params: dict[str, str],
                                    body: dict[str, Any]) -> None:
        token = secrets.token_urlsafe(16)
        offset = app.log_path.stat().st_size if app.log_path and app.log_path.exists() else 0
        with self.owner.lock:
            self.owner.log_sessions[token] = LogSessionState(app.name, offset)
        now = _iso(datetime.now(UTC))
        self._send(201, {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now,
                         "logplex_url": f"{self.owner.api_url}/logplex/{token}?srv=1",
                         "tail": bool(body.get("tail")), "lines": body.get("lines"),
                         "dyno": body.get("dyno"), "source": body.get("source")})

    # -- builds, releases, dynos --------------------------------------------------------

    def _post_apps_app_builds(self, app: FakeApp, params: dict[str, str],
                    body: dict[str, Any]) -> None:
        source = body.get("source_blob")
        if not isinstance(source, dict) or not isinstance(source.get("url"), str):
            self._error(422, "invalid_params", "source_blob.url is required.")
            return
        build = self.owner.start_build(app, source)
        with self.owner.lock:
            self._send(201, _build_json(self.owner, app, build))

    def _get_apps_app_builds(self, app: FakeApp, params: dict[str, str],
                   body: dict[str, Any]) -> None:
        with self.owner.lock:
            self._send(200, [_build_json(self.owner, app, b) for b in app.builds])

    def _get_apps_app_builds_build(self, app: FakeApp, params: dict[str, str],
                  body: dict[str, Any]) -> None:
        with self.owner.lock:
            build = next((b for b in app.builds if b.id == params["build"]), None)
            if build is None:
                self._error(404, "not_found", "Couldn't find that build.")
                return
            self._send(200, _build_json(self.owner, app, build))

    def _find_release(self, app: FakeApp, ident: str) -> FakeRelease | None:
        with self.owner.lock:
            return next((r for r in app.releases
                         if r.id == ident or (ident.isdigit() and r.version == int(ident))),
                        None)

    def _post_apps_app_releases(self, app: FakeApp, params: dict[str, str],
                      body: dict[str, Any]) -> None:
        if "release" in body:  # Release Rollback
            target = self._find_release(app, str(body["release"]))
            if target is None:
                self._error(404, "not_found", "Couldn't find that release.")
                return
            if target.status != "succeeded":
                self._error(422, "invalid_params",
                            f"Release v{target.version} is not eligible for rollback.")
                return
            release = self.owner.rollback(app, target)
        elif isinstance(body.get("slug"), str) and body["slug"] in app.slugs:  # Release Create
            release = self.owner._new_release(app, str(body.get("description") or "Deploy"),
                                              body["slug"], dict(app.config))
            self.owner._release_phase(app, release)
        else:
            self._error(422, "invalid_params", "Either release or slug is required.")
            return
        with self.owner.lock:
            self._send(201, release.json(app))

    def _get_apps_app_releases_release(self, app: FakeApp, params: dict[str, str],
                    body: dict[str, Any]) -> None:
        release = self._find_release(app, params["release"])
        if release is None:
            self._error(404, "not_found", "Couldn't find that release.")
            return
        with self.owner.lock:
            self._send(200, release.json(app))

    def _get_apps_app_releases_release_config_vars(self, app: FakeApp, params: dict[str, str],
                           body: dict[str, Any]) -> None:
        release = self._find_release(app, params["release"])
        if release is None:
            self._error(404, "not_found", "Couldn't find that release.")
            return
        with self.owner.lock:
            self._send(200, dict(release.config))

    def _build_output(self, token: str) -> None:
        with self.owner.lock:
            build = next((b for a in self.owner.apps.values() for b in a.builds
                          if b.stream_token == token), None)
        if build is None:
            self._error(404, "not_found", "stream not available")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        sent = 0
        deadline = time.monotonic() + HANG_LIMIT_S
        try:
            while time.monotonic() < deadline and not self.owner._stopping.is_set():
                with self.owner.lock:
                    lines, done = list(build.lines[sent:]), build.status != "pending"
                for line in lines:
                    data = line.encode() + b"\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                sent += len(lines)
                self.wfile.flush()
                if done and not lines:
                    break
                time.sleep(0.02)
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ssl.SSLError):
            return

    def _logplex(self, token: str) -> None:
        with self.owner.lock:
            self.owner.logplex_requests += 1
            session = self.owner.log_sessions.get(token)
            self.owner.logplex_last_event_ids.append(self.headers.get("Last-Event-Id"))
        app = self.owner.apps.get(session.app if session else "")
        if session is None or app is None or self.owner.logplex_down:
            self._error(404 if app is None else 503, "not_found", "session not available")
            return
        sse = "text/event-stream" in self.headers.get("Accept", "") and not self.owner.logplex_plain
        last = self.headers.get("Last-Event-Id")
        index = int(last) - LOG_EVENT_BASE + 1 if last and last.isdigit() else 0
        content_type = ("text/event-stream; charset=utf-8" if sse
                        else "text/plain; charset=utf-8")
        with self.owner.lock:
            self.owner.logplex_content_types.append(content_type)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")  # as logplex streams a tail
        self.end_headers()
        self.close_connection = True
        deadline = time.monotonic() + HANG_LIMIT_S
        sent = 0
        try:
            while time.monotonic() < deadline and not self.owner._stopping.is_set():
                for line in self.owner.pump_log(session, app)[index:]:
                    if sse:  # the CLI's fixture: `id: 1002` / `data: <line>`, blank line
                        data = (f"id: {LOG_EVENT_BASE + index}\ndata: {line}\n\n").encode()
                    else:
                        data = line.encode() + b"\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    index += 1
                    sent += 1
                    if self.owner.logplex_drop_after is not None \
                            and sent >= self.owner.logplex_drop_after:
                        self.wfile.write(b"0\r\n\r\n")  # the server ends the stream
                        return
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ssl.SSLError):
            return


def _build_json(fake: FakeHeroku, app: FakeApp, build: FakeBuild) -> dict[str, Any]:
    """The Platform API's Build: status pending | succeeded | failed."""
    return {
        "app": {"id": app.id}, "buildpacks": [{"url": "heroku/python", "name": "heroku/python"}],
        "created_at": _iso(build.created_at), "updated_at": _iso(datetime.now(UTC)),
        "id": build.id, "output_stream_url": f"{fake.api_url}/build-output/{build.stream_token}",
        "source_blob": {"checksum": None, "url": build.url, "version": build.version,
                        "version_description": None},
        "release": {"id": build.release_id} if build.release_id else None,
        "slug": {"id": build.slug_id} if build.slug_id else None,
        "stack": "heroku-24", "status": build.status,
        "user": {"email": fake.email, "id": "5f3e0b3c-0000-4000-8000-0000000000aa"},
    }
