"""Which functions `scan_state` finds mutating module-level state, and how (RCA 2026-05-25 factor
1: `_store_challenge` writes `_challenge_store`, `_pop_challenge` pops it).

Every case is judged through the public report: the exact (container, function, how, line) of
each mutation. The function and the "how" are what the `process-local-state` rule compares
between base and head, and what its finding names, so they are behaviour, not decoration.
"""

from __future__ import annotations

import textwrap

import pytest

from release_gate.core.pyast.source import parse_python, source_lines
from release_gate.core.pyast.state import Mutation, StateReport, scan_state


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def report(source: str) -> StateReport:
    source = src(source)
    with_lines = scan_state(parse_python("m.py", source), source_lines(source))
    without = scan_state(parse_python("m.py", source))
    assert with_lines == without  # the line filter only skips what names no container
    return with_lines


def found(source: str) -> list[tuple[str, str, str, int]]:
    return [(m.container, m.function, m.how, m.line) for m in report(source).mutations]


# --- how a function mutates it -----------------------------------------------------------------

METHODS = [
    "pop", "popitem", "update", "setdefault", "clear", "__setitem__", "__delitem__", "__ior__",
    "append", "extend", "insert", "remove", "sort", "reverse", "__iadd__",
    "add", "discard", "difference_update", "intersection_update", "symmetric_difference_update",
    "appendleft", "extendleft", "popleft", "rotate", "subtract", "put", "put_nowait",
    "get_nowait",
]


@pytest.mark.parametrize("method", METHODS)
def test_every_mutating_method(method: str) -> None:
    assert found(f"_c = {{}}\ndef f(x):\n    _c.{method}(x)\n") == [
        ("_c", "f", f"calls .{method}()", 3)]
    # on an element, and through the type: `dict.update(_c, x)`
    assert found(f"_c = {{}}\ndef f(x):\n    _c[x].{method}()\n") == [
        ("_c", "f", f"calls .{method}()", 3)]
    assert found(f"_c = {{}}\ndef f(x):\n    list.{method}(_c, x)\n") == [
        ("_c", "f", f"calls list.{method}()", 3)]


TYPES = ["dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter",
         "MutableMapping", "MutableSequence", "MutableSet"]


@pytest.mark.parametrize("type_name", TYPES)
def test_a_mutating_method_called_through_its_type(type_name: str) -> None:
    assert found(f"_c = {{}}\ndef f(x):\n    {type_name}.update(_c, x)\n") == [
        ("_c", "f", f"calls {type_name}.update()", 3)]


@pytest.mark.parametrize("source", [
    "_c = {}\ndef f(x):\n    _c.get(x)\n    _c.keys()\n    _c.copy().update(x)\n",
    "_c = {}\ndef f(x):\n    len(_c)\n    dict.get(_c, x)\n    sorted(_c)\n",
    "_c = {}\ndef f(x):\n    dict.update()\n    x.update(_c)\n    dict.update(x, _c)\n",
    "_c = {}\ndef f(x):\n    return _c[x], x in _c, [*_c]\n",
    "_c = {}\ndef f(x):\n    other.update(x)\n    other[x] = _c\n",
])
def test_reading_is_not_mutating(source: str) -> None:
    assert found(source) == []


FUNCTIONS = ["heappush", "heappop", "heapify", "heapreplace", "heappushpop", "insort",
             "insort_left", "insort_right", "setitem", "delitem", "iadd", "ior", "iconcat",
             "iand", "ixor", "isub"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_mutating_helper_function(function: str) -> None:
    assert found(f"_c = []\ndef f(x):\n    lib.{function}(_c, x)\n") == [
        ("_c", "f", f"calls {function}()", 3)]
    assert found(f"_c = []\ndef f(x):\n    {function}(_c[0], x)\n") == [
        ("_c", "f", f"calls {function}()", 3)]
    # the container must be the first argument; a call without arguments mutates nothing
    assert found(f"_c = []\ndef f(x):\n    {function}(x, _c)\n    {function}()\n") == []


def test_item_assignment_and_deletion() -> None:
    assert found("""
        _c = {}
        def f(k, v):
            _c[k] = v
            _c[k] += v
            del _c[k]
            _c[k][v] = 1
            del _c[k][v]
            _c[k]: int = v
            (_c[k], x) = (v, 1)
            for _c[k] in range(2):
                pass
    """) == [("_c", "f", "assigns an item", 3), ("_c", "f", "assigns an item", 4),
             ("_c", "f", "deletes an item", 5), ("_c", "f", "assigns an item", 6),
             ("_c", "f", "deletes an item", 7), ("_c", "f", "assigns an item", 8),
             ("_c", "f", "assigns an item", 9), ("_c", "f", "assigns an item", 10)]


GETATTR = [
    ('getattr(_c, "update")(x)', "calls getattr(..., 'update')()"),
    ('getattr(_c, "pop")(x)', "calls getattr(..., 'pop')()"),
    ('getattr(_c, "__setitem__")(x, 1)', "calls getattr(..., '__setitem__')()"),
    ('getattr(_c, "__getitem__")(x)', "calls getattr(..., '__getitem__')()"),
    ('getattr(_c, "frobnicate")(x)', "calls getattr(..., 'frobnicate')()"),
    ('getattr(_c, name)(x)', "calls getattr(..., '?')()"),
    ('getattr(_c, 1)(x)', "calls getattr(..., 1)()"),
    ('getattr(_c, "update", None)(x)', "calls getattr(..., 'update')()"),
    ('builtins.getattr(_c, "add")(x)', "calls getattr(..., 'add')()"),
    ('getattr(_c[0], "append")(x)', "calls getattr(..., 'append')()"),
]


@pytest.mark.parametrize(("call", "how"), GETATTR, ids=[g[0] for g in GETATTR])
def test_a_method_looked_up_by_name_may_mutate(call: str, how: str) -> None:
    assert found(f"_c = {{}}\ndef f(x, name):\n    {call}\n") == [("_c", "f", how, 3)]


@pytest.mark.parametrize("method", ["get", "keys", "values", "items", "copy", "count", "index"])
def test_a_read_only_method_looked_up_by_name_does_not(method: str) -> None:
    assert found(f'_c = {{}}\ndef f(x):\n    getattr(_c, "{method}")(x)\n') == []


@pytest.mark.parametrize("call", ['getattr(_c)(x)', 'getattr()(x)', 'hasattr(_c, "update")(x)',
                                  'getattr(x, "update")(_c)'])
def test_getattr_without_a_name_or_of_another_object(call: str) -> None:
    assert found(f"_c = {{}}\ndef f(x):\n    {call}\n") == []


def test_rebinding_through_global() -> None:
    assert found("""
        _c = {}
        def reset():
            global _c
            _c = {}
        def swap():
            global _c, _other
            _c, _other = {}, None
        def grow(x):
            global _c
            _c += [x]
            for _c in ():
                pass
        def local_only():
            _c = {}
            return _c
    """) == [("_c", "reset", "rebinds it through `global`", 4),
             ("_c", "swap", "rebinds it through `global`", 7),
             ("_c", "grow", "rebinds it through `global`", 10),
             ("_c", "grow", "rebinds it through `global`", 11)]


def test_global_of_a_name_that_is_no_container() -> None:
    assert found("_c = {}\n_n = None\ndef f():\n    global _n\n    _n = 1\n    _n[0] = 1\n") == []


# --- how the function gets hold of it ---------------------------------------------------------

REACHES = [
    ("a local alias", "s = _c\n    s[k] = 1"),
    ("an annotated alias", "s: dict = _c\n    s[k] = 1"),
    ("an alias of an alias", "s = _c\n    t = s\n    t[k] = 1"),
    ("aliases defined out of order", "for _ in ():\n        t[k] = 1\n        t = s\n"
                                     "    s = _c"),
    ("a walrus", "if (s := _c):\n        s[k] = 1"),
    ("a walrus inside the mutation", "(s := _c)[k] = 1"),
    ("a conditional", "(_c if k else _c)[k] = 1"),
    ("a conditional's else", "(None if k else _c)[k] = 1"),
    ("an or", "(None or _c)[k] = 1"),
    ("an element", "_c[0][k] = 1"),
    ("a .get() of it", "_c.get(k)[k] = 1"),
    ("a .setdefault() of it", "_c.setdefault(k, {})[k] = 1"),
    ("a __getitem__ of it", "_c.__getitem__(k)[k] = 1"),
    ("a getattr of it", "getattr(_c, 'x')[k] = 1"),
    ("an alias of an element", "s = _c.get(k)\n    s.append(k)"),
    ("a default bound to it", None),
]


@pytest.mark.parametrize("body", [r[1] for r in REACHES if r[1]],
                         ids=[r[0] for r in REACHES if r[1]])
def test_every_way_of_reaching_it(body: str) -> None:
    mutations = report(f"_c = {{}}\ndef f(k):\n    {body}\n").mutations
    assert {(m.container, m.function) for m in mutations} == {("_c", "f")}


@pytest.mark.parametrize("body", [
    "x = load()\n    x[k] = 1",
    "s = _c.copy()\n    s[k] = 1",
    "s = dict(_c)\n    s[k] = 1",
    "s = _c.keys()\n    s.clear()",
    "s = len(_c)\n    s[k] = 1",
    "s = [_c][0:0]\n    s.clear()",
    "(k if k else k)[k] = 1",
    "load(_c)[k] = 1",
    "getattr()[k] = 1",
])
def test_a_copy_or_another_object_is_not_it(body: str) -> None:
    assert found(f"_c = {{}}\ndef f(k):\n    {body}\n") == []


DEFAULT_BINDINGS = [
    "def f(k, store=_c):\n    store[k] = 1\n",
    "def f(k, *, store=_c):\n    store[k] = 1\n",
    "def f(store=_c, /):\n    store[0] = 1\n",
    "def f(k, store=_c, n=1):\n    store[k] = n\n",
    "def f(k, store=_c.get('x')):\n    store[k] = 1\n",
    "def f(k, store=(_c or {})):\n    store.clear()\n",
    "async def f(k, store=_c):\n    store[k] = 1\n",
    "f = lambda k, store=_c: store.clear()\n",
]


@pytest.mark.parametrize("source", DEFAULT_BINDINGS)
def test_a_default_bound_to_it(source: str) -> None:
    mutations = report("_c = {}\n" + source).mutations
    assert {m.container for m in mutations} >= {"_c"}
    assert all(m.function in ("f", "<lambda>") for m in mutations)


def test_a_default_bound_to_a_container_and_a_new_one() -> None:
    assert found("_c = {}\ndef f(k, store=_c or {}):\n    store[k] = 1\n") == [
        ("_c", "f", "assigns an item", 3), ("f(store=...)", "f", "assigns an item", 3)]


def test_a_name_bound_twice_may_denote_either() -> None:
    assert found("""
        _a = {}
        _b = {}
        def f(k):
            s = _a
            s = _b
            t = s
            t[k] = 1
    """) == [("_a", "f", "assigns an item", 7), ("_b", "f", "assigns an item", 7)]


def test_a_default_bound_to_something_else() -> None:
    assert found("_c = {}\nOTHER = 1\ndef f(k, store=OTHER, n=_c):\n    store[k] = 1\n") == []


# --- what is the module's name, and what is a local --------------------------------------------

SHADOWED = [
    ("a parameter", "def f(_c, k):\n    _c[k] = 1\n"),
    ("a positional-only parameter", "def f(_c, /, k=1):\n    _c[k] = 1\n"),
    ("a keyword-only parameter", "def f(*, _c, k=1):\n    _c[k] = 1\n"),
    ("*args", "def f(*_c):\n    _c[0][1] = 1\n"),
    ("**kwargs", "def f(**_c):\n    _c['k'] = 1\n"),
    ("a lambda parameter", "f = lambda _c: _c.clear()\n"),
    ("a local assignment", "def f(k):\n    _c = {}\n    _c[k] = 1\n"),
    ("a later local assignment", "def f(k):\n    _c[k] = 1\n    _c = {}\n"),
    ("a del of the name", "def f(k):\n    _c[k] = 1\n    del _c\n"),
    ("a for target", "def f(k):\n    for _c in ({},):\n        _c[k] = 1\n"),
    ("a with target", "def f(k):\n    with open(k) as _c:\n        _c.update(k)\n"),
    ("an import", "def f(k):\n    from cache import _c\n    _c[k] = 1\n"),
    ("an aliased import", "def f(k):\n    import cache as _c\n    _c.update(k)\n"),
    ("a dotted import", "def f(k):\n    import _c.sub\n    _c.update(k)\n"),
    ("an except name", "def f(k):\n    try:\n        pass\n    except E as _c:\n"
                       "        _c.add(k)\n"),
    ("a nested def of that name", "def f(k):\n    def _c():\n        pass\n    _c.clear()\n"),
    ("a nested class of that name", "def f(k):\n    class _c:\n        pass\n    _c.clear()\n"),
    ("an enclosing function's local", "def f():\n    _c = {}\n    def g(k):\n        _c[k] = 1\n"
                                      "    return g\n"),
    ("an enclosing parameter", "def f(_c):\n    def g(k):\n        _c[k] = 1\n    return g\n"),
    ("two levels out", "def f():\n    _c = {}\n    def g():\n        def h(k):\n"
                       "            _c[k] = 1\n        return h\n    return g\n"),
    ("a local seen from a class in the function",
     "def f():\n    _c = {}\n    class K:\n        def g(self, k):\n            _c[k] = 1\n"
     "    return K\n"),
    ("a nested default bound to an enclosing local",
     "def f():\n    _c = {}\n    def g(k, s=_c):\n        s[k] = 1\n    return g\n"),
    ("a nonlocal", "def f():\n    match load():\n        case {'c': _c}:\n            pass\n"
                   "    def g(k):\n        nonlocal _c\n        _c[k] = 1\n    return g\n"),
]


@pytest.mark.parametrize("source", [s[1] for s in SHADOWED], ids=[s[0] for s in SHADOWED])
def test_a_local_of_the_same_name_is_not_the_module_container(source: str) -> None:
    assert found("_c = {}\n" + source) == []


def test_global_makes_the_name_the_module_container_again() -> None:
    assert found("""
        _c = {}
        def f(k):
            global _c
            _c.clear()
            def g():
                _c[k] = 1
            return g
        def outer():
            _c = []
            def inner(k):
                global _c
                _c.add(k)
                def deepest():
                    _c.pop()
                return deepest
            return inner
    """) == [("_c", "f", "calls .clear()", 4), ("_c", "f.g", "assigns an item", 6),
             ("_c", "outer.inner", "calls .add()", 12),
             ("_c", "outer.inner.deepest", "calls .pop()", 14)]


def test_the_mutating_function_is_named_by_its_place() -> None:
    assert found("""
        _c = {}
        def f():
            _c.clear()
            def g():
                _c.clear()
                h = lambda: _c.clear()
            class K:
                def m(self):
                    _c.clear()
                class Inner:
                    async def n(self):
                        _c.clear()
        class Service:
            def put(self):
                _c.clear()
        put = lambda: _c.clear()
    """) == [("_c", "f", "calls .clear()", 3), ("_c", "f.g", "calls .clear()", 5),
             ("_c", "f.g.<lambda>", "calls .clear()", 6), ("_c", "f.K.m", "calls .clear()", 9),
             ("_c", "f.K.Inner.n", "calls .clear()", 12),
             ("_c", "Service.put", "calls .clear()", 15), ("_c", "<lambda>", "calls .clear()", 16)]


def test_import_time_code_mutates_nothing() -> None:
    assert found("""
        _c = {}
        _c["a"] = 1
        _c.update(b=2)
        for _k in "cd":
            _c[_k] = 3
        if True:
            _c.clear()
        class K:
            _c["e"] = 4
            _c.pop("e")
            class Inner:
                _c.setdefault("f", 5)
        @register(_c.setdefault("g", 6))
        def f(x=_c.pop("a")):
            return x
        @register(_c.setdefault("h", 7))
        class L(Base, meta=_c.pop("b")):
            pass
        g = lambda: 1
    """) == []


def test_what_runs_when_a_nested_def_or_class_is_defined_runs_in_the_enclosing_function() -> None:
    # Decorators, defaults, bases and class keywords run when the enclosing function runs.
    assert found("""
        _c = {}
        def f():
            @register(_c.setdefault("a", 1))
            def g(x=_c.pop("b"),
                  *, y, z=_c.popitem()):
                return x
            @register(_c.update())
            class K(_c.clear(),
                    metaclass=_c.sort()):
                pass
            h = lambda x=_c.append("g"): x
            async def i(*, x=_c.remove("h")):
                return x
            return g, K, h, i
    """) == [("_c", "f", "calls .setdefault()", 3), ("_c", "f", "calls .pop()", 4),
             ("_c", "f", "calls .popitem()", 5), ("_c", "f", "calls .update()", 7),
             ("_c", "f", "calls .clear()", 8), ("_c", "f", "calls .sort()", 9),
             ("_c", "f", "calls .append()", 11), ("_c", "f", "calls .remove()", 12)]


def test_a_function_that_names_no_container_is_read_all_the_same_through_aliases() -> None:
    # The text filter skips functions that name no container; one reaching it through a
    # mutable default still names its parameter.
    assert found("""
        def put(k, _cache={}):
            helper(k)
            def inner():
                _cache[k] = 1
            return inner
    """) == [("put(_cache=...)", "put.inner", "assigns an item", 4)]


# --- the report -------------------------------------------------------------------------------


def test_mutations_are_ordered_by_line_and_grouped_by_container() -> None:
    found_report = report("""
        _b = []
        _a = {}
        def f(k):
            _b.append(k)
            _a[k] = 1
            _a.pop(k)
            _b.clear(); _a.clear()
    """)
    assert [(m.container, m.line, m.how) for m in found_report.mutations] == [
        ("_b", 4, "calls .append()"), ("_a", 5, "assigns an item"), ("_a", 6, "calls .pop()"),
        ("_a", 7, "calls .clear()"), ("_b", 7, "calls .clear()")]
    mutated = found_report.mutated()
    assert list(mutated) == ["_b", "_a"]
    assert [m.line for m in mutated["_a"]] == [5, 6, 7]
    assert [m.signature for m in mutated["_b"]] == [("_b", "f", "calls .append()"),
                                                     ("_b", "f", "calls .clear()")]


def test_one_mutation_of_a_line_is_reported_once() -> None:
    assert report("_c = {}\ndef f(k):\n    _c[k] = _c[k + 1] = 1\n").mutations == (
        Mutation("_c", "f", "assigns an item", 3),)


def test_the_same_mutation_in_two_functions_is_two_mutations() -> None:
    assert found("_c = {}\ndef f(k):\n    _c[k] = 1\ndef g(k):\n    _c[k] = 1\n") == [
        ("_c", "f", "assigns an item", 3), ("_c", "g", "assigns an item", 5)]


# --- aliases that used to hide it (a name the function binds to it some other way) ------------

HIDDEN = [
    ("tuple unpacking", "s, n = _c, 1\n    s[k] = n"),
    ("nested unpacking", "(s, n), m = (_c, 1), 2\n    s[k] = n"),
    ("unpacking of a call's result", "s, n = _c.get(k)\n    s.append(n)"),
    ("starred unpacking", "*s, n = _c\n    s[0].append(n)"),
    ("a loop over it", "for s in _c.values():\n        s.append(k)"),
    ("a loop over its items", "for key, s in _c.items():\n        s.append(k)"),
    ("a loop over a tuple of containers", "for s in (_c, _d):\n        s.clear()"),
    ("a loop over enumerate()", "for i, s in enumerate(_c):\n        s.clear()"),
    ("a loop over reversed(iter())", "for s in reversed(iter(_c)):\n        s.clear()"),
    ("a loop over a sorted copy (the same elements)", "for s in sorted(_c):\n        s.clear()"),
    ("a loop over list() of tuple()", "for s in list(tuple(_c)):\n        s.clear()"),
    ("a loop over enumerate() of a tuple", "for i, s in enumerate([_d, _c]):\n        s.clear()"),
    ("an async loop", "async for s in _c:\n        s.clear()"),
    ("a comprehension over it", "[s.clear() for s in _c]"),
    ("with ... as", "with _c as s:\n        s.clear()"),
    ("a long chain of aliases", "a = _c\n    b = a\n    c2 = b\n    d = c2\n    e = d\n"
                                "    e[k] = 1"),
    ("a long chain of aliases, out of order", "for _ in ():\n        e[k] = 1\n        e = d\n"
                                              "        d = c2\n        c2 = b\n        b = a\n"
                                              "    a = _c"),
]


@pytest.mark.parametrize("body", [h[1] for h in HIDDEN], ids=[h[0] for h in HIDDEN])
def test_an_alias_bound_any_way_reaches_it(body: str) -> None:
    # Iterating gives parts of it; mutating a part mutates the module's state.
    source = f"_c = {{}}\n_d = {{}}\nasync def f(k):\n    {body}\n"
    assert "_c" in {m.container for m in report(source).mutations}


CLOSURES = [
    ("an enclosing function's alias", """
        _c = {}
        def outer():
            store = _c
            def put(k):
                store[k] = 1
            return put
     """, "_c", "outer.put"),
    ("a method of a class in that function", """
        _c = {}
        def outer():
            store = _c
            class K:
                def put(self, k):
                    store[k] = 1
            return K
     """, "_c", "outer.K.put"),
    ("a nonlocal alias", """
        _c = {}
        def outer():
            store = _c
            def put(k):
                nonlocal store
                store[k] = 1
            return put
     """, "_c", "outer.put"),
    ("a nested default bound to an enclosing alias", """
        _c = {}
        def outer():
            store = _c
            def put(k, s=store):
                s[k] = 1
            return put
     """, "_c", "outer.put"),
    ("a closure over a mutable default", """
        def outer(cache={}):
            def put(k):
                cache[k] = 1
            return put
     """, "outer(cache=...)", "outer.put"),
]


@pytest.mark.parametrize(("source", "container", "function"), [c[1:] for c in CLOSURES],
                         ids=[c[0] for c in CLOSURES])
def test_a_closure_over_an_alias_reaches_it(source: str, container: str, function: str) -> None:
    assert {(m.container, m.function) for m in report(source).mutations} == {
        (container, function)}


@pytest.mark.parametrize("body", [
    "for s in load(_c):\n        s.clear()",
    "for s in enumerate():\n        s.clear()",
    "for s in _c.keys_copy():\n        s.clear()",
    "with open(_c) as s:\n        s.clear()",
])
def test_a_loop_over_something_else_does_not(body: str) -> None:
    assert found(f"_c = {{}}\ndef f(k):\n    {body}\n") == []


@pytest.mark.parametrize("inner", [
    "def put(store, k):\n        store[k] = 1",
    "def put(k):\n        store = {}\n        store[k] = 1",
    "put = lambda store: store.clear()",
    "def put(k):\n        for store in ({},):\n            store[k] = 1",
])
def test_a_nested_scope_that_rebinds_the_alias_does_not(inner: str) -> None:
    source = f"_c = {{}}\ndef outer():\n    store = _c\n    {inner}\n    return put\n"
    assert found(source) == []
