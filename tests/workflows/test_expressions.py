"""The expression evaluator the runner emulation relies on: GitHub's semantics, and strictness.

A workflow test must not pass by skipping a step whose `if:` or `env:` it misread, so anything
outside the evaluator's language, or a context the test did not provide, is an error.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.expressions import Evaluator, ExpressionError, Strict


def _evaluator(status: str = "success") -> Evaluator:
    contexts: dict[str, Any] = {
        "github": {"event": {"pull_request": {"number": 7, "base": {"sha": "abc"}}},
                   "event_name": "pull_request_target"},
        "inputs": Strict("inputs", {"target": "prod", "email": ""}),
        "secrets": Strict("secrets", {"GITHUB_TOKEN": "t"}),
        "steps": Strict("steps", {"smoke": {"outputs": {"email": "a@b"}}}),
    }
    return Evaluator(contexts, {"success": lambda: status == "success",
                                "cancelled": lambda: status == "cancelled",
                                "always": lambda: True})


@pytest.mark.parametrize(("text", "value"), [
    ("github.event.pull_request.number", 7),
    ("github.event.pull_request.base.sha || github.event.merge_group.base_sha", "abc"),
    ("github.event.merge_group.head_sha || github.event.pull_request.number", 7),
    ("github.event.merge_group.head_sha", None),
    ("github['event_name'] == 'PULL_REQUEST_TARGET'", True),
    ("inputs.target != 'sandbox' && 'yes'", "yes"),
    ("inputs.email || 'default'", "default"),
    ("!inputs.email", True),
    ("steps.smoke.outputs.email != ''", True),
    ("(1 == '1') && true", True),
    ("null == 0", True),
])
def test_github_semantics(text: str, value: object) -> None:
    assert _evaluator().evaluate(text) == value


def test_conditions_follow_the_job_status() -> None:
    assert _evaluator("success").condition(None) is True
    assert _evaluator("cancelled").condition(None) is False
    assert _evaluator("cancelled").condition("${{ cancelled() && steps.smoke.outputs.email }}")
    assert _evaluator("failure").condition("always()")


def test_rendering_keeps_whole_values_and_stringifies_embedded_ones() -> None:
    evaluator = _evaluator()
    assert evaluator.render("${{ github.event.pull_request.number }}") == 7
    assert evaluator.render("PR #${{ github.event.pull_request.number }} on ${{ inputs.target }}"
                            ) == "PR #7 on prod"
    assert evaluator.render({"a": ["x${{ inputs.email }}y"]}) == {"a": ["xy"]}


@pytest.mark.parametrize("text", [
    "vars.HEROKU_APP",                  # a context the test did not provide
    "secrets.HEROKU_API_KEY",           # a secret the test did not provide
    "inputs.pr",                        # an input the workflow does not declare
    "steps.other.outputs.x",            # a step id the job does not have
    "hashFiles('x')",                   # a function outside the evaluator's language
    "failure()",                        # a status function this evaluator was not given
    "github.event.number > 3",          # an operator outside it
    "inputs.target ==",                 # malformed
])
def test_what_it_cannot_evaluate_is_an_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        _evaluator().evaluate(text)
