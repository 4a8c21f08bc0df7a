"""What every rule kind shares: the compiled rule and the kind interface."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from release_gate.core.context import ChangeContext
from release_gate.core.verdict import Finding, Outcome


class Locate(Protocol):
    """Turns a key path inside the rule into a located ConfigError (config.py provides it)."""

    def __call__(self, key: str, message: str) -> Exception: ...


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    description: str
    outcome: Outcome
    checklist: tuple[str, ...]
    check: RuleCheck

    def evaluate(self, ctx: ChangeContext) -> list[Finding]:
        return list(self.check.evaluate(self, ctx))

    def finding(self, path: str, line: int | None, message: str) -> Finding:
        return Finding(path=path, line=line, rule=self.id, outcome=self.outcome, message=message)


class RuleCheck(Protocol):
    """One rule kind. `KIND` is its id in rules.yaml, `SCHEMA` the JSON Schema of its own keys."""

    KIND: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    SCHEMA: ClassVar[Mapping[str, Any]]

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], locate: Locate) -> RuleCheck:
        """The compiled check of one rule entry; bad keys raise `locate(key, message)`."""
        ...

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]: ...
