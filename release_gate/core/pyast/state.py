"""Module-level mutable state of a Python module, and which functions mutate it.

`scan_state` finds module-level containers (`{}`, `[]`, `set()`, `dict()`, `list()`,
`defaultdict(...)`, `OrderedDict()`, `deque()`, `Counter()`, comprehensions, ...) and every
mutation of them by a function: item assignment or augmented assignment, `del x[k]`, a mutating
method (`.pop`, `.update`, `.setdefault`, `.append`, `.add`, `.clear`, ...; also on an element:
`x[k].append`), `heapq`/`bisect`/`operator.setitem` helpers, `dict.update(x, ...)`,
`getattr(x, "update")(...)`, or rebinding it through `global x`; followed through local aliases
(assignment, unpacking, walrus, loop variables, `with ... as`; also an enclosing function's),
conditional expressions and defaults bound to it. Mutable default arguments are
containers too. When unsure, it is state. Import-time filling (module-level code) is not a
mutation. Pure: an AST in, a `StateReport` out; the
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
    # operator.setitem(d, k, v) and friends
    "setitem", "delitem", "iadd", "ior", "iconcat", "iand", "ixor", "isub",
})
# `dict.update(d, x)`, `list.append(l, x)`: a mutating method called through the type.
_TYPE_NAMES = frozenset({"dict", "list", "set", "bytearray", "defaultdict", "OrderedDict",
                         "deque", "Counter", "MutableMapping", "MutableSequence", "MutableSet"})
# Reading through these gives (a part of) the same object: `s = _store.get(k); s.append(x)`.
_SAME_OBJECT_METHODS = frozenset({"get", "setdefault", "__getitem__"})
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Methods `getattr(x, name)(...)` may call without mutating: any other name may mutate.
_READ_ONLY_METHODS = frozenset({"get", "keys", "values", "items", "copy", "count", "index"})
# Calls whose iteration yields the elements of their first argument (the same objects).
_SAME_ELEMENTS = frozenset({"enumerate", "reversed", "iter", "sorted", "list", "tuple"})
# What a starred target (`_head, *_rest = x`) is bound to: always a new list.
_NEW_LIST = ast.List(elts=[], ctx=ast.Load())
_UNKNOWN = ast.Constant(None)
# Names an expression nested deeper than this is not read for: it is taken as a container
# (container_kind) and as denoting every name in it (_roots). When unsure, it is state.
_MAX_DEPTH = 8
_TOO_DEEP = "value (nested too deep to tell)"


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


def container_kind(value: ast.expr, depth: int = 0) -> str | None:
    """The kind of mutable container an expression builds (or may build, or holds), or None.

    When unsure, a container: `dict[str, bytes]()`, `{}.copy()`, `copy.deepcopy(...)` of one,
    either branch of `a if c else b` / `a or b`, a walrus, and a tuple holding one.
    """
    if depth > _MAX_DEPTH:
        return _TOO_DEEP
    for node_type, kind in _LITERAL_KINDS.items():
        if isinstance(value, node_type):
            return kind
    if isinstance(value, ast.NamedExpr):
        return container_kind(value.value, depth + 1)
    if isinstance(value, ast.IfExp):
        return (container_kind(value.body, depth + 1)
                or container_kind(value.orelse, depth + 1))
    if isinstance(value, ast.BoolOp):
        return next((k for v in value.values if (k := container_kind(v, depth + 1))), None)
    if isinstance(value, ast.Tuple):
        inner = next((k for v in value.elts if (k := container_kind(v, depth + 1))), None)
        return f"tuple holding a {inner}" if inner else None
    if isinstance(value, ast.Call):
        func = value.func
        while isinstance(func, ast.Subscript):  # `dict[str, bytes]()`
            func = func.value
        name = _dotted_last(func)
        if name in _MUTABLE_CONSTRUCTORS:
            return name
        if isinstance(func, ast.Attribute) and func.attr == "copy":  # `{}.copy()`
            inner = container_kind(func.value, depth + 1)
            if inner:
                return inner
        if name in ("copy", "deepcopy") and value.args:  # `copy.copy({})`
            inner = container_kind(value.args[0], depth + 1)
            if inner:
                return inner
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
            # In source order: the first definition is the one a finding points at.
            blocks = [stmt.body, *[handler.body for handler in stmt.handlers], stmt.orelse,
                      stmt.finalbody]
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
        yield from _unpacked(target, value)


def _unpacked(target: ast.expr, value: ast.expr) -> Iterator[tuple[ast.Name, ast.expr]]:
    """Name -> value of an assignment, through nested unpacking: `(_a, _b), _c = ({}, []), 1`.
    A starred name (`_head, *_rest = x`) is always a new list."""
    if isinstance(target, ast.Name):
        yield target, value
    elif isinstance(target, (ast.Tuple, ast.List)):
        values = _same_shape(target, value)
        for index, sub_target in enumerate(target.elts):
            if isinstance(sub_target, ast.Starred):
                if isinstance(sub_target.value, ast.Name):
                    yield sub_target.value, _NEW_LIST
            else:  # the value of a part of an unknown value is unknown (starred names are not)
                yield from _unpacked(sub_target, values[index] if values else _UNKNOWN)


def _same_shape(target: ast.Tuple | ast.List, value: ast.expr) -> list[ast.expr] | None:
    """The values `target`'s parts get one by one (`a, b = x, y`), or None when unknown."""
    if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
        return value.elts
    return None


def _walrus_pairs(stmt: ast.stmt) -> Iterator[tuple[ast.Name, ast.expr]]:
    """`(name := value)` anywhere in a module-level statement (not inside a def or class)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return
    for node in ast.walk(stmt):
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            yield node.target, node.value


def module_containers(tree: ast.Module) -> dict[str, Container]:
    containers: dict[str, Container] = {}
    for stmt in _module_statements(tree):
        for target, value in (*_assigned_pairs(stmt), *_walrus_pairs(stmt)):
            kind = container_kind(value)
            if kind is not None and target.id not in containers:
                end = stmt.end_lineno or stmt.lineno
                containers[target.id] = Container(target.id, kind, stmt.lineno, end)
    return containers


# --- mutations inside functions --------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """A function's names (a class body and the module bind none that functions see)."""
    qualname: str
    enclosing_locals: frozenset[str]  # locals of enclosing functions (closures see them)
    is_function: bool = False
    local: frozenset[str] = frozenset()
    declared_global: frozenset[str] = frozenset()
    nonlocal_names: frozenset[str] = frozenset()


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


_MODULE = _Scope("<module>", frozenset())


def _scope_of(node: ast.AST, parent: _Scope) -> _Scope:
    name = getattr(node, "name", "<lambda>")
    qualname = name if parent is _MODULE else f"{parent.qualname}.{name}"
    if isinstance(node, ast.ClassDef):
        # A class body runs at import time; its methods do not see its names.
        return _Scope(qualname, _closure(parent))
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
    return _Scope(qualname, _closure(parent) - declared, True, frozenset(local | nonlocal_names),
                  frozenset(declared), frozenset(nonlocal_names))


def _closure(parent: _Scope) -> frozenset[str]:
    """The enclosing functions' locals a nested scope sees (a class body and the module have
    no `local` names: they add none)."""
    return parent.enclosing_locals | parent.local


def _roots(node: ast.expr, depth: int = 0) -> list[ast.Name]:
    """The names an expression may denote an object of (or a part of): `x`, `x[k]`,
    `x.get(k)`, `a if c else b`, `a or b`, `(s := x)`, `getattr(x, ...)`."""
    if depth > _MAX_DEPTH:  # unsure: it may denote anything it names
        return [name for name in ast.walk(node) if isinstance(name, ast.Name)]
    if isinstance(node, ast.Name):
        return [node]
    if isinstance(node, (ast.Subscript, ast.Starred)):
        return _roots(node.value, depth + 1)
    if isinstance(node, ast.NamedExpr):
        return [node.target, *_roots(node.value, depth + 1)]
    if isinstance(node, ast.IfExp):
        return _roots(node.body, depth + 1) + _roots(node.orelse, depth + 1)
    if isinstance(node, ast.BoolOp):
        return [root for value in node.values for root in _roots(value, depth + 1)]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _SAME_OBJECT_METHODS:
            return _roots(func.value, depth + 1)
        if _dotted_last(func) == "getattr" and node.args:
            return _roots(node.args[0], depth + 1)
    return []


def _mutations_of(node: ast.AST) -> list[tuple[ast.Name, str]]:
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
        how = "deletes an item" if isinstance(node.ctx, ast.Del) else "assigns an item"
        return [(root, how) for root in _roots(node.value)]
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _MUTATING_METHODS:
        if (isinstance(func.value, ast.Name) and func.value.id in _TYPE_NAMES and node.args):
            return [(root, f"calls {func.value.id}.{func.attr}()")
                    for root in _roots(node.args[0])]
        return [(root, f"calls .{func.attr}()") for root in _roots(func.value)]
    name = _dotted_last(func)
    if name in _MUTATING_FUNCTIONS and node.args:
        return [(root, f"calls {name}()") for root in _roots(node.args[0])]
    # `getattr(d, "update")(x)`: a method looked up by name; any name not known to be
    # read-only may mutate (when unsure, flag).
    if (isinstance(func, ast.Call) and _dotted_last(func.func) == "getattr"
            and len(func.args) >= 2):
        attr = func.args[1]
        if not (isinstance(attr, ast.Constant) and attr.value in _READ_ONLY_METHODS):
            shown = attr.value if isinstance(attr, ast.Constant) else "?"
            return [(root, f"calls getattr(..., {shown!r})()") for root in _roots(func.args[0])]
    return []


def _mentions(lines: list[str] | None, node: ast.stmt | ast.expr, names: Iterable[str]) -> bool:
    """Whether the source of `node` contains any of `names` (True when unknown)."""
    if lines is None:
        return True
    text = lines[node.lineno - 1:node.end_lineno]
    if not all(line.isascii() for line in text):
        # Python reads identifiers NFKC-normalised: `_ｃ[k] = v` writes `_c`, whose name is
        # not in the text. Only ASCII text is searched; anything else is read.
        return True
    return any(name in line for line in text for name in names)


def _defaults(args: ast.arguments) -> list[tuple[ast.arg, ast.expr]]:
    """Each parameter with a default, and the default (positional ones fill the last)."""
    positional = [*args.posonlyargs, *args.args]
    offset = len(positional) - len(args.defaults)
    pairs = [(positional[offset + index], default) for index, default in enumerate(args.defaults)]
    pairs += [(arg, default) for index, arg in enumerate(args.kwonlyargs)
              if (default := args.kw_defaults[index]) is not None]  # None: no default
    return pairs


def _default_containers(tree: ast.Module) -> tuple[dict[str, Container],
                                                     dict[int, dict[str, str]]]:
    """Mutable default arguments (`def put(k, v, _c={})`): built once, when the `def` runs,
    and shared by every call in the process. Returns the containers and, per function node,
    parameter -> container name."""
    containers: dict[str, Container] = {}
    by_function: dict[int, dict[str, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        for arg, default in _defaults(node.args):
            kind = container_kind(default)
            if kind is None:
                continue
            name = f"{getattr(node, 'name', '<lambda>')}({arg.arg}=...)"
            containers.setdefault(name, Container(
                name, f"{kind} (a default argument: one per process)", node.lineno,
                default.end_lineno or node.lineno))
            by_function.setdefault(id(node), {})[arg.arg] = name
    return containers, by_function


def _resolve(name: str, aliases: Mapping[str, frozenset[str]], module: Mapping[str, Container],
             scope: _Scope) -> frozenset[str]:
    if name in aliases:
        return aliases[name]
    if name in module and _refers_to_module(name, scope):
        return frozenset({name})
    return frozenset()


def _bound(target: ast.expr, value: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    """Name -> what it may denote after `target = value` (or `for target in value`, whose
    elements are parts of it): unpacked pairwise when the shapes match, else every name of the
    target may denote (a part of) the whole value."""
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, ast.Starred):
        yield from _bound(target.value, value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        values = _same_shape(target, value)
        for index, sub_target in enumerate(target.elts):
            yield from _bound(sub_target, values[index] if values else value)


def _iterated(value: ast.expr) -> list[ast.expr]:
    """What a loop variable may be: an element of `value` (a part of it), also through
    `.values()`, `.items()`, `enumerate()`, `reversed()`, `iter()` or a shallow copy
    (`sorted()`, `list()`, `tuple()`: the same elements), or, for a literal
    `(_a, _b)`, one of its elements."""
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return list(value.elts)
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in ("values", "items"):
            return [func.value]
        if _dotted_last(func) in _SAME_ELEMENTS and value.args:
            return _iterated(value.args[0])
    return [value]


def _aliases(scope_node: ast.AST, scope: _Scope, parent: _Scope, module: Mapping[str, Container],
             defaults: Mapping[str, str],
             enclosing: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Local names that may denote a container: a default argument (`store=_challenges`, or
    a mutable default), an enclosing function's alias the scope does not rebind, or an
    assignment / walrus / loop variable / `with ... as` from an expression that reaches one."""
    aliases: dict[str, frozenset[str]] = {
        name: reached for name, reached in enclosing.items()
        if name not in scope.local or name in scope.nonlocal_names}
    aliases.update({p: frozenset({c}) for p, c in defaults.items()})
    if isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        # Defaults are evaluated where the `def` runs: the enclosing scope's names.
        for arg, default in _defaults(scope_node.args):
            reached = frozenset().union(*(_resolve(r.id, enclosing, module, parent)
                                          for r in _roots(default)))
            if reached:
                aliases[arg.arg] = aliases.get(arg.arg, frozenset()) | reached
    bindings: list[tuple[str, ast.expr]] = []
    for node in _own_nodes(scope_node):
        if isinstance(node, ast.Assign):
            bindings.extend(pair for target in node.targets
                            for pair in _bound(target, node.value))
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            bindings.extend(_bound(node.target, node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            bindings.extend(pair for element in _iterated(node.iter)
                            for pair in _bound(node.target, element))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            bindings.extend(_bound(node.optional_vars, node.context_expr))
    # Aliases of aliases, in any order: each pass settles at least one more link of a chain,
    # and a chain has at most one link per binding.
    for _ in range(len(bindings)):
        before = dict(aliases)
        for name, value in bindings:
            reached = frozenset().union(*(_resolve(r.id, aliases, module, scope)
                                          for r in _roots(value)))
            if reached:
                aliases[name] = aliases.get(name, frozenset()) | reached
        if aliases == before:
            break  # settled: the remaining passes would change nothing
    return aliases


def scan_state(tree: ast.Module, lines: list[str] | None = None) -> StateReport:
    """Module-level mutable containers (and mutable default arguments) and every mutation of
    them by a function, directly or through a local alias.

    With the source `lines`, a function or class whose text names none of the containers is
    skipped unread: most functions of a module never touch its containers.
    """
    module = module_containers(tree)
    defaults, default_params = _default_containers(tree)
    if not module and not defaults:
        return StateReport({}, ())
    mentioned = set(module) | {p for params in default_params.values() for p in params}
    mutations: set[Mutation] = set()
    stack: list[tuple[ast.AST, _Scope, _Scope, Mapping[str, frozenset[str]]]] = [
        (tree, _MODULE, _MODULE, {})]
    while stack:
        scope_node, scope, parent, enclosing = stack.pop()
        # A class body passes its function's aliases through to its methods.
        aliases = (_aliases(scope_node, scope, parent, module,
                            default_params.get(id(scope_node), {}), enclosing)
                   if scope.is_function else dict(enclosing))
        names = mentioned | set(aliases)
        for node in _own_nodes(scope_node):
            if isinstance(node, _SCOPES):
                if _mentions(lines, node, names):
                    stack.append((node, _scope_of(node, scope), scope, aliases))
                continue
            if not scope.is_function:
                continue  # import-time filling of a table is not request-time state
            found = _mutations_of(node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) \
                    and node.id in scope.declared_global:
                found.append((node, "rebinds it through `global`"))
            for name, how in found:
                for target in _resolve(name.id, aliases, module, scope):
                    mutations.add(Mutation(target, scope.qualname, how, name.lineno))
    ordered = sorted(mutations, key=lambda m: (m.line, m.container, m.how))
    return StateReport({**module, **defaults}, tuple(ordered))


def _refers_to_module(name: str, scope: _Scope) -> bool:
    if name in scope.declared_global:
        return True
    return name not in scope.local and name not in scope.enclosing_locals
