"""A real git repository of the signup backend with the shipped rules.yaml, judged by `check`.

Generated (hypothesis) tests commit one PR per example: each is a fresh branch off `main`, and
`release-gate check --format json` judges it exactly as in CI (no fake context, no mock).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_gate.cli import main
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[3]
SHIPPED_RULES = (ROOT / "rules.yaml").read_text()

AUTH_PY = '''from fastapi import APIRouter

router = APIRouter(prefix="/api/auth")


@router.post("/register/begin-with-token")
def register_begin_with_token():
    return {}


@router.post("/register/verify-with-token")
def register_verify_with_token():
    return {}
'''

MAIN_PY = '''from fastapi import FastAPI

from backend_v2.api.routes import auth

app = FastAPI()
app.include_router(auth.router)
'''

SERVICE_PY = '''import redis

_redis = redis.Redis()


def store_challenge(user_id, challenge):
    _redis.set(f"webauthn:reg:challenge:{user_id}", challenge, ex=60)
'''

BASE_TREE: Mapping[str, str] = {
    "rules.yaml": SHIPPED_RULES,
    "README.md": "backend\n",
    "Procfile": "web: gunicorn backend_v2.api.main:app\n",
    "backend_v2/api/main.py": MAIN_PY,
    "backend_v2/api/routes/__init__.py": "",
    "backend_v2/api/routes/auth.py": AUTH_PY,
    "backend_v2/api/services/__init__.py": "",
    "backend_v2/api/services/webauthn_service.py": SERVICE_PY,
    "backend_v2/api/services/bootstrap_token_service.py": "def mint():\n    return 't'\n",
}


class GateRepo:
    """The backend on `main`; `judge(files)` commits them on a new branch and runs `check`."""

    def __init__(self, root: Path, base: Mapping[str, str | bytes] = BASE_TREE) -> None:
        self.repo = GitRepo(root)
        self.repo.commit(dict(base), "base")
        self._names = itertools.count()

    def judge(self, files: Mapping[str, str | bytes | None], *,
              base: Mapping[str, str | bytes | None] | None = None) -> dict[str, Any]:
        """The JSON report of a PR that writes `files` (None deletes) on top of main (or of
        main plus `base`, committed on a base branch first). Adds `exit` (the exit code)."""
        number = next(self._names)
        start = "main"
        if base:
            start = f"base{number}"
            self.repo.commit_on(start, "main", base, "base change")
        head = f"pr{number}"
        self.repo.commit_on(head, start, files, "pr")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["check", "--repo", str(self.repo.root), "--base", start,
                         "--head", head, "--format", "json"])
        report: dict[str, Any] = json.loads(out.getvalue())
        report["exit"] = code
        return report


def rules_of(report: Mapping[str, Any]) -> set[str]:
    return {finding["rule"] for finding in report["findings"]}


def assert_not_clear(report: Mapping[str, Any], *rules: str) -> None:
    """Never CLEAR, never exit 0; when `rules` are given, one of them fired."""
    assert report["verdict"] != "clear" and report["exit"] != 0, report
    if rules:
        assert rules_of(report) & set(rules), report
