"""The security properties of the workflows, read from the files themselves (docs/install.md).

The gate runs under `pull_request_target`: the base branch's workflow with a write token. These
tests hold it to its promise: no path filter, the base checkout only, PR commits read as data and
never run, the least permissions per job, only GITHUB_TOKEN, actions pinned by commit SHA.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.workflows.files import (
    ACTION,
    PINNED,
    WORKFLOWS,
    Step,
    all_uses,
    expressions,
    job_steps,
    load,
    triggers,
    workflow,
    workflow_names,
)

GATE = "release-gate.yml"
PR_TARGET_JOBS = [(GATE, "gate")]

# The least each job needs (docs/github.md says why for each scope).
PERMISSIONS = {
    (GATE, "gate"): {"contents": "read", "statuses": "write", "pull-requests": "write",
                     "actions": "read"},
    ("smoke.yml", "smoke"): {"contents": "read", "statuses": "write", "pull-requests": "write",
                             "actions": "read"},
    ("config-watch.yml", "watch"): {"contents": "read", "statuses": "write",
                                    "pull-requests": "write", "actions": "read"},
    ("ci.yml", "test"): {"contents": "read"},
}


def test_every_workflow_is_covered_by_the_permission_table() -> None:
    jobs = {(name, job) for name in workflow_names() for job in workflow(name)["jobs"]}
    assert jobs == set(PERMISSIONS)


# -- triggers ----------------------------------------------------------------------------------

def test_the_gate_runs_on_every_pr_event_that_changes_what_it_judges_and_on_the_merge_queue(
) -> None:
    on = triggers(workflow(GATE))
    assert set(on) == {"pull_request_target", "merge_group"}
    assert set(on["pull_request_target"]["types"]) == {
        "opened", "synchronize", "reopened", "edited", "ready_for_review"}
    assert on["merge_group"]["types"] == ["checks_requested"]


def test_the_gate_has_no_filter_a_required_check_could_be_skipped_by() -> None:
    # A skipped required check stays pending forever.
    for event, config in triggers(workflow(GATE)).items():
        filters = set(config or {}) & {"paths", "paths-ignore", "branches", "branches-ignore"}
        assert not filters, f"{event} has {filters}"
    for job_id, job in workflow(GATE)["jobs"].items():
        assert "if" not in job, f"job {job_id} can be skipped"


def test_the_other_workflows_triggers() -> None:
    assert set(triggers(workflow("smoke.yml"))) == {"workflow_dispatch"}
    inputs = triggers(workflow("smoke.yml"))["workflow_dispatch"]["inputs"]
    assert inputs["pr"] == {**inputs["pr"], "required": True, "type": "number"}
    assert inputs["target"]["type"] == "choice"
    assert inputs["target"]["default"] == "prod"
    assert set(inputs["target"]["options"]) == {"prod", "sandbox"}
    assert inputs["email"]["required"] is False
    watch = triggers(workflow("config-watch.yml"))
    assert set(watch) == {"schedule", "workflow_dispatch"}
    assert watch["schedule"][0]["cron"]
    assert set(triggers(workflow("ci.yml"))) == {"push", "pull_request"}


# -- pull_request_target: base only, PR commits are data ----------------------------------------

def _pr_target_steps() -> list[Step]:
    return [step for name, job in PR_TARGET_JOBS for step in job_steps(name, job)]


def test_pull_request_target_jobs_check_out_the_base_only() -> None:
    checkouts = [s for s in _pr_target_steps() if (s.uses or "").startswith("actions/checkout@")]
    assert checkouts, "the gate needs its base checkout"
    for step in checkouts:
        with_ = step.data.get("with", {})
        assert set(expressions(with_.get("ref", ""))) == {
            "github.event.pull_request.base.sha || github.event.merge_group.base_sha"}, step.where
        assert "repository" not in with_, step.where
        assert with_.get("persist-credentials") is False, f"{step.where} keeps the token in .git"
        assert not re.search(r"head|refs/pull|merge_commit", str(with_)), step.where


# Commands a pull_request_target step may run: none of them checks out, builds, installs or runs
# a file of the PR. `git` may only fetch (objects + a remote-tracking ref, never the worktree).
ALLOWED_COMMANDS = {"set", "export", "echo", "exit", "printf", "base64", "tr", "[", "git", "uv",
                    "release-gate"}
KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "esac", "!"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


def _tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _commands(script: str) -> list[list[str]]:
    """Each simple command of a bash script as its words, from its command word on.

    Enough of bash for the scripts these workflows keep simple on purpose: `;`, `&&`, `|`,
    `$(...)`, `if`/`case` (its patterns are skipped), assignments and array assignments.
    """
    commands: list[list[str]] = []
    for line in script.splitlines():
        tokens = _tokens(line)
        words: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if set(token) <= set(";&|()"):
                if words:
                    commands.append(words)
                words = []
            elif not words and token in KEYWORDS:
                pass
            elif not words and token == "case":
                while i < len(tokens) and tokens[i] != "in":
                    i += 1
            elif not words and ASSIGNMENT.match(token):
                if token.endswith("=") and i + 1 < len(tokens) and tokens[i + 1] == "(":
                    while i < len(tokens) and tokens[i] != ")":  # an array: data, not code
                        i += 1
            elif not words and i + 1 < len(tokens) and tokens[i + 1] == ")":
                i += 1  # a case pattern such as `merge_group)`
            else:
                words.append(token)
            i += 1
        if words:
            commands.append(words)
    return commands


def test_the_command_reader_sees_every_command() -> None:
    script = ('set -e\nargs=()\nif [ -f "$R" ]; then args+=(--rules "$R"); fi\n'
              'case "$E" in\n  a)\n    x=$(printf "%s" "$T" | base64 | tr -d "\\n")\n'
              '    git checkout "$H" && make\n    ;;\nesac\n')
    heads = [words[0] for words in _commands(script)]
    assert heads == ["set", "[", "printf", "base64", "tr", "git", "make"]


def test_no_pull_request_target_step_can_execute_pr_files() -> None:
    runs = [s for s in _pr_target_steps() if s.run is not None]
    assert runs
    for step in runs:
        assert step.run is not None
        assert "${{" not in step.run, f"{step.where}: an expression in run: (values go in env:)"
        for words in _commands(step.run):
            head = words[0]
            assert head in ALLOWED_COMMANDS, f"{step.where}: `{' '.join(words)}`"
            if head == "git":
                assert words[1] == "fetch", f"{step.where}: git {words[1]}"
                assert words[-1] == "+refs/pull/${PR}/head:refs/remotes/pull/${PR}/head"
            if head == "uv":
                assert words[1:] == ["pip", "install", "--quiet", "$ACTION_PATH"], step.where
            if head == "release-gate":
                assert words[1] == "pr", step.where


def test_the_installed_code_is_the_actions_own_source() -> None:
    install = next(s for s in _pr_target_steps() if s.run and "uv pip install" in s.run)
    assert install.data["env"]["ACTION_PATH"] == "${{ github.action_path }}"


# -- secrets, permissions, pins, concurrency ----------------------------------------------------

def test_pull_request_target_jobs_hold_no_secret_but_the_job_token() -> None:
    for name, job_id in PR_TARGET_JOBS:
        job = workflow(name)["jobs"][job_id]
        assert "environment" not in job, "an environment would bring its secrets"
        assert "secrets" not in job
        for step in job_steps(name, job_id):
            for expr in expressions(step.data):
                if "secrets." in expr:
                    assert expr == "secrets.GITHUB_TOKEN", f"{step.where}: {expr}"
    action_inputs = load(ACTION)["inputs"]
    assert action_inputs["token"]["default"] == "${{ github.token }}"


@pytest.mark.parametrize("key", sorted(PERMISSIONS), ids=lambda k: f"{k[0]}:{k[1]}")
def test_each_job_has_exactly_the_permissions_it_needs(key: tuple[str, str]) -> None:
    name, job_id = key
    data = workflow(name)
    assert data["permissions"] == {}, f"{name}: the workflow default must grant nothing"
    assert data["jobs"][job_id]["permissions"] == PERMISSIONS[key]


def test_every_third_party_action_is_pinned_by_commit_sha_with_its_version() -> None:
    pins: dict[str, set[str]] = {}
    uses = list(all_uses())
    assert len(uses) >= 8
    for where, ref in uses:
        if ref.startswith(("./", "$/")):
            continue
        match = PINNED.match(ref)
        assert match, f"{where}: {ref} is not pinned to a full commit SHA"
        pins.setdefault(match["action"], set()).add(match["sha"])
    for action, shas in pins.items():
        assert len(shas) == 1, f"{action} pinned to several commits: {shas}"
    texts = [p.read_text("utf-8") for p in [*WORKFLOWS.glob("*.yml"), ACTION]]
    for text in texts:
        for line in text.splitlines():
            if re.search(r"uses: [\w.-]+/[\w.-]+.*@[0-9a-f]{40}", line):
                assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_dependabot_keeps_the_pins_current_after_a_cooldown() -> None:
    config = load(WORKFLOWS.parent / "dependabot.yml")
    (update,) = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert update["directory"] == "/"  # the workflows and the root action.yml
    assert update["cooldown"]["default-days"] >= 7


def test_concurrency() -> None:
    gate = workflow(GATE)["concurrency"]
    assert "github.event.pull_request.number" in gate["group"]
    assert gate["cancel-in-progress"] is True
    smoke = workflow("smoke.yml")["concurrency"]
    assert "inputs.target" in smoke["group"] and "inputs.pr" not in smoke["group"]
    assert smoke["cancel-in-progress"] is False  # a smoke always finishes its teardown
    for name in workflow_names():
        assert workflow(name).get("concurrency"), f"{name} has no concurrency group"


# -- the smoke job -----------------------------------------------------------------------------

def _smoke_step(name: str) -> dict[str, object]:
    steps = workflow("smoke.yml")["jobs"]["smoke"]["steps"]
    return next(s for s in steps if s.get("name") == name)


def test_the_smoke_runs_in_production_with_its_fence_open_and_only_its_secrets() -> None:
    job = workflow("smoke.yml")["jobs"]["smoke"]
    assert job["environment"] == "production"
    step = _smoke_step("release-gate smoke")
    env = step["env"]
    assert isinstance(env, dict)
    assert env["RAXX_SMOKE_ALLOW_PROD"] == "1"
    assert 'release-gate smoke --target "$TARGET" --pr "$PR"' in str(step["run"])
    used = {e for s in job["steps"] for e in expressions(s) if e.startswith("secrets.")}
    assert used == {"secrets.GITHUB_TOKEN", "secrets.HEROKU_API_KEY"}


def test_no_remote_script_is_piped_into_a_shell_and_no_heroku_cli() -> None:
    for path in [*WORKFLOWS.glob("*.yml"), ACTION]:
        text = path.read_text("utf-8")
        assert not re.search(r"\|\s*(ba)?sh\b", text), path.name
        assert not re.search(r"\b(curl|wget)\b", text), path.name
        assert "cli-assets.heroku.com" not in text and "heroku run" not in text, path.name


def test_a_cancelled_or_failed_smoke_still_leaves_its_report_and_cleans_up() -> None:
    assert _smoke_step("Keep the smoke report")["if"] == "always()"
    assert _smoke_step("Job summary")["if"] == "always()"
    cleanup = _smoke_step("Clean up after a cancelled smoke (runbook \"Prod-write safety\")")
    assert str(cleanup["if"]).startswith("cancelled()")
    assert 'release-gate smoke cleanup --email "$EMAIL"' in str(cleanup["run"])


def test_config_watch_and_ci_run_their_commands() -> None:
    watch = workflow("config-watch.yml")["jobs"]["watch"]
    assert watch["environment"] == "config-watch"
    assert any(s.get("run") == "release-gate watch-config" for s in watch["steps"])
    runs = [s.get("run", "") for s in workflow("ci.yml")["jobs"]["test"]["steps"]]
    assert "scripts/test -p no:cacheprovider" in runs and "scripts/lint" in runs


def test_the_action_is_composite_with_its_inputs() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"rules", "python-version", "token"} <= set(action["inputs"])
    assert Path(ACTION).parent == WORKFLOWS.parents[1]
