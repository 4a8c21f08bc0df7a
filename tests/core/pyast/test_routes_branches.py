"""Routes declared in every kind of block, and modules told apart by their full path.

The extractor walks statements, not only top-level ones: a route or an include in an `else:`,
`except:`, `finally:` or `case` block is still shipped by the backend, so it must be seen
(RCA 2026-05-25, contributing factor 2: a begin route nobody sees is never paired).
"""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core.pyast.routes import extract_routes


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def paths(files: dict[str, str]) -> list[str]:
    table = extract_routes(files)
    assert table.failures == ()
    return sorted(r.path for r in table.routes)


BLOCKS = [
    ("if/else", """
        if settings.NEW:
            @router.post("/in-body")
            def a(): ...
        else:
            @router.post("/in-else")
            def b(): ...
     """),
    ("try/except/else/finally", """
        try:
            @router.post("/in-body")
            def a(): ...
        except ImportError:
            @router.post("/in-except")
            def b(): ...
        except (KeyError, ValueError):
            @router.post("/in-second-except")
            def c(): ...
        else:
            @router.post("/in-else")
            def d(): ...
        finally:
            @router.post("/in-finally")
            def e(): ...
     """),
    ("for/else and while/else", """
        for flavour in FLAVOURS:
            @router.post("/in-body")
            def a(): ...
        else:
            @router.post("/in-else")
            def b(): ...
        while False:
            pass
        else:
            @router.post("/in-while-else")
            def c(): ...
     """),
    ("match/case", """
        match settings.MODE:
            case "a":
                @router.post("/in-case")
                def a(): ...
            case _:
                @router.post("/in-default-case")
                def b(): ...
     """),
    ("with, class and nested function", """
        with context():
            @router.post("/in-with")
            def a(): ...
        class Views:
            @router.post("/in-class")
            def b(self): ...
        def factory():
            if True:
                pass
            else:
                @router.post("/in-nested-else")
                def c(): ...
     """),
]


@pytest.mark.parametrize("body", [b[1] for b in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_routes_in_every_block_are_found(body: str) -> None:
    source = 'router = APIRouter(prefix="/p")\n' + src(body)
    expected = sorted("/p" + line.split('"')[1] for line in source.splitlines()
                      if "@router.post(" in line)
    assert paths({"api/x.py": source}) == expected


@pytest.mark.parametrize("block", ["else", "except", "finally", "case"])
def test_an_include_in_a_branch_applies_its_prefix(block: str) -> None:
    include = 'app.include_router(auth, prefix="/api")'
    branches = {
        "else": f"if OLD:\n    pass\nelse:\n    {include}\n",
        "except": f"try:\n    pass\nexcept Exception:\n    {include}\n",
        "finally": f"try:\n    pass\nfinally:\n    {include}\n",
        "case": f"match MODE:\n    case 1:\n        {include}\n",
    }
    source = src("""
        app = FastAPI()
        auth = APIRouter(prefix="/auth")
        @auth.post("/begin")
        def begin(): ...
    """) + branches[block]
    assert paths({"api/x.py": source}) == ["/api/auth/begin"]


def test_a_router_created_in_an_except_block_keeps_its_prefix() -> None:
    source = src("""
        try:
            from .compat import make
        except ImportError:
            router = APIRouter(prefix="/fallback")
        @router.post("/begin")
        def begin(): ...
    """)
    assert paths({"api/x.py": source}) == ["/fallback/begin"]


def test_imports_in_an_else_block_resolve_across_files() -> None:
    files = {
        "pkg/routes/auth.py": 'router = APIRouter(prefix="/auth")\n'
                              '@router.post("/begin")\ndef b(): ...\n',
        "pkg/main.py": src("""
            try:
                import uvloop
            except ImportError:
                pass
            else:
                from .routes import auth
            app = FastAPI()
            app.include_router(auth.router, prefix="/api")
        """),
    }
    assert paths(files) == ["/api/auth/begin"]


# --- two modules with the same final name ----------------------------------------------------

TWO_AUTHS = {
    "svc/api/routes/auth.py": 'router = APIRouter(prefix="/api-auth")\n'
                              '@router.post("/begin")\ndef a(): ...\n',
    "svc/admin/routes/auth.py": 'router = APIRouter(prefix="/admin-auth")\n'
                                '@router.post("/verify")\ndef b(): ...\n',
}


def mounted(files: dict[str, str], main: str, main_source: str) -> dict[str, str]:
    """Full path of each auth.py's route, by the file that declares it."""
    table = extract_routes({**files, main: src(main_source)})
    return {r.file: r.path for r in table.routes}


@pytest.mark.parametrize(("main", "imports", "mounted_file"), [
    ("svc/api/main.py", "from .routes import auth", "svc/api/routes/auth.py"),
    ("svc/api/main.py", "from ..admin.routes import auth", "svc/admin/routes/auth.py"),
    ("svc/api/main.py", "from svc.admin.routes import auth", "svc/admin/routes/auth.py"),
    ("svc/api/main.py", "from svc.api.routes import auth", "svc/api/routes/auth.py"),
    ("svc/admin/main.py", "from .routes import auth", "svc/admin/routes/auth.py"),
    ("svc/admin/main.py", "from ..api.routes import auth", "svc/api/routes/auth.py"),
    # A suffix (`routes.auth`) matches both: the one nearest the importer wins.
    ("svc/api/main.py", "from routes import auth", "svc/api/routes/auth.py"),
    ("svc/admin/main.py", "from routes import auth", "svc/admin/routes/auth.py"),
    ("svc/admin/main.py", "import routes.auth as auth", "svc/admin/routes/auth.py"),
], ids=["relative-api", "relative-up-admin", "absolute-admin", "absolute-api",
        "relative-admin", "relative-up-api", "suffix-near-api", "suffix-near-admin",
        "import-as-near-admin"])
def test_the_imported_auth_module_is_the_one_named(main: str, imports: str,
                                                   mounted_file: str) -> None:
    found = mounted(TWO_AUTHS, main, f"""
        {imports}
        app = FastAPI()
        app.include_router(auth.router, prefix="/mounted")
    """)
    expected = {"svc/api/routes/auth.py": "/api-auth/begin",
                "svc/admin/routes/auth.py": "/admin-auth/verify"}
    expected[mounted_file] = "/mounted" + expected[mounted_file]
    assert found == expected


def test_a_relative_import_does_not_match_a_longer_path_by_suffix() -> None:
    # `from .routes import auth` in a top-level main.py means routes/auth.py, which does not
    # exist; svc/api/routes/auth.py only ends like it.
    found = mounted(TWO_AUTHS, "main.py", """
        from .routes import auth
        app = FastAPI()
        app.include_router(auth.router, prefix="/mounted")
    """)
    assert found == {"svc/api/routes/auth.py": "/api-auth/begin",
                     "svc/admin/routes/auth.py": "/admin-auth/verify"}


def test_a_relative_import_above_the_top_package_binds_nothing() -> None:
    found = mounted({"auth.py": 'router = APIRouter()\n@router.post("/begin")\ndef a(): ...\n'},
                    "main.py", """
        from .. import auth
        app = FastAPI()
        app.include_router(auth.router, prefix="/mounted")
    """)
    assert found == {"auth.py": "/begin"}


def test_a_relative_import_up_to_the_top_package_binds_there() -> None:
    found = mounted({"auth.py": 'router = APIRouter()\n@router.post("/begin")\ndef a(): ...\n'},
                    "pkg/main.py", """
        from .. import auth
        app = FastAPI()
        app.include_router(auth.router, prefix="/mounted")
    """)
    assert found == {"auth.py": "/mounted/begin"}


def test_an_absolute_import_matches_by_suffix_but_not_a_partial_name() -> None:
    files = {"svc/api/routes/myauth.py": 'router = APIRouter()\n@router.post("/begin")\n'
                                         'def a(): ...\n'}
    found = mounted(files, "svc/main.py", """
        from routes import auth
        app = FastAPI()
        app.include_router(auth.router, prefix="/mounted")
    """)
    assert found == {"svc/api/routes/myauth.py": "/begin"}
