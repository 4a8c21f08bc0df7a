"""docs/rules.md documents every rule kind and every rule id of the shipped rules.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.core import config
from release_gate.core.rules import KINDS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_an_anchored_section(kind: str) -> None:
    assert f'<a id="kind-{kind}"></a>' in DOC
    assert f"### Kind `{kind}`" in DOC


@pytest.mark.parametrize("rule_id", [r.id for r in config.load_default().rules])
def test_every_rule_id_has_an_anchored_section_with_an_example(rule_id: str) -> None:
    assert f'<a id="{rule_id}"></a>' in DOC
    section = DOC.split(f'<a id="{rule_id}"></a>', 1)[1].split("<a id=", 1)[0]
    assert "**Why**" in section
    assert f"({rule_id})" in section  # an example finding of this rule
