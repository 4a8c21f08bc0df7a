"""release-gate.yml and smoke.yml run as a runner runs them (tests/workflows/runner.py).

The repository is this one, as it is on disk, committed to a real git repository whose bare
clone is the checkout's origin; the fake GitHub (tests/fakes/github.py, real HTTPS) holds the same
commits, the PR and its statuses. Production is the sandbox under a real server on PostgreSQL and
Redis, deployed as `raxx-api-prod` on the fake Heroku (tests/heroku/_prod.py): its Platform API,
one-off dynos and log session. Every step is the workflow's own: the base checkout, uv and a
fresh venv, the install of release-gate from the action's source, the fetch of the PR head as
data, `release-gate pr`; then the prod smoke dispatched for the PR in the `production`
environment, its PASS, and the gate's refresh. The PR under test also tries to run code of its
own (a changed action.yml and package): a marker file proves none of it ran. config-watch.yml
runs on its schedule before and after a sensitive Heroku config change.

The runner machine's environment says where the stand-ins are (HEROKU_API_URL, a CA bundle that
trusts the fakes), as a proxy's settings would; the workflows themselves set nothing for tests.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.github import FakeGitHub
from tests.gitrepo import GitRepo
from tests.heroku._prod import APP, Prod, heroku_prod
from tests.workflows.expressions import Evaluator, Strict
from tests.workflows.files import REPO, WORKFLOWS, triggers, workflow
from tests.workflows.runner import Cancel, JobResult, JobRun, Machine, Meanwhile

# The whole workflows run by the runner emulator: several jobs per test, each bounded by the
# runner's step timeout, so the test's own bound is theirs, not pytest-timeout's default.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

AUTH = "backend_v2/api/routes/auth.py"
PR = 7
SCRUB_PREFIXES = ("GITHUB_", "RUNNER_", "RAXX_", "HEROKU_", "RELEASE_GATE_", "PYTEST_")
SCRUB = {"PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "REDIS_URL", "SSL_CERT_FILE",
         "REQUESTS_CA_BUNDLE", "BOOTSTRAP_TOKEN_SIGNING_KEY", "CI", "UV_PYTHON"}


def _tracked_files() -> dict[str, str | bytes | None]:
    """This repository as it is on disk (tracked and new files), the base branch's tree."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=REPO, capture_output=True,
                             check=True).stdout.decode().split("\0")
    return {name: (REPO / name).read_bytes() for name in listing
            if name and (REPO / name).is_file()}


@dataclass
class World:
    fake: FakeGitHub
    dev: GitRepo
    origin: Path
    machine: Machine
    tmp: Path
    marker: Path
    prod: Prod
    base: str = ""
    head: str = ""
    runs: int = 0

    def push_pr(self, files: dict[str, str | bytes | None], message: str) -> str:
        parent = self.head or self.base
        sha = self.dev.commit(files, message)
        self.fake.commit(files, parent=parent, sha=sha)
        if PR in self.fake.pulls:
            self.fake.pulls[PR].head = sha
        else:
            self.fake.open_pull(PR, base=self.base, head=sha)
        self.dev.git("push", "-q", "--force", "origin", f"HEAD:refs/pull/{PR}/head")
        self.head = sha
        return sha

    def deploy(self, sha: str) -> None:
        """Production now runs `sha` (a Heroku release whose slug names that commit)."""
        self.prod.fake.add_release(APP, description=f"Deploy {sha[:7]}", commit=sha)

    def secrets(self) -> dict[str, str]:
        return {"GITHUB_TOKEN": self.fake.ACTIONS_TOKEN, "HEROKU_API_KEY": self.prod.fake.api_key}

    def variables(self) -> dict[str, str]:
        return {"HEROKU_APP": APP, "RAXX_SMOKE_API_URL": self.prod.server.base_url}

    def gate(self, action: str) -> JobResult:
        self.runs += 1
        event = self.fake.event_payload(PR, action)
        job = JobRun(self.machine, WORKFLOWS / "release-gate.yml", "gate",
                     event_name="pull_request_target", event=event, sha=self.base,
                     ref="refs/heads/main", run_id=5000 + self.runs, secrets=self.secrets(),
                     variables=self.variables())
        return job.run()

    def merge_group(self, group_sha: str) -> JobResult:
        """The queue's `checks_requested` for this PR (GitHub's merge_group payload)."""
        self.runs += 1
        repository = self.fake.event_payload(PR)["repository"]
        event = {"action": "checks_requested", "repository": repository,
                 "sender": {"login": "github-merge-queue[bot]", "type": "Bot"},
                 "merge_group": {
                     "head_sha": group_sha, "base_sha": self.base,
                     "head_ref": f"refs/heads/gh-readonly-queue/main/pr-{PR}-{self.head}",
                     "base_ref": "refs/heads/main",
                     "head_commit": {"id": group_sha, "tree_id": "0" * 40,
                                     "message": f"Merge pull request #{PR}"}}}
        job = JobRun(self.machine, WORKFLOWS / "release-gate.yml", "gate",
                     event_name="merge_group", event=event, sha=group_sha,
                     ref=event["merge_group"]["head_ref"], run_id=5000 + self.runs,
                     secrets=self.secrets(), variables=self.variables())
        return job.run()

    def config_watch(self) -> JobResult:
        """The hourly config-watch.yml run (GitHub's `schedule` payload)."""
        self.runs += 1
        event = {"schedule": "17 * * * *",
                 "repository": self.fake.event_payload(PR)["repository"],
                 "workflow": ".github/workflows/config-watch.yml"}
        job = JobRun(self.machine, WORKFLOWS / "config-watch.yml", "watch", event_name="schedule",
                     event=event, sha=self.base, ref="refs/heads/main", run_id=5000 + self.runs,
                     secrets=self.secrets(), variables=self.variables())
        return job.run()

    def smoke(self, cancel_when: str | None = None, meanwhile: Meanwhile | None = None,
              **inputs: Any) -> tuple[JobResult, int]:
        self.runs += 1
        path = WORKFLOWS / "smoke.yml"
        title = run_name(path, inputs)
        run_id = self.fake.add_run(display_title=title, head_branch="main")
        event = {"inputs": {k: str(v) for k, v in inputs.items()}, "ref": "refs/heads/main",
                 "repository": self.fake.event_payload(PR)["repository"],
                 "workflow": ".github/workflows/smoke.yml",
                 "sender": {"login": "operator", "type": "User"}}
        job = JobRun(self.machine, path, "smoke", event_name="workflow_dispatch", event=event,
                     sha=self.base, ref="refs/heads/main", run_id=run_id,
                     secrets=self.secrets(), variables=self.variables(), inputs=inputs,
                     cancel=Cancel("release-gate smoke", cancel_when) if cancel_when else None,
                     meanwhile=meanwhile)
        result = job.run()
        self.fake.finish_run(run_id, "success" if result.status == "success" else "failure")
        return result, run_id

    def status(self, context: str, sha: str | None = None) -> tuple[str, str]:
        found = self.fake.latest_status(sha or self.head, context)
        assert found is not None, f"no {context} status on {sha or self.head}"
        return str(found["state"]), str(found["description"])


def run_name(path: Path, inputs: dict[str, Any]) -> str:
    """The run's name as GitHub renders `run-name:` at dispatch (the smoke's PASS names the PR)."""
    data = workflow(path.name)
    declared = triggers(data)["workflow_dispatch"]["inputs"]
    values = {name: spec.get("default") for name, spec in declared.items()} | inputs
    evaluator = Evaluator({"inputs": Strict("inputs", values),
                           "github": {"event_name": "workflow_dispatch"}}, {})
    return evaluator.render_string(data["run-name"])


@pytest.fixture
def world(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[World]:
    with FakeGitHub() as fake, heroku_prod(postgres_url, redis_url) as prod:
        dev = GitRepo(tmp_path / "dev")
        files = _tracked_files()
        # The team's rules.yaml names its production (smoke.prod_url): here, the stand-in's URL.
        # A PASS counts only for the production the base branch's rules.yaml names.
        rules = files["rules.yaml"]
        assert isinstance(rules, bytes) and b"\nsmoke:\n" in rules
        files["rules.yaml"] = rules.replace(
            b"\nsmoke:\n", f"\nsmoke:\n  prod_url: {prod.server.base_url}\n".encode(), 1)
        base = dev.commit(files, "base")
        fake.commit(files, sha=base)
        fake.set_branch("main", base)
        origin = tmp_path / "origin.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(dev.root), str(origin)], check=True)
        for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
            subprocess.run(["git", "-C", str(origin), "config", key, "true"], check=True)
        dev.git("remote", "add", "origin", str(origin))
        dev.branch("pr")
        environ = {k: v for k, v in os.environ.items()
                   if k not in SCRUB and not k.startswith(SCRUB_PREFIXES)}
        bundle = tmp_path / "stand-ins-ca.pem"
        bundle.write_text(Path(fake.ca_path).read_text("utf-8")
                          + Path(prod.fake.ca_path).read_text("utf-8"), "utf-8")
        environ.update(REQUESTS_CA_BUNDLE=str(bundle), SSL_CERT_FILE=str(bundle),
                       HEROKU_API_URL=prod.fake.api_url)
        # Heroku's builds fetch the head's tarball from GitHub's codeload; what its buildpack
        # makes of this repository, as far as a one-off dyno sees it, is the stand-in app.
        prod.fake.source_trust = fake.ca_path
        prod.fake.apps[APP].slug_root = "tests/fakes/dyno_app"
        machine = Machine(root=tmp_path / "runner", origin=origin, environ=environ,
                          server_url=fake.server_url, api_url=fake.api_url,
                          repository=fake.full_name)
        marker = tmp_path / "pr-code-ran"
        yield World(fake, dev, origin, machine, tmp_path, marker, prod, base=base)


def _pr_that_tries_to_run_its_own_code(world: World) -> dict[str, str | bytes | None]:
    """A flagged change plus two ways a careless gate would execute the PR's files."""
    touch = f"open({str(world.marker)!r}, 'w').close()\n"
    action = (REPO / "action.yml").read_text("utf-8").replace(
        "    - name: release-gate pr\n",
        f"    - name: the PR's own step\n      shell: bash\n      run: touch {world.marker}\n"
        "    - name: release-gate pr\n")
    package = (REPO / "release_gate" / "__init__.py").read_text("utf-8") + touch
    return {AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n",
            "action.yml": action, "release_gate/__init__.py": package}


def test_pending_then_smoke_pass_then_success_then_pending_after_a_push(world: World) -> None:
    head = world.push_pr(_pr_that_tries_to_run_its_own_code(world), "auth change")

    gate = world.gate("opened")
    assert gate.status == "success", gate.log()
    assert gate.concurrency == f"release-gate-{PR}"
    assert world.status("release-gate") == ("pending", f"Prod smoke required for {head[:7]}")
    assert gate.step("release-gate pr").outputs == {"verdict": "needs-smoke", "head_sha": head}
    assert "Prod smoke required" in gate.summary
    assert len(world.fake.sticky_comments(PR)) == 1
    # The PR's commits were data: fetched, never checked out, installed or run.
    workspace_head = subprocess.run(["git", "rev-parse", "HEAD", f"refs/remotes/pull/{PR}/head"],
                                    cwd=gate.workspace, capture_output=True, text=True,
                                    check=True).stdout.split()
    assert workspace_head == [world.base, head]
    assert not (gate.workspace / AUTH).exists()
    assert not world.marker.exists(), "the gate ran code from the PR"
    assert "x-access-token" not in (gate.workspace / ".git" / "config").read_text("utf-8")

    world.deploy(head)  # the team deploys the PR's head to production, then smokes it
    smoke, run_id = world.smoke(pr=PR, target="prod")
    assert smoke.status == "success", smoke.log()
    assert (smoke.concurrency, smoke.environment) == ("smoke-prod", "production")
    transcript = smoke.step("release-gate smoke").output
    assert "SMOKE VERDICT: PASS" in transcript
    assert f"Heroku app: {APP} (dyno mode" in transcript
    assert world.prod.fake.dyno_creations() == 2
    release = world.prod.fake.apps[APP].releases[-1].version
    assert world.status("release-gate/smoke") == ("success",
                                                  f"PASS on {APP} v{release} @ {head[:7]}, "
                                                  f"2/2 web dynos on v{release}")
    assert f"[deploy] before: {APP} v{release} @ {head[:7]}" in transcript
    assert world.fake.latest_status(head, "release-gate/smoke")["target_url"] == (  # type: ignore[index]
        world.fake.run_url(run_id))
    assert world.status("release-gate") == ("success", f"Prod smoke PASS on {head[:7]}")
    assert smoke.step("Clean up after a cancelled smoke (runbook \"Prod-write safety\")"
                      ).outcome == "skipped"
    assert "### ✅ Signup smoke: PASS on production (`" in smoke.summary
    report = json.loads((smoke.artifacts / f"smoke-report-pr-{PR}" / "smoke-report.json"
                         ).read_text("utf-8"))
    assert report["verdict"] == "PASS"
    assert world.prod.rows(report["email"]) == {"users": 0, "credentials": 0, "nonces": 1}
    assert smoke.step("release-gate smoke").outputs["email"] == report["email"]

    # The merge queue's commit gets the PR's verdict, with its smoke evidence.
    group_sha = world.fake.commit({}, parent=head)  # the queue's merge of the PR into main
    queued = world.merge_group(group_sha)
    assert queued.status == "success", queued.log()
    assert queued.concurrency == f"release-gate-{group_sha}"
    assert world.status("release-gate", group_sha) == (
        "success", f"Prod smoke PASS on {head[:7]}")

    new_head = world.push_pr({"docs/notes.md": "a later push\n"}, "later push")
    again = world.gate("synchronize")
    assert again.status == "success", again.log()
    assert world.status("release-gate", new_head) == (
        "pending", f"Prod smoke required for {new_head[:7]}")
    assert world.status("release-gate", head)[0] == "success"  # the old head keeps its PASS
    assert len(world.fake.sticky_comments(PR)) == 1
    assert not world.marker.exists()


def test_a_cancelled_smoke_tears_down_cleans_up_and_still_reports(world: World) -> None:
    head = world.push_pr({AUTH: "router = 2\n"}, "auth change")
    # A test hook of the smoke holds it after step 2 (rows written), so the cancellation lands
    # mid-run, as a person pressing "Cancel workflow" would.
    world.machine.environ["RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"] = "2:60"
    smoke, _ = world.smoke(pr=PR, target="sandbox", cancel_when="[step 2] OK")
    world.machine.environ.pop("RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP")
    assert smoke.status == "cancelled", smoke.log()
    step = smoke.step("release-gate smoke")
    assert step.outcome == "cancelled"
    assert "[teardown] OK deleted 0 credential row(s)" in step.output, step.output
    cleanup = smoke.step("Clean up after a cancelled smoke (runbook \"Prod-write safety\")")
    assert cleanup.outcome == "success", smoke.log()
    assert "sandbox rehearsal" in cleanup.output
    report = json.loads((smoke.artifacts / f"smoke-report-pr-{PR}" / "smoke-report.json"
                         ).read_text("utf-8"))
    assert report["interrupted"] == "SIGINT" and report["teardown"]["ran"] is True
    assert step.outputs["email"] == report["email"]
    assert "Interrupted by SIGINT." in smoke.summary
    # A sandbox smoke is a rehearsal: it never posts release-gate/smoke at all.
    assert world.fake.latest_status(head, "release-gate/smoke") is None
    rehearsal = world.fake.latest_status(head, "release-gate/smoke-rehearsal")
    assert rehearsal is not None and rehearsal["state"] != "success"


def test_config_watch_reopens_the_gate_after_a_sensitive_config_change(world: World) -> None:
    head = world.push_pr({AUTH: "router = 3\n"}, "auth change")
    assert world.gate("opened").status == "success"
    world.deploy(head)
    smoke, _ = world.smoke(pr=PR, target="prod")
    assert smoke.status == "success", smoke.log()
    assert world.status("release-gate")[0] == "success"

    quiet = world.config_watch()
    assert quiet.status == "success", quiet.log()
    assert quiet.environment == "config-watch"
    assert f"no sensitive config change on {APP}" in quiet.step("release-gate watch-config").output
    assert world.status("release-gate")[0] == "success"

    # Runbook, "When to run": a Heroku config change to WEBAUTHN_ORIGIN needs a smoke, and it
    # comes through no PR. The scheduled run finds it, fails (exit 3: a smoke is due) and
    # re-opens the gate of the PR whose PASS predates it, and of the default branch.
    world.prod.fake.set_config(APP, WEBAUTHN_ORIGIN="https://login.example")
    world.prod.fake.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars",
                                with_slug=False)
    due = world.config_watch()
    assert due.status == "failure", due.log()
    output = due.step("release-gate watch-config").output
    assert "smoke due: 1 sensitive config change(s)" in output, output
    assert world.status("release-gate")[0] == "pending"
    assert world.status("release-gate", world.base)[0] == "pending"


SERVICE = "tests/fakes/dyno_app/backend_v2/api/services/bootstrap_token_service.py"


def _signs_with_another_key() -> str:
    """A PR whose token service signs with another key: the smoke fails at step 2."""
    good = (REPO / SERVICE).read_text("utf-8")
    broken = good.replace("env=dict(os.environ))",
                          "env={**os.environ, 'BOOTSTRAP_TOKEN_SIGNING_KEY': 'x' * 48})")
    assert broken != good
    return broken


@pytest.mark.timeout(600)  # a dispatch in a fresh venv, on a shared machine
def test_one_dispatch_deploys_the_head_smokes_it_and_opens_the_gate(world: World) -> None:
    fake = world.prod.fake
    first = fake.current(APP)
    head = world.push_pr({AUTH: "router = 1\n"}, "auth change")
    smoke, _ = world.smoke(pr=PR, target="prod", deploy="yes")
    assert smoke.status == "success", smoke.log()
    assert (smoke.concurrency, smoke.environment) == ("smoke-prod", "production")
    transcript = smoke.step("release-gate smoke").output
    assert "[build] -----> Python app detected" in transcript
    deployed = fake.current(APP)
    assert (deployed.version, fake.slug_commit(APP, deployed)) == (first.version + 1, head)
    assert f"2/2 web dynos on v{deployed.version}, every one up" in transcript
    assert "SMOKE VERDICT: PASS" in transcript
    assert world.status("release-gate/smoke") == (
        "success", f"PASS on {APP} v{deployed.version} @ {head[:7]}, 2/2 web dynos on "
                   f"v{deployed.version}")
    assert world.status("release-gate") == ("success", f"Prod smoke PASS on {head[:7]}")
    assert "### Deploy" in smoke.summary and "production stays on" in smoke.summary


@pytest.mark.timeout(600)  # two dispatches, each a fresh venv, on a shared machine
def test_a_failing_head_is_rolled_back_and_an_unbuildable_one_never_released(
        world: World) -> None:
    fake = world.prod.fake
    deployed = fake.current(APP)
    # A head that breaks signup: FAIL, production back on the release before, said everywhere.
    bad = world.push_pr({AUTH: "router = 1\n", SERVICE: _signs_with_another_key()},
                        "auth change that signs differently")
    failed, _ = world.smoke(pr=PR, target="prod", deploy="yes")
    assert failed.status == "failure", failed.log()
    transcript = failed.step("release-gate smoke").output
    assert "SMOKE VERDICT: FAIL" in transcript
    now = fake.current(APP)
    assert now.description == f"Rollback to v{deployed.version}"
    assert fake.slug_commit(APP, now) == fake.slug_commit(APP, deployed)  # the code before
    state, description = world.status("release-gate/smoke", bad)
    assert state == "failure" and description.endswith(f"; rolled back to v{deployed.version}")
    assert world.status("release-gate", bad)[0] == "pending"
    comment = world.fake.sticky_comments(PR)[0]["body"]
    assert f"rolled back to v{deployed.version}" in comment
    assert f"rolled back to v{deployed.version}" in failed.summary

    # A head that does not build: no smoke, nothing to roll back, a clear diagnosis.
    unbuildable = world.push_pr({"pyproject.toml": None}, "drop the project file")
    releases = len(fake.apps[APP].releases)
    dynos = fake.dyno_creations()
    broken, _ = world.smoke(pr=PR, target="prod", deploy="yes")
    assert broken.status == "failure", broken.log()
    transcript = broken.step("release-gate smoke").output
    assert "No default language could be detected for this app." in transcript
    assert (len(fake.apps[APP].releases), fake.dyno_creations()) == (releases, dynos)
    assert world.status("release-gate/smoke", unbuildable) == (
        "failure", f"FAIL on {APP}: the build of {unbuildable[:7]} failed on Heroku "
                   "(no smoke ran)")
    assert "no rollback needed" in transcript
    assert not world.marker.exists()


@pytest.mark.timeout(600)  # a dispatch in a fresh venv, on a shared machine
def test_a_release_in_between_is_never_rolled_over(world: World) -> None:
    """Someone changes production's config while a failing head's smoke runs: no rollback."""
    fake = world.prod.fake
    bad = world.push_pr({AUTH: "router = 1\n", SERVICE: _signs_with_another_key()},
                        "auth change that signs differently")

    def someone_changes_config() -> None:
        fake.set_config(APP, WEBAUTHN_ORIGIN="https://localhost")
        fake.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars", with_slug=False)

    # The smoke holds after step 1 (a test hook), so the change lands before its FAIL.
    world.machine.environ["RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP"] = "1:5"
    failed, _ = world.smoke(pr=PR, target="prod", deploy="yes", meanwhile=Meanwhile(
        "release-gate smoke", "[step 1] OK", someone_changes_config))
    world.machine.environ.pop("RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP")
    assert failed.status == "failure", failed.log()
    transcript = failed.step("release-gate smoke").output
    now = fake.current(APP)
    assert now.description == "Set WEBAUTHN_ORIGIN config vars"  # untouched
    assert (f"production is on v{now.version} (Set WEBAUTHN_ORIGIN config vars) by "
            "operator@example.com, a release this deploy did not make: production left alone"
            ) in transcript
    state, description = world.status("release-gate/smoke", bad)
    assert state == "failure"
    assert description.endswith("; NOT rolled back: another release happened meanwhile")
    assert "NOT rolled back" in world.fake.sticky_comments(PR)[0]["body"]
