"""`process-local-state`: module-level mutable containers that request code mutates.

RCA 2026-05-25, contributing factor 1: `_challenge_store = {}` in webauthn_service.py, written by
`begin` and popped by `verify`. Under gunicorn `--preload` the module is imported once in the
master and forked: every process mutates its own copy-on-write clone, so a challenge stored while
one process served `begin` is missing in the process that serves `verify` (400 in 1 ms). Action
item 3: all shared state must use Redis or Postgres.

Flagged: a module-level `{}`, `[]`, `set()`, `dict()`, `list()`, `defaultdict(...)`,
`OrderedDict()`, `deque()`, `Counter()`, comprehension, ... that a function of the same module
mutates: item assignment or augmented assignment, `del x[k]`, a mutating method (`.pop`,
`.update`, `.setdefault`, `.append`, `.add`, `.clear`, ...; also on an element: `x[k].append`),
`heapq`/`bisect` helpers, or rebinding it through `global x`. Only when the PR is responsible: it
adds the container, or adds a mutation of it (the base and head parses of each touched file are
compared by (container, function, kind of mutation), so moved or reformatted code is not "new").
Never-mutated module containers (lookup tables, `__all__`) and import-time filling are fine.

`# release-gate: allow-process-local-state <reason>` on the definition line lifts it; without a
reason it does not, and the finding says so.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from release_gate.changes import FileChange, FileStatus
from release_gate.context import ChangeContext
from release_gate.pysource import PythonSourceError, parse_python
from release_gate.rules import pyscope
from release_gate.rules.base import Locate, Rule
from release_gate.rules.pyscope import PythonScope
from release_gate.verdict import Finding

DEFAULT_SCOPE = ("backend_v2/api/**",)
RCA = "RCA 2026-05-25 factor 1"
ALLOW = "release-gate: allow-process-local-state"
_ALLOW_RE = re.compile(r"#\s*release-gate:\s*allow-process-local-state(?:[:\s]\s*(?P<reason>.*))?$")

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


def source_lines(data: bytes | str) -> list[str] | None:
    """The file's lines as Python numbers them (its declared encoding; \\n, \\r\\n, \\r)."""
    if isinstance(data, bytes):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            data = data.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError):
            return None
    return re.split(r"\r\n|\r|\n", data)


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


# --- the rule --------------------------------------------------------------------------------


def allow_reason(lines: list[str], container: Container) -> str | None:
    """The reason given by an allow comment on the definition, "" for a bare allow, else None."""
    for number in range(container.line, min(container.end_line, len(lines)) + 1):
        match = _ALLOW_RE.search(lines[number - 1])
        if match:
            reason = (match.group("reason") or "").strip(" \t:-—")
            return reason if re.search(r"\w", reason) else ""
    return None


def _load(path: str, data: bytes | None) -> StateReport | None:
    if data is None:
        return None
    try:
        return scan_state(parse_python(path, data), source_lines(data))
    except PythonSourceError:
        return None


def _where(mutations: list[Mutation]) -> str:
    shown = [f"{m.function}() at line {m.line} ({m.how})" for m in mutations[:3]]
    more = f" and {len(mutations) - 3} more" if len(mutations) > 3 else ""
    return ", ".join(shown) + more


@dataclass(frozen=True)
class ProcessLocalStateCheck:
    KIND: ClassVar[str] = "process-local-state"
    DESCRIPTION: ClassVar[str] = (
        "Blocks new module-level mutable containers that functions mutate (per-process state)."
    )
    SCHEMA: ClassVar[Mapping[str, Any]] = pyscope.schema(
        "Server code to check (default "
        f"{list(DEFAULT_SCOPE)}); only .py files are read."
    )

    files: PythonScope

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> ProcessLocalStateCheck:
        return cls(PythonScope.from_config(raw, DEFAULT_SCOPE))

    def covers(self, path: str) -> bool:
        return self.files.covers(path)

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        findings: list[Finding] = []
        for change in ctx.changes.files:
            if change.status is FileStatus.DELETED or not self.covers(change.path):
                continue
            findings.extend(self._check_file(rule, ctx, change))
        return findings

    def _check_file(self, rule: Rule, ctx: ChangeContext, change: FileChange) -> list[Finding]:
        path = change.path
        data = ctx.read_head(path)
        if data is None:
            # None means "not in the head tree" (context.py); only a change whose content the
            # adapter could not get is a failure to read (fail closed, DESIGN.md §1).
            if change.content_known:
                return []
            return [rule.finding(path, None, f"{path} could not be read at the head, so it "
                                             f"cannot be checked for process-local state; "
                                             f"treated as failing (fail closed; {RCA}).")]
        lines = source_lines(data) or []
        try:
            head = scan_state(parse_python(path, data), lines or None)
        except PythonSourceError as error:
            return [rule.finding(path, error.line,
                                 f"{path} {error.reason}: it cannot be checked for process-local "
                                 f"state, so this blocks (fail closed; {RCA}).")]
        mutated = head.mutated()
        if not mutated:
            return []
        base: StateReport | None = None
        if change.status is not FileStatus.ADDED:
            # A base that cannot be read or parsed counts as empty: all head state is new.
            base = _load(change.old_path or path, ctx.read_base(change.old_path or path))
        base_counts = Counter(m.signature for m in base.mutations) if base else Counter()
        base_containers = base.containers if base else {}
        findings = []
        for name, mutations in mutated.items():
            container = head.containers[name]
            new_container = name not in base_containers
            head_counts = Counter(m.signature for m in mutations)
            new_mutations = [m for m in mutations
                             if head_counts[m.signature] > base_counts[m.signature]]
            if not new_container and not new_mutations:
                continue
            reason = allow_reason(lines, container)
            if reason:
                continue
            line = container.line if new_container else new_mutations[0].line
            findings.append(rule.finding(path, line, self._message(
                container, mutations, new_container, bare_allow=reason == "")))
        return findings

    @staticmethod
    def _message(container: Container, mutations: list[Mutation], new_container: bool,
                 *, bare_allow: bool) -> str:
        what = "new module-level" if new_container else "module-level"
        text = (f"`{container.name}` is a {what} {container.kind} (line {container.line}) "
                f"mutated by {_where(mutations)}: under gunicorn --preload each worker process "
                f"has its own copy, so what one request stores is missing in the process that "
                f"serves the next ({RCA}: the `_challenge_store` miss). Keep shared state in "
                f"Redis or Postgres")
        if bare_allow:
            return (f"{text}. The `# {ALLOW}` comment on line {container.line} gives no reason, "
                    f"so it does not lift this: write `# {ALLOW} <why one copy per process is "
                    f"safe>`.")
        return (f"{text}, or, if one copy per process is really intended, say why on line "
                f"{container.line}: `# {ALLOW} <reason>`.")
