"""Routes of a set of files, for the tests: the pairing rule (core/rules/pairing.py) loads and
resolves modules itself, so only the tests need this one-call form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from release_gate.core.pyast.routes import ModuleRoutes, Route, load_module, resolve_routes
from release_gate.core.pyast.source import PythonSourceError


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
