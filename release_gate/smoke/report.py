"""`--report FILE`: the run as one JSON object (verdict, steps with timings, ids, failure).

Written through the masker like the transcript: a report is an artifact people share.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from release_gate.smoke.masking import Masker
from release_gate.smoke.result import SmokeResult

SCHEMA = "release-gate/smoke-report@1"


def to_dict(result: SmokeResult) -> dict[str, Any]:
    failure = None
    if result.failure is not None:
        failure = asdict(result.failure)
        failure["diagnosis"] = asdict(result.failure.diagnosis)
    return {
        "schema": SCHEMA,
        "verdict": result.verdict.value,
        "target": result.target,
        "api_url": result.api_url,
        "email": result.email,
        "started_at": result.started_at,
        "wall_ms": round(result.wall_ms, 2),
        "waiting_ms": round(result.waiting_ms, 2),
        "overhead_ms": round(result.overhead_ms, 2),
        "steps": [{**asdict(s), "ms": round(s.ms, 2)} for s in result.steps],
        "ids": {
            "user_id": result.user_id,
            "credential_id": result.credential_id,
            "cred_count": result.cred_count,
            "recovery_codes": result.recovery_codes,
            "nonce_recorded": result.nonce_recorded,
        },
        "teardown": asdict(result.teardown),
        "interrupted": result.interrupted,
        # The facts a PASS vouches for (docs/github.md, "What a PASS proves"); null when the
        # deployment was not checked (no --pr, or a target that is not production).
        "deployment": result.deployment.to_dict() if result.deployment is not None else None,
        "failure": failure,
        "rerun": result.rerun,
    }


def write(path: str | Path, result: SmokeResult, masker: Masker) -> None:
    text = json.dumps(to_dict(result), indent=2, sort_keys=False, default=str)
    Path(path).write_text(masker.redact(text) + "\n", encoding="utf-8")
