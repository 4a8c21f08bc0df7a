"""Where a smoke runs: the one `Target` of the smoke and of `smoke --pr`. Pure.

`--target` chooses a kind (the local sandbox, production as the environment or rules.yaml names
it, or an ad-hoc URL); the smoke's fences (smoke/fences.py) resolve it before any request, and
`production.Production.not_production` decides whether a run against it can count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class TargetKind(StrEnum):
    """What `--target` asked for; the value is the word a transcript, report and run name use."""

    SANDBOX = "sandbox"
    PROD = "prod"
    URL = "url"


@dataclass(frozen=True)
class Target:
    """A resolved smoke target: its kind, its API URL and the Heroku app it names."""

    kind: TargetKind
    api_url: str | None  # None for the sandbox until it is started
    app: str = ""  # HEROKU_APP, else smoke.heroku_app

    @property
    def is_sandbox(self) -> bool:
        return self.kind is TargetKind.SANDBOX

    def label(self, production_app: str) -> str:
        """How a rehearsal names this target: sandbox, another app, or a host."""
        if self.is_sandbox:
            return str(TargetKind.SANDBOX)
        if self.kind is TargetKind.PROD and self.api_url and production_app != self.app:
            return self.app
        return urlsplit(self.api_url or "").netloc or str(self.kind)
