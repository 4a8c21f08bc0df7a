"""`--format json`: the stable machine interface, schema `release-gate/verdict@1`.

docs/design.md §2; the fields are described in docs/cli.md.
"""

from __future__ import annotations

import json
from typing import Any

from release_gate.core.verdict import Evaluation

SCHEMA = "release-gate/verdict@1"


def as_dict(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "verdict": evaluation.verdict.value,
        "base": evaluation.base,
        "head": evaluation.head,
        "findings": [
            {"rule": f.rule, "outcome": f.outcome.value, "path": f.path, "line": f.line,
             "message": f.message}
            for f in evaluation.findings
        ],
        "checklist": list(evaluation.checklist),
    }


def render(evaluation: Evaluation) -> str:
    return json.dumps(as_dict(evaluation), indent=2, ensure_ascii=False) + "\n"
