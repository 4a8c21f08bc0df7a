"""`release-gate watch-config`: production config drift re-opens the gate.

A recorded-shape release history on the fake Platform API (real heroku3), the last counted PASS
found through the real PyGithub on the fake GitHub; docs/cli.md, docs/github.md.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from release_gate import cli
from tests.fakes.heroku import FakeHeroku
from tests.github.conftest import APP, AUTH, Gate, Outcome, pass_on_prod

FLAGGED = {AUTH: "router = 1\n"}
PENDING = "Prod config changed since the smoke PASS: v49 Set WEBAUTHN_ORIGIN config vars"


def _history(heroku: FakeHeroku, head: str) -> None:
    """v1..v52 in Heroku's words: deploys as in the RCA (v44-v47), then config changes."""
    for version in range(1, 44):
        heroku.add_release(APP, description=f"Deploy {version:07x}", commit=f"{version:07x}")
    heroku.add_release(APP, description="Set REDIS_URL config vars", with_slug=False)  # v44
    heroku.add_release(APP, description="Deploy 5d6e7f8", commit="5d6e7f8")  # v45
    heroku.add_release(APP, description="Deploy 9a8b7c6", commit="9a8b7c6")  # v46
    heroku.add_release(APP, description=f"Deploy {head[:7]}", commit=head)  # v47: smoked
    heroku.add_release(APP, description="Set FEATURE_X config vars", with_slug=False)  # v48


def _drift(heroku: FakeHeroku) -> None:
    heroku.add_release(APP, description="Set WEBAUTHN_ORIGIN config vars",
                       with_slug=False)  # v49
    heroku.add_release(APP, description="Remove REDIS_URL config vars", with_slug=False,
                       status="failed")  # v50: never ran
    heroku.add_release(APP, description="Remove LOG_LEVEL config vars", with_slug=False)  # v51


def _watch(gate: Gate, *args: str) -> Outcome:
    for key, value in gate.env().items():
        gate.monkeypatch.setenv(key, value)
    gate.monkeypatch.delenv("HEROKU_APP", raising=False)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["watch-config", *args])
    return Outcome(code, out.getvalue() + err.getvalue())


def test_report_only_counts_sensitive_releases_after_the_given_release(
        gate: Gate, heroku: FakeHeroku) -> None:
    _history(heroku, "d" * 40)
    _drift(heroku)
    heroku.add_release(APP, description="Rollback to v46")  # v52
    done = _watch(gate, "--no-github", "--since-release", "47")
    assert done.code == 3, done.out
    assert "v49 'Set WEBAUTHN_ORIGIN config vars' at " in done.out
    assert "UTC: set WEBAUTHN_ORIGIN" in done.out
    assert "v52 'Rollback to v46' at " in done.out
    for quiet in ("v44 ", "v48 ", "v50 ", "v51 "):  # smoked, unrelated, failed, unrelated
        assert f"release-gate: {quiet}" not in done.out
    assert f"smoke due: 2 sensitive config change(s) on {APP} since the last PASS" in done.out
    assert gate.fake.writes() == 0 and sum(gate.fake.calls.values()) == 0
    assert _watch(gate, "--no-github", "--since-release", "52").code == 0


def test_report_only_needs_a_release_to_count_from(gate: Gate, heroku: FakeHeroku) -> None:
    done = _watch(gate, "--no-github")
    assert done.code == 2
    assert "--no-github needs --since-release N" in done.out
    assert heroku.total_requests() == 0


def test_drift_after_the_last_counted_pass_reopens_the_gate_until_a_new_smoke(
        gate: Gate, heroku: FakeHeroku) -> None:
    head = gate.open(1, FLAGGED)
    gate.fake.set_branch("main", gate.fake.pulls[1].base)
    _history(heroku, head)
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=47))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]

    quiet = _watch(gate)  # nothing sensitive since v47 (v48 is unrelated)
    assert quiet.code == 0, quiet.out
    assert "last counted smoke PASS: release v47, " in quiet.out
    assert gate.fake.latest_status(gate.fake.pulls[1].base, "release-gate") is None

    _drift(heroku)
    due = _watch(gate)
    assert due.code == 3, due.out
    main_head = gate.fake.latest_status(gate.fake.pulls[1].base, "release-gate")
    assert main_head is not None
    assert (main_head["state"], main_head["description"]) == ("pending", PENDING)
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"
    body = gate.fake.sticky_comments(1)[0]["body"]
    assert ("no longer counts: production's config changed since, v49 'Set WEBAUTHN_ORIGIN "
            "config vars' at ") in body
    # The next run of the gate (any PR event) keeps holding the PASS against the change.
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "pending"  # type: ignore[index]

    # A smoke on the new release (v51) counts again, and the next watch lifts its pending.
    gate.smoke_pass(1, head, description=pass_on_prod(head, release=51))
    gate.pr(1)
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
    assert "no longer counts" not in gate.fake.sticky_comments(1)[0]["body"]
    again = _watch(gate)
    assert again.code == 0, again.out
    lifted = gate.fake.latest_status(gate.fake.pulls[1].base, "release-gate")
    assert lifted is not None and lifted["state"] == "success"


@pytest.mark.parametrize("title", ["smoke PR #1 on sandbox", "smoke PR #1 on prod"])
def test_without_a_counted_pass_every_sensitive_release_is_due(
        gate: Gate, heroku: FakeHeroku, title: str) -> None:
    head = gate.open(1, FLAGGED)
    gate.fake.set_branch("main", gate.fake.pulls[1].base)
    _history(heroku, head)
    # A sandbox run's PASS, or a prod run whose PASS names another app, is no counted PASS.
    gate.smoke_pass(1, head, display_title=title,
                    description=pass_on_prod(head, release=47, app="raxx-api-staging"))
    done = _watch(gate)
    assert done.code == 3, done.out
    assert "no counted smoke PASS found: every sensitive release counts" in done.out
    assert "v44 'Set REDIS_URL config vars'" in done.out
