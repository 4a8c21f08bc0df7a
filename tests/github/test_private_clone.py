"""`--clone` on a private repository: the lazy blob fetches of a `filter: blob:none` checkout
need the token, and the gate hands it to git itself (git/isolation.py drops every GIT_*).

A real `git http-backend` behind basic auth (tests/gitserver.py) holds the repository; the
clone is made as action.yml makes it (partial, no checkout, the PR head fetched as data, no
credentials kept); the same commits are mirrored in the fake GitHub; `release-gate pr --clone`
runs through the real CLI and PyGithub.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github.conftest import AUTH, DEFAULT_RULES, Gate
from tests.gitrepo import GitRepo
from tests.gitserver import GitHttpServer, basic_header

TOKEN = "ghs_private_repo_token_0123456789"
ROUTES = "backend_v2/api/routes/register.py"
BASE_FILES: dict[str, str | bytes | None] = {
    "README.md": "signup backend\n", "rules.yaml": DEFAULT_RULES,
    ROUTES: 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n'
            '@app.post("/api/auth/register/verify-with-token")\ndef verify() -> int:\n'
            '    return 1\n',
}
HEAD_FILES: dict[str, str | bytes | None] = {
    AUTH: "from fastapi import APIRouter\nrouter = APIRouter()\n",
    ROUTES: str(BASE_FILES[ROUTES]) + '\n\n@app.post("/api/auth/register/begin-with-token")\n'
                                      'def begin() -> int:\n    return 1\n',
}


def _git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd),
           "GIT_TERMINAL_PROMPT": "0"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def private(gate: Gate, tmp_path: Path) -> Iterator[tuple[GitHttpServer, Path]]:
    """PR 1 in a private repository served over HTTP, and the gate job's partial clone of it."""
    work = GitRepo(tmp_path / "work")
    base = work.commit(BASE_FILES, "base")
    head = work.commit(HEAD_FILES, "pr")
    served = tmp_path / "served"
    served.mkdir()
    _git("clone", "-q", "--bare", str(work.root), str(served / "backend.git"), cwd=tmp_path)
    bare = served / "backend.git"
    _git("update-ref", "refs/heads/main", base, cwd=bare)
    _git("update-ref", "refs/pull/1/head", head, cwd=bare)
    _git("config", "uploadpack.allowFilter", "true", cwd=bare)
    _git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=bare)
    gate.fake.commit(BASE_FILES, sha=base)
    gate.fake.commit(HEAD_FILES, parent=base, sha=head)
    gate.fake.open_pull(1, base=base, head=head)
    with GitHttpServer(served, TOKEN) as server:
        clone = tmp_path / "checkout"
        auth = ["-c", f"http.extraheader={basic_header(TOKEN)}"]
        _git(*auth, "clone", "-q", "--filter=blob:none", "--no-checkout",
             f"{server.url}backend.git", str(clone), cwd=tmp_path)
        _git(*auth, "fetch", "-q", "--no-tags", "origin",
             "+refs/pull/1/head:refs/remotes/pull/1/head", cwd=clone)
        yield server, clone


def _secrets() -> tuple[str, ...]:
    return (TOKEN, base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode())


def test_a_private_partial_clone_is_read_with_the_token_the_gate_hands_git(
        gate: Gate, private: tuple[GitHttpServer, Path]) -> None:
    server, clone = private
    server.requests.clear()
    rules = gate.tmp / "rules.yaml"  # the base checkout's file, as the workflow passes it
    rules.write_text(DEFAULT_RULES, "utf-8")
    result = gate.pr(1, "--clone", str(clone), "--rules", str(rules),
                     RELEASE_GATE_GIT_EXTRAHEADER=basic_header(TOKEN),
                     RELEASE_GATE_GIT_EXTRAHEADER_URL=server.url)
    assert result.code == 0, result.out
    head = gate.fake.pulls[1].head
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    # The blobs came from the private server, with the token, lazily: not from the API.
    assert any(method == "POST" and ok for method, _, ok in server.requests)
    assert all(ok for _, _, ok in server.requests)
    assert gate.fake.calls[("POST", "/graphql")] == 0
    assert gate.fake.calls[("GET", "/repos/{owner}/{repo}/contents/{path}")] == 0
    assert "could not be read" not in result.out
    body = gate.fake.sticky_comments(1)[0]["body"]
    for secret in _secrets():
        assert secret not in result.out and secret not in body


def test_without_the_token_the_fallback_to_the_api_is_said_in_the_log_and_the_comment(
        gate: Gate, private: tuple[GitHttpServer, Path]) -> None:
    server, clone = private
    server.requests.clear()
    result = gate.pr(1, "--clone", str(clone))
    assert result.code == 0, result.out
    assert any(not ok for _, _, ok in server.requests)  # git asked, and was refused
    said = "could not be read"
    assert f"release-gate: PR #1: the local clone ({clone}) {said}" in result.out
    assert "judged through the GitHub API instead" in result.out
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert said in body and "judged through the GitHub API instead" in body
    head = gate.fake.pulls[1].head
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]
    for secret in _secrets():
        assert secret not in result.out and secret not in body
