"""The rule kinds, registered in a plain dict (as pre-commit registers its languages)."""

from __future__ import annotations

from collections.abc import Mapping

from release_gate.core.rules.base import RuleCheck
from release_gate.core.rules.content import ContentCheck
from release_gate.core.rules.local_state import ProcessLocalStateCheck
from release_gate.core.rules.pairing import RoutePairingCheck
from release_gate.core.rules.path import PathCheck

# kind id -> the class of that kind (rules/base.py RuleCheck)
KINDS: Mapping[str, type[RuleCheck]] = {
    PathCheck.KIND: PathCheck,
    ContentCheck.KIND: ContentCheck,
    # RCA 2026-05-25 factors 2 and 1, read from Python source with `ast`.
    RoutePairingCheck.KIND: RoutePairingCheck,
    ProcessLocalStateCheck.KIND: ProcessLocalStateCheck,
}
