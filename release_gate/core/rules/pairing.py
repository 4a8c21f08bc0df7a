"""`route-pairing`: a `.../begin[-x]` route never ships without its `.../verify[-x]` twin.

RCA 2026-05-25, contributing factor 2: PR #2725 shipped `begin-with-token` without
`verify-with-token`; the frontend fell back to the old verify endpoint and every debugging session
after that started from a corrupted state. "Begin and verify ship in one PR" (action item 4).

The invariant is checked on the head tree, within `scope`: every route whose last path segment is
`begin` or `begin-<suffix>` has a route `verify` / `verify-<suffix>` under the same full prefix, in
any file, any method. Path parameters match by position (`{id}` pairs with `{user_id}`).

Which orphans are this PR's (and so block it):
- an orphaned begin route in a file the PR touched (added, modified, renamed), even if it was
  already orphaned before: whoever edits that file ships it, so the pair is fixed there;
- an orphan that did not exist at the base: the begin is new, its twin was removed or renamed,
  or a prefix changed (e.g. in the file with `include_router`) so the pair no longer lines up.
An orphan that exists at the base in a file this PR does not touch is NOT reported: blocking
every unrelated PR on old debt would make the team turn the gate off. It is reported as soon
as a PR touches its file.

Cost: the files the PR touches are parsed in full at the head (and at the base when their base
bytes mention routes at all, `_HINTS`); the rest of the head tree in scope is read once and
parsed only when its bytes mention routes, and those unchanged files stand in for the base
side. A file in scope that does not parse at the head (touched or not), or is larger than
`max_python_bytes`, is a finding (fail closed): it may declare the begin route or its twin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from release_gate.core.changes import FileChange, FileStatus
from release_gate.core.context import ChangeContext
from release_gate.core.pyast.source import PythonSourceError, parse_python
from release_gate.core.rules import pyscope
from release_gate.core.rules.base import Rule
from release_gate.core.rules.pyscope import PythonRule
from release_gate.core.verdict import Finding

if TYPE_CHECKING:  # the analyser itself is imported when a file in scope changed (below)
    from release_gate.core.pyast.routes import ModuleRoutes, Route

DEFAULT_SCOPE = ("backend_v2/api/**/*.py",)
RCA = "RCA 2026-05-25 factor 2: begin and verify ship in one PR"
# A file that mentions none of these declares no route, router or prefix: not parsed.
_HINTS = (b"begin", b"verify", b"route", b"Route", b"Blueprint", b"blueprint", b"prefix")
_PARAM = re.compile(r"\{(?!\?)[^{}]*\}|<[^<>]*>")  # FastAPI `{id}`, Flask `<int:id>`


def pair_key(path: str) -> str:
    """Path as compared for pairing: no trailing slash, parameters by position only."""
    path = _PARAM.sub("{}", path)
    return path.rstrip("/") or "/"


def twin_path(path: str) -> str | None:
    """`/a/begin` -> `/a/verify`, `/a/begin-x` -> `/a/verify-x`; None for any other route."""
    stripped = path.rstrip("/")
    prefix, _, last = stripped.rpartition("/")
    if last == "begin":
        return f"{prefix}/verify"
    if last.startswith("begin-"):
        return f"{prefix}/verify-{last[len('begin-'):]}"
    return None


def _opaque_pairing_word(path: str) -> bool:
    """The last segment is not literal and its expression names begin or verify."""
    last = path.rstrip("/").rpartition("/")[2]
    return "{?" in last and ("begin" in last.lower() or "verify" in last.lower())


def _mentions_routes(data: bytes) -> bool:
    return any(hint in data for hint in _HINTS)


def _methods(route: Route) -> str:
    return ",".join(route.methods)


def orphans(routes: Iterable[Route]) -> list[tuple[Route, str]]:
    """(begin route, missing twin path) for every begin route whose twin is absent.

    Every begin route counts (a conditional one may be served); a twin counts only when the
    analyser can show it is served by the same app: registered whenever its module is imported
    (`RawRoute.certain`: not under an `if`, in a function, ...) on a router mounted in the same
    app object as the begin route (`Route.roots`): a twin on a router never included, or on a
    separate stub `FastAPI()`, is no twin.
    """
    routes = list(routes)
    served: dict[str, list[frozenset[tuple[str, str]]]] = {}
    for r in routes:
        if r.certain:
            served.setdefault(pair_key(r.path), []).append(r.roots)
    out = []
    for route in routes:
        twin = twin_path(route.path)
        if twin is not None and not any(route.roots & roots
                                        for roots in served.get(pair_key(twin), ())):
            out.append((route, twin))
    return out


def unresolved_begins(module: ModuleRoutes, routes: Iterable[Route]) -> list[tuple[int, str]]:
    """Strings of the module that read as a begin path (`"/register/begin-x"`) that no certain
    route of the module accounts for: registered through an alias, in call form, from a
    subscript or `*args`, under a condition or in a function. (line, text) of each."""
    accounted = [r.path.rstrip("/") for r in routes if r.file == module.file and r.certain]
    out = []
    for line, text in module.begin_literals:
        literal = text.rstrip("/")
        if not any(path.endswith(literal) for path in accounted):
            out.append((line, text))
    return out


@dataclass
class _Side:
    modules: dict[str, ModuleRoutes]
    complete: bool = True


@dataclass(frozen=True)
class RoutePairingCheck(PythonRule):
    KIND: ClassVar[str] = "route-pairing"
    DESCRIPTION: ClassVar[str] = (
        "Blocks a change that leaves a .../begin[-x] route without its .../verify[-x] twin."
    )
    SCHEMA: ClassVar[Mapping[str, Any]] = pyscope.schema(
        "Python files holding routes and routers "
        f"(default {list(DEFAULT_SCOPE)})."
    )
    DEFAULT_SCOPE: ClassVar[tuple[str, ...]] = DEFAULT_SCOPE
    CANNOT_CHECK: ClassVar[str] = "its routes cannot be checked for begin/verify pairing"
    RCA: ClassVar[str] = RCA

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        touched_head: dict[str, FileChange] = {}
        touched_base: set[str] = set()
        for change in ctx.changes.files:
            if change.status is not FileStatus.DELETED and self.covers(change.path):
                touched_head[change.path] = change
            base_path = change.old_path or change.path
            if change.status is not FileStatus.ADDED and self.covers(base_path):
                touched_base.add(base_path)
        if not touched_head and not touched_base:
            return []  # no orphan can be this PR's doing: the tree is not even read
        head_data = ctx.read_heads(sorted(touched_head))
        base_data = ctx.read_bases(sorted(touched_base))
        # When no touched file mentions routes on either side, the PR cannot have added,
        # removed or re-prefixed a route: the rest of the tree is not read (on the GitHub API
        # every file read is a request). An unreadable base might have: read the tree.
        scan_tree = (any(d is not None and _mentions_routes(d) for d in head_data.values())
                     or any(d is None or _mentions_routes(d) for d in base_data.values()))
        findings: list[Finding] = []
        head, unparsable = self._head_side(rule, ctx, touched_head, head_data, findings,
                                           scan_tree=scan_tree)
        if not scan_tree:
            return findings  # only the touched files' own parse failures, if any
        # Deferred: `check` (bench/startup.py, bench/check_large.py) should not pay for the
        # analyser when no file in scope mentions routes.
        from release_gate.core.pyast.routes import resolve_routes

        base = self._base_side(head, touched_head, base_data)
        head_routes = resolve_routes(list(head.modules.values()))
        base_routes = resolve_routes(list(base.modules.values()))
        old_orphans = {pair_key(r.path) for r, _ in orphans(base_routes)}
        for route, twin in orphans(head_routes):
            responsible = (route.file in touched_head or not base.complete
                           or pair_key(route.path) not in old_orphans)
            if responsible:
                findings.append(rule.finding(route.file, route.line,
                                             self._message(route, twin, base_routes,
                                                           unparsable, head_routes)))
        for path in sorted(touched_head):
            module = head.modules.get(path)
            if module is None:
                continue
            for line, text in unresolved_begins(module, head_routes):
                findings.append(rule.finding(
                    path, line,
                    f"{text!r} reads as a begin route's path, but the analyser could not resolve "
                    f"where it is registered (an alias of router.post, a call form, a path "
                    f"from a subscript or *args, a name rebound in a block, a conditional or "
                    f"function-level registration), so its verify twin cannot be checked; "
                    f"register it as `@router.post({text!r})` at module level ({RCA})."))
        for route in head_routes:
            if route.file in touched_head and _opaque_pairing_word(route.path):
                findings.append(rule.finding(
                    route.file, route.line,
                    f"{_methods(route)} {route.path} ({route.function or 'route'}): "
                    f"{route.reason or 'the path is not a literal'}, so its begin/verify twin "
                    f"cannot be checked; write the path as a literal ({RCA})."))
        return findings

    def _head_side(self, rule: Rule, ctx: ChangeContext, touched: Mapping[str, FileChange],
                   touched_data: Mapping[str, bytes | None], findings: list[Finding], *,
                   scan_tree: bool) -> tuple[_Side, list[str]]:
        side = _Side({})
        unparsable: list[str] = []
        every = dict(touched_data)
        if scan_tree:
            every.update(ctx.read_heads(
                [p for p in ctx.head_paths() if self.covers(p) and p not in touched_data]))
        for path, data in every.items():
            if data is None:
                # None means "not in the head tree" (context.py); only a change whose content
                # the adapter could not get is a failure to read (fail closed, docs/design.md).
                if path in touched and not touched[path].content_known:
                    findings.append(self.unreadable(rule, path))
                continue
            if path not in touched and not _mentions_routes(data):
                continue
            if self.too_big(data):
                findings.append(self.oversized(rule, path, len(data)))
                continue
            try:
                if scan_tree:
                    from release_gate.core.pyast.routes import load_module

                    side.modules[path] = load_module(path, data)
                else:  # only its parse failure counts (evaluate); the routes are not read
                    parse_python(path, data)
            except PythonSourceError as error:
                # Touched or not: a file in scope that does not parse may declare the begin
                # route or its twin, so the pairing is unknown (fail closed).
                findings.append(self.unparsable(rule, path, error))
                unparsable.append(path)
        return side, unparsable

    def _base_side(self, head: _Side, touched_head: Mapping[str, FileChange],
                   base_data: Mapping[str, bytes | None]) -> _Side:
        from release_gate.core.pyast.routes import load_module

        # Files the PR did not touch are the same at the base: their head parse stands in.
        side = _Side({p: m for p, m in head.modules.items() if p not in touched_head})
        for path, data in base_data.items():
            if data is None:
                side.complete = False
                continue
            if not _mentions_routes(data):
                continue  # it declared no route at the base, parseable or not
            if self.too_big(data):
                side.complete = False
                continue
            try:
                side.modules[path] = load_module(path, data)
            except PythonSourceError:
                # Unknown base: every head orphan counts as this PR's (fail closed).
                side.complete = False
        return side

    @staticmethod
    def _message(route: Route, twin: str, base_routes: Iterable[Route],
                 unparsable: list[str], head_routes: Iterable[Route] = ()) -> str:
        text = f"{_methods(route)} {route.path} has no {twin} in this PR's head"
        removed = next((r for r in base_routes if pair_key(r.path) == pair_key(twin)), None)
        if removed is not None:
            text += (f"; this PR removed or renamed it (at the base: {removed.file} "
                     f"line {removed.line})")
        present = next((r for r in head_routes if pair_key(r.path) == pair_key(twin)), None)
        if present is not None:
            text += (f"; {twin} at {present.file} line {present.line} does not count: the "
                     f"analyser cannot show it is served by the same app (it is registered "
                     f"under a condition or in a function, or on a router or app that is not "
                     f"mounted where the begin route is)")
        if not route.known and route.reason:
            text += f"; note: {route.reason}"
        if unparsable:
            shown = ", ".join(unparsable[:3]) + (" ..." if len(unparsable) > 3 else "")
            text += f"; could not parse {shown}, which may define it"
        return f"{text} ({RCA})."
