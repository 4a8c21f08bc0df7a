"""Which rules judge a change: rules.yaml at the BASE revision, never the head's.

docs/design.md §1 ("The base judges").

A PR that edits rules.yaml is judged by the old rules (and flagged by gate-self-protection), so
it cannot relax the rules that judge it. With no rules.yaml at the base (the PR that adopts the
gate), the policy embedded in the package applies, and the evaluation says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_gate.core import config
from release_gate.core.config import Config
from release_gate.errors import ConfigError

RULES_PATH = "rules.yaml"


@dataclass(frozen=True)
class Policy:
    config: Config
    note: str
    embedded_default: bool = False  # no rules.yaml at the base: the package's own policy


def from_base(text: bytes | None, *, base: str) -> Policy:
    if text is None:
        return Policy(
            config.load_default(),
            f"no {RULES_PATH} at base {base[:12]}: judged by the embedded default policy",
            embedded_default=True,
        )
    source = f"{RULES_PATH}@{base[:12]}"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text") from None
    return Policy(config.load_text(decoded, source), f"rules from {source} (the base revision)")


def from_file(path: str) -> Policy:
    return Policy(config.load_file(path), f"rules from {path} (--rules)")
