"""Module-level mutable state of a Python module, and which functions mutate it.

`scan_state` finds module-level containers (`{}`, `[]`, `set()`, `dict()`, `list()`,
`defaultdict(...)`, `OrderedDict()`, `deque()`, `Counter()`, comprehensions, ...) and every
mutation of them by a function: item assignment or augmented assignment, `del x[k]`, a mutating
method (`.pop`, `.update`, `.setdefault`, `.append`, `.add`, `.clear`, ...; also on an element:
`x[k].append`), `heapq`/`bisect` helpers, or rebinding it through `global x`. Import-time filling
(module-level code) is not a mutation. Pure: an AST in, a `StateReport` out; the
`process-local-state` rule (rules/local_state.py) decides what of it blocks a PR.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

_LITERAL_KINDS: Mapping[type[ast.AST], str] = {
    ast.Dict: "dict", ast.List: "list", ast.Set: "set",
    ast.DictComp: "dict", ast.ListComp: "list", ast.SetComp: "set",
}
_MUTABLE_CONSTRUCTORS = frozenset({
    "dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter",
    "ChainMap", "WeakValueDictionary", "WeakKeyDictionary", "WeakSet", "Queue", "SimpleQueue",
    "LifoQueue", "PriorityQueue", "TTLCache", "LRUCache", "LFUCache", "TLRUCache", "Cache",
})
_MUTATING_METHODS = frozenset({
    # dict
    "pop", "popitem", "update", "setdefault", "clear", "__setitem__", "__delitem__", "__ior__",
    # list
    "append", "extend", "insert", "remove", "sort", "reverse", "__iadd__",
    # set
    "add", "discard", "difference_update", "intersection_update",
    "symmetric_difference_update",
    # deque, Counter, queues
    "appendleft", "extendleft", "popleft", "rotate", "subtract", "put", "put_nowait",
    "get_nowait",
})
_MUTATING_FUNCTIONS = frozenset({
    "heappush", "heappop", "heapify", "heapreplace", "heappushpop",
    "insort", "insort_left", "insort_right",
})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    kind: str
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Mutation:
    container: str
    function: str
    how: str
    line: int

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.container, self.function, self.how)


@dataclass(frozen=True)
class StateReport:
    containers: Mapping[str, Container]
    mutations: tuple[Mutation, ...]

    def mutated(self) -> dict[str, list[Mutation]]:
        out: dict[str, list[Mutation]] = {}
        for mutation in self.mutations:
            out.setdefault(mutation.container, []).append(mutation)
        return out


# --- module-level containers -----------------------------------------------------------------


def _dotted_last(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def container_kind(value: ast.expr) -> str | None:
    """The kind of mutable container an expression builds, or None."""
    for node_type, kind in _LITERAL_KINDS.items():
        if isinstance(value, node_type):
            return kind
    if isinstance(value, ast.Call):
        name = _dotted_last(value.func)
        if name in _MUTABLE_CONSTRUCTORS:
            return name
        # dict.fromkeys(...)
        if (isinstance(value.func, ast.Attribute) and value.func.attr == "fromkeys"
                and _dotted_last(value.func.value) in ("dict", "OrderedDict")):
            return "dict"
    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Mult, ast.Add)):
        # `[None] * 8`, `[] + defaults`
        for side in (value.left, value.right):
            if isinstance(side, (ast.List, ast.ListComp)):
                return "list"
    return None


def _module_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Top-level statements, also inside module-level if/try/with blocks (not defs/classes)."""
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        yield stmt
        blocks: list[list[ast.stmt]] = []
        if isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            blocks = [stmt.body, stmt.orelse]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            blocks = [stmt.body]
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            blocks = [stmt.body, stmt.orelse, stmt.finalbody,
                      *[handler.body for handler in stmt.handlers]]
        for block in reversed(blocks):
            stack.extend(reversed(block))


def _assigned_pairs(stmt: ast.stmt) -> Iterator[tuple[ast.Name, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    else:
        return
    for target in targets:
        if isinstance(target, ast.Name):
            yield target, value
        elif (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
              and len(target.elts) == len(value.elts)):
            for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                if isinstance(sub_target, ast.Name):
                    yield sub_target, sub_value


def module_containers(tree: ast.Module) -> dict[str, Container]:
    containers: dict[str, Container] = {}
    for stmt in _module_statements(tree):
        for target, value in _assigned_pairs(stmt):
            kind = container_kind(value)
            if kind is not None and target.id not in containers:
                end = stmt.end_lineno or stmt.lineno
                containers[target.id] = Container(target.id, kind, stmt.lineno, end)
    return containers


# --- mutations inside functions --------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    qualname: str
    is_function: bool
    local: frozenset[str]
    declared_global: frozenset[str]
    enclosing_locals: frozenset[str]  # locals of enclosing functions (closures see them)


def _own_nodes(scope_node: ast.AST) -> Iterator[ast.AST]:
    """Nodes of one scope's body, not descending into nested functions, lambdas or classes."""
    if isinstance(scope_node, ast.Lambda):
        stack: list[ast.AST] = [scope_node.body]
    elif isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        stack = list(scope_node.body)
    else:
        stack = list(ast.iter_child_nodes(scope_node))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            # Its decorators, defaults and bases run in this scope; its body does not.
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
                stack.extend(kw.value for kw in node.keywords)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.extend(d for d in node.args.defaults)
                stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    args = node.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if args.vararg:
        names.add(args.vararg.arg)
    if args.kwarg:
        names.add(args.kwarg.arg)
    return names


def _scope_of(node: ast.AST, parent: _Scope) -> _Scope:
    name = getattr(node, "name", "<lambda>")
    qualname = name if parent.qualname == "<module>" else f"{parent.qualname}.{name}"
    if isinstance(node, ast.ClassDef):
        # A class body runs at import time; its methods do not see its names.
        return _Scope(qualname, False, frozenset(), frozenset(), parent.enclosing_locals)
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
    local = _parameters(node)
    declared: set[str] = set()
    nonlocal_names: set[str] = set()
    for child in _own_nodes(node):
        if isinstance(child, ast.Global):
            declared.update(child.names)
        elif isinstance(child, ast.Nonlocal):
            nonlocal_names.update(child.names)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
            local.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            local.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            local.update((a.asname or a.name).split(".")[0] for a in child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            local.add(child.name)
    local -= declared
    enclosing = parent.enclosing_locals | (parent.local if parent.is_function else frozenset())
    return _Scope(qualname, True, frozenset(local | nonlocal_names), frozenset(declared),
                  frozenset(enclosing - declared))


def _root_name(node: ast.expr) -> ast.Name | None:
    """`x`, `x[k]`, `x[k][j]` -> the Name `x`."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def _mutation_of(node: ast.AST) -> tuple[ast.Name, str] | None:
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
        root = _root_name(node.value)
        if root is not None:
            return root, ("deletes an item" if isinstance(node.ctx, ast.Del)
                          else "assigns an item")
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _MUTATING_METHODS:
            root = _root_name(func.value)
            if root is not None:
                return root, f"calls .{func.attr}()"
        name = _dotted_last(func)
        if name in _MUTATING_FUNCTIONS and node.args:
            root = _root_name(node.args[0])
            if root is not None:
                return root, f"calls {name}()"
    return None


def _mentions(lines: list[str] | None, node: ast.AST, names: Iterable[str]) -> bool:
    """Whether the source of `node` contains any of `names` (True when unknown)."""
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if lines is None or start is None or end is None:
        return True
    segment = "\n".join(lines[start - 1:end])
    return any(name in segment for name in names)


def scan_state(tree: ast.Module, lines: list[str] | None = None) -> StateReport:
    """Module-level mutable containers and every mutation of them by a function.

    With the source `lines`, a function or class whose text names none of the containers is
    skipped unread: most functions of a module never touch its containers.
    """
    containers = module_containers(tree)
    if not containers:
        return StateReport({}, ())
    mutations: list[Mutation] = []
    module_scope = _Scope("<module>", False, frozenset(), frozenset(), frozenset())
    stack: list[tuple[ast.AST, _Scope]] = [(tree, module_scope)]
    while stack:
        scope_node, scope = stack.pop()
        for node in _own_nodes(scope_node):
            if isinstance(node, _SCOPES):
                if _mentions(lines, node, containers):
                    stack.append((node, _scope_of(node, scope)))
                continue
            if not scope.is_function:
                continue  # import-time filling of a table is not request-time state
            found = _mutation_of(node)
            if found is None and isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.id in scope.declared_global:
                found = node, "rebinds it through `global`"
            if found is None:
                continue
            name, how = found
            if name.id not in containers or not _refers_to_module(name.id, scope):
                continue
            mutations.append(Mutation(name.id, scope.qualname, how, name.lineno))
    mutations.sort(key=lambda m: (m.line, m.container))
    return StateReport(containers, tuple(mutations))


def _refers_to_module(name: str, scope: _Scope) -> bool:
    if name in scope.declared_global:
        return True
    return name not in scope.local and name not in scope.enclosing_locals
