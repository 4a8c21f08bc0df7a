"""Table-driven tests of `process-local-state` (RCA 2026-05-25 factor 1) on a fake context."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pytest

from release_gate.core import config, engine
from release_gate.core.pyast.source import parse_python
from release_gate.core.pyast.state import scan_state
from release_gate.core.verdict import Finding, Outcome
from tests.core.rules.helpers import line_of, pr

POLICY = config.load_default()
RULE = "process-local-state"
SERVICE = "backend_v2/api/services/webauthn_service.py"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def judge(base: dict[str, str | bytes], head: dict[str, str | bytes],
          renames: dict[str, str] | None = None) -> list[Finding]:
    evaluation = engine.evaluate(POLICY, pr(base, head, renames=renames))
    return [f for f in evaluation.findings if f.rule == RULE]


# --- mutated vs never mutated (a new file: everything in it is the PR's) ---------------------

MUTATED = [
    # (id, source, text on the line the finding is on, words of the message)
    ("the RCA's _challenge_store", """
        _challenge_store = {}

        def _store_challenge(user_id, challenge):
            _challenge_store[user_id] = challenge

        def _pop_challenge(user_id):
            return _challenge_store.pop(user_id, None)
     """, "_challenge_store = {}",
     "`_challenge_store` is a new module-level dict (line 1) mutated by _store_challenge() at "
     "line 4 (assigns an item), _pop_challenge() at line 7 (calls .pop()): under gunicorn "
     "--preload each worker process has its own copy"),
    ("list append", "_seen = []\ndef f(x):\n    _seen.append(x)\n", "_seen = []",
     "calls .append()"),
    ("set() add", "_ids = set()\ndef f(x):\n    _ids.add(x)\n", "_ids = set()", "module-level set"),
    ("set literal discard", "_ids = {1}\ndef f(x):\n    _ids.discard(x)\n", "_ids", ".discard()"),
    ("dict() update", "_cfg = dict()\ndef f(x):\n    _cfg.update(x)\n", "_cfg", ".update()"),
    ("list() extend", "_q = list()\ndef f(x):\n    _q.extend(x)\n", "_q", ".extend()"),
    ("defaultdict element append", """
        from collections import defaultdict
        _by_user = defaultdict(list)
        def f(u, x):
            _by_user[u].append(x)
     """, "_by_user =", "module-level defaultdict"),
    ("collections.OrderedDict popitem", """
        import collections
        _lru = collections.OrderedDict()
        def f():
            _lru.popitem(last=False)
     """, "_lru =", "module-level OrderedDict"),
    ("deque appendleft", "from collections import deque\n_d = deque(maxlen=5)\n"
                         "def f(x):\n    _d.appendleft(x)\n", "_d =", ".appendleft()"),
    ("Counter augmented assignment", "from collections import Counter\n_hits = Counter()\n"
                                     "def f(k):\n    _hits[k] += 1\n", "_hits =",
     "assigns an item"),
    ("dict comprehension and del", "_m = {k: 0 for k in 'ab'}\ndef f(k):\n    del _m[k]\n",
     "_m =", "deletes an item"),
    ("list comprehension and clear", "_l = [i for i in range(3)]\ndef f():\n    _l.clear()\n",
     "_l =", ".clear()"),
    ("set comprehension and remove", "_s = {i for i in range(3)}\ndef f(i):\n    _s.remove(i)\n",
     "_s =", ".remove()"),
    ("setdefault", "_m = {}\ndef f(k):\n    return _m.setdefault(k, [])\n", "_m =",
     ".setdefault()"),
    ("insert", "_l = []\ndef f(x):\n    _l.insert(0, x)\n", "_l =", ".insert()"),
    ("global rebinding", "_cache = {}\ndef reset():\n    global _cache\n    _cache = {}\n",
     "_cache =", "rebinds it through `global`"),
    ("heapq.heappush", "import heapq\n_pq = []\ndef f(x):\n    heapq.heappush(_pq, x)\n",
     "_pq =", "calls heappush()"),
    ("nested item", "_m = {}\ndef f(a, b):\n    _m[a][b] = 1\n", "_m =", "assigns an item"),
    ("annotated", "_m: dict[str, bytes] = {}\ndef f(k, v):\n    _m[k] = v\n", "_m:", "dict"),
    ("tuple unpacking", "_a, _b = {}, []\ndef f(x):\n    _b.append(x)\n", "_a, _b", "`_b`"),
    ("defined in a module-level try", "try:\n    import redis\nexcept ImportError:\n"
                                      "    _fallback = {}\n"
                                      "def f(k, v):\n    _fallback[k] = v\n",
     "_fallback = {}", "`_fallback`"),
    ("list times n", "_slots = [None] * 8\ndef f(i, v):\n    _slots[i] = v\n", "_slots", "list"),
    ("async method of a class", """
        _store = {}
        class Service:
            async def put(self, k, v):
                _store[k] = v
     """, "_store = {}", "Service.put() at line 4"),
    ("nested function and lambda", """
        _store = {}
        def outer():
            def inner(k):
                _store.pop(k)
            return lambda k: _store.__setitem__(k, 1)
     """, "_store = {}", "outer.inner() at line 4 (calls .pop()), outer.<lambda>() at line 5"),
    ("cachetools TTLCache", "from cachetools import TTLCache\n_c = TTLCache(100, 60)\n"
                            "def f(k, v):\n    _c[k] = v\n", "_c =", "TTLCache"),
    ("multi-line definition", "_store = {\n    'a': 1,\n}\ndef f(k):\n    _store[k] = 2\n",
     "_store = {", "(line 1)"),
]


@pytest.mark.parametrize(("source", "needle", "words"), [c[1:] for c in MUTATED],
                         ids=[c[0] for c in MUTATED])
def test_mutated_containers_are_blocked(source: str, needle: str, words: str) -> None:
    source = src(source)
    (finding,) = judge({}, {SERVICE: source})
    assert (finding.path, finding.outcome) == (SERVICE, Outcome.BLOCKED)
    assert finding.line == line_of(source, needle)
    assert words in finding.message
    assert "Redis or Postgres" in finding.message
    assert "RCA 2026-05-25 factor 1" in finding.message


NOT_FLAGGED = [
    ("lookup table read by functions", """
        ROLES = {"admin": 1, "user": 2}
        ALLOWED = ["a", "b"]
        def role(name):
            return ROLES.get(name), ALLOWED[0], list(ALLOWED)
     """),
    ("__all__", "__all__ = ['f']\ndef f():\n    return __all__\n"),
    ("filled at import time", """
        _T = {}
        _T["a"] = 1
        for _k in "bc":
            _T[_k] = 2
        _L = []
        _L.append(3)
        class C:
            _T["c"] = 3
     """),
    ("parameter shadows the module name", "_m = {}\ndef f(_m, k):\n    _m[k] = 1\n"),
    ("local assignment shadows the module name", "_m = {}\ndef f(k):\n    _m = {}\n"
                                                 "    _m[k] = 1\n    return _m\n"),
    ("closure over an enclosing local", """
        _m = {}
        def f():
            _m = {}
            def g(k):
                _m[k] = 1
            return g
     """),
    ("a copy is mutated, not the module container",
     "_T = {'a': 1}\ndef f(k):\n    d = dict(_T)\n    d[k] = 2\n    return d\n"),
    ("immutable containers", "_T = (1, 2)\n_F = frozenset({1})\ndef f():\n    return _T, _F\n"),
    ("os.environ is not a module container", "import os\ndef f():\n"
                                             "    os.environ['X'] = '1'\n"),
    ("reading a dict item is not a mutation", "_m = {}\ndef f(k):\n    return _m[k], _m.get(k)\n"),
    ("a global that is not a container", "_client = None\ndef get():\n    global _client\n"
                                         "    _client = object()\n    return _client\n"),
    ("allowed, with a reason", "_seen = set()  # release-gate: allow-process-local-state "
                               "per-process dedup of log lines, losing it is harmless\n"
                               "def f(x):\n    _seen.add(x)\n"),
    ("allowed on a later line of a multi-line definition",
     "_m = {  # release-gate: allow-process-local-state warm cache, rebuilt per process\n"
     "    'a': 1,\n}\ndef f(k):\n    _m[k] = 2\n"),
]


@pytest.mark.parametrize("source", [c[1] for c in NOT_FLAGGED], ids=[c[0] for c in NOT_FLAGGED])
def test_never_mutated_or_allowed_containers_pass(source: str) -> None:
    assert judge({}, {SERVICE: src(source)}) == []


@pytest.mark.parametrize(("comment", "lifted"), [
    ("# release-gate: allow-process-local-state tests only, never served", True),
    ("#release-gate:allow-process-local-state: cache of immutable JWKs", True),
    ("# release-gate: allow-process-local-state", False),
    ("# release-gate: allow-process-local-state   ", False),
    ("# release-gate: allow-process-local-state -- ", False),
    ("# release-gate: allow-process-local-state-please", False),
    ("# noqa", False),
])
def test_allow_comment_needs_a_reason(comment: str, lifted: bool) -> None:
    source = f"_challenge_store = {{}}  {comment}\ndef f(k, v):\n    _challenge_store[k] = v\n"
    found = judge({}, {SERVICE: source})
    assert (found == []) is lifted
    bare = "# release-gate: allow-process-local-state" in comment and comment.rstrip(" -").endswith(
        "state")
    if bare:
        (finding,) = found
        assert "gives no reason, so it does not lift this" in finding.message


def test_an_allow_comment_elsewhere_does_not_count() -> None:
    source = ("# release-gate: allow-process-local-state a reason, on the wrong line\n"
              "_m = {}\ndef f(k):\n    _m[k] = 1  # release-gate: allow-process-local-state x\n")
    (finding,) = judge({}, {SERVICE: source})
    assert finding.line == 2


# --- what the PR is responsible for: base vs head --------------------------------------------

STORE = src("""
    import logging

    _challenge_store = {}

    def _store_challenge(user_id, challenge):
        _challenge_store[user_id] = challenge

    def _pop_challenge(user_id):
        return _challenge_store.pop(user_id, None)
""")


@dataclass(frozen=True)
class Case:
    id: str
    base: str | bytes | None
    head: str | bytes
    needle: str | None = None  # the blamed line; None: no finding
    words: str = ""
    renames: dict[str, str] = field(default_factory=dict)


PR_CASES = [
    Case("PR adds the container and its mutation", "import logging\n", STORE,
         "_challenge_store = {}", "new module-level dict"),
    Case("PR edits unrelated code next to existing state", STORE,
         STORE.replace("import logging", "import logging\nlog = logging.getLogger(__name__)")),
    Case("PR moves and reformats an existing mutation", STORE,
         STORE.replace("_challenge_store[user_id] = challenge",
                       "\n    _challenge_store[\n        user_id\n    ] = challenge")),
    Case("PR adds a mutation to an existing lookup table",
         "_T = {'a': 1}\ndef get(k):\n    return _T[k]\n",
         "_T = {'a': 1}\ndef get(k):\n    return _T[k]\ndef put(k, v):\n    _T[k] = v\n",
         "    _T[k] = v", "`_T` is a module-level dict (line 1) mutated by put()"),
    Case("PR adds a second mutating function", STORE,
         STORE + "\ndef _clear():\n    _challenge_store.clear()\n",
         "_challenge_store.clear()", "_clear() at line 12"),
    Case("PR adds a second mutation of the same kind in the same function", STORE,
         STORE.replace("_challenge_store[user_id] = challenge",
                       "_challenge_store[user_id] = challenge\n    _challenge_store[0] = 0"),
         "_challenge_store[user_id] = challenge", "assigns an item"),
    Case("PR turns a None placeholder into a container", STORE.replace(
        "_challenge_store = {}", "_challenge_store = None").replace(
        "_challenge_store[user_id] = challenge", "pass").replace(
        "return _challenge_store.pop(user_id, None)", "return None"), STORE,
        "_challenge_store = {}", "new module-level dict"),
    Case("PR removes the store (the RCA's fix)", STORE,
         "import redis\n_redis = redis.Redis()\ndef _pop_challenge(u):\n"
         "    return _redis.getdel(f'webauthn:reg:challenge:{u}')\n"),
    Case("PR renames the file, same content", STORE, STORE,
         renames={"backend_v2/api/services/challenges.py": SERVICE}),
    Case("a base that does not parse: everything is new", "def broken(:\n", STORE,
         "_challenge_store = {}", "new module-level dict"),
    Case("a head that does not parse blocks, on its line", STORE, STORE + "\ndef broken(:\n",
         "def broken(:", "does not parse as Python"),
    Case("a head that is not UTF-8 blocks", STORE, STORE.encode() + b"\nX = '\xff'\n",
         None, "is not decodable as Python source text"),
]


@pytest.mark.parametrize("case", PR_CASES, ids=[c.id for c in PR_CASES])
def test_only_state_the_pr_adds_is_flagged(case: Case) -> None:
    head_path = next(iter(case.renames), SERVICE)
    base = {} if case.base is None else {SERVICE: case.base}
    found = judge(base, {head_path: case.head}, case.renames)
    if not case.words:
        assert found == []
        return
    (finding,) = found
    assert finding.path == head_path
    assert case.words in finding.message
    if case.needle is not None:
        text = case.head.decode() if isinstance(case.head, bytes) else case.head
        assert finding.line == line_of(text, case.needle)


@pytest.mark.parametrize("path", [
    "scripts/load_fixtures.py", "backend_v2/worker/jobs.py", "backend_v2/api/README.md",
])
def test_outside_scope_or_not_python_is_not_checked(path: str) -> None:
    assert judge({}, {path: STORE}) == []


def test_a_deleted_file_is_not_checked() -> None:
    assert judge({SERVICE: STORE}, {}) == []


def test_scan_state_reports_containers_and_mutations() -> None:
    report = scan_state(parse_python("x.py", STORE))
    assert list(report.containers) == ["_challenge_store"]
    assert [(m.function, m.how, m.line) for m in report.mutations] == [
        ("_store_challenge", "assigns an item", 6), ("_pop_challenge", "calls .pop()", 9)]
