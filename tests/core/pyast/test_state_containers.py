"""Which module-level names and default arguments `scan_state` takes for mutable containers
(RCA 2026-05-25 factor 1: `_challenge_store = {}`): every spelling of a container, every place a
module-level statement can define one, and the values that are not containers.

Each case is checked through the public report (`StateReport.containers`: name, kind, lines);
a container the report misses is state the `process-local-state` rule cannot see.
"""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core.pyast.source import parse_python, source_lines
from release_gate.core.pyast.state import Container, StateReport, scan_state


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def report(source: str) -> StateReport:
    """The report as the rule builds it (with the source lines) and without lines: the line
    filter only skips functions that name no container, so both must agree."""
    source = src(source)
    with_lines = scan_state(parse_python("m.py", source), source_lines(source))
    without = scan_state(parse_python("m.py", source))
    assert with_lines == without
    return with_lines


def kinds(source: str) -> dict[str, str]:
    return {name: c.kind for name, c in report(source).containers.items()}


def kind_of(value: str) -> str | None:
    """The kind of `_c = <value>` when a function mutates `_c`, None when it is no container."""
    found = report(f"_c = {value}\ndef put(k, v):\n    _c[k] = v\n")
    container = found.containers.get("_c")
    mutated = [m.container for m in found.mutations]
    assert (container is not None) == ("_c" in mutated)
    return container.kind if container else None


# Every constructor the analysis knows, spelled out here (not read from the module under test).
CONSTRUCTORS = [
    "dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter",
    "ChainMap", "WeakValueDictionary", "WeakKeyDictionary", "WeakSet", "Queue", "SimpleQueue",
    "LifoQueue", "PriorityQueue", "TTLCache", "LRUCache", "LFUCache", "TLRUCache", "Cache",
]


@pytest.mark.parametrize("name", CONSTRUCTORS)
def test_every_known_constructor_builds_a_container(name: str) -> None:
    assert kind_of(f"{name}()") == name
    assert kind_of(f"lib.{name}(1, 2)") == name
    assert kind_of(f"{name}[str, int]()") == name


CONTAINERS = [
    ("{}", "dict"), ("{'a': 1}", "dict"), ("[]", "list"), ("{1, 2}", "set"),
    ("{k: 0 for k in 'ab'}", "dict"), ("[k for k in 'ab']", "list"), ("{k for k in 'ab'}", "set"),
    ("collections.OrderedDict()", "OrderedDict"), ("defaultdict[str, list](list)", "defaultdict"),
    ("{}.copy()", "dict"), ("[1].copy()", "list"), ("dict(a=1).copy()", "dict"),
    ("copy.copy({})", "dict"), ("copy.deepcopy([])", "list"), ("deepcopy(set())", "set"),
    ("dict.fromkeys('ab')", "dict"), ("OrderedDict.fromkeys('ab', 0)", "dict"),
    ("collections.OrderedDict.fromkeys('ab')", "dict"),
    ("[None] * 8", "list"), ("8 * [None]", "list"), ("[] + DEFAULTS", "list"),
    ("DEFAULTS + [1]", "list"), ("[k for k in 'ab'] * 2", "list"),
    ("2 * [k for k in 'ab']", "list"),
    ("{} if DEBUG else None", "dict"), ("None if DEBUG else []", "list"),
    ("[] if DEBUG else {}", "list"),
    ("None or {}", "dict"), ("DEFAULTS or []", "list"), ("[] or None", "list"),
    ("None or DEFAULTS or set()", "set"), ("[] or {}", "list"),
    ("(1, {})", "tuple holding a dict"), ("({}, [])", "tuple holding a dict"),
    ("(1, 2, [])", "tuple holding a list"),
    ("((1, set()),)", "tuple holding a tuple holding a set"),
    ("(_inner := {})", "dict"), ("(_inner := None) or []", "list"),
]


@pytest.mark.parametrize(("value", "kind"), CONTAINERS, ids=[c[0] for c in CONTAINERS])
def test_container_spellings(value: str, kind: str) -> None:
    assert kind_of(value) == kind


NOT_CONTAINERS = [
    "None", "1", "'text'", "(1, 2)", "()", "frozenset({1})", "tuple([1])", "object()",
    "DEFAULTS.copy()", "'ab'.copy()", "copy.copy(DEFAULTS)", "copy.copy()", "deepcopy(1)",
    "str.fromkeys('ab')", "DEFAULTS.fromkeys('ab')", "fromkeys('ab')", "'ab' * 2", "(1,) * 3",
    "DEFAULTS * 2", "[1] - DEFAULTS", "len([])", "sorted([3, 1])", "DEFAULTS.get('k')",
    "None if DEBUG else 0", "None or 0", "DEFAULTS[0]", "f'{[]}'", "lambda: {}",
    "load()[0]", "make()()",
]


@pytest.mark.parametrize("value", NOT_CONTAINERS)
def test_values_that_are_not_containers(value: str) -> None:
    assert kind_of(value) is None


def nested_conditional(depth: int, inner: str) -> str:
    """`None if A else (None if A else ... inner)`: `inner` sits `depth` levels down."""
    return " if A else ".join(["None"] * depth + [inner])


@pytest.mark.parametrize("depth", range(1, 13))
def test_a_container_deep_inside_conditionals_is_still_a_container(depth: int) -> None:
    # Past the depth the analysis reads, it cannot tell, and when unsure it is state.
    kind = kind_of(nested_conditional(depth, "{}"))
    assert kind == ("dict" if depth <= 8 else "value (nested too deep to tell)")


def test_nothing_deep_inside_conditionals_is_read_up_to_the_depth_limit() -> None:
    assert kind_of(nested_conditional(8, "0")) is None


# --- where a module-level statement can define it ---------------------------------------------

PLACES = [
    ("plain", "_c = {}\n"),
    ("if body", "if A:\n    _c = {}\n"),
    ("elif body", "if A:\n    pass\nelif B:\n    _c = {}\n"),
    ("else body", "if A:\n    pass\nelse:\n    _c = {}\n"),
    ("for body", "for _ in range(1):\n    _c = {}\n"),
    ("for else", "for _ in range(1):\n    pass\nelse:\n    _c = {}\n"),
    ("while body", "while A:\n    _c = {}\n"),
    ("while else", "while A:\n    pass\nelse:\n    _c = {}\n"),
    ("with body", "with lock:\n    _c = {}\n"),
    ("try body", "try:\n    _c = {}\nexcept E:\n    pass\n"),
    ("except handler", "try:\n    import redis\nexcept ImportError:\n    _c = {}\n"),
    ("second except handler", "try:\n    pass\nexcept E:\n    pass\nexcept F:\n    _c = {}\n"),
    ("try else", "try:\n    pass\nexcept E:\n    pass\nelse:\n    _c = {}\n"),
    ("try finally", "try:\n    pass\nfinally:\n    _c = {}\n"),
    ("except star", "try:\n    pass\nexcept* E:\n    _c = {}\n"),
    ("nested blocks", "with lock:\n    try:\n        if A:\n            pass\n        else:\n"
                      "            for _ in ():\n                _c = {}\n    finally:\n"
                      "        pass\n"),
    ("annotated", "_c: dict[str, bytes] = {}\n"),
    ("chained assignment", "_other = _c = {}\n"),
    ("tuple unpacking", "_a, _c = 1, {}\n"),
    ("list unpacking", "[_c, _a] = [{}, 1]\n"),
    ("tuple target, list value", "_a, _c = [1, {}]\n"),
    ("walrus statement", "(_c := {})\n"),
    ("walrus in a condition", "if (_c := {}) is not None:\n    pass\n"),
    ("walrus in a call", "print(_c := [])\n"),
]


@pytest.mark.parametrize("source", [p[1] for p in PLACES], ids=[p[0] for p in PLACES])
def test_every_module_level_place_defines_a_container(source: str) -> None:
    found = report(source + "def put(k, v):\n    _c[k] = v\n")
    assert "_c" in found.containers
    assert [m.container for m in found.mutations] == ["_c"]
    definition = next(n for n, line in enumerate(src(source).splitlines(), 1) if "_c" in line)
    assert found.containers["_c"].line == definition


NOT_MODULE_LEVEL = [
    ("inside a function", "def make():\n    _c = {}\n    return _c\n"),
    ("inside a class", "class K:\n    _c = {}\n"),
    ("walrus inside a function", "def make():\n    return (_c := {})\n"),
    ("walrus inside a class", "class K:\n    x = (_c := {})\n"),
    ("an annotation without a value", "_c: dict[str, int]\n"),
    ("an attribute target", "app.state = {}\n"),
    ("a subscript target", "REGISTRY['k'] = {}\n"),
    ("unpacking of a call", "_a, _c = make()\n"),
    ("unpacking of unequal length", "_a, _c = {}, [], 1\n"),
    ("an augmented assignment", "_c += []\n"),
]


@pytest.mark.parametrize("source", [p[1] for p in NOT_MODULE_LEVEL],
                         ids=[p[0] for p in NOT_MODULE_LEVEL])
def test_not_a_module_level_container(source: str) -> None:
    found = report(source + "def put(k, v):\n    _c[k] = v\n")
    assert "_c" not in found.containers
    assert found.mutations == ()


def test_nested_unpacking_defines_every_container_it_names() -> None:
    assert kinds("(_a, _b), _c = ({}, []), set()\n[_d, (_e, _f)] = [1, (2, {})]\n") == {
        "_a": "dict", "_b": "list", "_c": "set", "_f": "dict"}


@pytest.mark.parametrize("source", [
    "_a, *_c = DEFAULTS\n", "*_c, _a = 1, 2\n", "[_a, *_c] = make()\n", "(_a, *_c), _b = (1,), 2\n",
    "_b, (_a, *_c) = make()\n",
])
def test_a_starred_name_is_a_new_list(source: str) -> None:
    found = report(source + "def put(v):\n    _c.append(v)\n")
    assert {n: c.kind for n, c in found.containers.items()} == {"_c": "list"}
    assert [m.container for m in found.mutations] == ["_c"]


def test_a_chained_assignment_defines_each_name() -> None:
    assert kinds("_a = _b = {}\n_c = (_d := [])\n") == {
        "_a": "dict", "_b": "dict", "_c": "list", "_d": "list"}


@pytest.mark.parametrize(("source", "kind", "line"), [
    ("_c = {}\n_c = []\n", "dict", 1),
    ("_c = None\n_c = []\n", "list", 2),
    ("if A:\n    _c = {}\n    _c = []\n", "dict", 2),
    ("if A:\n    _c = []\nelse:\n    _c = {}\n", "list", 2),
    ("for _ in ():\n    _c = []\nelse:\n    _c = {}\n", "list", 2),
    ("try:\n    _c = []\nexcept E:\n    _c = {}\n", "list", 2),
    ("try:\n    pass\nexcept E:\n    _c = []\nelse:\n    _c = {}\nfinally:\n    _c = set()\n",
     "list", 4),
    ("try:\n    pass\nexcept E:\n    _c = []\nexcept F:\n    _c = {}\n", "list", 4),
    ("try:\n    pass\nexcept E:\n    pass\nelse:\n    _c = []\nfinally:\n    _c = {}\n",
     "list", 6),
    ("if A:\n    if B:\n        _c = []\n_c = {}\n", "list", 3),
    ("with lock:\n    _c = []\n_c = {}\n", "list", 2),
    ("while A:\n    _c = []\nelse:\n    _c = {}\n", "list", 2),
    ("_c = {}\nif (_c := []):\n    pass\n", "dict", 1),
])
def test_the_first_definition_in_the_source_is_the_container(source: str, kind: str,
                                                             line: int) -> None:
    # The definition line is where the finding points and where an allow comment is read.
    container = report(source).containers["_c"]
    assert (container.kind, container.line) == (kind, line)


def test_a_multi_line_definition_spans_its_lines() -> None:
    found = report("""
        import os

        _c = {
            "a": 1,
        }
        _d = []
    """)
    assert found.containers["_c"] == Container("_c", "dict", 3, 5)
    assert found.containers["_d"] == Container("_d", "list", 6, 6)


def test_no_container_no_report() -> None:
    found = report("ROLES = ('a', 'b')\ndef f(x=None, *, y=1):\n    ROLES[0] = x\n")
    assert found == StateReport({}, ())
    assert found.mutated() == {}


# --- mutable default arguments ----------------------------------------------------------------

DEFAULT = "(a default argument: one per process)"
DEFAULTS = [
    ("def put(k, v, _c={}):\n    _c[k] = v\n", "put(_c=...)", "dict", "put"),
    ("def put(k, _c=[], n=1):\n    _c.append(k)\n", "put(_c=...)", "list", "put"),
    ("def put(n=1, _c=set()):\n    _c.add(n)\n", "put(_c=...)", "set", "put"),
    ("def put(_c={}, /, k=1):\n    _c[k] = 1\n", "put(_c=...)", "dict", "put"),
    ("def put(a, _c={}, /):\n    _c[a] = 1\n", "put(_c=...)", "dict", "put"),
    ("def put(*, _c={}, k):\n    _c[k] = 1\n", "put(_c=...)", "dict", "put"),
    ("def put(*, k, _c=[]):\n    _c.append(k)\n", "put(_c=...)", "list", "put"),
    ("def put(k, *args, _c=collections.deque(), **kw):\n    _c.append(k)\n", "put(_c=...)",
     "deque", "put"),
    ("async def put(k, _c={}):\n    _c[k] = 1\n", "put(_c=...)", "dict", "put"),
    ("put = lambda k, _c=[]: _c.append(k)\n", "<lambda>(_c=...)", "list", "<lambda>"),
    ("class Service:\n    def put(self, k, _c={}):\n        _c[k] = 1\n", "put(_c=...)", "dict",
     "Service.put"),
    ("def outer():\n    def put(k, _c={}):\n        _c[k] = 1\n    return put\n", "put(_c=...)",
     "dict", "outer.put"),
]


@pytest.mark.parametrize(("source", "name", "kind", "function"), DEFAULTS,
                         ids=[d[1] + " " + d[0].split(":")[0] for d in DEFAULTS])
def test_a_mutated_mutable_default_is_a_container(source: str, name: str, kind: str,
                                                  function: str) -> None:
    found = report(source)
    assert {n: c.kind for n, c in found.containers.items()} == {name: f"{kind} {DEFAULT}"}
    assert [(m.container, m.function) for m in found.mutations] == [(name, function)]


def test_a_default_container_spans_its_default() -> None:
    found = report("""
        import os

        def put(k,
                _c={
                    "a": 1,
                }):
            _c[k] = 1
    """)
    assert found.containers["put(_c=...)"] == Container(
        "put(_c=...)", f"dict {DEFAULT}", 3, 6)


@pytest.mark.parametrize("source", [
    "def put(k, _c=None, n=1, *, m=2):\n    _c[k] = 1\n",
    "def put(k, _c=(), *, m=2):\n    _c[k] = 1\n",
    "def put(k, *, _c=frozenset()):\n    _c[k] = 1\n",
    "def put(k, _c=DEFAULTS):\n    _c[k] = 1\n",
])
def test_an_immutable_or_unknown_default_is_no_container(source: str) -> None:
    assert report(source) == StateReport({}, ())


def test_every_default_of_a_function_is_its_own_container() -> None:
    found = report("""
        def put(k, _a=[], _b={}, /, _c=set(), *, _d=None, _e=collections.deque(), _f):
            _a.append(k)
            _b[k] = 1
            _c.add(k)
            _e.append(k)
    """)
    assert {n: c.kind for n, c in found.containers.items()} == {
        "put(_a=...)": f"list {DEFAULT}", "put(_b=...)": f"dict {DEFAULT}",
        "put(_c=...)": f"set {DEFAULT}", "put(_e=...)": f"deque {DEFAULT}"}
    assert [m.container for m in found.mutations] == [
        "put(_a=...)", "put(_b=...)", "put(_c=...)", "put(_e=...)"]


def test_defaults_and_module_containers_together() -> None:
    found = report("""
        _m = {}
        def put(k, _d=[], *, _e=set()):
            _m[k] = _d
    """)
    assert list(found.containers) == ["_m", "put(_d=...)", "put(_e=...)"]
    assert [m.container for m in found.mutations] == ["_m"]
