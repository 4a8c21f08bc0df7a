"""`release-gate smoke --pr N`: a PASS is bound to the PR head AND to production running it.

Real smoke runs (the sandbox under a real server, real PostgreSQL), the real PyGithub against the
fake GitHub and the real heroku3 against the fake Platform API; docs/github.md, "What a PASS
proves".
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_gate import cli
from release_gate.core.deployment import Deployment
from release_gate.core.production import CONTAINS, Production
from release_gate.core.target import Target, TargetKind
from release_gate.errors import SmokeRefused
from release_gate.github.client import GitHub, GitHubEnv, Transport
from release_gate.github.gate import GitHubGate
from release_gate.smoke.result import DeploymentRecord, SmokeResult, SmokeVerdict
from release_gate.usecases import smoke_gate
from tests.fakes.heroku import FakeHeroku
from tests.github.conftest import APP, AUTH, DEFAULT_RULES, Gate
from tests.smoke._harness import SIGNING_KEY, Sandbox, new_email, sandbox, smoke_section

FLAGGED_FILE = {AUTH: "router = 1\n"}
BEGIN_LOGGED = "auth.register_begin_with_token issued"

PRODUCTION = Production(APP, "https://api.raxx.app")


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def _dispatch(gate: Gate, number: int, target: str) -> int:
    """What the smoke workflow's dispatch leaves: a run named by smoke.yml's run-name."""
    run_id = gate.fake.add_run(display_title=f"smoke PR #{number} on {target}")
    gate.run_id = run_id
    for key in ("RAXX_SMOKE_API_URL", "HEROKU_APP", "RAXX_SMOKE_EMAIL",
                "RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"):
        gate.monkeypatch.delenv(key, raising=False)
    for key, value in gate.env().items():
        gate.monkeypatch.setenv(key, value)
    return run_id


def _cli(*argv: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(argv))
    return Outcome(code, out.getvalue(), err.getvalue())


def _rules(path: Path, smoke: dict[str, Any]) -> str:
    """The shipped rules.yaml with another `smoke:` section; written to `path`, returned."""
    data = yaml.safe_load(DEFAULT_RULES)
    data["smoke"] = {**data["smoke"], **smoke}
    text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, "utf-8")
    return text


class _Counting(BaseHTTPRequestHandler):
    hits: list[str]

    def _any(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _any

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def untouchable() -> Iterator[tuple[str, list[str]]]:
    """An API target that records every request it gets (a refused smoke must send none)."""
    hits: list[str] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


# -- targets that are not production: rehearsals ----------------------------------------------

def test_a_sandbox_smoke_is_a_rehearsal_that_never_opens_the_gate(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    gate.pr(1)
    run_id = _dispatch(gate, 1, "sandbox")
    done = _cli("smoke", "--target", "sandbox", "--pr", "1")
    assert done.code == 0, done.out + done.err
    assert "SMOKE VERDICT: PASS" in done.out
    assert "not production: it ran against the local sandbox" in done.out
    assert gate.fake.latest_status(head, "release-gate/smoke") is None
    rehearsal = gate.fake.latest_status(head, "release-gate/smoke-rehearsal")
    assert rehearsal is not None and rehearsal["target_url"] == gate.fake.run_url(run_id)
    assert (rehearsal["state"], rehearsal["description"]) == (
        "success", "PASS on sandbox (rehearsal: only production counts)")
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert ("ignored `release-gate/smoke-rehearsal` = success by github-actions[bot]: a "
            "rehearsal (PASS on sandbox (rehearsal: only production counts))") in body


def _passed(deployment: DeploymentRecord | None = None) -> SmokeResult:
    # A genuine result value (real runs are covered by the tests around it).
    return SmokeResult(target="prod", api_url="https://api.raxx.app", email="smoke@x",
                       started_at="now", verdict=SmokeVerdict.PASS, deployment=deployment)


def test_prod_pointed_elsewhere_by_the_environment_is_a_rehearsal_and_exits_1(
        gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _dispatch(gate, 1, "prod")
    api = GitHubGate(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    target = Target(TargetKind.PROD, "https://staging.raxx.app", APP)
    out = io.StringIO()
    code = smoke_gate.smoke_for_pr(number=1, api=api, target=target, production=PRODUCTION,
                                   out=out,
                                   run=lambda guard: _passed())
    assert code == 1
    assert "not production's https://api.raxx.app" in out.getvalue()
    assert gate.fake.latest_status(head, "release-gate/smoke") is None
    rehearsal = gate.fake.latest_status(head, "release-gate/smoke-rehearsal")
    assert rehearsal is not None and rehearsal["description"].startswith(
        "PASS on staging.raxx.app (rehearsal")


# -- production: the deployed commit, before and after ----------------------------------------

def test_prod_running_another_commit_refuses_with_exit_2_before_any_request_to_it(
        gate: Gate, heroku: FakeHeroku, untouchable: tuple[str, list[str]],
        tmp_path: Path) -> None:
    api_url, hits = untouchable
    head = gate.open(1, FLAGGED_FILE)
    heroku.add_release(APP, description="Deploy 1a2b3c4", commit="1a2b3c4" + "0" * 33)
    heroku.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
    _rules(tmp_path / "rules.yaml", {"prod_url": api_url})
    _dispatch(gate, 1, "prod")
    gate.monkeypatch.setenv("RAXX_SMOKE_ALLOW_PROD", "1")
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(tmp_path / "rules.yaml"))
    expected = f"prod runs abc1234 (v2), not the PR head {head[:7]}: deploy the PR first"
    assert done.code == 2, done.out + done.err
    assert expected in done.err
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None and (smoke["state"], smoke["description"]) == ("error", expected)
    assert hits == []  # zero requests to the API target
    assert heroku.dyno_creations() == 0
    assert "SMOKE VERDICT" not in done.out


@pytest.fixture
def prod(postgres_url: str, redis_url: str, gate: Gate) -> Iterator[Sandbox]:
    """The sandbox standing in for production's API (the Heroku app's web dyno)."""
    with sandbox(postgres_url, redis_url) as target:
        yield target


def _prod_env(gate: Gate, target: Sandbox) -> None:
    for key, value in {"RAXX_SMOKE_ALLOW_PROD": "1", "DATABASE_URL": target.database_url,
                       "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY}.items():
        gate.monkeypatch.setenv(key, value)


def _prod_rules(tmp_path: Path, target: Sandbox, **production: Any) -> Path:
    path = tmp_path / "rules.yaml"
    section = smoke_section(target.server, prod_url=target.server.base_url)
    if production:
        section["production"] = production
    _rules(path, section)
    return path


def test_prod_running_the_head_posts_the_pass_with_its_facts_and_opens_the_gate(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _prod_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    report = tmp_path / "report.json"
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email(), "--report", str(report))
    assert done.code == 0, done.out + done.err
    assert (f"[deploy] before: {APP} v1 @ {head[:7]}, 2/2 web dynos on v1 (Heroku release v1 "
            f"of {APP})") in done.out
    assert f"[deploy] after: {APP} v1 @ {head[:7]}, unchanged, 2/2 web dynos on v1" in done.out
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None
    assert (smoke["state"], smoke["description"]) == (
        "success", f"PASS on {APP} v1 @ {head[:7]}, 2/2 web dynos on v1")
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "success"
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert f"smoke ran against {head[:7]}, release v1, " in body
    deployment = json.loads(report.read_text("utf-8"))["deployment"]
    assert deployment["before"] == {"where": APP, "release": 1, "commit": head,
                                    "source": f"Heroku release v1 of {APP}",
                                    "web": "2/2 web dynos on v1", "pending": None}
    assert deployment["after"] == deployment["before"]
    assert (deployment["checked_before"], deployment["checked_after"]) == (True, True)
    assert deployment["changed"] is None


def test_a_release_during_the_smoke_means_no_pass_is_posted(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _prod_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    # Hold the run after step 2 while someone changes production's config (a new release).
    gate.monkeypatch.setenv("RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP", "2:1")

    def release_between_steps() -> None:
        prod.server.wait_for_log(BEGIN_LOGGED, timeout=60)
        heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", commit=head,
                           with_slug=False)

    releaser = threading.Thread(target=release_between_steps, daemon=True)
    releaser.start()
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    releaser.join(10)
    assert done.code == 1, done.out + done.err
    assert "SMOKE VERDICT: PASS" in done.out  # the smoke itself passed ...
    changed = f"production changed during the smoke (v1 @ {head[:7]} -> v2 @ {head[:7]})"
    assert f"PASS NOT posted: {changed}" in done.out  # ... but it vouches for no release
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None
    assert (smoke["state"], smoke["description"]) == ("error", f"PASS not counted: {changed}")
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]


FAST_WAIT = {"dynos": 1.0, "release": 1.0, "interval": 0.05}  # smoke.heroku.wait, for tests


def _heroku_rules(tmp_path: Path, target: Sandbox, **wait: float) -> Path:
    path = tmp_path / "rules.yaml"
    section = smoke_section(target.server, prod_url=target.server.base_url)
    section["heroku"] = {**section.get("heroku", {}), "wait": {**FAST_WAIT, **wait}}
    _rules(path, section)
    return path


def test_preboot_is_waited_out_and_the_pass_counts_the_web_dynos(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod, dynos=30.0)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description="Deploy 1a2b3c4", commit="1a2b3c4" + "0" * 33)
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    # Preboot: the new dynos come up beside the old ones, which stop a few polls later.
    heroku.rollout(APP, [[("web.1", "up", 1), ("web.2", "up", 1)],
                         [("web.1", "up", 2), ("web.2", "up", 1)],
                         [("web.1", "up", 2), ("web.2", "starting", 2)],
                         [("web.1", "up", 2), ("web.2", "up", 2)]])
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 0, done.out + done.err
    assert heroku.calls[("GET", "/apps/{app}/dynos")] >= 5  # 4 polls before, 1 after
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None
    assert smoke["description"] == f"PASS on {APP} v2 @ {head[:7]}, 2/2 web dynos on v2"


def test_web_dynos_still_on_an_old_release_refuse_before_any_dyno_naming_them(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description="Deploy 1a2b3c4", commit="1a2b3c4" + "0" * 33)
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    heroku.rollout(APP, [[("web.1", "up", 2), ("web.2", "up", 1)]])  # a restart that hangs
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 2, done.out + done.err
    assert "not every web dyno of raxx-api-prod is up on v2 (1/2 web dynos on v2: web.2 up " \
           "on v1)" in done.out + done.err
    assert heroku.dyno_creations() == 0


def test_web_dynos_restarting_after_the_steps_mean_no_pass_is_posted(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    gate.monkeypatch.setenv("RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP", "2:1")

    def restart_between_steps() -> None:
        prod.server.wait_for_log(BEGIN_LOGGED, timeout=60)
        heroku.rollout(APP, [[("web.1", "up", 1), ("web.2", "crashed", 1)]])

    restarter = threading.Thread(target=restart_between_steps, daemon=True)
    restarter.start()
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    restarter.join(10)
    assert done.code == 1, done.out + done.err
    assert ("after the smoke, not every web dyno was up on v1 (1/2 web dynos on v1: web.2 "
            "crashed on v1)") in done.out
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None and smoke["state"] == "error"


def test_a_pending_release_is_waited_for_then_refused_by_name(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", with_slug=False,
                       status="pending")
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 2, done.out + done.err
    assert ("release v2 (Set WEBAUTHN_ORIGIN config vars) of raxx-api-prod is still pending"
            in done.out + done.err)
    assert heroku.calls[("GET", "/apps/{app}/releases")] > 2  # polled while it waited
    assert heroku.dyno_creations() == 0


def test_a_failed_newer_release_does_not_matter(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)
    heroku.add_release(APP, description="Deploy 9999999", commit="9" * 40, status="failed")
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 0, done.out + done.err


@pytest.mark.parametrize("artifact", ["oci", "oci-id"])
def test_a_cnb_release_is_read_from_its_oci_image(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path, artifact: str) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head, artifact=artifact)
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 0, done.out + done.err


def test_a_release_without_slug_or_image_commit_refuses_with_what_to_do(
        gate: Gate, heroku: FakeHeroku, prod: Sandbox, tmp_path: Path) -> None:
    rules = _heroku_rules(tmp_path, prod)
    head = gate.open(1, FLAGGED_FILE, base=gate.base(rules=rules.read_text("utf-8")))
    heroku.add_release(APP, description="Deployed web (c0ffee)", artifact="container")
    _dispatch(gate, 1, "prod")
    _prod_env(gate, prod)
    done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                "--email", new_email())
    assert done.code == 2, done.out + done.err
    text = done.out + done.err
    assert "smoke.production.commit_from: version-url" in text
    assert "deploy the PR head" not in text
    assert head  # the head is not what is missing: the release names no commit


def test_a_version_endpoint_names_the_deployed_commit_of_a_non_heroku_production(
        gate: Gate, postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    head = "d5e6f7a" + "1" * 33  # the commit the sandbox (standing in for production) runs
    with sandbox(postgres_url, redis_url, HEROKU_SLUG_COMMIT=head,
                 HEROKU_RELEASE_VERSION="v47") as target:
        rules = _prod_rules(tmp_path, target, commit_from="version-url", version_url="/version")
        base = gate.base(rules=rules.read_text("utf-8"))
        gate.fake.commit(FLAGGED_FILE, parent=base, sha=head)
        gate.fake.open_pull(1, base=base, head=head)
        _dispatch(gate, 1, "prod")
        _prod_env(gate, target)
        done = _cli("smoke", "--target", "prod", "--pr", "1", "--rules", str(rules),
                    "--email", new_email())
    assert done.code == 0, done.out + done.err
    host = target.server.base_url.removeprefix("http://")
    smoke = gate.fake.latest_status(head, "release-gate/smoke")
    assert smoke is not None and smoke["description"] == f"PASS on {host} v47 @ {head[:7]}"
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]


# -- the head, before and after ----------------------------------------------------------------

def _prod_target() -> Target:
    return Target(TargetKind.PROD, "https://api.raxx.app", APP)


def test_a_push_during_the_smoke_means_no_pass_is_posted(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _dispatch(gate, 1, "prod")
    api = GitHubGate(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    deployed = Deployment(APP, 47, head, "Heroku release")
    moved_to: list[str] = []

    def push_then_smoke(guard: object) -> smoke_gate.SmokeOutcome:
        moved_to.append(gate.fake.push(1, {"docs/late.md": "pushed mid-smoke\n"}))
        return _passed(DeploymentRecord(APP, deployed, deployed))

    out = io.StringIO()
    code = smoke_gate.smoke_for_pr(number=1, api=api, target=_prod_target(),
                                   production=PRODUCTION, out=out,
                                   run=push_then_smoke, read=lambda: deployed)
    assert code == 1
    assert f"PASS NOT posted: head moved to {moved_to[0][:7]}" in out.getvalue()
    old = gate.fake.latest_status(head, "release-gate/smoke")
    assert old is not None and old["state"] == "error"
    assert gate.fake.latest_status(moved_to[0], "release-gate/smoke") is None
    new_gate = gate.gate_status(moved_to[0])
    assert new_gate is not None and new_gate["state"] == "pending"


def test_outside_actions_the_pass_is_not_posted(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    _dispatch(gate, 1, "prod")
    gate.monkeypatch.delenv("GITHUB_RUN_ID")
    api = GitHubGate(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    deployed = Deployment(APP, 47, head, "Heroku release")
    out = io.StringIO()
    code = smoke_gate.smoke_for_pr(number=1, api=api, target=_prod_target(),
                                   production=PRODUCTION, out=out,
                                   run=lambda guard: _passed(DeploymentRecord(APP, deployed,
                                                                              deployed)),
                                   read=lambda: deployed)
    assert code == 1
    assert "GITHUB_RUN_ID unset" in out.getvalue()
    assert gate.fake.latest_status(head, "release-gate/smoke") is None


# -- "contains the head": teams that deploy merge commits -------------------------------------

def test_contains_reads_ancestry_and_equal_trees_through_the_compare_api(gate: Gate) -> None:
    head = gate.open(1, FLAGGED_FILE)
    merge = gate.fake.commit({"docs/merged.md": "x\n"}, parent=head)
    squash = gate.fake.commit({}, parent=gate.fake.commits[head].parent)  # other commit ...
    squash = gate.fake.commit(FLAGGED_FILE, parent=squash)  # ... with the head's tree
    unrelated = gate.fake.commit({"docs/other.md": "y\n"}, parent=gate.fake.commits[head].parent)
    _dispatch(gate, 1, "prod")
    api = GitHub(GitHubEnv.from_environ(os.environ), Transport(seconds_between_writes=0))
    assert api.contains(head, merge) is True
    assert api.contains(head, head) is True
    assert api.contains(head, squash) is True
    assert api.contains(head, unrelated) is False
    assert api.contains(head, "f" * 40) is False  # a commit GitHub does not know

    running = [merge]
    guard = smoke_gate.HeadGuard(app=APP, head=head, mode=CONTAINS, contains=api.contains,
                                 read=lambda: Deployment(APP, 48, running[0], "Heroku release"))
    assert guard.before().commit == merge
    running[0] = unrelated
    with pytest.raises(SmokeRefused, match=f"prod runs {unrelated[:7]} \\(v48\\), which does "
                                           f"not contain the PR head {head[:7]}"):
        guard.before()
