"""`release-gate deploy --pr N`: build the PR head on production, smoke it, roll back on a FAIL.

Real parts end to end: the real PyGithub against the fake GitHub (which serves the head's tarball
behind a codeload token), the real heroku3 against the fake Platform API, whose builds fetch that
tarball over TLS and whose one-off dynos run the built slug (the mint and the SQL of the shipped
rules, dyno mode), the sandbox under a real server on PostgreSQL and Redis as the web dyno.
A "failing head" is a PR whose token service signs with another key: the smoke fails at step 2.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_gate import cli
from release_gate.core.production import from_smoke_section
from release_gate.core.smoke_config.settings import parse
from release_gate.github.client import GitHubEnv, Transport
from release_gate.github.gate import GitHubGate
from release_gate.heroku.api import HerokuApi
from release_gate.smoke import session
from release_gate.smoke.deployed import reader
from release_gate.smoke.signals import SignalGuard
from release_gate.usecases import deploy, smoke_gate
from tests.fakes.github import FakeGitHub
from tests.fakes.heroku import DYNO_APP
from tests.github.conftest import DEFAULT_RULES, FAST
from tests.heroku._prod import APP, Prod, heroku_prod
from tests.smoke._harness import REPO, LineReader, base_env, new_email
from tests.smoke._harness import cli as argv_of

pytestmark = pytest.mark.slow  # deploys and smokes against the fakes and a real server

AUTH = "backend_v2/api/routes/auth.py"
SERVICE = "backend_v2/api/services/bootstrap_token_service.py"
PR = 3


def _app_files() -> dict[str, str | bytes | None]:
    """The team's repository as far as a build and a dyno need: the stand-in app, a
    requirements.txt (what the Python buildpack detects) and rules.yaml."""
    files: dict[str, str | bytes | None] = {
        str(path.relative_to(DYNO_APP)): path.read_bytes()
        for path in DYNO_APP.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    files["requirements.txt"] = "sqlalchemy\n"
    return files


def _broken_service() -> str:
    """The PR's bug: tokens signed with another key (the runbook's wrong-signing-key row)."""
    good = (DYNO_APP / SERVICE).read_text("utf-8")
    return good.replace("env=dict(os.environ))",
                        "env={**os.environ, 'BOOTSTRAP_TOKEN_SIGNING_KEY': 'x' * 48})")


@dataclass
class World:
    github: FakeGitHub
    prod: Prod
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    run_id: int = 0

    def open_pr(self, files: dict[str, str | bytes | None], **pull: Any) -> str:
        base = self.github.branches["main"]
        head = self.github.commit(files, parent=base)
        self.github.open_pull(PR, base=base, head=head)
        for key, value in pull.items():
            setattr(self.github.pulls[PR], key, value)
        return head

    def env(self) -> dict[str, str]:
        bundle = self.tmp / "cas.pem"
        bundle.write_text(Path(self.github.ca_path).read_text()
                          + Path(self.prod.fake.ca_path).read_text())
        self.run_id = self.github.add_run(display_title=f"smoke PR #{PR} on prod")
        return {**self.prod.env(), **self.github.environ(run_id=self.run_id), **FAST,
                "SSL_CERT_FILE": str(bundle), "REQUESTS_CA_BUNDLE": str(bundle)}

    def deploy(self, *args: str) -> tuple[int, str]:
        for key, value in self.env().items():
            self.monkeypatch.setenv(key, value)
        self.monkeypatch.delenv("HEROKU_APP", raising=False)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main(["deploy", "--pr", str(PR), "--rules", str(self.tmp / "rules.yaml"),
                             "--email", new_email(), "--report",
                             str(self.tmp / "report.json"), *args])
        return code, out.getvalue() + err.getvalue()

    def status(self, sha: str, context: str = "release-gate/smoke") -> tuple[str, str]:
        found = self.github.latest_status(sha, context)
        assert found is not None, f"no {context} on {sha}"
        return str(found["state"]), str(found["description"])

    def current(self) -> tuple[int, str, str | None]:
        release = self.prod.fake.current(APP)
        return release.version, release.description, self.prod.fake.slug_commit(APP, release)


@pytest.fixture
def world(postgres_url: str, redis_url: str, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with FakeGitHub() as github, heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.source_trust = github.ca_path
        rules = yaml.safe_load(DEFAULT_RULES)
        rules["smoke"]["prod_url"] = prod.server.base_url
        text = yaml.safe_dump(rules, sort_keys=False)
        (tmp_path / "rules.yaml").write_text(text, "utf-8")
        base = github.commit({**_app_files(), "rules.yaml": text})
        github.set_branch("main", base)
        prod.fake.apps[APP].builds.clear()
        # Production runs the base: v1 (from heroku_prod) stands for its last deploy.
        yield World(github, prod, tmp_path, monkeypatch)


def test_a_good_head_is_built_released_served_smoked_and_passes(world: World) -> None:
    head = world.open_pr({AUTH: "router = 1\n"})
    code, out = world.deploy()
    assert code == 0, out
    build = world.prod.fake.apps[APP].builds[-1]
    assert (build.status, build.version, build.source_commit) == ("succeeded", head, head)
    assert "[build] -----> Python app detected" in out
    assert world.current() == (2, f"Deploy {head[:8]}", head)
    assert "[deploy] 2/2 web dynos on v2, every one up" in out
    assert "SMOKE VERDICT: PASS" in out
    assert world.status(head) == ("success",
                                  f"PASS on {APP} v2 @ {head[:7]}, 2/2 web dynos on v2")
    assert world.status(head, "release-gate")[0] == "success"
    assert "production stays on v2 (the PR head" in out
    report = json.loads((world.tmp / "report.json").read_text("utf-8"))
    assert report["verdict"] == "PASS"
    assert report["deploy"]["release"] == "v2" and report["deploy"]["rollback"] == ""
    assert any("Python app detected" in line for line in report["deploy"]["log_excerpt"])
    tokens = list(world.github.archive_tokens)
    assert tokens and not any(token in out for token in tokens)  # the codeload link's token


def test_restore_after_a_pass_goes_back_and_the_pass_still_counts(world: World) -> None:
    rules = yaml.safe_load((world.tmp / "rules.yaml").read_text("utf-8"))
    rules["smoke"]["deploy"] = {"after_pass": "restore"}
    (world.tmp / "rules.yaml").write_text(yaml.safe_dump(rules), "utf-8")
    head = world.open_pr({AUTH: "router = 1\n"})
    code, out = world.deploy()
    assert code == 0, out
    assert world.status(head) == ("success",
                                  f"PASS on {APP} v2 @ {head[:7]}, 2/2 web dynos on v2")
    assert world.current() == (3, "Rollback to v1", "abc1234" + "0" * 33)
    assert world.status(head, "release-gate")[0] == "success"


def test_a_failing_head_fails_and_production_is_rolled_back(world: World) -> None:
    head = world.open_pr({AUTH: "router = 1\n", SERVICE: _broken_service()})
    code, out = world.deploy()
    assert code == 1, out
    assert "SMOKE VERDICT: FAIL" in out
    state, description = world.status(head)
    assert state == "failure"
    assert description.startswith(f"FAIL on {APP} v2 @ {head[:7]} at step 2")
    assert description.endswith("; rolled back to v1")
    assert world.current() == (3, "Rollback to v1", "abc1234" + "0" * 33)
    assert "[deploy] rolled back: v3 'Rollback to v1' created" in out
    assert world.status(head, "release-gate")[0] == "pending"
    comment = world.github.sticky_comments(PR)[0]["body"]
    assert "rolled back to v1" in comment
    report = json.loads((world.tmp / "report.json").read_text("utf-8"))
    assert report["deploy"]["rollback"] == "rolled back to v1"


def test_a_failed_build_runs_no_smoke_and_needs_no_rollback(world: World) -> None:
    head = world.open_pr({AUTH: "router = 1\n", "requirements.txt": None})
    code, out = world.deploy()
    assert code == 1, out
    assert "[build]  !     No default language could be detected for this app." in out
    assert world.prod.fake.dyno_creations() == 0  # no smoke
    assert world.current()[0] == 1 and len(world.prod.fake.apps[APP].releases) == 1
    assert "production still runs v1: no rollback needed" in out
    assert world.status(head) == (
        "failure", f"FAIL on {APP}: the build of {head[:7]} failed on Heroku (no smoke ran)")
    assert world.status(head, "release-gate")[0] == "pending"


def test_a_failed_release_phase_is_rolled_back_only_if_it_ran(world: World) -> None:
    world.prod.fake.apps[APP].release_phase_fails = True
    head = world.open_pr({AUTH: "router = 1\n"})
    code, out = world.deploy()
    assert code == 1, out
    assert world.status(head)[1].startswith(f"FAIL on {APP}: release v2 failed (its release "
                                            "phase)")
    assert world.current()[0] == 1  # a failed release never became current: nothing to undo
    assert world.prod.fake.dyno_creations() == 0


@pytest.mark.parametrize("case", ["fork", "clear", "blocked", "moved"])
def test_fences_refuse_before_heroku_is_asked_anything(world: World, case: str) -> None:
    args: tuple[str, ...] = ()
    if case == "fork":
        world.open_pr({AUTH: "router = 1\n"}, head_repo="mallory/signup-backend")
        words = "comes from the fork mallory/signup-backend"
    elif case == "clear":
        world.open_pr({"docs/notes.md": "docs only\n"})
        words = "judges .* clear, not needs-smoke"
    elif case == "blocked":
        world.open_pr({"backend_v2/api/store.py": "_challenge_store = {}\n\n\n"
                                                  "def put(key, value):\n"
                                                  "    _challenge_store[key] = value\n"})
        words = "blocked, not needs-smoke"
    else:
        world.open_pr({AUTH: "router = 1\n"})
        args = ("--head", "1234567")
        words = "moved to .* since the dispatch for 1234567"
    before = world.prod.fake.total_requests()
    code, out = world.deploy(*args)
    assert code == 2, out
    assert len([line for line in out.splitlines() if line.strip()]) == 1, out
    assert re.search(words, out), out
    assert world.github.latest_status(world.github.pulls[PR].head, "release-gate/smoke") is None
    assert world.prod.fake.total_requests() == before  # nothing at all reached Heroku


def test_without_allow_prod_nothing_is_built(world: World) -> None:
    world.open_pr({AUTH: "router = 1\n"})
    world.monkeypatch.setattr(world.prod, "env", lambda **extra: {
        k: v for k, v in Prod.env(world.prod).items() if k != "RAXX_SMOKE_ALLOW_PROD"})
    world.monkeypatch.delenv("RAXX_SMOKE_ALLOW_PROD", raising=False)
    code, out = world.deploy()
    assert code == 2 and "RAXX_SMOKE_ALLOW_PROD" in out, out
    assert world.prod.fake.total_requests() == 0


def test_a_release_in_between_is_never_rolled_over(world: World) -> None:
    """Someone changes production's config while the failing head's smoke runs: no rollback."""
    head = world.open_pr({AUTH: "router = 1\n", SERVICE: _broken_service()})
    env = world.env()
    for key, value in env.items():
        world.monkeypatch.setenv(key, value)
    smoke = yaml.safe_load((world.tmp / "rules.yaml").read_text())["smoke"]
    settings = parse(smoke)
    production = from_smoke_section(smoke)
    target = smoke_gate.identify("prod", settings, env)
    api = GitHubGate(GitHubEnv.from_environ(env), Transport.from_environ(env))
    request = session.SmokeRequest(target="prod", email=new_email())
    out = io.StringIO()

    def smoke_then_someone_releases(check: Any) -> Any:
        result = session.smoke(request, settings, env=env, stream=out, signals=False,
                               deploy=check)
        world.prod.fake.set_config(APP, WEBAUTHN_ORIGIN="https://elsewhere.example")
        world.prod.fake.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars",
                                    with_slug=False)
        return result

    try:
        code = deploy.deploy_for_pr(
            number=PR, dispatched=None, api=api, connect=lambda: HerokuApi.from_env(env),
            target=target, production=production, settings=settings,
            run=smoke_then_someone_releases, read=reader(production, env, timeout_s=5),
            guard=SignalGuard(enabled=False),
            out=out)
    finally:
        api.close()
    text = out.getvalue()
    assert code == 1, text
    assert world.current()[:2] == (3, "Set WEBAUTHN_ORIGIN config vars")  # untouched
    assert ("production is on v3 (Set WEBAUTHN_ORIGIN config vars) by operator@example.com, "
            "a release this deploy did not make: production left alone") in text
    state, description = world.status(head)
    assert state == "failure"
    assert description.endswith("; NOT rolled back: another release happened meanwhile")


def _watch(world: World) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["watch-config", "--app", APP, "--since-release", "1", "--no-github",
                         "--rules", str(world.tmp / "rules.yaml")])
    return code, out.getvalue() + err.getvalue()


def test_the_tools_own_rollback_is_no_config_change_and_any_other_still_counts(
        world: World) -> None:
    world.open_pr({AUTH: "router = 1\n", SERVICE: _broken_service()})
    code, out = world.deploy()
    assert code == 1 and world.current()[1] == "Rollback to v1", out
    code, out = _watch(world)
    assert code == 0, out
    assert ("release-gate: v3: release-gate's own rollback; its config vars equal v2's: not a "
            "config change") in out
    # The same rollback, had it restored other config vars, counts, and the report says why.
    rollback = world.prod.fake.release(APP, 3)
    rollback.config = {**rollback.config, "WEBAUTHN_ORIGIN": "https://old.example"}
    code, out = _watch(world)
    assert code == 3, out
    assert "rollback * (release-gate's rollback, and its config vars differ from v2's)" in out
    # A rollback someone else made counts whatever its config.
    rollback.config = dict(world.prod.fake.release(APP, 2).config)
    rollback.user_email = "kris@moosequest.net"
    code, out = _watch(world)
    assert code == 3 and "a rollback not made by release-gate deploy" in out, out


def _signalled(world: World, when: str) -> tuple[int, str]:
    """`release-gate deploy` as a process, sent SIGTERM once its output shows `when`."""
    env = {**base_env(), **world.env(), "PYTHONUNBUFFERED": "1"}
    env.pop("HEROKU_APP", None)
    process = subprocess.Popen(
        argv_of("deploy", "--pr", str(PR), "--rules", str(world.tmp / "rules.yaml"), "--email",
                new_email()), env=env, cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    reader = LineReader(process)
    try:
        reader.until(when, timeout=120)
        process.send_signal(signal.SIGTERM)
        out = reader.rest(timeout=120)
        return process.wait(timeout=60), out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_during_the_smoke_tears_down_and_rolls_back(world: World) -> None:
    head = world.open_pr({AUTH: "router = 1\n"})
    world.monkeypatch.setenv("RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP", "2:60")
    code, out = _signalled(world, "[step 2] OK")
    assert code != 0, out
    assert "interrupted by SIGTERM" in out
    assert "[teardown] OK" in out
    assert "[deploy] rolled back: v3 'Rollback to v1' created" in out
    assert world.current()[:2] == (3, "Rollback to v1")
    state, description = world.status(head)
    assert state == "failure" and description.endswith("; rolled back to v1"), description


def test_sigterm_during_the_build_says_heroku_will_release_it(world: World) -> None:
    world.prod.fake.apps[APP].build_s = 20.0
    head = world.open_pr({AUTH: "router = 1\n"})
    code, out = _signalled(world, "-----> Installing requirements with pip")
    assert code != 0, out
    assert "was still running when the deploy stopped: if it succeeds Heroku releases it; " \
           "then roll back by hand to v1" in out
    state, description = world.status(head)
    assert state == "error"
    assert description.endswith("; NOT rolled back: the build was still running (check "
                                "production)")


def test_a_pending_release_means_another_deploy_is_under_way(world: World) -> None:
    world.open_pr({AUTH: "router = 1\n"})
    world.prod.fake.add_release(APP, description="Deploy 5555555", commit="5" * 40,
                                status="pending")
    code, out = world.deploy()
    assert code == 2, out
    assert "release v2 of raxx-api-prod is still pending (its release phase runs)" in out
    assert world.prod.fake.apps[APP].builds == []
