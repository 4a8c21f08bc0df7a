"""docs/rules.md documents every rule kind and every rule id of the shipped rules.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.core import config
from release_gate.core.rules import KINDS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")


def documents_kind(doc: str, kind: str) -> bool:
    return f'<a id="kind-{kind}"></a>' in doc and f"### Kind `{kind}`" in doc


def documents_rule(doc: str, rule_id: str) -> bool:
    """An anchored section with its why and an example finding of this rule."""
    if f'<a id="{rule_id}"></a>' not in doc:
        return False
    section = doc.split(f'<a id="{rule_id}"></a>', 1)[1].split("<a id=", 1)[0]
    return "**Why**" in section and f"({rule_id})" in section


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_an_anchored_section(kind: str) -> None:
    assert documents_kind(DOC, kind)


@pytest.mark.parametrize("rule_id", [r.id for r in config.load_default().rules])
def test_every_rule_id_has_an_anchored_section_with_an_example(rule_id: str) -> None:
    assert documents_rule(DOC, rule_id)
