"""`release-gate smoke --target prod` as the runbook runs it, against local stand-ins for prod.

The API target is the sandbox under a real server (real PostgreSQL and Redis); Heroku is the fake
Platform API, rendezvous and logplex of tests/fakes/heroku.py, whose dynos run their commands on
this machine with the app's config vars and the stand-in app code of tests/fakes/dyno_app at
/app. The smoke runs as a subprocess with only the environment a team sets: the shipped rules
(./rules.yaml), RAXX_SMOKE_ALLOW_PROD, HEROKU_API_KEY, HEROKU_APP, plus where the stand-ins
are (RAXX_SMOKE_API_URL, HEROKU_API_URL, SSL_CERT_FILE).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.heroku import DYNO_APP, FakeHeroku
from tests.servers import ServerProcess, run_sandbox
from tests.smoke._harness import SIGNING_KEY, Sandbox, base_env, cli, run, write_rules

APP = "raxx-api-prod"
# The app's WebAuthn config vars; the shipped rules derive the origin from the options' rp.id.
WEBAUTHN = {"WEBAUTHN_RP_ID": "localhost", "WEBAUTHN_ORIGIN": "https://localhost"}


@dataclass
class Prod:
    fake: FakeHeroku
    server: ServerProcess
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        return base_env(**{"RAXX_SMOKE_ALLOW_PROD": "1", "RAXX_SMOKE_API_URL":
                           self.server.base_url, **self.fake.environ(app=APP), **extra})

    def smoke(self, tmp: Path, *args: str, email: str, rules: Mapping[str, Any] | None = None,
              env: Mapping[str, str] | None = None, timeout: float = 120,
              ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        report = tmp / f"report-{uuid.uuid4().hex[:6]}.json"
        extra = []
        if rules is not None:
            extra = ["--rules", str(write_rules(tmp / f"rules-{uuid.uuid4().hex[:6]}.yaml",
                                                rules))]
        done = run(cli("smoke", "--target", "prod", "--email", email, "--report", str(report),
                       *extra, *args), env or self.env(), timeout=timeout)
        data = json.loads(report.read_text("utf-8")) if report.exists() else {}
        return done, data

    def rows(self, email: str) -> dict[str, int]:
        return Sandbox(self.server, self.database_url).rows(email)

    def api_requests(self) -> int:
        """Requests the target's API saw beyond the harness's own health checks."""
        return sum(1 for line in self.server.log_text().splitlines()
                   if '"POST /api/' in line or '"GET /api/' in line)


@contextmanager
def heroku_prod(postgres_url: str, redis_url: str | None, *, fault: str | None = None,
                config: Mapping[str, str] | None = None) -> Iterator[Prod]:
    """The sandbox as `raxx-api-prod`'s web dyno, the fake Heroku around it."""
    app_config = {"DATABASE_URL": postgres_url, "BOOTSTRAP_TOKEN_SIGNING_KEY": SIGNING_KEY,
                  **WEBAUTHN, **({"REDIS_URL": redis_url} if redis_url else {}),
                  **(config or {})}
    sandbox_env = {k: v for k, v in app_config.items()}
    with run_sandbox(sandbox_env, fault=fault) as server, \
            FakeHeroku(app_files=DYNO_APP) as fake:
        fake.add_app(APP, config=app_config, log_path=server.log_path)
        fake.add_release(APP, description="Deploy abc1234", commit="abc1234" + "0" * 33)
        yield Prod(fake, server, postgres_url)
