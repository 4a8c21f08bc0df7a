"""Run a workflow's job the way a GitHub-hosted runner does, on this machine, for tests.

Each `run:` step is a bash script (`bash --noprofile --norc -eo pipefail`, the runner's default
shell) run in the job's workspace with the runner's variables (GITHUB_EVENT_PATH with the event
payload, GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files, RUNNER_TEMP, ...)
and the `env:` of the workflow, the job and the step merged, every `${{ }}` evaluated by
tests/workflows/expressions.py (an expression it cannot evaluate fails the test). `if:` decides
whether a step runs, against the job's status (success, failure, cancelled).

`uses:` steps are emulated by what the action does, and only these:

  actions/checkout      git init + fetch of `ref` from the origin repository (a bare repository
                        on disk, served over file:// so `filter:` and single-SHA fetches behave
                        as against GitHub), then a detached checkout; credentials are kept in
                        .git/config only when `persist-credentials` is true
  astral-sh/setup-uv    `uv venv` at `venv-path`, activated for the later steps (PATH,
                        VIRTUAL_ENV); this machine's Python stands in for `python-version`
                        (it must be 3.11 or later); uv's cache on this machine is the warm cache
  actions/upload-artifact  copies `path` into the run's artifacts directory
  ./                    the repository's composite action.yml, its steps run the same way

Anything else fails the test. Cancellation is emulated as the runner does it: SIGINT to the
step's process group, SIGTERM 7.5 s later, SIGKILL 2.5 s after that; then only the steps whose
`if:` holds under `cancelled()` run.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.workflows.expressions import Evaluator, ExpressionError, Strict, to_string

STEP_TIMEOUT = 300.0
_SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)@[0-9a-f]{40}$")


@dataclass
class StepResult:
    name: str
    outcome: str  # success, failure, skipped, cancelled
    output: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobResult:
    status: str  # success, failure, cancelled
    steps: list[StepResult]
    summary: str
    workspace: Path
    artifacts: Path
    concurrency: str  # the evaluated concurrency group (workflow or job level)
    environment: str | None

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def log(self) -> str:
        return "\n".join(f"--- {s.name} [{s.outcome}]\n{s.output}" for s in self.steps)


@dataclass
class Cancel:
    """Cancel the run while step `step` runs, once its output contains `when`."""
    step: str
    when: str


@dataclass
class Meanwhile:
    """Something happens outside the job (a person deploys, changes config) while step `step`
    runs, once its output contains `when`: `action` is called once, from the runner."""
    step: str
    when: str
    action: Callable[[], None]


@dataclass
class Machine:
    """The runner machine: its base environment, the origin repository, the server's URLs."""
    root: Path
    origin: Path  # a bare repository: the "GitHub" remote of the checkout
    environ: dict[str, str]
    server_url: str
    api_url: str
    repository: str


class JobRun:
    def __init__(self, machine: Machine, workflow_path: Path, job_id: str, *, event_name: str,
                 event: Mapping[str, Any], sha: str, ref: str, run_id: int,
                 secrets: Mapping[str, str], variables: Mapping[str, str],
                 inputs: Mapping[str, Any] | None = None, cancel: Cancel | None = None,
                 meanwhile: Meanwhile | None = None) -> None:
        self.machine = machine
        self.workflow = yaml.safe_load(workflow_path.read_text("utf-8"))
        self.job = self.workflow["jobs"][job_id]
        self.cancel = cancel
        self.meanwhile = meanwhile
        self.dir = machine.root / f"run-{run_id}-{job_id}"
        self.workspace = self.dir / "workspace"
        self.temp = self.dir / "temp"
        self.artifacts = self.dir / "artifacts"
        for path in (self.workspace, self.temp, self.artifacts):
            path.mkdir(parents=True, exist_ok=True)
        self.event_path = self.dir / "event.json"
        self.event_path.write_text(json.dumps(event), "utf-8")
        self.status = "success"
        self.path_prefix: list[str] = []
        self.job_env: dict[str, str] = {}  # GITHUB_ENV additions
        self.summary: list[str] = []
        self.results: list[StepResult] = []
        self.github = {
            "event_name": event_name, "event": event, "sha": sha, "ref": ref,
            "repository": machine.repository, "server_url": machine.server_url,
            "api_url": machine.api_url, "run_id": str(run_id), "run_attempt": "1",
            "workspace": str(self.workspace), "token": secrets["GITHUB_TOKEN"],
            "action_path": "", "workflow": self.workflow.get("name", ""),
        }
        self.secrets = Strict("secrets", secrets)
        self.vars = Strict("vars", variables)
        self.inputs = Strict("inputs", self._inputs(inputs or {}))
        self.runner = {"temp": str(self.temp), "os": "Linux", "arch": "X64"}
        self.run_id = run_id

    # -- the job -------------------------------------------------------------------------------

    def _inputs(self, given: Mapping[str, Any]) -> dict[str, Any]:
        on = self.workflow.get("on", self.workflow.get(True)) or {}
        declared = ((on.get("workflow_dispatch") or {}).get("inputs") or {}
                    if isinstance(on, dict) else {})
        unknown = set(given) - set(declared)
        assert not unknown, f"inputs not declared by the workflow: {unknown}"
        values = {name: spec.get("default") for name, spec in declared.items()}
        values.update(given)
        for name, spec in declared.items():
            if spec.get("type") == "choice":
                assert values[name] in spec["options"], f"{name}={values[name]!r}"
            if spec.get("required"):
                assert values[name] not in (None, ""), f"input {name} is required"
        return values

    def run(self) -> JobResult:
        # What GitHub evaluates before the first step: the concurrency group and the environment.
        evaluator = self._evaluator({}, {}, None)
        concurrency = self.job.get("concurrency") or self.workflow.get("concurrency") or {}
        group = evaluator.render_string(concurrency.get("group", ""))
        environment = self.job.get("environment")
        if environment is not None:
            environment = evaluator.render_string(environment)
        base_env = {**(self.workflow.get("env") or {}), **(self.job.get("env") or {})}
        self._steps(self.job["steps"], base_env, scope="job", inputs=None, action_path="")
        return JobResult(self.status, self.results, "".join(self.summary), self.workspace,
                         self.artifacts, group, environment)

    def _functions(self) -> dict[str, Callable[[], bool]]:
        return {
            "success": lambda: self.status == "success",
            "failure": lambda: self.status == "failure",
            "cancelled": lambda: self.status == "cancelled",
            "always": lambda: True,
        }

    def _evaluator(self, env: Mapping[str, str], steps: Mapping[str, Any],
                   inputs: Mapping[str, Any] | None, action_path: str = "") -> Evaluator:
        contexts: dict[str, Any] = {
            "github": {**self.github, "action_path": action_path},
            "secrets": self.secrets, "vars": self.vars, "env": dict(env),
            "steps": Strict("steps", steps), "runner": self.runner,
            "inputs": self.inputs if inputs is None else Strict("inputs", inputs),
        }
        return Evaluator(contexts, self._functions())

    def _steps(self, steps: list[dict[str, Any]], inherited_env: Mapping[str, Any], *, scope: str,
               inputs: Mapping[str, Any] | None, action_path: str) -> dict[str, Any]:
        declared = {s["id"] for s in steps if "id" in s}
        step_contexts: dict[str, Any] = {sid: {"outputs": {}, "outcome": None,
                                               "conclusion": None} for sid in declared}
        for index, step in enumerate(steps):
            name = step.get("name") or step.get("uses") or f"{scope}[{index}]"
            env_so_far: dict[str, str] = {}
            for key, value in inherited_env.items():
                env_so_far[key] = self._evaluator(env_so_far, step_contexts, inputs,
                                                  action_path).render_string(value)
            evaluator = self._evaluator({**self.job_env, **env_so_far}, step_contexts, inputs,
                                        action_path)
            if not evaluator.condition(step.get("if")):
                self.results.append(StepResult(name, "skipped"))
                continue
            step_env = dict(env_so_far)
            for key, value in (step.get("env") or {}).items():
                step_env[key] = evaluator.render_string(value)
            evaluator = self._evaluator({**self.job_env, **step_env}, step_contexts, inputs,
                                        action_path)
            if "run" in step:
                result = self._run_step(name, step, step_env, evaluator, action_path)
            elif "uses" in step:
                result = self._uses_step(name, step, step_env, evaluator, action_path)
            else:
                raise AssertionError(f"step {name}: neither run nor uses")
            self.results.append(result)
            if "id" in step:
                step_contexts[step["id"]] = {"outputs": result.outputs,
                                             "outcome": result.outcome,
                                             "conclusion": result.outcome}
            failed = result.outcome == "failure" and not step.get("continue-on-error")
            if failed and self.status == "success":
                self.status = "failure"
        return step_contexts

    # -- run: ----------------------------------------------------------------------------------

    def _environment(self, step_env: Mapping[str, str], files: Mapping[str, Path],
                     action_path: str) -> dict[str, str]:
        env = dict(self.machine.environ)
        env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": self.github["event_name"],
            "GITHUB_EVENT_PATH": str(self.event_path), "GITHUB_SHA": self.github["sha"],
            "GITHUB_REF": self.github["ref"], "GITHUB_REPOSITORY": self.machine.repository,
            "GITHUB_SERVER_URL": self.machine.server_url, "GITHUB_API_URL": self.machine.api_url,
            "GITHUB_RUN_ID": str(self.run_id), "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_ACTION_PATH": action_path,
            "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux",
            "GITHUB_OUTPUT": str(files["output"]), "GITHUB_ENV": str(files["env"]),
            "GITHUB_PATH": str(files["path"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
        })
        env.update(self.job_env)
        env.update(step_env)
        env["PATH"] = os.pathsep.join([*reversed(self.path_prefix), env.get("PATH", "")])
        return env

    def _files(self, name: str) -> dict[str, Path]:
        index = len(self.results)
        files = {kind: self.dir / f"step{index}.{kind}" for kind in
                 ("output", "env", "path", "summary")}
        for path in files.values():
            path.write_text("", "utf-8")
        return files

    def _run_step(self, name: str, step: Mapping[str, Any], step_env: Mapping[str, str],
                  evaluator: Evaluator, action_path: str) -> StepResult:
        script = evaluator.render_string(step["run"])
        shell = step.get("shell", "bash")
        assert shell == "bash", f"step {name}: shell {shell} is not emulated"
        files = self._files(name)
        script_path = self.temp / f"step{len(self.results)}.sh"
        script_path.write_text(script, "utf-8")
        cwd = self.workspace / evaluator.render_string(step.get("working-directory", "."))
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path)], cwd=cwd,
            env=self._environment(step_env, files, action_path), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        output = self._collect(name, process)
        outcome = "success" if process.returncode == 0 else "failure"
        if self.status == "cancelled" and process.returncode != 0:
            outcome = "cancelled"
        self._absorb(files)
        return StepResult(name, outcome, output, _read_outputs(files["output"]))

    def _collect(self, name: str, process: subprocess.Popen[bytes]) -> str:
        chunks: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        done = threading.Event()

        def reader() -> None:
            for raw in iter(stream.readline, b""):
                chunks.append(raw.decode("utf-8", "replace"))
            done.set()

        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + STEP_TIMEOUT
        cancel = self.cancel if self.cancel and self.cancel.step == name else None
        meanwhile = self.meanwhile if self.meanwhile and self.meanwhile.step == name else None
        while process.poll() is None:
            if meanwhile is not None and meanwhile.when in "".join(chunks):
                meanwhile.action()
                meanwhile = None
            if time.monotonic() > deadline:
                _signal_group(process, signal.SIGKILL)
                raise AssertionError(f"step {name} ran over {STEP_TIMEOUT} s:\n{''.join(chunks)}")
            if cancel is not None and cancel.when in "".join(chunks):
                self.status = "cancelled"
                self._cancel(process)
                cancel = None
            time.sleep(0.05)
        done.wait(10)
        return "".join(chunks)

    @staticmethod
    def _cancel(process: subprocess.Popen[bytes]) -> None:
        """The runner's cancellation: SIGINT, SIGTERM after 7.5 s, SIGKILL 2.5 s later."""
        for signum, grace in ((signal.SIGINT, 7.5), (signal.SIGTERM, 2.5),
                              (signal.SIGKILL, 10.0)):
            _signal_group(process, signum)
            try:
                process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue

    def _absorb(self, files: Mapping[str, Path]) -> None:
        self.job_env.update(_read_outputs(files["env"]))
        for line in files["path"].read_text("utf-8").splitlines():
            if line.strip():
                self.path_prefix.append(line.strip())
        self.summary.append(files["summary"].read_text("utf-8"))

    # -- uses: ---------------------------------------------------------------------------------

    def _uses_step(self, name: str, step: Mapping[str, Any], step_env: Mapping[str, str],
                   evaluator: Evaluator, action_path: str) -> StepResult:
        uses = str(step["uses"])
        with_ = {k: evaluator.render(v) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("./"):
            return self._composite(name, uses, with_, step_env, evaluator)
        match = _SHA_PIN.match(uses)
        assert match, f"step {name}: {uses} is not pinned by SHA"
        emulate = {
            "actions/checkout": self._checkout,
            "astral-sh/setup-uv": self._setup_uv,
            "actions/upload-artifact": self._upload_artifact,
        }.get(match["action"])
        if emulate is None:
            raise AssertionError(f"step {name}: no emulation of {match['action']}")
        try:
            output = emulate(with_)
        except subprocess.CalledProcessError as error:
            return StepResult(name, "failure", f"{error}\n{error.stdout}{error.stderr}")
        return StepResult(name, "success", output)

    def _git(self, *args: str, cwd: Path) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=True, env={**self.machine.environ, "GIT_TERMINAL_PROMPT": "0"},
                              timeout=120)
        return done.stdout

    def _checkout(self, with_: Mapping[str, Any]) -> str:
        allowed = {"ref", "fetch-depth", "filter", "persist-credentials"}
        assert set(with_) <= allowed, f"checkout inputs not emulated: {set(with_) - allowed}"
        ref = to_string(with_.get("ref")) or self.github["sha"]
        depth = int(with_.get("fetch-depth", 1))
        ws = self.workspace
        self._git("init", "-q", cwd=ws)
        self._git("remote", "add", "origin", self.machine.origin.as_uri(), cwd=ws)
        fetch = ["fetch", "--no-tags", "--quiet"]
        if with_.get("filter"):
            fetch.append(f"--filter={with_['filter']}")
        if depth > 0:
            fetch.append(f"--depth={depth}")
            self._git(*fetch, "origin", ref, cwd=ws)
        else:  # fetch-depth 0: every branch, then the ref
            self._git(*fetch, "origin", "+refs/heads/*:refs/remotes/origin/*", cwd=ws)
            self._git(*fetch, "origin", ref, cwd=ws)
        self._git("checkout", "-q", "--detach", "FETCH_HEAD", cwd=ws)
        if with_.get("persist-credentials", True) is not False:
            basic = base64.b64encode(f"x-access-token:{self.secrets['GITHUB_TOKEN']}".encode())
            self._git("config", "--local", f"http.{self.machine.server_url}/.extraheader",
                      f"AUTHORIZATION: basic {basic.decode()}", cwd=ws)
        return self._git("rev-parse", "HEAD", cwd=ws)

    def _setup_uv(self, with_: Mapping[str, Any]) -> str:
        allowed = {"python-version", "activate-environment", "venv-path", "enable-cache",
                   "cache-dependency-glob"}
        assert set(with_) <= allowed, f"setup-uv inputs not emulated: {set(with_) - allowed}"
        wanted = tuple(int(p) for p in to_string(with_.get("python-version", "3.11")).split("."))
        assert wanted >= (3, 11), f"python-version {wanted} is below the project's 3.11"
        uv = shutil.which("uv", path=self.machine.environ.get("PATH"))
        assert uv, "uv is not installed (the dev extra has it)"
        self.path_prefix.append(str(Path(uv).parent))
        if with_.get("activate-environment") in (True, "true"):
            venv = Path(to_string(with_.get("venv-path")) or self.workspace / ".venv")
            subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)],
                           check=True, capture_output=True, text=True, timeout=120,
                           env=self.machine.environ)
            self.path_prefix.append(str(venv / "bin"))
            self.job_env["VIRTUAL_ENV"] = str(venv)
            self.job_env["UV_PYTHON"] = str(venv / "bin" / "python")
        return f"uv at {uv}"

    def _upload_artifact(self, with_: Mapping[str, Any]) -> str:
        name, path = to_string(with_["name"]), Path(to_string(with_["path"]))
        if not path.is_absolute():
            path = self.workspace / path
        if not path.exists():
            mode = to_string(with_.get("if-no-files-found", "warn"))
            assert mode in ("warn", "ignore"), f"artifact {name}: no file at {path}"
            return f"no file at {path}"
        target = self.artifacts / name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / path.name)
        return f"uploaded {path.name} as {name}"

    def _composite(self, name: str, uses: str, with_: Mapping[str, Any],
                   step_env: Mapping[str, str], evaluator: Evaluator) -> StepResult:
        action_dir = (self.workspace / uses).resolve()
        action = yaml.safe_load((action_dir / "action.yml").read_text("utf-8"))
        assert action["runs"]["using"] == "composite"
        declared = action.get("inputs") or {}
        unknown = set(with_) - set(declared)
        assert not unknown, f"{uses}: inputs it does not declare: {unknown}"
        defaults = self._evaluator({}, {}, {}, str(action_dir))
        inputs = {key: (with_[key] if key in with_ else defaults.render(spec.get("default", "")))
                  for key, spec in declared.items()}
        before = len(self.results)
        contexts = self._steps(action["runs"]["steps"], {}, scope=uses, inputs=inputs,
                               action_path=str(action_dir))
        inner = self.results[before:]
        outputs_evaluator = self._evaluator({}, contexts, inputs, str(action_dir))
        outputs = {key: outputs_evaluator.render_string(spec["value"])
                   for key, spec in (action.get("outputs") or {}).items()}
        failed = any(r.outcome == "failure" for r in inner)
        return StepResult(name, "failure" if failed else "success",
                          f"composite {uses}: {len(inner)} steps", outputs)


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV: `key=value` lines and `key<<DELIM` ... `DELIM` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text("utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            values[key] = "\n".join(lines[index + 1:end])
            index = end + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
        elif line.strip():
            raise ExpressionError(f"{path.name}: unreadable line {line!r}")
        index += 1
    return values


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)
