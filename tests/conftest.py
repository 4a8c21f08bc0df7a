"""Shared fixtures: real PostgreSQL and Redis servers on loopback, in temporary directories.

docs/design.md §8: real parts where users have real parts. The servers start once per test session
and only when a test asks for them. If the binaries are missing the fixtures FAIL (not skip),
naming what to install: CI installs them (scripts/install-system-deps).

Under pytest-xdist (scripts/test) each worker is its own test session: it starts its own servers
on free ports, so a worker's databases, Redis keys and `flush()` never touch another's.

    postgres_server  (session)   PostgresServer: .host, .port, .url(dbname), .create_database(),
                                 .drop_database(name); TLS on, like Heroku Postgres
    postgres_url     (function)  "postgresql://postgres@127.0.0.1:PORT/<fresh database>"
    redis_server     (session)   RedisServer: .host, .port, .url, .url_for_db(n), .flush()
    redis_url        (function)  "redis://127.0.0.1:PORT/0", flushed before the test
"""

from __future__ import annotations

import functools
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.servers import free_port

# Generated tests assert behaviour, never speed (speed lives in bench/): no per-example deadline
# and no "too slow" health check, which fail a correct test on a loaded 2-CPU machine. Under CI
# the examples are derandomized, so a red run is reproducible from the same commit.
# Under scripts/mutation (RELEASE_GATE_MUTATION set) a failing example only has to fail:
# shrinking it to the smallest one took minutes per killed mutant of the whole-change-set scan.
_NO_SHRINK = ({"phases": [Phase.explicit, Phase.reuse, Phase.generate]}
              if os.environ.get("RELEASE_GATE_MUTATION") else {})
settings.register_profile("release-gate", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow],
                          derandomize=bool(os.environ.get("CI")), print_blob=True, **_NO_SHRINK)
settings.load_profile("release-gate")

# ---------------------------------------------------------------- the fast lane

# `pytest -m "not slow"` (README, "Development") is the quick loop: the pure core, the use cases
# against the in-memory GitHub, the commands on real git repositories. A test that starts a
# server (the fake GitHub or Heroku over TLS, the sandbox under an ASGI server, PostgreSQL, Redis,
# a git daemon, a browser) is end-to-end: it is marked `slow` here, from what it uses, so a new
# test is sorted without anyone remembering to mark it. Tests marked by hand (whole workflows in
# the runner emulator, the time bounds) stay marked. So is a generated (hypothesis) test that
# commits to a real git repository for each example: it is a fuzzer of `check` end to end, and
# its listed examples and the rules' own tests keep the quick loop honest.
GIT_REPOSITORY_HELPERS = frozenset({"tests.gitrepo", "tests.core.rules.gate_repo"})
SERVER_HELPERS = frozenset({
    "tests.fakes.github", "tests.fakes.heroku", "tests.fakes.tls", "tests.servers",
    "tests.gitserver", "tests.chromium", "tests.smoke._harness", "tests.heroku._prod",
    "tests.sandbox._target",
})
SERVER_FIXTURES = frozenset({"postgres_server", "redis_server"})


@functools.cache
def _uses(helpers: frozenset[str], module_name: str) -> bool:
    """The module imports one of `helpers` (or a name from one); once per module, not per test."""
    module = sys.modules.get(module_name)
    for value in vars(module).values() if module is not None else ():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(
            value, "__module__", None)
        if name in helpers:
            return True
    return False


def generates_git_repositories(item: pytest.Item) -> bool:
    """A hypothesis test in a module that builds real git repositories."""
    module = getattr(item, "module", None)
    return (getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
            and module is not None and _uses(GIT_REPOSITORY_HELPERS, module.__name__))


def starts_a_server(item: pytest.Item) -> bool:
    """The test, or a fixture it uses, starts one of the servers above."""
    module = getattr(item, "module", None)
    if module is not None and _uses(SERVER_HELPERS, module.__name__):
        return True
    info = getattr(item, "_fixtureinfo", None)
    for name, definitions in (info.name2fixturedefs.items() if info else ()):
        if name in SERVER_FIXTURES:
            return True
        for definition in definitions:
            home = getattr(definition.func, "__module__", "")
            if home != __name__ and _uses(SERVER_HELPERS, home):
                return True
    return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if starts_a_server(item) or generates_git_repositories(item):
            item.add_marker(pytest.mark.slow)


_START_ATTEMPTS = 3  # a free port can be taken by a parallel test run between pick and bind


# ---------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    datadir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """CREATE DATABASE (a fresh name by default) and return its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_bindir() -> Path:
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                check=False)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(p.split("/")[-2]), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found via `pg_config --bindir` "
                "or /usr/lib/postgresql/*/bin: install them (scripts/install-system-deps, "
                "apt-get install postgresql)", pytrace=False)


def _as_postgres_user() -> tuple[list[str], int | None, int | None]:
    """initdb and pg_ctl refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root but there is no `postgres` user to run initdb/pg_ctl as: "
                    "install the postgresql package (it creates the user)", pytrace=False)
    runner = shutil.which("runuser")
    prefix = [runner, "-u", "postgres", "--"] if runner else ["su", "postgres", "-s", "/bin/sh",
                                                              "-c"]
    return prefix, account.pw_uid, account.pw_gid


def _run_as(prefix: list[str], argv: list[str]) -> subprocess.CompletedProcess[str]:
    if prefix and prefix[0] == "su":  # su takes one shell command string
        import shlex

        argv = [shlex.join(argv)]
    return subprocess.run([*prefix, *argv], capture_output=True, text=True, check=False,
                          timeout=120)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _postgres_bindir()
    prefix, uid, gid = _as_postgres_user()
    # mkdtemp in /tmp, not pytest's tmp_path: that lives under a root-only 0700 directory
    # that the postgres user cannot enter.
    datadir = Path(tempfile.mkdtemp(prefix="release-gate-pg-"))
    if uid is not None and gid is not None:
        os.chown(datadir, uid, gid)
    data = datadir / "data"
    init = _run_as(prefix, [str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                            "-A", "trust", "-E", "UTF8", "--no-sync"])
    if init.returncode != 0:
        shutil.rmtree(datadir, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}", pytrace=False)
    ssl_options = _server_tls(datadir, uid, gid)
    server: PostgresServer | None = None
    log = datadir / "postgres.log"
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        # fsync and friends off: a throwaway test cluster; the socket lives in our temp dir.
        options = (f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off {ssl_options}")
        started = _run_as(prefix, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                                   "-o", options, "-w", "-t", "60", "start"])
        if started.returncode == 0:
            server = PostgresServer(host="127.0.0.1", port=port, datadir=datadir)
            break
    if server is None:
        text = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(datadir, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start:\n{text[-3000:]}", pytrace=False)
    try:
        yield server
    finally:
        _run_as(prefix, [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                         "stop"])
        shutil.rmtree(datadir, ignore_errors=True)


def _server_tls(datadir: Path, uid: int | None, gid: int | None) -> str:
    """TLS on, as on Heroku Postgres (which refuses plaintext): clients that ask for
    `sslmode=require` get it, the others (libpq's default `prefer`) are served as before."""
    import trustme

    cert = trustme.CA().issue_cert("127.0.0.1", "localhost")
    crt, key = datadir / "server.crt", datadir / "server.key"
    cert.cert_chain_pems[0].write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    key.chmod(0o600)
    if uid is not None and gid is not None:
        for path in (crt, key):
            os.chown(path, uid, gid)
    return f"-c ssl=on -c ssl_cert_file={crt} -c ssl_key_file={key}"


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for this test; dropped afterwards."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])


# ---------------------------------------------------------------- Redis


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return self.url_for_db(0)

    def url_for_db(self, index: int) -> str:
        """Servers sharing one Redis can use separate databases (0-15) to keep keys apart."""
        return f"redis://{self.host}:{self.port}/{index}"

    def flush(self) -> None:
        import redis

        client = redis.Redis(host=self.host, port=self.port)
        try:
            client.flushall()
        finally:
            client.close()


def _wait_for_redis(port: int, process: subprocess.Popen[bytes], deadline: float) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found on PATH: install it (scripts/install-system-deps, "
                    "apt-get install redis-server)", pytrace=False)
    workdir = Path(tempfile.mkdtemp(prefix="release-gate-redis-"))
    log = workdir / "redis.log"
    process: subprocess.Popen[bytes] | None = None
    port = 0
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        candidate = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir), "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _wait_for_redis(port, candidate, time.monotonic() + 15):
            process = candidate
            break
        candidate.kill()
        candidate.wait()
    if process is None:
        text = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(f"redis-server did not start:\n{text[-3000:]}", pytrace=False)
    try:
        yield RedisServer(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The server's URL (database 0), flushed before the test."""
    redis_server.flush()
    return redis_server.url
