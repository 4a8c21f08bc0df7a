"""Smoke statuses and workflow runs as the GitHub adapter reads them, for the pure tests of
evidence.py and the comment renderer."""

from __future__ import annotations

from datetime import UTC, datetime

from release_gate.core.evidence import Expectation, RunRecord, StatusRecord
from release_gate.core.production import Production

HEAD = "a" * 40
T0 = datetime(2026, 5, 25, 3, 0, tzinfo=UTC)
PRODUCTION = Production(app="raxx-api-prod", api_url="https://api.raxx.app")
EXPECT = Expectation(repository="acme/api", server_url="https://github.com",
                     default_branch="main", workflow_file="smoke.yml", pr_number=7,
                     production=PRODUCTION)
# What the smoke posts for a PASS on production running HEAD (deployment.pass_description).
PASS_ON_PROD = f"PASS on raxx-api-prod v47 @ {HEAD[:7]}"
RUN_URL = "https://github.com/acme/api/actions/runs/99"
MAIN_SHA = "c" * 40  # the default branch's head, which genuine smoke runs ran


def on_main(branch: str, sha: str) -> bool:
    """The adapter's compare answer: only MAIN_SHA is on the default branch."""
    return branch == EXPECT.default_branch and sha == MAIN_SHA


def status(state: str = "success", *, context: str = "release-gate/smoke",
            login: str = "github-actions[bot]", kind: str = "Bot", url: str | None = RUN_URL,
            at: datetime = T0, id: int = 1, description: str = PASS_ON_PROD) -> StatusRecord:
    return StatusRecord(id=id, sha=HEAD, context=context, state=state, description=description,
                        target_url=url, creator_login=login, creator_type=kind, created_at=at)


def run(**changes: object) -> RunRecord:
    values: dict[str, object] = dict(
        id=99, repository="acme/api", path=".github/workflows/smoke.yml",
        event="workflow_dispatch", head_branch="main", display_title="smoke PR #7 on prod",
        status="in_progress", conclusion=None, html_url=RUN_URL, updated_at=T0,
        head_sha=MAIN_SHA)
    values.update(changes)
    return RunRecord(**values)  # type: ignore[arg-type]
