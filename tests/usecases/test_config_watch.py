"""watch-config (usecases/config_watch.py) against the in-memory GitHub: the last counted PASS
found from the smoke's runs, and what a sensitive config change after it re-opens. The same over
PyGithub and TLS: tests/github/test_watch_config.py."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from release_gate.core.production import Production
from release_gate.usecases import config_watch
from tests.fakes.memory_github import T0, MemoryGitHub
from tests.github.conftest import APP
from tests.usecases.test_pr_gate import BASE, FLAGGED, gate, smoke_pass

PRODUCTION = Production(APP, "https://api.raxx.app")


@dataclass(frozen=True)
class Release:
    version: int
    description: str
    created_at: datetime
    status: str = "succeeded"


def world() -> tuple[MemoryGitHub, str]:
    api = MemoryGitHub()
    api.set_default_branch(BASE)
    head = api.open_pull(1, BASE, FLAGGED).head_sha
    smoke_pass(api, 1, head)
    gate(api)
    return api, head


def watch(api: MemoryGitHub, releases: list[Release]) -> tuple[int, str]:
    found = config_watch.last_counted_pass(api, production=PRODUCTION, workflow_file="smoke.yml")
    out = io.StringIO()
    code = config_watch.watch(app=APP, releases=releases, production=PRODUCTION, last=found,
                              api=api, out=out)
    return code, out.getvalue()


def test_the_last_counted_pass_is_found_from_the_smoke_runs() -> None:
    api, _ = world()
    found = config_watch.last_counted_pass(api, production=PRODUCTION, workflow_file="smoke.yml")
    assert found is not None and found.last.release == 47


def test_a_sensitive_change_after_the_pass_reopens_the_default_branch_and_the_pr() -> None:
    api, head = world()
    later = T0 + timedelta(days=1)
    code, out = watch(api, [Release(47, "Deploy abc", T0),
                            Release(48, "Set WEBAUTHN_ORIGIN config vars", later)])
    assert code == config_watch.EXIT_SMOKE_DUE
    branch = api.latest(api.default_head, "release-gate")
    assert branch is not None and branch.state == "pending"
    assert (branch.description or "").startswith(config_watch.PENDING_PREFIX)
    assert api.latest(head, "release-gate").state == "pending"  # type: ignore[union-attr]
    assert "re-evaluating" in out


def test_an_insensitive_change_reopens_nothing() -> None:
    api, head = world()
    code, _ = watch(api, [Release(48, "Set SENTRY_DSN config vars", T0 + timedelta(days=1))])
    assert code == config_watch.EXIT_NOTHING_DUE
    assert api.latest(head, "release-gate").state == "success"  # type: ignore[union-attr]
