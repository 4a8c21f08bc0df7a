"""One model of rules.yaml: the embedded default is the shipped file, `Config` carries the
production it names, and the schema's pieces are declared once (docs/architecture.md)."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from release_gate.core import config, production
from release_gate.core.production import CONTAINS, EQUAL, Production, ProductionSettings
from release_gate.core.smoke_config.settings import parse as parse_smoke

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "release_gate"


def test_the_embedded_default_is_byte_identical_to_the_shipped_rules_yaml() -> None:
    # A rule changed in one copy and not the other would judge PRs by two policies: the
    # repository's (policy.from_base) and the fallback's (config.load_default). In the
    # repository the embedded file is a symlink to rules.yaml (a wheel carries its bytes); this
    # fails if it ever becomes a copy that drifts.
    embedded = resources.files("release_gate").joinpath("data", config.DEFAULT_RULES_NAME)
    assert embedded.read_bytes() == (ROOT / "rules.yaml").read_bytes(), (
        "release_gate/data/rules.yaml differs from rules.yaml: copy rules.yaml over it")


def test_config_carries_the_production_the_file_names() -> None:
    text = ("version: 1\nrules: []\nsmoke:\n  prod_url: https://api.example.test/\n"
            "  heroku_app: example-prod\n  production:\n    head: contains\n"
            "    sensitive_config: [SESSION_SECRET]\n")
    loaded = config.load_text(text, "rules.yaml")
    assert loaded.production == Production(
        "example-prod", "https://api.example.test",
        ProductionSettings(head=CONTAINS, sensitive_config=("SESSION_SECRET",)))
    assert config.load_text("version: 1\nrules: []\n", "r").production == Production(
        production.DEFAULT_APP, production.DEFAULT_API_URL)
    assert config.load_default().production.app == "raxx-api-prod"


@given(url=st.sampled_from(["https://a.test", "https://b.test/", "http://127.0.0.1:8123"]),
       app=st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True),
       head=st.sampled_from([EQUAL, CONTAINS]), with_section=st.booleans())
def test_the_gate_and_the_smoke_read_the_same_production(url: str, app: str, head: str,
                                                         with_section: bool) -> None:
    smoke = (f"smoke:\n  prod_url: {url}\n  heroku_app: {app}\n  production:\n"
             f"    head: {head}\n") if with_section else ""
    loaded = config.load_text(f"version: 1\nrules: []\n{smoke}", "rules.yaml")
    settings = parse_smoke(loaded.smoke)
    assert loaded.production == Production(settings.heroku_app, settings.prod_url,
                                           settings.production)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_gate_learns_production_from_config_not_from_the_smoke_settings() -> None:
    gate = ["usecases/pr_gate.py", "usecases/config_watch.py", "core/evidence.py",
            "core/config.py", "core/policy.py", "commands/pr.py"]
    settings = "release_gate.core.smoke_config.settings"
    for module in gate:
        imported = _imports(PACKAGE / module)
        assert not any(i == settings or i.startswith(settings + ".") for i in imported), (
            f"{module} imports the smoke's settings")


def test_the_schema_pieces_are_declared_once() -> None:
    # A closed object or a non-empty string declared in each section drifts apart; they come
    # from core/schema_parts.py.
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        if path.name == "schema_parts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                returns = [n for n in ast.walk(node) if isinstance(n, ast.Dict)
                           and any(isinstance(k, ast.Constant) and k.value ==
                                   "additionalProperties" for k in n.keys)]
                assert not (returns and "properties" in ast.unparse(node.args)), (
                    f"{path.relative_to(ROOT)}: {node.name} builds a closed object; use "
                    "schema_parts.closed_object")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                text = ast.unparse(node.value)
                assert text not in ("{'type': 'string', 'minLength': 1}",
                                    "{'type': ['string', 'null'], 'minLength': 1}"), (
                    f"{path.relative_to(ROOT)} line {node.lineno}: use schema_parts.STR/OPT_STR")
