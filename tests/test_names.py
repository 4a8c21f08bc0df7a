"""One name per concept, and typed names instead of bare words (docs/architecture.md).

Two classes of one name in the package (a second `Target`, a second `Verdict`) make a reader
guess which is meant; a failure kind, a step id or a target kind compared as a bare string
("http", "4", "prod") is a typo the type checker cannot see. Both are read from the real package
with `ast`, and each checker is shown a planted breach so a checker that sees nothing fails.
"""

from __future__ import annotations

import ast
import json
import typing
from collections import defaultdict
from pathlib import Path

import pytest

from release_gate.core.target import Target, TargetKind
from release_gate.smoke.diagnosis import Symptom, diagnose
from release_gate.smoke.result import (
    Failure,
    FailureKind,
    SmokeResult,
    SmokeVerdict,
    StepId,
    StepRecord,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "release_gate"
# The words of the typed names: compared as bare strings, they are the breach.
TYPED_WORDS = frozenset({*FailureKind, *StepId, *TargetKind})
# A comparison whose left side names one of these compares a typed concept.
TYPED_SUBJECTS = ("step", "kind", "target")


def _sources() -> dict[str, str]:
    return {str(p.relative_to(PACKAGE_DIR.parent)): p.read_text(encoding="utf-8")
            for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def duplicate_classes(sources: dict[str, str]) -> dict[str, list[str]]:
    where: defaultdict[str, list[str]] = defaultdict(list)
    for path, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where[node.name].append(path)  # a private class is its module's own business
    return {name: paths for name, paths in where.items() if len(paths) > 1}


def _names_in(node: ast.AST) -> list[str]:
    return [n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, (ast.Name, ast.Attribute))]


def bare_word_comparisons(sources: dict[str, str]) -> list[str]:
    """`s.kind == "http"`, `step in ("4", "login")`, `args.target == "sandbox"`: the bare words."""
    found = []
    for path, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Compare):
                continue
            if not any(name.lower().endswith(TYPED_SUBJECTS) for name in _names_in(node.left)):
                continue
            words = [c.value for side in node.comparators for c in ast.walk(side)
                     if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            found.extend(f"{path} line {node.lineno}: {word!r}" for word in words
                         if word in TYPED_WORDS)
    return found


def test_every_class_name_is_defined_once_in_the_package() -> None:
    assert duplicate_classes(_sources()) == {}


def test_the_duplicate_checker_sees_a_second_verdict() -> None:
    planted = {**_sources(), "release_gate/smoke/planted.py": "class Verdict:\n    pass\n"}
    assert duplicate_classes(planted) == {
        "Verdict": ["release_gate/core/verdict.py", "release_gate/smoke/planted.py"]}


def test_failure_kinds_step_ids_and_target_kinds_are_never_compared_as_bare_words() -> None:
    assert bare_word_comparisons(_sources()) == []


@pytest.mark.parametrize("planted", [
    'def f(s):\n    return s.kind == "http"\n',
    'def f(s):\n    return s.step in ("4", "login")\n',
    'def f(args):\n    return args.target != "sandbox"\n',
    'def f(step, kind):\n    return (step, kind) == ("4", "timeout")\n',
])
def test_the_bare_word_checker_sees_a_planted_comparison(planted: str) -> None:
    assert bare_word_comparisons({"release_gate/smoke/planted.py": planted}) != []


def test_a_symptom_of_an_unknown_kind_is_refused_not_left_unmatched() -> None:
    assert Symptom(StepId.VERIFY, "http", 400).kind is FailureKind.HTTP
    with pytest.raises(ValueError):
        Symptom(StepId.VERIFY, "htp", 400)
    assert diagnose(Symptom("2", "http", 404)).id == "registration-disabled"


def test_a_step_is_a_step_id_everywhere_it_is_recorded() -> None:
    assert Symptom("4", "http", 400).step is StepId.VERIFY
    with pytest.raises(ValueError):
        Symptom("6", "http", 400)  # no such step: refused, not left matching no row
    hints = typing.get_type_hints
    for holder in (StepRecord, Failure, Symptom):
        assert hints(holder)["step"] is StepId, holder


def test_the_typed_names_keep_their_words_in_json() -> None:
    # The report (verdict@1 of the smoke, docs/smoke.md) and the run name carry the words.
    result = SmokeResult(target=TargetKind.PROD, api_url="https://x", email="a@b.c",
                         started_at="now", verdict=SmokeVerdict.PASS,
                         steps=[StepRecord(StepId.VERIFY, "POST /v", True, 1.0)])
    text = json.dumps({"target": result.target, "verdict": result.verdict,
                       "step": result.steps[0].step})
    assert json.loads(text) == {"target": "prod", "verdict": "PASS", "step": "4"}
    assert f"{StepId.MINT}/{FailureKind.TOO_LARGE}" == "1/too-large"
    assert Target(TargetKind.URL, "https://h.example:8443/x", "app").label("app") == \
        "h.example:8443"
