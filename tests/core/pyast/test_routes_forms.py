"""More declared forms of the AST route extractor: keyword spellings, odd receivers and arguments
that must neither crash the extractor nor invent a route, and mount bookkeeping."""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core.pyast.routes import MAX_MOUNTS, Route, extract_routes


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def routes(source: str, path: str = "api/x.py") -> tuple[Route, ...]:
    table = extract_routes({path: src(source)})
    assert table.failures == ()
    return table.routes


def summary(source: str) -> set[tuple[str, str, str | None]]:
    return {(",".join(r.methods), r.path, r.function) for r in routes(source)}


FORMS = [
    ("flask rule= keyword", """
        bp = Blueprint("a", __name__, url_prefix="/a")
        @bp.route(rule="/begin", methods=["POST"])
        def begin(): ...
        def verify(): ...
        bp.add_url_rule(rule="/verify", view_func=verify, methods=["POST"])
     """, {("POST", "/a/begin", "begin"), ("POST", "/a/verify", "verify")}),
    ("add_url_rule view function by position", """
        app = Flask(__name__)
        def begin(): ...
        app.add_url_rule("/begin", "begin_endpoint", begin)
        app.add_url_rule("/verify", "verify_endpoint")
        app.add_url_rule("/lambda", "l", lambda: None)
     """, {("GET", "/begin", "begin"), ("GET", "/verify", None), ("GET", "/lambda", None)}),
    ("add_api_route endpoint by view_func keyword", """
        router = APIRouter()
        def h(): ...
        router.add_api_route("/k", view_func=h)
     """, {("GET", "/k", "h")}),
    ("receiver not named like a router, URL path", """
        server.add_url_rule("/begin", view_func=b)
        @thing.get("/verify")
        def v(): ...
        @thing.get("")
        def root(): ...
        @thing.get("cache-key")
        def not_a_route(): ...
     """, {("GET", "/begin", "b"), ("GET", "/verify", "v"), ("GET", "", "root")}),
    ("a known router with a name and path unlike a route", """
        auth = APIRouter(prefix="/auth")
        @auth.post(BEGIN)
        def begin(): ...
     """, {("POST", "/auth{?BEGIN}", "begin")}),
    ("methods lists", """
        router = APIRouter()
        @router.api_route("/dup", methods=["post", "POST"])
        def dup(): ...
        @router.api_route("/var", methods=[METHOD])
        def var(): ...
        @router.api_route("/all", methods=ALL)
        def all_(): ...
        @router.api_route("/none", methods=[])
        def none(): ...
     """, {("POST", "/dup", "dup"), ("?", "/var", "var"), ("?", "/all", "all_"),
           ("GET", "/none", "none")}),
    ("constants in add_api_route and include_router", """
        BEGIN = "/begin"
        API = "/api"
        app = FastAPI()
        router = APIRouter()
        router.add_api_route(BEGIN, h)
        app.include_router(router, prefix=API)
     """, {("GET", "/api/begin", "h")}),
    ("awaited add_api_route", """
        router = APIRouter()
        async def setup():
            await router.add_api_route("/begin", h)
     """, {("GET", "/begin", "h")}),
    ("doubled slashes between prefix and path", """
        router = APIRouter(prefix="/api/")
        @router.post("/begin")
        def begin(): ...
     """, {("POST", "/api/begin", "begin")}),
    ("explicit prefix=None", """
        router = APIRouter(prefix=None)
        @router.post("/begin")
        def begin(): ...
     """, {("POST", "/begin", "begin")}),
    ("an app built from **settings keeps literal paths", """
        app = FastAPI(**SETTINGS)
        @app.post("/begin")
        def begin(): ...
     """, {("POST", "/begin", "begin")}),
    ("assignments that are not routers, before the router", """
        make = get_factory()()
        x = build()
        router = APIRouter(prefix="/p")
        @router.post("/begin")
        def begin(): ...
     """, {("POST", "/p/begin", "begin")}),
    ("flask register_blueprint without url_prefix keeps the blueprint's", """
        app = Flask(__name__)
        bp = Blueprint("a", __name__, url_prefix="/auth")
        @bp.post("/begin")
        def begin(): ...
        app.register_blueprint(bp)
        app.register_blueprint(bp, url_prefix=None)
     """, {("POST", "/auth/begin", "begin")}),
    ("odd calls neither crash nor invent routes", """
        router = APIRouter()
        @router.post()
        def no_path(): ...
        @router.post(*EXTRA, "/spread")
        def spread(): ...
        make().add_api_route("/x", h)
        app.include_router(make_router(), prefix="/nope")
        app.include_router()
        app.include_router(nowhere.router, prefix="/nope")
        app.add_url_rule("/y", "y")
     """, {("GET", "/y", None)}),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in FORMS],
                         ids=[c[0] for c in FORMS])
def test_forms(source: str, expected: set[tuple[str, str, str | None]]) -> None:
    assert summary(source) == expected


def test_sources_as_pairs_of_path_and_text() -> None:
    source = 'router = APIRouter()\n@router.post("/b")\ndef b(): ...\n'
    table = extract_routes([("api/x.py", source)])
    assert [(r.file, r.path) for r in table.routes] == [("api/x.py", "/b")]


def test_the_router_field_names_a_dotted_receiver() -> None:
    (route,) = routes("""
        from . import auth
        @auth.router.post("/begin")
        def begin(): ...
    """)
    assert route.router == "auth.router"


def test_a_router_mounted_twice_at_the_same_prefix_is_one_route() -> None:
    found = routes("""
        app = FastAPI()
        router = APIRouter()
        @router.post("/begin")
        def begin(): ...
        app.include_router(router, prefix="/v1")
        app.include_router(router, prefix="/v1")
    """)
    assert [r.path for r in found] == ["/v1/begin"]


def test_mount_points_are_capped() -> None:
    includes = "\n".join(f'app.include_router(router, prefix="/m{i}")'
                         for i in range(MAX_MOUNTS + 5))
    found = routes('app = FastAPI()\nrouter = APIRouter()\n@router.post("/begin")\n'
                   'def begin(): ...\n' + includes + "\n")
    assert [r.path for r in found] == [f"/m{i}/begin" for i in range(MAX_MOUNTS)]


def reexport_chain(length: int) -> dict[str, str]:
    """pkg/m0.py mounts `router`, re-exported through m1 ... m<length>, defined in the last."""
    files = {f"pkg/m{i}.py": f"from .m{i + 1} import router\n" for i in range(1, length)}
    files[f"pkg/m{length}.py"] = 'router = APIRouter()\n@router.post("/begin")\ndef b(): ...\n'
    files["pkg/m0.py"] = ("from .m1 import router\napp = FastAPI()\n"
                          'app.include_router(router, prefix="/api")\n')
    return files


@pytest.mark.parametrize(("length", "mounted"), [(1, True), (9, True), (10, False)])
def test_reexport_chains_resolve_up_to_a_bound(length: int, mounted: bool) -> None:
    (route,) = extract_routes(reexport_chain(length)).routes
    assert route.path == ("/api/begin" if mounted else "/begin")


def test_a_reexport_cycle_terminates() -> None:
    table = extract_routes({
        "pkg/a.py": "from .b import router\napp = FastAPI()\n"
                    'app.include_router(router, prefix="/api")\n'
                    '@app.post("/begin")\ndef b(): ...\n',
        "pkg/b.py": "from .c import router\n",
        "pkg/c.py": "from .b import router\n",
    })
    assert [r.path for r in table.routes] == ["/begin"]
