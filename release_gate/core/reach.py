"""Rules that cannot fire: a rule whose paths match no file of the repository (no silent CLEAR).

A rule written for another layout (the embedded default knows `backend_v2/...`) matches nothing
in a repository laid out as `app/auth.py`, and every change there would come out CLEAR. A gate
that silently approves everything is worse than no gate, so such a rule is said out loud: in the
verdict's notes, the job summary, a warning annotation and `validate --repo`. With the embedded
default (no rules.yaml at the base), a CLEAR that rests on rules that cannot fire is refused as
a configuration error: `release-gate init` writes rules fitted to the repository (docs/init.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from release_gate.core import engine
from release_gate.core.config import Config
from release_gate.core.context import ChangeContext
from release_gate.core.policy import Policy
from release_gate.core.rules.base import Rule
from release_gate.core.verdict import Evaluation, Verdict
from release_gate.errors import ConfigError


def judge(chosen: Policy, ctx: ChangeContext, *, notes: tuple[str, ...] = ()) -> Evaluation:
    """`engine.evaluate`, then said out loud which rules cannot fire (see `fit`)."""
    evaluation = engine.evaluate(chosen.config, ctx, notes=notes)
    missing = unreachable(chosen.config, sorted(repository_paths(ctx)))
    return fit(evaluation, missing, embedded_default=chosen.embedded_default,
               source="the embedded default policy" if chosen.embedded_default
               else chosen.config.source)


def message(rule_id: str) -> str:
    return (f"rule {rule_id} matches no file in this repository: the gate cannot flag these "
            "changes (release-gate init fits the rules)")


def unreachable(config: Config, paths: Iterable[str]) -> tuple[str, ...]:
    """The ids of the rules whose paths (or scope) cover none of `paths`, in rules.yaml order."""
    remaining = list(config.rules)
    for path in paths:
        remaining = [rule for rule in remaining if not _covers(rule, path)]
        if not remaining:
            break
    return tuple(rule.id for rule in remaining)


def _covers(rule: Rule, path: str) -> bool:
    covers = getattr(rule.check, "covers", None)
    return True if covers is None else bool(covers(path))


def repository_paths(ctx: ChangeContext) -> set[str]:
    """Every file at the base or the head: the head tree plus what the change removed or
    renamed away (a rule that matches a file this change adds can fire on it)."""
    paths = set(ctx.head_paths())
    for change in ctx.changes.files:
        paths.update(change.paths)
    return paths


def fit(evaluation: Evaluation, missing: tuple[str, ...], *, embedded_default: bool,
        source: str) -> Evaluation:
    """The evaluation with a note per rule that cannot fire; with the embedded default, a CLEAR
    resting on such rules is a configuration error (exit 2, status `error`), never a pass."""
    if not missing:
        return evaluation
    if embedded_default and evaluation.verdict is Verdict.CLEAR:
        raise ConfigError(
            f"{source} does not fit this repository; run `release-gate init` and commit the "
            f"rules.yaml it writes (docs/init.md): {_listed(missing)} match no file, so a CLEAR "
            "would mean nothing")
    notes = tuple(message(rule_id) for rule_id in missing)
    return replace(evaluation, notes=(*evaluation.notes, *notes), unreachable=missing)


def _listed(ids: tuple[str, ...]) -> str:
    named = ", ".join(ids)
    return f"rule {named}" if len(ids) == 1 else f"rules {named}"
