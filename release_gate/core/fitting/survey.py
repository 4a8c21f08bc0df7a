"""What a repository holds that the gate must watch, read from its file list and contents.

Pure: the caller hands over the file list and a `read(path)` (git/tree.py on disk, a dict in
tests). What is looked for is the runbook's "When to run" list and the RCA's two factors, found
where this repository keeps them instead of at `backend_v2/...`:

- route files holding the signup flow (`.../begin[-x]` and `.../verify[-x]`, register, login,
  passkey routes), read with core/pyast/routes.py, never imported;
- the WebAuthn service (a module importing py_webauthn, or named after webauthn/passkeys) and
  the bootstrap-token service (a token/invite/mint module that signs: hmac, jwt, itsdangerous);
- migration directories and the auth tables they (or schema modules) create or alter;
- config files naming the signing-key / RP id / origin / Redis variables;
- the process model: Procfile, gunicorn config, app.json, heroku.yml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from release_gate.core.pyast.routes import extract_routes

Read = Callable[[str], bytes | None]

MAX_SURVEYED = 5_000  # source files read at most: init stays bounded on a monorepo

_TEST_PART = re.compile(r"^(?:tests?|testing|spec|fixtures?)$")
_TEST_FILE = re.compile(r"^(?:test_.*|.*_test|conftest)\.py$")
_SKIP_PART = re.compile(r"^(?:\..+|node_modules|venv|site-packages|__pycache__|docs?)$")
_ROUTE_HINT = re.compile(rb"route|Route|Blueprint|APIRouter|include_router")
_AUTH_ROUTE = re.compile(r"(?:^|/)(?:begin|verify)(?:-[^/]*)?$|register|login|passkey|webauthn|"
                         r"signup|auth|invite|credential", re.IGNORECASE)
_WEBAUTHN_IMPORT = re.compile(rb"^\s*(?:from|import)\s+webauthn\b", re.MULTILINE)
_WEBAUTHN_NAME = re.compile(r"webauthn|passkey|fido", re.IGNORECASE)
_TOKEN_NAME = re.compile(r"bootstrap|token|invite|mint", re.IGNORECASE)
_SIGNS = re.compile(rb"\bhmac\b|\bjwt\b|itsdangerous|SIGNING|sign\(", re.IGNORECASE)
_MIGRATION_DIR = re.compile(r"^(?:migrations?|alembic|versions|db|schema|sql)$")
_TABLE = re.compile(rb"(?:create|alter|drop)\s+table\s+(?:if\s+(?:not\s+)?exists\s+)?"
                    rb"[\"'`]?(\w+)|(?:create_table|add_column|alter_column|drop_table|"
                    rb"drop_column|create_index)\(\s*['\"](\w+)['\"]", re.IGNORECASE)
_AUTH_TABLE = re.compile(r"user|account|credential|passkey|webauthn|token|invite|challenge|"
                         r"authenticator|session|recovery", re.IGNORECASE)
CANONICAL_TABLES = ("users", "webauthn_credentials", "bootstrap_tokens_*")
_CONFIG_SUFFIXES = (".py", ".json", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".env", ".sh",
                    ".conf")
_VARIABLE = re.compile(rb"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b[A-Z]{4,}\b")
_SENSITIVE_VARIABLE = re.compile(r"SIGNING|SECRET_KEY|RP_ID|ORIGIN|REDIS")
CANONICAL_VARIABLES = ("BOOTSTRAP_TOKEN_SIGNING_KEY", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN",
                       "REDIS_URL")
PROCESS_FILES = re.compile(r"^(?:Procfile|app\.json|heroku\.yml)$|(?:^|/)gunicorn[^/]*\.(?:py|conf)"
                           r"$|(?:^|/)gunicorn[^/]*\.conf[^/]*$")


@dataclass(frozen=True)
class Found:
    """One thing found, with where: the comment of the rule it goes into says this."""

    path: str
    why: str


@dataclass(frozen=True)
class Survey:
    route_files: tuple[Found, ...] = ()
    begin_routes: tuple[str, ...] = ()  # "POST /api/auth/register/begin (file:line)"
    webauthn_services: tuple[Found, ...] = ()
    token_services: tuple[Found, ...] = ()
    migration_dirs: tuple[str, ...] = ()
    schema_files: tuple[Found, ...] = ()  # files creating/altering auth tables
    auth_tables: tuple[str, ...] = ()
    variables: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> files
    process_files: tuple[str, ...] = ()
    package_roots: tuple[str, ...] = ()  # globs of the server code: "app/**", "src/acme/**"
    python_files: int = 0


def is_test(path: str) -> bool:
    parts = path.split("/")
    return any(_TEST_PART.match(p) for p in parts[:-1]) or bool(_TEST_FILE.match(parts[-1]))


def _skipped(path: str) -> bool:
    return any(_SKIP_PART.match(p) for p in path.split("/")[:-1])


def survey(paths: Iterable[str], read: Read) -> Survey:
    paths = sorted(p for p in paths if not _skipped(p))
    python = [p for p in paths if p.endswith(".py") and not is_test(p)][:MAX_SURVEYED]
    contents = {p: read(p) or b"" for p in python}
    route_files, begins = _routes(contents)
    routed = {f.path for f in route_files}
    webauthn = tuple(
        Found(p, "imports py_webauthn" if _WEBAUTHN_IMPORT.search(data) else "named after it")
        for p, data in contents.items()
        if p not in routed and (_WEBAUTHN_IMPORT.search(data)
                                or _WEBAUTHN_NAME.search(p.rsplit("/", 1)[-1])))
    services = routed | {f.path for f in webauthn}
    tokens = tuple(Found(p, "a token module that signs")
                   for p, data in contents.items()
                   if p not in services and _TOKEN_NAME.search(p.rsplit("/", 1)[-1])
                   and _SIGNS.search(data))
    dirs = _migration_dirs(paths)
    schema, tables = _tables(paths, dirs, read, contents)
    return Survey(
        route_files=route_files,
        begin_routes=begins,
        webauthn_services=webauthn,
        token_services=tokens,
        migration_dirs=dirs,
        schema_files=schema,
        auth_tables=tables,
        variables=_variables(paths, read, contents),
        process_files=tuple(p for p in paths if PROCESS_FILES.search(p)),
        package_roots=_package_roots(python),
        python_files=len(python),
    )


def _routes(contents: dict[str, bytes]) -> tuple[tuple[Found, ...], tuple[str, ...]]:
    table = extract_routes({p: d for p, d in contents.items() if _ROUTE_HINT.search(d)})
    by_file: dict[str, list[str]] = {}
    begins = []
    for route in table.routes:
        if not _AUTH_ROUTE.search(route.path):
            continue
        by_file.setdefault(route.file, []).append(route.path)
        if re.search(r"/begin(?:-[^/]*)?$", route.path):
            begins.append(f"{'/'.join(route.methods).upper()} {route.path} ({route.file}:"
                          f"{route.line})")
    found = tuple(Found(path, "routes " + ", ".join(sorted(set(routes))[:4])
                        + (" ..." if len(set(routes)) > 4 else ""))
                  for path, routes in sorted(by_file.items()))
    return found, tuple(sorted(set(begins)))


def _migration_dirs(paths: Sequence[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for path in paths:
        if is_test(path) or not path.endswith((".py", ".sql")):
            continue
        parts = path.split("/")[:-1]
        for index, part in enumerate(parts):
            if _MIGRATION_DIR.match(part):
                found.add("/".join(parts[:index + 1]))
                break
    # The outermost directory only: `alembic/` covers `alembic/versions/`.
    return tuple(sorted(d for d in found
                        if not any(d != o and d.startswith(o + "/") for o in found)))


def _tables(paths: Sequence[str], dirs: Sequence[str], read: Read,
            contents: dict[str, bytes]) -> tuple[tuple[Found, ...], tuple[str, ...]]:
    """Auth tables created or altered in migrations, and schema files outside them."""
    tables: set[str] = set()
    schema: list[Found] = []
    for path in paths:
        in_migrations = any(path.startswith(d + "/") for d in dirs)
        if not (in_migrations or path.endswith(".sql") or path in contents):
            continue
        data = contents.get(path)
        if data is None:
            data = read(path) or b""
        named = {(m.group(1) or m.group(2)).decode("ascii", "replace")
                 for m in _TABLE.finditer(data)}
        auth = sorted(t for t in named if _AUTH_TABLE.search(t))
        tables.update(auth)
        if auth and not in_migrations and not is_test(path):
            schema.append(Found(path, "creates or alters " + ", ".join(auth)))
    return tuple(schema), tuple(sorted(tables))


def _variables(paths: Sequence[str], read: Read,
               contents: dict[str, bytes]) -> dict[str, tuple[str, ...]]:
    where: dict[str, list[str]] = {}
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if is_test(path) or not (name.endswith(_CONFIG_SUFFIXES) or name.startswith(".env")
                                 or name == "Procfile"):
            continue
        data = contents.get(path)
        if data is None:
            data = read(path) or b""
        for match in set(_VARIABLE.findall(data)):
            variable = match.decode("ascii")
            if _SENSITIVE_VARIABLE.search(variable):
                where.setdefault(variable, []).append(path)
    return {name: tuple(files) for name, files in sorted(where.items())}


def _package_roots(python: Sequence[str]) -> tuple[str, ...]:
    roots: set[str] = set()
    for path in python:
        parts = path.split("/")
        if len(parts) == 1:
            roots.add("*.py")
        elif parts[0] == "src" and len(parts) > 2:
            roots.add(f"src/{parts[1]}/**")
        else:
            roots.add(f"{parts[0]}/**")
    return tuple(sorted(roots))
