"""Property tests: arbitrary text and bytes never crash the route extractor or the AST rules.

A gate that raises on odd input fails closed (exit 1), but a crash is still a bug: every input
must give either routes or a clean, located finding (docs/design.md, "Fail closed").
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate.core import config, engine
from release_gate.core.changes import ChangeSet, FileChange, FileStatus
from release_gate.core.pyast.routes import Route, extract_routes
from release_gate.core.verdict import Finding, Outcome
from tests.fakes.context import FakeContext

POLICY = config.load_default()
AST_RULES = {"begin-verify-pairing", "process-local-state"}
ROUTES = "backend_v2/api/routes/auth.py"
SERVICE = "backend_v2/api/services/webauthn_service.py"

# Pieces of real route and state code, so that generated inputs often parse and reach the
# analysis rather than stopping at the parser.
FRAGMENTS = [
    "from fastapi import APIRouter, FastAPI", "from . import auth",
    "from .routes.auth import router",
    "import backend_v2.api.routes.auth", "from collections import defaultdict, deque",
    "router = APIRouter(prefix='/register')", "app = FastAPI()", "bp = Blueprint('a', __name__)",
    "router = APIRouter(prefix=P)", "P = '/api'", "P = P + '/x'", "app.include_router(router)",
    "app.include_router(auth.router, prefix='/api/auth')", "app.include_router(router, prefix=P)",
    "router.include_router(router)", "app.register_blueprint(bp, url_prefix=None)",
    "@router.post('/begin-with-token')", "@router.post('/verify-with-token')", "@router.get(P)",
    "@router.api_route('/begin', methods=['POST', x])", "@app.route(f'{P}/verify/')",
    "@bp.route('/begin-x', methods=m)", "@router.post(path=f'{P!r:>10}/begin')",
    "router.add_api_route('/begin', h, methods=['POST'])", "app.add_url_rule('/v', view_func=h)",
    "def h(): pass", "async def h(x):", "    pass", "    return x", "class C:",
    "_store = {}", "_store = None", "_l = [i for i in x]", "_d = defaultdict(list)",
    "_q = deque()", "global _store", "    global _store", "    _store = {}", "    _store[k] = v",
    "    del _store[k]", "    _store.pop(k)", "    _d[k].append(v)", "    _q.appendleft(1)",
    "    lambda k: _store.setdefault(k, [])", "_a, _b = {}, []", "x = [None] * 3",
    "_store = {}  # release-gate: allow-process-local-state",
    "# release-gate: allow-process-local-state ok",
    "try:", "except Exception:", "if x:", "else:", "    def inner(_store):",
    "        _store[1] = 2",
    "    nonlocal _store", "@router.post(*args)", "@router.post(**kw)", "@router.post()",
    "router.add_api_route()", "app.include_router()", "@a.b.c.get('/begin')",
]

# Always-parseable programs: module statements and decorated functions with mutating bodies.
TOP = [f for f in FRAGMENTS if not f.startswith((" ", "@", "def", "async", "class", "try",
                                                 "except", "if", "else", "global"))
       and not f.endswith(":")]
DECORATORS = [f for f in FRAGMENTS if f.startswith("@")]
BODY = [f.strip() for f in FRAGMENTS if f.startswith("    ") and not f.endswith(":")
        and "nonlocal" not in f]
function = st.builds(
    lambda decorators, name, body: "\n".join([
        *decorators, f"def {name}(k=None, v=None):",
        *[f"    {line}" for line in body or ["pass"]]]),
    st.lists(st.sampled_from(DECORATORS), max_size=2), st.sampled_from(["h", "begin", "_f"]),
    st.lists(st.sampled_from(BODY), max_size=4))
programs = st.lists(st.one_of(st.sampled_from(TOP), function), max_size=12).map("\n".join)

python_like = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)),
    max_size=25,
).map("\n".join)
any_text = st.one_of(st.text(), python_like, programs)
any_bytes = st.one_of(st.binary(), python_like.map(lambda s: s.encode("utf-8", "surrogatepass")))

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def check_route(route: Route, files: set[str]) -> None:
    assert route.file in files
    assert route.line >= 1
    assert route.methods
    assert isinstance(route.path, str)
    assert route.known == (route.reason is None)


def check_finding(finding: Finding, files: dict[str, bytes]) -> None:
    if finding.rule not in AST_RULES:
        return  # the path and content rules also speak about these files
    assert finding.path in files
    assert finding.outcome is Outcome.BLOCKED
    assert finding.message and finding.message.strip() == finding.message
    assert "\n" not in finding.message
    if finding.line is not None:
        assert 1 <= finding.line <= len(re.split(rb"\r\n|\r|\n", files[finding.path]))


@PROPERTY
@given(st.dictionaries(st.sampled_from(["a.py", "pkg/__init__.py", "pkg/b.py", "c/d/e.py"]),
                       st.one_of(any_text, any_bytes), max_size=4))
def test_extractor_never_raises(files: dict[str, str | bytes]) -> None:
    table = extract_routes(files)
    for route in table.routes:
        check_route(route, set(files))
    failed = {f.path for f in table.failures}
    assert failed <= set(files)
    assert not failed & {r.file for r in table.routes}
    for failure in table.failures:
        assert failure.reason and "\n" not in failure.reason


def context(base: dict[str, bytes], head: dict[str, bytes]) -> FakeContext:
    changes = []
    for path in sorted(set(base) | set(head)):
        if path not in base:
            changes.append(FileChange(path, FileStatus.ADDED))
        elif path not in head:
            changes.append(FileChange(path, FileStatus.DELETED))
        elif base[path] != head[path]:
            changes.append(FileChange(path, FileStatus.MODIFIED))
    return FakeContext(ChangeSet("b" * 40, "h" * 40, tuple(changes)), base, head)


def encode(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")


@PROPERTY
@given(base_routes=st.one_of(any_text, any_bytes), head_routes=st.one_of(any_text, any_bytes),
       base_service=st.one_of(any_text, any_bytes), head_service=st.one_of(any_text, any_bytes))
def test_ast_rules_give_only_clean_findings(base_routes: str | bytes, head_routes: str | bytes,
                                            base_service: str | bytes,
                                            head_service: str | bytes) -> None:
    base = {ROUTES: encode(base_routes), SERVICE: encode(base_service)}
    head = {ROUTES: encode(head_routes), SERVICE: encode(head_service)}
    evaluation = engine.evaluate(POLICY, context(base, head))
    for finding in evaluation.findings:
        check_finding(finding, head)


@PROPERTY
@given(st.one_of(any_text, any_bytes))
def test_a_new_file_of_anything_gives_only_clean_findings(data: str | bytes) -> None:
    head = {ROUTES: encode(data), SERVICE: encode(data)}
    evaluation = engine.evaluate(POLICY, context({}, head))
    for finding in evaluation.findings:
        check_finding(finding, head)
