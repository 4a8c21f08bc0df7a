"""The package's walls, read from its imports with `ast` (docs/design.md, "The walls").

- the core (rules, verdict, evidence, rendering, Python-source analysis, ...) imports no adapter:
  no subprocess, network, GitHub, Heroku, SQL, Redis or server library, and none of our adapters;
- the smoke and the sandbox import nothing of each other: a tester must not share code with its
  target, or their bugs cancel out;
- only cli.py imports `release_gate.commands` (the commands are the CLI's, nothing builds on them);
- no two modules import each other, directly or around a longer circle.

Each wall is also checked against a made-up breach, so a checker that sees nothing fails.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "release_gate"

CORE = (
    "release_gate.changes", "release_gate.config", "release_gate.context",
    "release_gate.engine", "release_gate.evidence", "release_gate.policy",
    "release_gate.verdict", "release_gate.yamlnodes", "release_gate.production",
    "release_gate.deployment", "release_gate.config_drift",
    "release_gate.rules", "release_gate.render", "release_gate.pyast",
    # The schema and parser of rules.yaml's `smoke:` section: config.py composes its schema.
    "release_gate.smoke.schema", "release_gate.smoke.settings",
    "release_gate.smoke.heroku_settings",
)
# Third-party and standard-library modules that do I/O the core must leave to adapters.
CORE_FORBIDDEN_LIBRARIES = frozenset({
    "subprocess", "socket", "httpx", "requests", "github", "heroku3", "psycopg", "sqlite3",
    "redis", "uvicorn",
})
# Our own adapters and compositions, which the core must not reach either.
CORE_FORBIDDEN_OURS = (
    "release_gate.git", "release_gate.github", "release_gate.heroku", "release_gate.smoke",
    "release_gate.sandbox", "release_gate.commands", "release_gate.cli", "release_gate.pr_gate",
    "release_gate.smoke_gate",
)


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


def core_breaches(imports: Iterable[Import]) -> list[str]:
    return [f"{i.importer} line {i.line} imports {i.imported}" for i in imports
            if within(i.importer, CORE)
            and (i.imported.split(".")[0] in CORE_FORBIDDEN_LIBRARIES
                 or (within(i.imported, CORE_FORBIDDEN_OURS) and not within(i.imported, CORE)))]


def smoke_sandbox_breaches(imports: Iterable[Import]) -> list[str]:
    pairs = (("release_gate.smoke", "release_gate.sandbox"),
             ("release_gate.sandbox", "release_gate.smoke"))
    return [f"{i.importer} line {i.line} imports {i.imported}" for i in imports
            for side, other in pairs
            if within(i.importer, (side,)) and within(i.imported, (other,))]


def commands_breaches(imports: Iterable[Import]) -> list[str]:
    return [f"{i.importer} line {i.line} imports {i.imported}" for i in imports
            if within(i.imported, ("release_gate.commands",))
            and i.importer != "release_gate.cli"
            and not within(i.importer, ("release_gate.commands",))]


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
    assert {"release_gate.cli", "release_gate.verdict", "release_gate.smoke.runner",
            "release_gate.sandbox.app", "release_gate.commands.pr"} <= set(package)
    assert any(i.importer == "release_gate.cli" and i.imported == "release_gate.errors"
               for i in imports)


def test_the_core_imports_no_adapter(imports: list[Import]) -> None:
    breaches = core_breaches(imports)
    assert not breaches, "; ".join(breaches)


def test_the_smoke_and_the_sandbox_share_no_code(imports: list[Import]) -> None:
    breaches = smoke_sandbox_breaches(imports)
    assert not breaches, "; ".join(breaches)


def test_only_the_cli_imports_the_commands(imports: list[Import]) -> None:
    breaches = commands_breaches(imports)
    assert not breaches, "; ".join(breaches)


def test_no_import_circles(imports: list[Import]) -> None:
    circles = cycles(imports)
    assert not circles, "; ".join(" <-> ".join(c) for c in circles)


# --- the checkers see a breach ------------------------------------------------------------------

def _made_up(**modules: str) -> list[Import]:
    package = {name.replace("__", "."): (source, False) for name, source in modules.items()}
    return package_imports(package)


@pytest.mark.parametrize("source", [
    "import subprocess\n",
    "def later():\n    import httpx\n",
    "from github import Github\n",
    "from release_gate.github.client import GitHub\n",
    "from release_gate import smoke_gate\n",
])
def test_a_core_breach_is_seen(source: str) -> None:
    made_up = _made_up(release_gate__rules__path=source, release_gate__smoke_gate="",
                       release_gate__github__client="")
    assert len(core_breaches(made_up)) == 1


def test_a_tester_target_breach_is_seen() -> None:
    made_up = _made_up(release_gate__smoke__steps="from release_gate.sandbox import tokens\n",
                       release_gate__sandbox__tokens="")
    assert smoke_sandbox_breaches(made_up) == [
        "release_gate.smoke.steps line 1 imports release_gate.sandbox.tokens"]


def test_a_commands_breach_is_seen() -> None:
    made_up = _made_up(release_gate__smoke_gate="from release_gate.commands.pr import run\n",
                       release_gate__cli="import release_gate.commands.pr\n",
                       release_gate__commands__pr="")
    assert commands_breaches(made_up) == [
        "release_gate.smoke_gate line 1 imports release_gate.commands.pr"]


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
