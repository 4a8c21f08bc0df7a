"""Table-driven tests of the AST route extractor (pyast/routes.py), every declared form."""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core.pyast.routes import Route, extract_routes
from release_gate.core.pyast.source import PythonSourceError, parse_python


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def summary(routes: tuple[Route, ...]) -> set[tuple[str, str, str | None]]:
    return {(",".join(r.methods), r.path, r.function) for r in routes}


ONE_FILE = [
    # (id, source of api/x.py, expected {(methods, full path, function)})
    ("fastapi method decorators", """
        from fastapi import APIRouter
        router = APIRouter()
        @router.get("/a")
        def a(): ...
        @router.post("/b")
        async def b(): ...
        @router.put("/c")
        def c(): ...
        @router.patch("/d")
        def d(): ...
        @router.delete("/e")
        def e(): ...
        @router.head("/f")
        def f(): ...
        @router.options("/g")
        def g(): ...
     """, {("GET", "/a", "a"), ("POST", "/b", "b"), ("PUT", "/c", "c"), ("PATCH", "/d", "d"),
           ("DELETE", "/e", "e"), ("HEAD", "/f", "f"), ("OPTIONS", "/g", "g")}),
    ("api_route with methods and default", """
        router = APIRouter()
        @router.api_route("/x", methods=["post", "PUT"])
        def x(): ...
        @router.api_route("/y")
        def y(): ...
        @router.api_route(path="/z", methods=("DELETE",))
        def z(): ...
     """, {("POST,PUT", "/x", "x"), ("GET", "/y", "y"), ("DELETE", "/z", "z")}),
    ("path keyword", """
        router = APIRouter()
        @router.post(path="/kw", status_code=201)
        def kw(): ...
     """, {("POST", "/kw", "kw")}),
    ("router prefix", """
        router = APIRouter(prefix="/register", tags=["auth"])
        @router.post("/begin-with-token")
        def begin(): ...
     """, {("POST", "/register/begin-with-token", "begin")}),
    ("app decorators", """
        from fastapi import FastAPI
        app = FastAPI(title="x")
        @app.get("/health")
        def health(): ...
        @app.post("/register/begin")
        async def begin(): ...
     """, {("GET", "/health", "health"), ("POST", "/register/begin", "begin")}),
    ("annotated router", """
        router: APIRouter = APIRouter(prefix="/p")
        @router.get("/q")
        def q(): ...
     """, {("GET", "/p/q", "q")}),
    ("add_api_route", """
        router = APIRouter(prefix="/auth")
        async def begin(): ...
        router.add_api_route("/begin", begin, methods=["POST"])
        router.add_api_route(path="/verify", endpoint=begin)
     """, {("POST", "/auth/begin", "begin"), ("GET", "/auth/verify", "begin")}),
    ("starlette add_route and route", """
        from starlette.applications import Starlette
        app = Starlette()
        async def h(request): ...
        app.add_route("/s", h, methods=["POST"])
        @app.route("/t", methods=["GET", "POST"])
        async def t(request): ...
     """, {("POST", "/s", "h"), ("GET,POST", "/t", "t")}),
    ("flask blueprint", """
        from flask import Blueprint
        bp = Blueprint("auth", __name__, url_prefix="/auth")
        @bp.route("/begin", methods=["POST"])
        def begin(): ...
        @bp.route("/status")
        def status(): ...
        @bp.post("/verify")
        def verify(): ...
     """, {("POST", "/auth/begin", "begin"), ("GET", "/auth/status", "status"),
           ("POST", "/auth/verify", "verify")}),
    ("flask add_url_rule", """
        from flask import Flask
        app = Flask(__name__)
        def begin(): ...
        app.add_url_rule("/begin", "begin", view_func=begin, methods=["POST"])
     """, {("POST", "/begin", "begin")}),
    ("flask register_blueprint url_prefix wins", """
        from flask import Blueprint, Flask
        bp = Blueprint("auth", __name__, url_prefix="/old")
        @bp.route("/begin", methods=["POST"])
        def begin(): ...
        app = Flask(__name__)
        app.register_blueprint(bp, url_prefix="/v1/auth")
     """, {("POST", "/v1/auth/begin", "begin")}),
    ("include_router in the same file adds prefixes", """
        app = FastAPI()
        router = APIRouter(prefix="/register")
        @router.post("/begin")
        def begin(): ...
        app.include_router(router, prefix="/api/auth")
     """, {("POST", "/api/auth/register/begin", "begin")}),
    ("nested routers", """
        api = APIRouter(prefix="/api")
        auth = APIRouter(prefix="/auth")
        @auth.post("/begin")
        def begin(): ...
        api.include_router(auth)
        app = FastAPI()
        app.include_router(api, prefix="/v2")
     """, {("POST", "/v2/api/auth/begin", "begin")}),
    ("router mounted twice", """
        app = FastAPI()
        router = APIRouter()
        @router.post("/begin")
        def begin(): ...
        app.include_router(router, prefix="/v1")
        app.include_router(router, prefix="/v2")
     """, {("POST", "/v1/begin", "begin"), ("POST", "/v2/begin", "begin")}),
    ("module string constants, + and f-strings are folded", """
        PREFIX = "/api"
        AUTH = PREFIX + "/auth"
        router = APIRouter(prefix=f"{AUTH}/register")
        @router.post(f"/begin-" "with-token")
        def begin(): ...
     """, {("POST", "/api/auth/register/begin-with-token", "begin")}),
    ("routes inside an app factory", """
        def create_app():
            app = FastAPI()
            @app.post("/begin")
            def begin(): ...
            return app
     """, {("POST", "/begin", "begin")}),
    ("route-like decorators that are not routes", """
        from unittest import mock as um  # a test double's patch() looks like PATCH /x
        import functools
        @um.patch("pkg.mod.thing")
        def t1(): ...
        @cache.get("key")
        def t2(): ...
        @functools.lru_cache(maxsize=None)
        def t3(): ...
        @router.get
        def t4(): ...
     """, set()),
    ("unusual receivers named like routers", """
        from .deps import auth_router
        @auth_router.post("/begin")
        def begin(): ...
     """, {("POST", "/begin", "begin")}),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in ONE_FILE],
                         ids=[c[0] for c in ONE_FILE])
def test_one_file(source: str, expected: set[tuple[str, str, str | None]]) -> None:
    table = extract_routes({"api/x.py": src(source)})
    assert table.failures == ()
    assert summary(table.routes) == expected
    assert all(r.known and r.reason is None for r in table.routes)


def test_route_fields_name_file_line_function_and_router() -> None:
    table = extract_routes({"api/routes/auth.py": src("""
        from fastapi import APIRouter

        router = APIRouter(prefix="/register")


        @router.post("/begin-with-token")
        async def begin_with_token(): ...
    """)})
    assert table.routes == (Route(
        path="/register/begin-with-token", methods=("POST",), file="api/routes/auth.py", line=6,
        function="begin_with_token", router="router", known=True, reason=None,
        certain=True, roots=frozenset({("api/routes/auth.py", "router")}),
    ),)


NOT_LITERAL = [
    ("path from a setting", """
        router = APIRouter()
        @router.post(settings.BEGIN_PATH)
        def begin(): ...
     """, "{?settings.BEGIN_PATH}", "the path {?settings.BEGIN_PATH} is not a literal"),
    ("f-string with an imported constant keeps the literal tail", """
        from .config import PREFIX
        router = APIRouter()
        @router.post(f"{PREFIX}/begin")
        def begin(): ...
     """, "{?PREFIX}/begin", "the path {?PREFIX}/begin is not a literal"),
    ("prefix from a call", """
        router = APIRouter(prefix=get_prefix())
        @router.post("/begin")
        def begin(): ...
     """, "{?get_prefix()}/begin", "a router prefix ({?get_prefix()}) is not a literal"),
    ("constant bound twice is not a constant", """
        P = "/a"
        P = "/b"
        router = APIRouter(prefix=P)
        @router.post("/begin")
        def begin(): ...
     """, "{?P}/begin", "a router prefix ({?P}) is not a literal"),
]


@pytest.mark.parametrize(("source", "path", "reason"), [c[1:] for c in NOT_LITERAL],
                         ids=[c[0] for c in NOT_LITERAL])
def test_paths_that_are_not_literal_are_unknown(source: str, path: str, reason: str) -> None:
    (route,) = extract_routes({"api/x.py": src(source)}).routes
    assert (route.path, route.known, route.reason) == (path, False, reason)


AUTH = src("""
    from fastapi import APIRouter
    router = APIRouter(prefix="/register")
    @router.post("/begin-with-token")
    def begin(): ...
""")

ACROSS_FILES = [
    # (id, files, expected full path of the begin route in api/routes/auth.py)
    ("from package import module; module.router", {
        "backend_v2/api/main.py": src("""
            from fastapi import FastAPI
            from backend_v2.api.routes import auth
            app = FastAPI()
            app.include_router(auth.router, prefix="/api/auth")
        """)}, "/api/auth/register/begin-with-token"),
    ("relative import with alias", {
        "backend_v2/api/main.py": src("""
            from .routes.auth import router as auth_router
            app = FastAPI()
            app.include_router(auth_router, prefix="/api/auth")
        """)}, "/api/auth/register/begin-with-token"),
    ("relative `from . import` one level up", {
        "backend_v2/api/routes/__init__.py": src("""
            from fastapi import APIRouter
            from . import auth
            api = APIRouter(prefix="/api")
            api.include_router(auth.router, prefix="/auth")
        """)}, "/api/auth/register/begin-with-token"),
    ("import a.b.c and the dotted name", {
        "backend_v2/api/main.py": src("""
            import backend_v2.api.routes.auth
            app = FastAPI()
            app.include_router(backend_v2.api.routes.auth.router, prefix="/x")
        """)}, "/x/register/begin-with-token"),
    ("shorter absolute module path (suffix match)", {
        "backend_v2/api/main.py": src("""
            from api.routes.auth import router
            app = FastAPI()
            app.include_router(router, prefix="/y")
        """)}, "/y/register/begin-with-token"),
    ("re-exported through the package __init__", {
        "backend_v2/api/routes/__init__.py": "from .auth import router as auth_router\n",
        "backend_v2/api/main.py": src("""
            from .routes import auth_router
            app = FastAPI()
            app.include_router(router=auth_router, prefix="/z")
        """)}, "/z/register/begin-with-token"),
    ("keyword prefix through two levels", {
        "backend_v2/api/v1.py": src("""
            from fastapi import APIRouter
            from .routes import auth
            v1 = APIRouter(prefix="/v1")
            v1.include_router(auth.router, prefix="/auth")
        """),
        "backend_v2/api/main.py": src("""
            from .v1 import v1
            app = FastAPI()
            app.include_router(v1, prefix="/api")
        """)}, "/api/v1/auth/register/begin-with-token"),
    ("an include of something unknown changes nothing", {
        "backend_v2/api/main.py": src("""
            from elsewhere import router
            app = FastAPI()
            app.include_router(router, prefix="/nope")
        """)}, "/register/begin-with-token"),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in ACROSS_FILES],
                         ids=[c[0] for c in ACROSS_FILES])
def test_prefixes_across_files(files: dict[str, str], expected: str) -> None:
    table = extract_routes({"backend_v2/api/routes/auth.py": AUTH, **files})
    begins = [r.path for r in table.routes if r.file.endswith("routes/auth.py")]
    assert begins == [expected]


def test_include_cycles_terminate() -> None:
    table = extract_routes({"a.py": src("""
        a = APIRouter(prefix="/a")
        b = APIRouter(prefix="/b")
        a.include_router(b)
        b.include_router(a)
        @a.get("/x")
        def x(): ...
    """)})
    assert len(table.routes) == 1


@pytest.mark.parametrize(("data", "line", "words"), [
    (b"def f(:\n", 1, "does not parse as Python"),
    (b"x = 1\n\n@router.post('/begin'\ndef f(): ...\n", 3, "does not parse as Python"),
    (b"\xff\xfe\x00garbage", None, "NUL bytes"),
    (b"x = '\xff'\n", None, "not decodable"),
    (b"# -*- coding: no-such-codec -*-\nx = 1\n", None, "not decodable"),
    (b"x = 1\x00\n", None, "NUL bytes"),
], ids=["syntax", "syntax-line-3", "utf16-bytes", "latin1-bytes", "unknown-codec", "null-byte"])
def test_unparseable_files_are_reported_not_raised(data: bytes, line: int | None,
                                                   words: str) -> None:
    table = extract_routes({"api/bad.py": data, "api/good.py": AUTH})
    assert [r.path for r in table.routes] == ["/register/begin-with-token"]
    (failure,) = table.failures
    assert failure.path == "api/bad.py"
    assert words in failure.reason
    if line is not None:
        assert failure.line == line


def test_parse_python_raises_only_its_own_error() -> None:
    deep = "x = " + "+".join(["a"] * 200_000)
    with pytest.raises(PythonSourceError):
        parse_python("deep.py", deep)
