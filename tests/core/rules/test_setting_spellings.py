"""The shipped content rules catch the ways a FastAPI/Heroku team really writes the settings the
runbook and the RCA name (docs/rules.md, `sensitive-config`, `sensitive-settings-fields`,
`process-model-*`).

Generated: each sensitive variable in any letter case and in each place it is set (.env, shell,
app.json, YAML, pydantic-settings fields, aliases, `env_prefix` + field), and each way gunicorn's
worker count and preloading are written (`-w 8`, `-w8`, `--workers=8`, `workers = 8` in
gunicorn.conf.py, `WEB_CONCURRENCY`, `GUNICORN_CMD_ARGS`, heroku.yml `run:`). Each PR is a real
git branch judged by `check` with the shipped rules.yaml: never CLEAR.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.rules.gate_repo import GateRepo, assert_not_clear

GENERATED = settings(max_examples=30, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])
CONFIG_RULES = ("sensitive-config", "sensitive-settings-fields")
PROCESS_RULES = ("process-model-files", "process-model-flags")

VARIABLES = ["BOOTSTRAP_TOKEN_SIGNING_KEY", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN", "REDIS_URL",
             "REDIS_TLS_URL"]
# (prefix, field) pairs that pydantic-settings joins into a sensitive variable name.
PREFIXED = [("WEBAUTHN_", "origin"), ("WEBAUTHN_", "rp_id"), ("REDIS_", "url"),
            ("REDIS_", "tls_url"), ("BOOTSTRAP_", "token_signing_key"),
            ("BOOTSTRAP_TOKEN_", "signing_key")]
# Where a variable is set: (path, text with {name} and {value}).
PLACES = [
    (".env", "{name}={value}\n"),
    (".env.production", "export {name}='{value}'\n"),
    ("app.json", '{{\n  "env": {{\n    "{name}": {{"value": "{value}"}}\n  }}\n}}\n'),
    ("deploy/heroku.yaml", "config:\n  {name}: {value}\n"),
    ("backend_v2/config.py", "from pydantic_settings import BaseSettings\n\n\n"
                             "class Settings(BaseSettings):\n    {name}: str = \"{value}\"\n"),
    ("backend_v2/api/settings.py", "from pydantic import Field\n\n\nclass S:\n"
                                   "    target: str = Field(\"{value}\", alias=\"{name}\")\n"),
    ("scripts/release.sh", "heroku config:set {name}={value} --app raxx-api-prod\n"),
    ("backend_v2/api/deps.py", "import os\n\nVALUE = os.getenv(\"{name}\", \"{value}\")\n"),
]


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GateRepo]:
    yield GateRepo(tmp_path_factory.mktemp("spellings") / "backend")


def _any_case(name: str, flips: list[bool]) -> str:
    return "".join(c.lower() if flip else c for c, flip in zip(name, flips + [False] * len(name),
                                                                strict=False))


@pytest.mark.parametrize(("path", "text", "rule"), [
    ("backend_v2/config.py", "class Settings(BaseSettings):\n"
                             "    webauthn_origin: str = \"https://evil.example\"\n",
     "sensitive-config"),
    ("backend_v2/config.py", "class Settings(BaseSettings):\n    redis_url: RedisDsn\n",
     "sensitive-config"),
    ("backend_v2/config.py", "class WebAuthn(BaseSettings):\n"
                             "    model_config = SettingsConfigDict(env_prefix=\"WEBAUTHN_\")\n"
                             "    origin: str = \"https://evil.example\"\n", "sensitive-config"),
    ("Procfile", "web: gunicorn backend_v2.api.main:app -w 8\n", "process-model-flags"),
    ("bin/start", "exec gunicorn app:app -w 8\n", "process-model-flags"),
    ("bin/start", "exec gunicorn app:app --workers=8\n", "process-model-flags"),
    ("config/gunicorn_prod.py", "workers = 8\n", "process-model-flags"),
    ("gunicorn.conf.py", "workers = 8\npreload_app = True\n", "process-model-files"),
    ("app.json", '{"env": {"WEB_CONCURRENCY": "8"}}\n', "process-model-flags"),
    ("heroku.yml", "build:\n  docker:\n    web: Dockerfile\nrun:\n  web: python -m server\n",
     "process-model-files"),
])
def test_the_listed_spellings(gate: GateRepo, path: str, text: str, rule: str) -> None:
    assert_not_clear(gate.judge({path: text}), rule)


def test_a_field_added_under_an_unchanged_env_prefix(gate: GateRepo) -> None:
    """The prefix line is at the base; the PR adds only the field."""
    base = ("from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
            "class WebAuthn(BaseSettings):\n"
            "    model_config = SettingsConfigDict(env_prefix=\"WEBAUTHN_\")\n"
            "    timeout: int = 60\n")
    report = gate.judge({"backend_v2/config.py": base + "    origin: str = \"https://e.x\"\n"},
                        base={"backend_v2/config.py": base})
    assert_not_clear(report, "sensitive-settings-fields")


@GENERATED
@given(name=st.sampled_from(VARIABLES), flips=st.lists(st.booleans(), max_size=30),
       place=st.sampled_from(PLACES), removed=st.booleans())
def test_a_sensitive_variable_in_any_case_and_place(gate: GateRepo, name: str, flips: list[bool],
                                                    place: tuple[str, str],
                                                    removed: bool) -> None:
    path, template = place
    text = template.format(name=_any_case(name, flips), value="https://evil.example")
    # Removing the setting is a change too.
    report = gate.judge({path: None}, base={path: text}) if removed else gate.judge({path: text})
    assert_not_clear(report, *CONFIG_RULES)


@GENERATED
@given(pair=st.sampled_from(PREFIXED), flips=st.lists(st.booleans(), max_size=20),
       annotation=st.sampled_from(["str", "AnyHttpUrl", "RedisDsn | None", "SecretStr",
                                   "Annotated[str, Field(min_length=1)]"]),
       default=st.sampled_from(["", ' = "https://evil.example"', " = None",
                                ' = Field(default="x")']),
       indent=st.sampled_from(["    ", "\t", "        "]),
       prefix_in_pr=st.booleans())
def test_a_field_under_an_env_prefix(gate: GateRepo, pair: tuple[str, str], flips: list[bool],
                                     annotation: str, default: str, indent: str,
                                     prefix_in_pr: bool) -> None:
    prefix, field = pair
    head = (f"class Settings(BaseSettings):\n"
            f"{indent}model_config = SettingsConfigDict(env_prefix=\"{prefix}\")\n")
    name = _any_case(field.upper(), [not flip for flip in flips])  # any case, lower by default
    line = f"{indent}{name}: {annotation}{default}\n"
    path = "backend_v2/core/settings.py"
    if prefix_in_pr:
        report = gate.judge({path: head + line})
    else:
        report = gate.judge({path: head + line}, base={path: head})
    assert_not_clear(report, *CONFIG_RULES)


WORKER_FLAGS = ["-w {n}", "-w{n}", "--workers {n}", "--workers={n}", "-w $WEB_CONCURRENCY",
                "--preload", "--workers=${{WEB_CONCURRENCY:-{n}}}"]
COMMAND_PLACES = [
    ("Procfile", "web: gunicorn backend_v2.api.main:app -k uvicorn.workers.UvicornWorker {flag}\n"),
    ("heroku.yml", "run:\n  web: gunicorn app:app {flag}\n"),
    ("bin/web", "#!/bin/sh\nexec gunicorn app:app {flag} --bind 0.0.0.0:$PORT\n"),
    ("Dockerfile", 'CMD ["sh", "-c", "gunicorn app:app {flag}"]\n'),
    ("app.json", '{{"scripts": {{"web": "gunicorn app:app {flag}"}}}}\n'),
    (".github/workflows/deploy.yml", "      - run: gunicorn app:app {flag} --check-config\n"),
]
CONFIG_SETTINGS = ["workers = {n}", "workers={n}", "preload_app = True",
                   "workers = int(os.environ.get('WEB_CONCURRENCY', {n}))",
                   "bind = '0.0.0.0'\nworkers = {n}"]
CONFIG_FILES = ["gunicorn.conf.py", "config/gunicorn.conf.py", "deploy/gunicorn_config.py",
                "backend_v2/gunicorn_settings.py", "etc/server.py"]


@GENERATED
@given(flag=st.sampled_from(WORKER_FLAGS), place=st.sampled_from(COMMAND_PLACES),
       n=st.integers(1, 64))
def test_a_worker_count_or_preload_in_a_command(gate: GateRepo, flag: str,
                                                place: tuple[str, str], n: int) -> None:
    path, template = place
    text = template.format(flag=flag.format(n=n))
    assert_not_clear(gate.judge({path: text}), *PROCESS_RULES)


@GENERATED
@given(setting=st.sampled_from(CONFIG_SETTINGS), path=st.sampled_from(CONFIG_FILES),
       n=st.integers(1, 64), env=st.sampled_from(["WEB_CONCURRENCY", "web_concurrency",
                                                  "GUNICORN_CMD_ARGS"]))
def test_a_worker_count_in_a_config_file_or_variable(gate: GateRepo, setting: str, path: str,
                                                     n: int, env: str) -> None:
    assert_not_clear(gate.judge({path: setting.format(n=n) + "\n"}), *PROCESS_RULES)
    assert_not_clear(gate.judge({".env": f"{env}={n}\n"}), *PROCESS_RULES)
