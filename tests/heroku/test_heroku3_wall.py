"""heroku3 is reached through release_gate/heroku/api.py only (docs/heroku.md): its quirks
(hard-coded base URL, no failure on a bad key, printed pagination warnings, a pinned CA in
its rendezvous) are handled in one place."""

from __future__ import annotations

from tests.test_walls import PACKAGE_DIR, imports_of, read_package


def heroku3_importers(modules: dict[str, tuple[str, bool]]) -> set[str]:
    return {name for name, (source, is_package) in modules.items()
            for found in imports_of(name, source, is_package=is_package, known=modules)
            if found.imported == "heroku3" or found.imported.startswith("heroku3.")}


def test_only_the_api_module_imports_heroku3() -> None:
    assert heroku3_importers(read_package(PACKAGE_DIR)) == {"release_gate.heroku.api"}


def test_the_check_sees_a_made_up_breach() -> None:
    modules = {"release_gate.smoke.sneaky": ("from heroku3.api import Heroku\n", False),
               "release_gate.heroku.api": ("import heroku3.api\n", False)}
    assert heroku3_importers(modules) == {"release_gate.smoke.sneaky", "release_gate.heroku.api"}
