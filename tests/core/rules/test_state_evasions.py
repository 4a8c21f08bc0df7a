"""Process-local state written so the rule might not see it is still state (RCA 2026-05-25,
factor 1): any module-level or default-argument mutable object a function can reach and mutate.

Generated: how the container is built (`dict[str, bytes]()`, `{}.copy()`, a tuple holding it, a
conditional or `or` expression, a walrus, `copy.deepcopy`), how the function reaches it (directly,
a local alias, a walrus, a conditional, a default argument bound to it, a mutable default), and
how it mutates it (item assignment, `del`, methods, `dict.update(d, ...)`, `operator.setitem`,
`getattr(d, "update")`). And an allow comment inside a string lifts nothing. Each PR is a real git
branch judged by `check` with the shipped rules.yaml: never CLEAR.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.rules.gate_repo import GateRepo, assert_not_clear, rules_of

GENERATED = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
PATH = "backend_v2/api/services/challenge_cache.py"
RULE = "process-local-state"

# (definition at module level, the expression naming the mutable object)
DEFINITIONS = [
    ("_c = {}", "_c"),
    ("_c = dict[str, bytes]()", "_c"),
    ("_c: dict[str, bytes] = dict[str, bytes]()", "_c"),
    ("_c = {}.copy()", "_c"),
    ("_c = ({},)", "_c[0]"),
    ("_c = ({}, 60)", "_c[0]"),
    ("_c = {} if TTL else dict()", "_c"),
    ("_c = None or {}", "_c"),
    ("(_c := {})", "_c"),
    ("_c = copy.deepcopy({})", "_c"),
    ("_c = collections.OrderedDict()", "_c"),
]
# How the function gets hold of it: (parameters, prologue lines, the name to mutate).
REACHES = [
    ("k, v", [], "{obj}"),
    ("k, v", ["s = {obj}"], "s"),
    ("k, v", ["s = {obj}", "t = s"], "t"),
    ("k, v", ["if (s := {obj}) is not None:", "    pass"], "s"),
    ("k, v", [], "({obj} if k else {obj})"),
    ("k, v", [], "({obj} or {{}})"),
    ("k, v, store={obj}", [], "store"),
    ("k, v, *, store={obj}", [], "store"),
]
MUTATIONS = [
    "{x}[k] = v",
    "del {x}[k]",
    "{x}.update({{k: v}})",
    "{x}.pop(k, None)",
    "{x}.setdefault(k, v)",
    "dict.update({x}, {{k: v}})",
    "operator.setitem({x}, k, v)",
    'getattr({x}, "update")({{k: v}})',
    "getattr({x}, name)(k, v)",
]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateRepo]:
    yield GateRepo(tmp_path_factory.mktemp("state") / "backend")


def _module(definition: str, params: str, prologue: list[str], mutation: str) -> str:
    body = "\n".join(f"    {line}" for line in [*prologue, mutation])
    return (f"import collections\nimport copy\nimport operator\n\nTTL = 60\nname = 'update'\n"
            f"{definition}\n\n\ndef store_challenge({params}):\n{body}\n")


@pytest.mark.parametrize("source", [
    "def put(k, v, _c={}):\n    _c[k] = v\n",
    "def put(k, v, _c=[]):\n    _c.append((k, v))\n",
    "_challenges = {}\n\n\ndef put(k, v, store=_challenges):\n    store[k] = v\n",
    "_challenges = {}\n\n\ndef put(k, v):\n    s = _challenges\n    s[k] = v\n",
    "_challenges = dict[str, bytes]()\n\n\ndef put(k, v):\n    _challenges[k] = v\n",
    "_state = ({},)\n\n\ndef put(k, v):\n    _state[0][k] = v\n",
    "import operator\n_c = {}\n\n\ndef put(k, v):\n    operator.setitem(_c, k, v)\n",
    '_c = {}\n\n\ndef put(k, v):\n    getattr(_c, "update")({k: v})\n',
    "_c = {}\n\n\ndef put(k, v):\n    if (s := _c) is not None:\n        s[k] = v\n",
    "_a = {}\n_b = {}\n\n\ndef put(k, v):\n    (_a if k else _b)[k] = v\n",
    "_c = {}.copy()\n\n\ndef put(k, v):\n    _c[k] = v\n",
])
def test_the_listed_examples(gate: GateRepo, source: str) -> None:
    assert_not_clear(gate.judge({PATH: source}), RULE)


@GENERATED
@given(definition=st.sampled_from(DEFINITIONS), reach=st.sampled_from(REACHES),
       mutation=st.sampled_from(MUTATIONS))
def test_a_reachable_mutated_container_is_state(gate: GateRepo, definition: tuple[str, str],
                                                reach: tuple[str, list[str], str],
                                                mutation: str) -> None:
    define, obj = definition
    params, prologue, target = reach
    source = _module(define, params.format(obj=obj), [p.format(obj=obj) for p in prologue],
                     mutation.format(x=target.format(obj=obj)))
    assert_not_clear(gate.judge({PATH: source}), RULE)


@GENERATED
@given(kind=st.sampled_from(["{}", "[]", "set()", "dict()", "collections.defaultdict(list)",
                             "bytearray()", "collections.deque()"]),
       mutation=st.sampled_from(["_c[0] = v", "_c.append(v)", "_c.add(v)", "_c.clear()",
                                 "_c.extend([v])", "operator.setitem(_c, 0, v)"]),
       keyword_only=st.booleans(), is_async=st.booleans())
def test_a_mutable_default_argument_is_state(gate: GateRepo, kind: str, mutation: str,
                                             keyword_only: bool, is_async: bool) -> None:
    star = "*, " if keyword_only else ""
    source = (f"import collections\nimport operator\n\n\n"
              f"{'async ' if is_async else ''}def put(v, {star}_c={kind}):\n    {mutation}\n")
    assert_not_clear(gate.judge({PATH: source}), RULE)


ALLOW = "release-gate: allow-process-local-state per-process cache is fine"


@GENERATED
@given(quote=st.sampled_from(['"', "'", '"""', "'''", 'f"', "rb'", 'r"']),
       where=st.sampled_from(["value", "key", "call"]))
def test_an_allow_comment_inside_a_string_lifts_nothing(gate: GateRepo, quote: str,
                                                        where: str) -> None:
    closing = quote.lstrip("rbf")
    text = f"{quote}# {ALLOW}{closing}"
    definition = {"value": f"_c = {{'doc': {text}}}", "key": f"_c = {{{text}: 1}}",
                  "call": f"_c = dict(doc={text})"}[where]
    source = f"{definition}\n\n\ndef put(k, v):\n    _c[k] = v\n"
    report = gate.judge({PATH: source})
    assert_not_clear(report, RULE)


def test_a_real_allow_comment_still_lifts(gate: GateRepo) -> None:
    source = f"_c = {{}}  # {ALLOW}\n\n\ndef put(k, v):\n    _c[k] = v\n"
    assert RULE not in rules_of(gate.judge({PATH: source}))
