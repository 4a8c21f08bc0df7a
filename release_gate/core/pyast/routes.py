"""HTTP routes read from Python source with `ast` (RCA 2026-05-25, contributing factor 2).

The begin/verify pairing rule needs every route of the backend with its full path. The code is
never imported or run (PR commits are data, docs/design.md §6): declarations are read from the
syntax
tree. Understood forms:

- FastAPI / Starlette: `@router.get/post/put/patch/delete/head/options/trace(path)`,
  `@router.api_route(path, methods=[...])`, `@app.route(path, methods=[...])`,
  `router.add_api_route(path, endpoint, methods=[...])`, `app.add_route(...)`;
- Flask: `@bp.route(rule, methods=[...])`, `@app.get(...)`..., `bp.add_url_rule(rule, ...)`;
- prefixes: `APIRouter(prefix=...)`, `Blueprint(..., url_prefix=...)`,
  `parent.include_router(child, prefix=...)`, `app.register_blueprint(bp, url_prefix=...)`,
  across files: a router imported from another module (`from .routes import auth` +
  `include_router(auth.router, ...)`, `from .routes.auth import router as auth_router`, re-exports
  through a package `__init__`) is found by module path, relative or absolute.

A path or prefix that is not a literal (string constants of the same module, `+` and f-strings of
them are folded) is kept as a `{?expression}` placeholder and the route is marked unknown, with
the reason. Nothing here raises on odd input except `PythonSourceError` from `parse_python`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from release_gate.core.pyast.source import PythonSourceError, parse_python
from release_gate.core.pyast.strfold import EMPTY, Text, fold_text, module_constants

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
# Decorators and calls that take a `methods=` list (default GET, as in FastAPI, Starlette, Flask).
_MULTI_METHOD_DECORATORS = frozenset({"api_route", "route"})
_ADD_ROUTE_CALLS = frozenset({"add_api_route", "add_url_rule", "add_route"})
_INCLUDE_CALLS: Mapping[str, tuple[str, str, str]] = {
    # call -> (flavour, keyword naming the child, keyword holding the prefix)
    "include_router": ("fastapi", "router", "prefix"),
    "register_blueprint": ("flask", "blueprint", "url_prefix"),
}
_ROUTER_CONSTRUCTORS: Mapping[str, tuple[str, str | None]] = {
    # constructor -> (flavour, keyword holding the router's own prefix)
    "APIRouter": ("fastapi", "prefix"),
    "FastAPI": ("fastapi", None),
    "Starlette": ("fastapi", None),
    "Router": ("fastapi", None),
    "Blueprint": ("flask", "url_prefix"),
    "Flask": ("flask", None),
}
# A decorator `@x.get("...")` counts as a route when `x` is a known router, when its path is a
# URL path, or when `x` is named like one (`router`, `app`, `bp`, `auth_router`, ...); this keeps
# `@mock.patch("pkg.mod")` and friends out.
_ROUTERISH = re.compile(r"(?:^|_)(?:app|api|bp|routes?)$|router$|blueprint$", re.IGNORECASE)

MAX_MOUNTS = 32  # a router mounted in more places than this is cut off (and still checked)
_MAX_REEXPORTS = 8
# --- one module ------------------------------------------------------------------------------


Ref = tuple[str, ...]  # a dotted name as written: ("auth", "router")


@dataclass(frozen=True, slots=True)
class ImportBinding:
    """What a local name was imported as: module path parts, anchored (relative) or not."""

    parts: tuple[str, ...]
    anchored: bool


@dataclass(frozen=True, slots=True)
class RouterDef:
    name: str
    flavor: str  # "fastapi" (prefixes add up) or "flask" (url_prefix at registration wins)
    prefix: Text
    line: int


@dataclass(frozen=True, slots=True)
class RawRoute:
    receiver: Ref
    path: Text
    methods: tuple[str, ...]
    line: int
    function: str | None
    # Registered when the module is imported, whatever happens: at module level, outside any
    # `if`/loop/`except`/function body (a `def`'s decorators run when the `def` runs).
    certain: bool = True


@dataclass(frozen=True, slots=True)
class RawInclude:
    parent: Ref
    child: Ref
    prefix: Text | None  # None: not given
    flavor: str
    line: int
    certain: bool = True


@dataclass(frozen=True)
class ModuleRoutes:
    """What one file declares; `resolve_routes` joins modules into full paths."""

    file: str
    routers: Mapping[str, RouterDef] = field(default_factory=dict)
    routes: tuple[RawRoute, ...] = ()
    includes: tuple[RawInclude, ...] = ()
    imports: Mapping[str, ImportBinding] = field(default_factory=dict)
    # Every string in the file that reads as a begin route's path (`"/register/begin-x"`), with
    # its line: the pairing rule reports those no certain route accounts for (an alias, a call
    # form, a computed path: a registration the analyser could not resolve).
    begin_literals: tuple[tuple[int, str], ...] = ()


def _dotted(node: ast.expr) -> Ref | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(call.args) and index < len(positional):
        return positional[index]
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _methods(call: ast.Call, default: tuple[str, ...]) -> tuple[str, ...]:
    node = _keyword(call, "methods")
    if node is None:
        return default
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out: list[str] = []
        for element in node.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                if element.value.upper() not in out:
                    out.append(element.value.upper())
            else:
                return ("?",)
        return tuple(out) or default
    return ("?",)


def _package_parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("/")[:-1])


def module_key(path: str) -> tuple[str, ...] | None:
    """`a/b/c.py` -> ("a", "b", "c"); `a/b/__init__.py` -> ("a", "b"); other files: None."""
    if not path.endswith(".py"):
        return None
    parts = tuple(path[:-3].split("/"))
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return parts if parts else None


def statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement at any depth, in source order, without visiting expressions.

    Routes, routers, includes and imports are all statements (or calls that are a statement's
    value), so this is all the extractor walks: ~10x fewer nodes than `ast.walk`.
    """
    out: list[ast.stmt] = []
    stack: list[ast.stmt] = list(reversed(tree.body))
    while stack:
        stmt = stack.pop()
        out.append(stmt)
        children: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                children.extend(s for s in block if isinstance(s, ast.stmt))
        for handler in getattr(stmt, "handlers", ()):
            children.extend(handler.body)
        for case in getattr(stmt, "cases", ()):
            children.extend(case.body)
        stack.extend(reversed(children))
    return out


def _imports(stmts: Iterable[ast.stmt], path: str) -> dict[str, ImportBinding]:
    bindings: dict[str, ImportBinding] = {}
    for node in stmts:
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = tuple(alias.name.split("."))
                if alias.asname:
                    bindings[alias.asname] = ImportBinding(parts, False)
                else:
                    bindings[parts[0]] = ImportBinding(parts[:1], False)
        elif isinstance(node, ast.ImportFrom):
            module = tuple(node.module.split(".")) if node.module else ()
            if node.level:
                package = _package_parts(path)
                up = node.level - 1
                if up > len(package):
                    continue
                base = package[: len(package) - up] + module
                anchored = True
            else:
                base, anchored = module, False
            for alias in node.names:
                if alias.name == "*":
                    continue
                bindings[alias.asname or alias.name] = ImportBinding(
                    (*base, alias.name), anchored)
    return bindings


def _router_defs(stmts: Iterable[ast.stmt], consts: Mapping[str, str]) -> dict[str, RouterDef]:
    routers: dict[str, RouterDef] = {}
    for node in stmts:
        targets: list[ast.expr]
        if isinstance(node, ast.Assign):
            targets, value = list(node.targets), node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not isinstance(value, ast.Call):
            continue
        ctor = _dotted(value.func)
        if ctor is None or ctor[-1] not in _ROUTER_CONSTRUCTORS:
            continue
        flavor, prefix_key = _ROUTER_CONSTRUCTORS[ctor[-1]]
        prefix_node = _keyword(value, prefix_key) if prefix_key else None
        prefix = EMPTY if prefix_node is None else fold_text(prefix_node, consts)
        if isinstance(prefix_node, ast.Constant) and prefix_node.value is None:
            prefix = EMPTY
        for target in targets:
            if isinstance(target, ast.Name):
                routers[target.id] = RouterDef(target.id, flavor, prefix, node.lineno)
    return routers


def _is_router_receiver(receiver: Ref, routers: Mapping[str, RouterDef], path: Text) -> bool:
    if len(receiver) == 1 and receiver[0] in routers:
        return True
    if _ROUTERISH.search(receiver[-1]):
        return True
    return path.known and (path.text == "" or path.text.startswith("/"))


def _decorator_route(decorator: ast.expr, function: str, routers: Mapping[str, RouterDef],
                     consts: Mapping[str, str]) -> RawRoute | None:
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    attr = decorator.func.attr
    if attr in HTTP_METHODS:
        methods: tuple[str, ...] = (attr.upper(),)
    elif attr in _MULTI_METHOD_DECORATORS:
        methods = _methods(decorator, ("GET",))
    else:
        return None
    receiver = _dotted(decorator.func.value)
    if receiver is None:
        return None
    path_node = _argument(decorator, 0, "path") or _keyword(decorator, "rule")
    if path_node is None:
        return None
    path = fold_text(path_node, consts)
    if not _is_router_receiver(receiver, routers, path):
        return None
    return RawRoute(receiver, path, methods, decorator.lineno, function)


def _call_route(call: ast.Call, routers: Mapping[str, RouterDef],
                consts: Mapping[str, str]) -> RawRoute | None:
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _ADD_ROUTE_CALLS:
        return None
    receiver = _dotted(call.func.value)
    path_node = _argument(call, 0, "path") or _keyword(call, "rule")
    if receiver is None or path_node is None:
        return None
    path = fold_text(path_node, consts)
    if not _is_router_receiver(receiver, routers, path):
        return None
    endpoint = (_argument(call, 1, "endpoint") or _keyword(call, "view_func")
                if call.func.attr != "add_url_rule"
                else _keyword(call, "view_func") or _argument(call, 2, "view_func"))
    ref = _dotted(endpoint) if endpoint is not None else None
    return RawRoute(receiver, path, _methods(call, ("GET",)), call.lineno,
                    ref[-1] if ref else None)


def _call_include(call: ast.Call, consts: Mapping[str, str]) -> RawInclude | None:
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in _INCLUDE_CALLS:
        return None
    flavor, child_key, prefix_key = _INCLUDE_CALLS[call.func.attr]
    parent = _dotted(call.func.value)
    child_node = _argument(call, 0, child_key)
    child = _dotted(child_node) if child_node is not None else None
    if parent is None or child is None:
        return None
    prefix_node = _keyword(call, prefix_key)
    prefix: Text | None = None
    if prefix_node is not None and not (
            isinstance(prefix_node, ast.Constant) and prefix_node.value is None):
        prefix = fold_text(prefix_node, consts)
    if prefix is None and flavor == "fastapi":
        prefix = EMPTY
    return RawInclude(parent, child, prefix, flavor, call.lineno)


_BEGIN_LITERAL = re.compile(r"[\w{}<>:.\-/]*/begin(?:-[\w\-]+)?/?")


def _always_true(test: ast.expr) -> bool | None:
    """True / False for a constant condition, None when it depends on anything."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    return None


def certain_statements(tree: ast.Module) -> set[int]:
    """ids of the statements that run whenever the module is imported: module level, through
    `with` bodies, `try` bodies and `finally`, and the taken branch of a constant `if`."""
    out: set[int] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        stmt = stack.pop()
        out.add(id(stmt))
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            stack.extend(stmt.body)
        elif isinstance(stmt, (ast.Try, ast.TryStar)):
            stack.extend([*stmt.body, *stmt.finalbody])
        elif isinstance(stmt, ast.If):
            taken = _always_true(stmt.test)
            if taken is True:
                stack.extend(stmt.body)
            elif taken is False:
                stack.extend(stmt.orelse)
    return out


def begin_literals(tree: ast.Module) -> tuple[tuple[int, str], ...]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and "begin" in node.value and _BEGIN_LITERAL.fullmatch(node.value)):
            found.append((node.lineno, node.value))
    return tuple(sorted(found))


def scan_module(path: str, tree: ast.Module) -> ModuleRoutes:
    """Routers, routes, includes and imports declared in one parsed file."""
    stmts = statements(tree)
    certain = certain_statements(tree)
    consts = module_constants(tree)
    routers = _router_defs(stmts, consts)
    routes: list[RawRoute] = []
    includes: list[RawInclude] = []
    for node in stmts:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                route = _decorator_route(decorator, node.name, routers, consts)
                if route is not None:
                    routes.append(replace(route, certain=id(node) in certain))
            continue
        # `app.include_router(...)`, `router.add_api_route(...)`: a call that is a statement
        # (or the value of an assignment / return).
        value = getattr(node, "value", None)
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            route = _call_route(value, routers, consts)
            if route is not None:
                routes.append(replace(route, certain=id(node) in certain))
            include = _call_include(value, consts)
            if include is not None:
                includes.append(replace(include, certain=id(node) in certain))
    routes.sort(key=lambda r: r.line)
    includes.sort(key=lambda i: i.line)
    return ModuleRoutes(path, routers, tuple(routes), tuple(includes), _imports(stmts, path),
                        begin_literals(tree))


def load_module(path: str, data: bytes | str) -> ModuleRoutes:
    """Parse and scan one file; raises `PythonSourceError` when it is not parseable Python."""
    return scan_module(path, parse_python(path, data))


# --- across modules --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    """One route at one mount point, with every prefix that could be resolved applied."""

    path: str
    methods: tuple[str, ...]
    file: str
    line: int
    function: str | None
    router: str | None
    known: bool
    reason: str | None = None  # why `known` is False
    certain: bool = True  # RawRoute.certain
    # The app objects (routers no certain include mounts anywhere) that serve this route.
    roots: frozenset[tuple[str, str]] = frozenset()


RouterId = tuple[str, str]  # (file, variable)


class _Resolver:
    def __init__(self, modules: Sequence[ModuleRoutes]) -> None:
        self.modules = {m.file: m for m in modules}
        self._by_last: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for m in modules:
            key = module_key(m.file)
            if key:
                self._by_last.setdefault(key[-1], []).append((key, m.file))

    def find_module(self, parts: tuple[str, ...], anchored: bool, importer: str) -> str | None:
        if not parts:
            return None
        candidates = [
            file for key, file in self._by_last.get(parts[-1], ())
            if (key == parts if anchored else key[-len(parts):] == parts)
        ]
        if not candidates:
            return None
        here = importer.split("/")

        def closeness(file: str) -> tuple[int, int, str]:
            there = file.split("/")
            common = 0
            for a, b in zip(here, there, strict=False):
                if a != b:
                    break
                common += 1
            return (-common, len(there), file)

        return min(candidates, key=closeness)

    def resolve(self, module: ModuleRoutes, ref: Ref, depth: int = 0) -> RouterId | None:
        if len(ref) == 1 and ref[0] in module.routers:
            return (module.file, ref[0])
        binding = module.imports.get(ref[0])
        if binding is None or depth > _MAX_REEXPORTS:
            return None
        full = binding.parts + ref[1:]
        # `pkg.routes.auth.router`: the variable `router` of the module `pkg.routes.auth`.
        target = self.find_module(full[:-1], binding.anchored, module.file)
        if target is None or target == module.file:
            return None
        other = self.modules[target]
        name = full[-1]
        if name in other.routers:
            return (target, name)
        if name in other.imports:  # re-exported, e.g. by a package __init__
            return self.resolve(other, (name,), depth + 1)
        return None

    def router_id(self, module: ModuleRoutes, ref: Ref) -> RouterId:
        return self.resolve(module, ref) or (module.file, ".".join(ref))

    def definition(self, rid: RouterId) -> RouterDef | None:
        module = self.modules.get(rid[0])
        return module.routers.get(rid[1]) if module else None


def resolve_routes(modules: Sequence[ModuleRoutes]) -> tuple[Route, ...]:
    """Every route of `modules`, once per mount point, with prefixes resolved across files."""
    resolver = _Resolver(modules)
    parents: dict[RouterId, list[tuple[RouterId, Text | None, str]]] = {}
    certain_parents: dict[RouterId, set[RouterId]] = {}
    for module in modules:
        for inc in module.includes:
            child = resolver.router_id(module, inc.child)
            parent = resolver.router_id(module, inc.parent)
            if child != parent:
                parents.setdefault(child, []).append((parent, inc.prefix, inc.flavor))
                if inc.certain:
                    certain_parents.setdefault(child, set()).add(parent)

    root_memo: dict[RouterId, frozenset[RouterId]] = {}

    def roots(rid: RouterId, visiting: frozenset[RouterId] = frozenset()) -> frozenset[RouterId]:
        """The top routers (apps) `rid` is certainly mounted in; itself when none."""
        if rid in root_memo:
            return root_memo[rid]
        ups = certain_parents.get(rid, set()) - visiting - {rid}
        found = frozenset({rid}) if not ups else frozenset().union(
            *(roots(up, visiting | {rid}) for up in ups))
        root_memo[rid] = found
        return found

    memo: dict[RouterId, tuple[Text, ...]] = {}

    def own_prefix(rid: RouterId) -> Text:
        definition = resolver.definition(rid)
        return definition.prefix if definition else EMPTY

    def mounts(rid: RouterId, visiting: frozenset[RouterId]) -> tuple[Text, ...]:
        if rid in memo:
            return memo[rid]
        own = own_prefix(rid)
        edges = parents.get(rid, [])
        if not edges or rid in visiting:
            return (own,)
        out: list[Text] = []
        for parent, prefix, flavor in edges:
            if flavor == "flask":
                middle = prefix if prefix is not None else own
            else:
                middle = (prefix or EMPTY) + own
            for base in mounts(parent, visiting | {rid}):
                mounted = base + middle
                if mounted not in out and len(out) < MAX_MOUNTS:
                    out.append(mounted)
        memo[rid] = tuple(out)
        return memo[rid]

    routes: list[Route] = []
    for module in modules:
        for raw in module.routes:
            rid = resolver.router_id(module, raw.receiver)
            for prefix in mounts(rid, frozenset()):
                full = prefix + raw.path
                reason = None
                if not raw.path.known:
                    reason = f"the path {raw.path.text} is not a literal"
                elif not prefix.known:
                    reason = f"a router prefix ({prefix.text}) is not a literal"
                routes.append(Route(
                    path=normalize_slashes(full.text), methods=raw.methods, file=module.file,
                    line=raw.line, function=raw.function, router=".".join(raw.receiver),
                    known=full.known, reason=reason, certain=raw.certain, roots=roots(rid),
                ))
    return tuple(routes)


def normalize_slashes(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path)
    return path


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...]
    failures: tuple[PythonSourceError, ...]


def extract_routes(sources: Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]]
                   ) -> RouteTable:
    """Routes of a set of files (path -> content); files that do not parse are listed apart."""
    items = sources.items() if isinstance(sources, Mapping) else sources
    modules: list[ModuleRoutes] = []
    failures: list[PythonSourceError] = []
    for path, data in items:
        try:
            modules.append(load_module(path, data))
        except PythonSourceError as error:
            failures.append(error)
    return RouteTable(resolve_routes(modules), tuple(failures))
