"""The package's walls, derived from its folders and read from its imports with `ast`
(docs/architecture.md, "The walls").

Each folder of release_gate/ is a room with a layer: core (pure: no I/O library, nothing of
ours above it), the adapters (git, github, heroku, render, smoke, sandbox), the use cases, the
commands, and the entry points at the root. An import may go down a layer or stay in its room;
it may go sideways only between adapters that ADAPTER_KNOWS allows (never between the smoke and
the sandbox: a tester must not share code with its target). A module in no layer fails, and so
does any circle of imports. Every checker is also shown a breach planted in the real package, so a
checker that sees nothing fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "release_gate"

# The layers, bottom to top: each folder of release_gate/ is one room, and a room's layer is
# its place in docs/architecture.md. A module may import its own room and any lower layer;
# sideways (same layer, another room) only where ADAPTER_KNOWS says so.
CORE, ADAPTERS, USE_CASES, COMMANDS, ENTRY = range(5)
LAYER_OF_ROOM: dict[str, int] = {
    "core": CORE,
    "git": ADAPTERS, "github": ADAPTERS, "heroku": ADAPTERS, "render": ADAPTERS,
    "smoke": ADAPTERS, "sandbox": ADAPTERS,
    "usecases": USE_CASES,
    "commands": COMMANDS,
}
# The package root holds only the entry points and the error types (every layer raises them).
ROOT_MODULES: dict[str, int] = {
    "release_gate": CORE, "release_gate.errors": CORE,
    "release_gate.cli": ENTRY, "release_gate.__main__": ENTRY,
}
# Adapters that may know each other: the PR context reads a local clone; the smoke reaches
# production through the Heroku adapter. The smoke and the sandbox never: a tester must not
# share code with its target, or their bugs cancel out.
ADAPTER_KNOWS: dict[str, frozenset[str]] = {
    "github": frozenset({"git"}),
    "smoke": frozenset({"heroku"}),
}
# Libraries that do I/O: the core leaves them to adapters.
CORE_FORBIDDEN_LIBRARIES = frozenset({
    "subprocess", "socket", "ssl", "http.client", "urllib.request", "multiprocessing",
    "httpx", "requests", "github", "heroku3", "psycopg", "sqlite3", "redis", "uvicorn",
    "fastapi", "starlette", "sqlalchemy",
})


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # dotted module name (a submodule when `from package import submodule`)
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_package(root: Path) -> dict[str, tuple[str, bool]]:
    """module name -> (source, is a package) for every .py file under root."""
    return {module_name(path, root): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
            for path in sorted(root.rglob("*.py"))}


def imports_of(name: str, source: str, *, is_package: bool,
               known: Iterable[str] = ()) -> list[Import]:
    """Every import in the module, deferred ones included (a circle hidden in a function is
    still a circle); `from package import name` is the submodule when `known` has it."""
    modules = set(known)
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Import(name, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(Import(name, candidate if candidate in modules else base,
                                    node.lineno))
    return found


def package_imports(package: Mapping[str, tuple[str, bool]]) -> list[Import]:
    return [imp for name, (source, is_package) in package.items()
            for imp in imports_of(name, source, is_package=is_package, known=package)]


def within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def room_of(module: str) -> str | None:
    """The folder a module lives in (its room), or None for a module at the package root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYER_OF_ROOM) else None


def layer_of(module: str) -> int | None:
    """The module's layer, from its folder; None when it is in no layer."""
    if module in ROOT_MODULES:
        return ROOT_MODULES[module]
    room = room_of(module)
    return LAYER_OF_ROOM.get(room) if room is not None else None


def unplaced_modules(package: Iterable[str]) -> list[str]:
    return sorted(m for m in package if layer_of(m) is None)


def layer_breaches(imports: Iterable[Import]) -> list[str]:
    """Imports that go up a layer, or sideways between adapters that should not know each other."""
    found = []
    for i in imports:
        if not within(i.imported, ("release_gate",)) or within(i.imported, (i.importer,)):
            continue
        low, high = layer_of(i.importer), layer_of(i.imported)
        if low is None or high is None:
            continue  # unplaced_modules reports these
        mine, theirs = room_of(i.importer), room_of(i.imported)
        sideways_ok = (mine == theirs or theirs is None
                       or theirs in ADAPTER_KNOWS.get(mine or "", frozenset()))
        if high > low or (high == low and not sideways_ok):
            found.append(f"{i.importer} line {i.line} imports {i.imported} "
                         f"({'up a layer' if high > low else 'sideways'})")
    return found


def core_io_breaches(imports: Iterable[Import]) -> list[str]:
    return [f"{i.importer} line {i.line} imports {i.imported}" for i in imports
            if layer_of(i.importer) == CORE
            and any(within(i.imported, (lib,)) for lib in CORE_FORBIDDEN_LIBRARIES)]


def cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Every strongly connected group of two or more of our modules (Tarjan), sorted."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.imported.startswith("release_gate") and i.imported != i.importer:
            graph.setdefault(i.importer, set()).add(i.imported)
            graph.setdefault(i.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


@pytest.fixture(scope="module")
def package() -> dict[str, tuple[str, bool]]:
    return read_package(PACKAGE_DIR)


@pytest.fixture(scope="module")
def imports(package: dict[str, tuple[str, bool]]) -> list[Import]:
    return package_imports(package)


def test_the_whole_package_is_read(package: dict[str, tuple[str, bool]],
                                   imports: list[Import]) -> None:
    assert {"release_gate.cli", "release_gate.core.verdict", "release_gate.smoke.runner",
            "release_gate.sandbox.app", "release_gate.commands.pr"} <= set(package)
    assert any(i.importer == "release_gate.cli" and i.imported == "release_gate.errors"
               for i in imports)


def test_every_folder_is_a_layer() -> None:
    folders = {p.name for p in PACKAGE_DIR.iterdir()
               if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(LAYER_OF_ROOM)


def test_every_module_has_a_layer(package: dict[str, tuple[str, bool]]) -> None:
    assert unplaced_modules(package) == []


def test_no_import_goes_up_a_layer_or_sideways(imports: list[Import]) -> None:
    breaches = layer_breaches(imports)
    assert not breaches, "; ".join(breaches)


def test_the_core_does_no_io(imports: list[Import]) -> None:
    breaches = core_io_breaches(imports)
    assert not breaches, "; ".join(breaches)


def test_no_import_circles(imports: list[Import]) -> None:
    circles = cycles(imports)
    assert not circles, "; ".join(" <-> ".join(c) for c in circles)


# --- the checkers see a breach planted in the real package ---------------------------------

Package = dict[str, tuple[str, bool]]


def _planted(package: Package, name: str, source: str) -> Package:
    planted = dict(package)
    old_source = planted.get(name, ("", False))[0]
    planted[name] = (old_source + "\n" + source, False)
    return planted


def test_a_new_root_module_doing_io_is_in_no_layer(package: dict[str, tuple[str, bool]]) -> None:
    planted = _planted(package, "release_gate.notify",
                       "import subprocess\nfrom release_gate.github.client import GitHub\n")
    assert unplaced_modules(planted) == ["release_gate.notify"]


def test_io_in_the_core_is_seen(package: dict[str, tuple[str, bool]]) -> None:
    planted = _planted(package, "release_gate.core.schemacheck", "import subprocess\n")
    assert [b.split(" line ")[0] for b in core_io_breaches(package_imports(planted))] == [
        "release_gate.core.schemacheck"]


@pytest.mark.parametrize(("importer", "source", "kind"), [
    ("release_gate.github.patch", "from release_gate.smoke import steps\n", "sideways"),
    ("release_gate.smoke.steps", "def later():\n    import release_gate.sandbox.tokens\n",
     "sideways"),
    ("release_gate.sandbox.app", "from release_gate.smoke.authenticator import x\n", "sideways"),
    ("release_gate.core.verdict", "from release_gate.render import text\n", "up a layer"),
    ("release_gate.core.rules.path", "from release_gate.git.repo import GitContext\n",
     "up a layer"),
    ("release_gate.heroku.api", "from release_gate.usecases import pr_gate\n", "up a layer"),
    ("release_gate.usecases.pr_gate", "from release_gate.commands import pr\n", "up a layer"),
])
def test_an_upward_or_sideways_import_is_seen(package: dict[str, tuple[str, bool]],
                                             importer: str, source: str, kind: str) -> None:
    breaches = layer_breaches(package_imports(_planted(package, importer, source)))
    assert len(breaches) == 1 and breaches[0].startswith(importer) and kind in breaches[0]


def _made_up(**modules: str) -> list[Import]:
    package = {name.replace("__", "."): (source, False) for name, source in modules.items()}
    return package_imports(package)


def test_a_circle_is_seen_even_when_deferred() -> None:
    made_up = _made_up(
        release_gate__smoke__backends="def build():\n    from release_gate.smoke import sqldb\n",
        release_gate__smoke__sqldb="from release_gate.smoke.backends import BackendError\n",
        release_gate__a="import release_gate.b\n", release_gate__b="import release_gate.c\n",
        release_gate__c="from release_gate import a\n")
    assert cycles(made_up) == [
        ["release_gate.a", "release_gate.b", "release_gate.c"],
        ["release_gate.smoke.backends", "release_gate.smoke.sqldb"],
    ]
