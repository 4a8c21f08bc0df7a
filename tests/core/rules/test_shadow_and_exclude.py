"""What imports under a flagged module's name is flagged; a file glob in `exclude` excuses files
only, never a directory named like a file (docs/security.md, "What a PR author can try").

Generated: every shadowing form of every flagged module, and sensitive content under
directories of any depth named like an excluded file type. Each PR is a real git branch judged
by `check` with the shipped rules.yaml; the verdict is never CLEAR.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.rules.gate_repo import GateRepo, assert_not_clear, rules_of

GENERATED = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])

FLAGGED_MODULES = {
    "backend_v2/api/routes/auth": "auth-routes",
    "backend_v2/api/services/webauthn_service": "webauthn-service",
    "backend_v2/api/services/bootstrap_token_service": "bootstrap-token-service",
}
# Each way Python finds a module `name` in the folder of `name.py` (or instead of it).
SHADOWS = [
    "{m}/__init__.py", "{m}/__init__.pyi", "{m}/core.py", "{m}/sub/__init__.py",
    "{m}/README.md", "{m}.pyi", "{m}.so", "{m}.cpython-312-x86_64-linux-gnu.so",
    "{m}.abi3.so", "{m}.pyd", "{m}.cp312-win_amd64.pyd", "{m}.pyc",
]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateRepo]:
    yield GateRepo(tmp_path_factory.mktemp("shadow") / "backend")


def _shadow_path(module: str, form: str) -> str:
    if form == "__pycache__":
        folder, _, name = module.rpartition("/")
        return f"{folder}/__pycache__/{name}.cpython-312.pyc"
    return form.format(m=module)


@pytest.mark.parametrize("module", sorted(FLAGGED_MODULES))
def test_a_package_replacing_a_flagged_module_needs_the_smoke(gate: GateRepo,
                                                               module: str) -> None:
    report = gate.judge({f"{module}/__init__.py": "from fastapi import APIRouter\n"
                                                  "router = APIRouter()\n"})
    assert_not_clear(report, FLAGGED_MODULES[module])
    (finding,) = [f for f in report["findings"] if f["rule"] == FLAGGED_MODULES[module]]
    assert "shadows the module's .py" in finding["message"]


@GENERATED
@given(module=st.sampled_from(sorted(FLAGGED_MODULES)),
       form=st.sampled_from([*SHADOWS, "__pycache__"]),
       content=st.sampled_from(["", "x = 1\n", b"\x7fELF\x02\x01\x01\x00binary"]))
def test_every_import_shadow_of_a_flagged_module_is_flagged(
        gate: GateRepo, module: str, form: str, content: str | bytes) -> None:
    report = gate.judge({_shadow_path(module, form): content})
    assert_not_clear(report, FLAGGED_MODULES[module])


def test_a_module_named_like_a_flagged_one_elsewhere_is_not_a_shadow(gate: GateRepo) -> None:
    report = gate.judge({"backend_v2/api/routes/authz/__init__.py": "",
                         "backend_v2/other/auth/__init__.py": "",
                         "backend_v2/api/routes/auth_helpers.py": "x = 1\n"})
    assert not rules_of(report) & set(FLAGGED_MODULES.values()), report


# --- exclude: file globs excuse files, not directories ---------------------------------------

EXCLUDED_SUFFIXES = [".png", ".jpg", ".gz", ".woff2", ".zip", ".pdf", ".ico", ".ttf"]
SENSITIVE = [
    ("production.env", "WEBAUTHN_ORIGIN=https://evil.example\n", "sensitive-config"),
    ("app.env", "REDIS_URL=redis://evil\n", "sensitive-config"),
    ("Procfile.sh", "gunicorn app:app --workers 8\n", "process-model-flags"),
    ("start.sh", "exec gunicorn app:app --preload\n", "process-model-flags"),
]
# `docs/**` is excluded on purpose (a directory glob): no generated tree starts there.
segment = st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=8).filter(
    lambda s: s != "docs")


def test_the_listed_examples_are_not_excused(gate: GateRepo) -> None:
    assert_not_clear(gate.judge({"config.gz/production.env":
                                 "WEBAUTHN_ORIGIN=https://evil.example\n"}), "sensitive-config")
    assert_not_clear(gate.judge({"deploy/fonts.woff2/Procfile.sh":
                                 "gunicorn app:app --workers 8\n"}), "process-model-flags")


@GENERATED
@given(before=st.lists(segment, max_size=3), stem=segment,
       suffix=st.sampled_from(EXCLUDED_SUFFIXES), after=st.lists(segment, max_size=2),
       sensitive=st.sampled_from(SENSITIVE), as_rules_yaml=st.booleans())
def test_a_directory_named_like_an_excluded_file_excuses_nothing(
        gate: GateRepo, before: list[str], stem: str, suffix: str, after: list[str],
        sensitive: tuple[str, str, str], as_rules_yaml: bool) -> None:
    name, text, rule = sensitive
    folder = "rules.yaml" if as_rules_yaml else stem + suffix
    before = before or (["deploy"] if as_rules_yaml else [])  # not the repo's own rules.yaml
    path = "/".join([*before, folder, *after, name])
    assert_not_clear(gate.judge({path: text}), rule)


def test_an_excluded_file_itself_is_still_excused(gate: GateRepo) -> None:
    report = gate.judge({"static/logo.png": b"\x89PNG\r\n\x1a\n\x00WEBAUTHN_ORIGIN",
                         "docs/deploy/notes.md": "Set WEBAUTHN_ORIGIN and --workers 2\n"})
    assert report["verdict"] == "clear", report


def test_excluding_a_directory_is_written_as_one(tmp_path: Path) -> None:
    from release_gate.core.rules.globs import PathMatcher
    matcher = PathMatcher.compile(["docs/**", "vendor/", "*.gz"], files_only=True,
                                  on_timeout=False)
    assert [matcher.matches(p) for p in
            ["docs/a/b.env", "x/vendor/y.env", "a.gz", "config.gz/x.env", "a/b.gz/c"]] == \
        [True, True, True, False, False]
