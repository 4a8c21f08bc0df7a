"""Replay the PRs of the 2026-05-25 SEV-1 as real git repositories (RCA factors 1 and 2).

Each test builds the backend's history with real commits, opens the PR as a branch and judges it
exactly as CI does: `GitContext.from_repo` + the shipped policy, and `release-gate check` for the
exit code (4 blocked, 3 needs smoke).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from release_gate import cli
from release_gate.core import config, engine
from release_gate.core.verdict import Evaluation, Verdict
from release_gate.git import GitContext
from tests.gitrepo import GitRepo

MAIN = "backend_v2/api/main.py"
AUTH = "backend_v2/api/routes/auth.py"
TOKEN_ROUTES = "backend_v2/api/routes/token_routes.py"
SERVICE = "backend_v2/api/services/webauthn_service.py"
RCA2 = "(RCA 2026-05-25 factor 2: begin and verify ship in one PR)"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MAIN_SRC = src("""
    from fastapi import FastAPI

    from .routes import auth

    app = FastAPI(title="raxx")
    app.include_router(auth.router, prefix="/api/auth")
""")

AUTH_HEAD = src("""
    import logging

    from fastapi import APIRouter

    from ..services import webauthn_service

    logger = logging.getLogger(__name__)
    router = APIRouter(prefix="/register", tags=["auth"])


    @router.post("/begin")
    async def register_begin(body: dict) -> dict:
        return webauthn_service.begin(body["email"])


    @router.post("/verify")
    async def register_verify(body: dict) -> dict:
        return webauthn_service.verify(body)
""")

BEGIN_WITH_TOKEN = src('''


    @router.post("/begin-with-token")
    async def register_begin_with_token(body: dict) -> dict:
        """Option C bootstrap-link flow: a signed token instead of an email round trip."""
        options = webauthn_service.begin_with_token(body["token"])
        logger.info("auth.register_begin_with_token issued ...")
        return options
''')

VERIFY_WITH_TOKEN = src('''


    @router.post("/verify-with-token")
    async def register_verify_with_token(body: dict) -> dict:
        return webauthn_service.verify_with_token(body)
''')

SERVICE_SRC = src("""
    import os

    import redis

    _redis = redis.Redis.from_url(os.environ["REDIS_URL"])


    def begin(email):
        return {}


    def verify(body):
        return {"status": "ok"}
""")

SERVICE_WITH_STORE = src("""
    import os

    _challenge_store = {}


    def _store_challenge(user_id, challenge):
        _challenge_store[user_id] = challenge


    def _pop_challenge(user_id):
        return _challenge_store.pop(user_id, None)


    def begin(email):
        return {}


    def verify(body):
        return {"status": "ok"}
""")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """The backend just before PR #2725: the old begin/verify pair, Redis client in place."""
    repo = GitRepo(tmp_path / "backend")
    repo.commit({MAIN: MAIN_SRC, AUTH: AUTH_HEAD, SERVICE: SERVICE_SRC,
                 "backend_v2/api/__init__.py": "", "backend_v2/api/routes/__init__.py": "",
                 "README.md": "raxx backend\n"}, "v43")
    return repo


def open_pr(repo: GitRepo, name: str, files: dict[str, str | bytes | None],
            base: str = "main") -> str:
    repo.branch(name, base)
    head = repo.commit(files, name)
    repo.checkout("main")
    return head


def judge(repo: GitRepo, head: str, base: str = "main") -> Evaluation:
    with GitContext.from_repo(repo.root, base, head) as ctx:
        return engine.evaluate(config.load_default(), ctx)


def check_exit(repo: GitRepo, head: str, capsys: pytest.CaptureFixture[str],
               base: str = "main") -> tuple[int, dict[str, object]]:
    code = cli.main(["check", "--repo", str(repo.root), "--base", base, "--head", head,
                     "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def rules_of(evaluation: Evaluation) -> set[str]:
    return {f.rule for f in evaluation.findings}


def test_pr_2725_begin_with_token_alone_is_blocked(repo: GitRepo,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    auth = AUTH_HEAD + BEGIN_WITH_TOKEN
    head = open_pr(repo, "pr-2725", {AUTH: auth})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    (orphan,) = [f for f in evaluation.findings if f.rule == "begin-verify-pairing"]
    assert (orphan.path, orphan.line) == (AUTH, line_of(auth, '"/begin-with-token"'))
    assert orphan.message == (
        "POST /api/auth/register/begin-with-token has no /api/auth/register/verify-with-token "
        f"in this PR's head {RCA2}.")
    code, report = check_exit(repo, head, capsys)
    assert code == 4
    assert report["verdict"] == "blocked"


def test_pr_2726_the_follow_up_with_verify_needs_smoke(repo: GitRepo,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # #2725 got merged anyway (the gate did not exist yet); #2726 brings the twin.
    repo.commit({AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN}, "v44: PR #2725")
    head = open_pr(repo, "pr-2726", {AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN + VERIFY_WITH_TOKEN})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert rules_of(evaluation) == {"auth-routes"}
    code, _ = check_exit(repo, head, capsys)
    assert code == 3


def test_begin_and_verify_in_one_pr_needs_smoke(repo: GitRepo) -> None:
    head = open_pr(repo, "one-pr", {AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN + VERIFY_WITH_TOKEN})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert rules_of(evaluation) == {"auth-routes"}


def test_editing_only_the_body_of_a_begin_handler_needs_smoke(repo: GitRepo) -> None:
    repo.commit({AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN + VERIFY_WITH_TOKEN}, "v45")
    edited = (AUTH_HEAD + BEGIN_WITH_TOKEN + VERIFY_WITH_TOKEN).replace(
        'logger.info("auth.register_begin_with_token issued ...")',
        'logger.warning("auth.register_begin_with_token issued user_id=%s", options["user"])')
    head = open_pr(repo, "log-level", {AUTH: edited})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert rules_of(evaluation) == {"auth-routes"}


def test_removing_verify_with_token_is_blocked(repo: GitRepo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    both = AUTH_HEAD + BEGIN_WITH_TOKEN + VERIFY_WITH_TOKEN
    repo.commit({AUTH: both}, "v45")
    head = open_pr(repo, "drop-verify", {AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    (orphan,) = [f for f in evaluation.findings if f.rule == "begin-verify-pairing"]
    assert orphan.line == line_of(AUTH_HEAD + BEGIN_WITH_TOKEN, '"/begin-with-token"')
    assert (f"this PR removed or renamed it (at the base: {AUTH} line "
            f"{line_of(both, '/verify-with-token')})") in orphan.message
    code, report = check_exit(repo, head, capsys)
    assert code == 4
    findings = report["findings"]
    assert isinstance(findings, list)
    assert {"rule": "begin-verify-pairing", "outcome": "blocked", "path": AUTH,
            "line": orphan.line, "message": orphan.message} in findings


TOKEN_ROUTES_SRC = src("""
    from fastapi import APIRouter

    from ..services import webauthn_service

    router = APIRouter(prefix="/register")


    @router.post("/verify-with-token")
    async def register_verify_with_token(body: dict) -> dict:
        return webauthn_service.verify_with_token(body)
""")


def main_with_token_routes(prefix: str) -> str:
    return MAIN_SRC.replace("from .routes import auth", "from .routes import auth\n"
                            "from .routes.token_routes import router as token_router") + (
        f'app.include_router(token_router, prefix="{prefix}")\n')


def test_routes_split_over_two_files_pair_through_the_router_prefixes(repo: GitRepo) -> None:
    head = open_pr(repo, "split", {AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN,
                                   TOKEN_ROUTES: TOKEN_ROUTES_SRC,
                                   MAIN: main_with_token_routes("/api/auth")})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert rules_of(evaluation) == {"auth-routes"}


def test_routes_split_over_two_files_under_different_prefixes_are_blocked(repo: GitRepo) -> None:
    auth = AUTH_HEAD + BEGIN_WITH_TOKEN
    head = open_pr(repo, "split-wrong", {AUTH: auth, TOKEN_ROUTES: TOKEN_ROUTES_SRC,
                                         MAIN: main_with_token_routes("/api/v2/auth")})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    (orphan,) = [f for f in evaluation.findings if f.rule == "begin-verify-pairing"]
    assert (orphan.path, orphan.line) == (AUTH, line_of(auth, '"/begin-with-token"'))


def test_the_challenge_store_is_blocked(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    head = open_pr(repo, "challenge-store", {SERVICE: SERVICE_WITH_STORE})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    (state,) = [f for f in evaluation.findings if f.rule == "process-local-state"]
    assert state.path == SERVICE
    assert state.line == line_of(SERVICE_WITH_STORE, "_challenge_store = {}")
    assert "gunicorn --preload" in state.message
    assert "Redis or Postgres" in state.message
    assert "_store_challenge() at line 7 (assigns an item)" in state.message
    code, report = check_exit(repo, head, capsys)
    assert code == 4
    checklist = report["checklist"]
    assert isinstance(checklist, list)
    assert any("RCA 2026-05-25, factor 1" in item for item in checklist)


def test_the_rca_fix_pr_2728_needs_smoke_not_blocked(repo: GitRepo) -> None:
    repo.commit({SERVICE: SERVICE_WITH_STORE}, "the store as it was in v44")
    head = open_pr(repo, "fix/webauthn-challenge-store-redis", {SERVICE: SERVICE_SRC})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.NEEDS_SMOKE
    assert "process-local-state" not in rules_of(evaluation)


def test_a_reasoned_allow_comment_lifts_the_block(repo: GitRepo) -> None:
    allowed = SERVICE_WITH_STORE.replace(
        "_challenge_store = {}",
        "_challenge_store = {}  # release-gate: allow-process-local-state local dev fallback "
        "only, prod uses Redis")
    head = open_pr(repo, "allowed", {SERVICE: allowed})
    assert judge(repo, head).verdict is Verdict.NEEDS_SMOKE


@pytest.mark.parametrize(("content", "words"), [
    (AUTH_HEAD + "\n@router.post('/begin-with-token'\nasync def broken(:\n",
     "does not parse as Python"),
    (AUTH_HEAD.encode() + b"\nGREETING = 'caf\xe9'\n", "is not decodable as Python source text"),
], ids=["syntax-error", "latin-1"])
def test_a_touched_route_file_that_does_not_parse_is_blocked(repo: GitRepo, content: str | bytes,
                                                             words: str) -> None:
    head = open_pr(repo, "broken", {AUTH: content})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    by_rule = {f.rule: f for f in evaluation.findings}
    assert words in by_rule["begin-verify-pairing"].message
    assert words in by_rule["process-local-state"].message


def test_deleting_the_file_with_the_twin_is_blocked(repo: GitRepo) -> None:
    repo.commit({AUTH: AUTH_HEAD + BEGIN_WITH_TOKEN, TOKEN_ROUTES: TOKEN_ROUTES_SRC,
                 MAIN: main_with_token_routes("/api/auth")}, "split pair on main")
    head = open_pr(repo, "cleanup", {TOKEN_ROUTES: None,
                                     MAIN: main_with_token_routes("/api/auth").replace(
                                         'app.include_router(token_router, prefix="/api/auth")\n',
                                         "").replace(
                                         "from .routes.token_routes import router as "
                                         "token_router\n", "")})
    evaluation = judge(repo, head)
    assert evaluation.verdict is Verdict.BLOCKED
    (orphan,) = [f for f in evaluation.findings if f.rule == "begin-verify-pairing"]
    assert orphan.path == AUTH  # blamed on the begin, though auth.py itself is untouched
    assert f"(at the base: {TOKEN_ROUTES} line 8)" in orphan.message
