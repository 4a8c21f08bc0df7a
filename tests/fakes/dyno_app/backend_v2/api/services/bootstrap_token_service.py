"""`mint(email)`: the sandbox stands in for the team's token service (its own mint command)."""

from __future__ import annotations

import os
import subprocess
import sys


def mint(email: str) -> str:
    if not os.environ.get("BOOTSTRAP_TOKEN_SIGNING_KEY"):  # the runbook's step 1 failure
        raise RuntimeError("BOOTSTRAP_TOKEN_SIGNING_KEY is not set")
    done = subprocess.run([sys.executable, "-m", "release_gate.sandbox", "mint", email],
                          capture_output=True, text=True, check=True, timeout=60,
                          env=dict(os.environ))
    return done.stdout.strip().splitlines()[-1]
