"""`pr` says when a rule cannot fire (core/reach.py): a note in the summary, a warning
annotation, and with the embedded default on a layout it does not fit, `error`, never success."""

from __future__ import annotations

from tests.github.conftest import Gate

UNFIT = ("rule auth-routes matches no file in this repository: the gate cannot flag these "
         "changes (release-gate init fits the rules)")
FLAT = {"app/auth.py": "x = 1\n", "migrations/0001_users.sql": "create table users (id int);\n"}


def test_embedded_default_on_an_unfit_layout_posts_error_and_exits_2(gate: Gate) -> None:
    base = gate.base(FLAT, rules=None)
    head = gate.open(1, {"app/auth.py": "x = 2\n"}, base=base)
    outcome = gate.pr(1)
    assert outcome.code == 2
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "error"
    assert "release-gate init" in str(status["description"])


def test_base_rules_that_cannot_fire_warn_in_annotations_and_the_summary(gate: Gate) -> None:
    rules = ("version: 1\nrules:\n  - {id: auth-routes, kind: path, description: Auth routes, "
             "outcome: needs-smoke, paths: [backend_v2/api/routes/auth.py]}\n")
    base = gate.base(FLAT, rules=rules)
    head = gate.open(1, {"app/auth.py": "x = 2\n"}, base=base)
    outcome = gate.pr(1)
    assert outcome.code == 0
    assert gate.gate_status(head)["state"] == "success"  # type: ignore[index]
    warning = [line for line in outcome.out.splitlines() if line.startswith("::warning ")]
    assert warning == ["::warning title=release-gate%3A rule auth-routes cannot fire::" + UNFIT]
    assert UNFIT in (gate.tmp / "summary.md").read_text("utf-8")
