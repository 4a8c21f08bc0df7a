"""Fixtures for end-to-end PR-gate tests: the fake GitHub over TLS and the real CLI in-process.

Everything goes through `release_gate.cli.main` -> PyGithub -> requests -> HTTPS -> the fake
(tests/fakes/github.py). No mocks: the fake is a server, the client is the real one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_gate import cli
from tests.fakes.github import FakeGitHub
from tests.fakes.heroku import FakeHeroku

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULES = (REPO_ROOT / "release_gate" / "data" / "rules.yaml").read_text("utf-8")
AUTH = "backend_v2/api/routes/auth.py"
SMOKE_TITLE = "smoke PR #{n} on prod"
PROD_APP = APP = "raxx-api-prod"  # smoke.heroku_app of the shipped rules.yaml


def pass_on_prod(sha: str, release: int = 47, app: str = PROD_APP) -> str:
    """The description of a PASS on production running `sha` (deployment.pass_description)."""
    return f"PASS on {app} v{release} @ {sha[:7]}"

# Short waits: the retry machinery is the same, only the numbers shrink (docs/design.md §8: no
# timed assertions, and a fast suite on a shared 2-core machine).
FAST = {
    "RELEASE_GATE_GITHUB_BACKOFF": "0.01",
    "RELEASE_GATE_GITHUB_WRITE_INTERVAL": "0",
    "RELEASE_GATE_GITHUB_SECONDARY_WAIT": "0.05",
    "RELEASE_GATE_GITHUB_RETRIES": "3",
}


@dataclass
class Outcome:
    code: int
    out: str


@dataclass
class Gate:
    fake: FakeGitHub
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    run_id: int = 900001

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.fake.environ(run_id=self.run_id), **FAST,
                "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
                "GITHUB_OUTPUT": str(self.tmp / "output.txt"), **extra}

    def pr(self, number: int, *args: str, **extra: str) -> Outcome:
        for key, value in self.env(**extra).items():
            self.monkeypatch.setenv(key, value)
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            code = cli.main(["pr", "--pr", str(number), *args])
        return Outcome(code, buffer.getvalue())

    def base(self, files: dict[str, str | bytes | None] | None = None,
             rules: str | None = DEFAULT_RULES) -> str:
        content: dict[str, str | bytes | None] = {"README.md": "signup backend\n"}
        if rules is not None:
            content["rules.yaml"] = rules
        content.update(files or {})
        return self.fake.commit(content)

    def open(self, number: int, files: dict[str, str | bytes | None], *,
             base: str | None = None) -> str:
        base_sha = base or self.base()
        head = self.fake.commit(files, parent=base_sha)
        self.fake.open_pull(number, base=base_sha, head=head)
        return head

    def smoke_pass(self, number: int, sha: str, *, finish: bool = True,
                   description: str | None = None, **run: str) -> int:
        """What a genuine smoke run leaves behind: a dispatch run and its PASS status (by default
        on production running `sha`, release v47)."""
        run.setdefault("display_title", SMOKE_TITLE.format(n=number))
        run_id = self.fake.add_run(**run)
        self.fake.add_status(sha, state="success", context="release-gate/smoke",
                             creator=self.fake.tokens[self.fake.ACTIONS_TOKEN],
                             description=description or pass_on_prod(sha),
                             target_url=self.fake.run_url(run_id))
        if finish:
            self.fake.finish_run(run_id)
        return run_id

    def gate_status(self, sha: str) -> dict[str, object] | None:
        return self.fake.latest_status(sha, "release-gate")

    def output(self) -> str:
        path = self.tmp / "output.txt"
        return path.read_text("utf-8") if path.exists() else ""


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def gate(fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gate:
    for key in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_SHA"):
        monkeypatch.delenv(key, raising=False)
    return Gate(fake, tmp_path, monkeypatch)


@pytest.fixture
def heroku(gate: Gate, tmp_path: Path) -> Iterator[FakeHeroku]:
    """The fake Platform API, trusted together with the fake GitHub (one CA bundle)."""
    with FakeHeroku() as fake:
        fake.add_app(APP)
        bundle = tmp_path / "cas.pem"
        bundle.write_text(Path(gate.fake.ca_path).read_text() + Path(fake.ca_path).read_text())
        for key, value in {**fake.environ(), "SSL_CERT_FILE": str(bundle),
                           "REQUESTS_CA_BUNDLE": str(bundle)}.items():
            gate.monkeypatch.setenv(key, value)
        gate.monkeypatch.setattr(gate.fake, "ca_path", str(bundle))
        yield fake
