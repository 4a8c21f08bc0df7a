"""A real browser against the sandbox's /signup page: Chromium (the Debian package) with a CDP
virtual authenticator runs the ceremony, and the smoke must agree with it case by case.

The issue the suite exists for: the smoke said PASS where Chromium refused create(). Each case
here is run twice, once by the browser (its own client checks, its own authenticator, its own
algorithm choice) and once by the smoke against the same sandbox, and the two must agree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.chromium import Page, chromium
from tests.smoke._harness import SIGNING_KEY, base_env, new_email, sandbox, smoke_section

pytestmark = pytest.mark.slow  # a browser and a server per case; never skipped: CI installs
# chromium (scripts/install-system-deps), and tests.chromium says so when it is missing


def _mint(email: str) -> str:
    done = subprocess.run([sys.executable, "-m", "release_gate.sandbox", "mint", email],
                          env=base_env(BOOTSTRAP_TOKEN_SIGNING_KEY=SIGNING_KEY),
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


def _browser_signup(port: int, *, backup: bool) -> dict:
    email = new_email()
    with chromium() as browser:
        page = Page(browser, backup_eligible=backup, backed_up=backup)
        page.open(f"http://localhost:{port}/signup?token={_mint(email)}")
        outcome = page.wait_for("window.signupDone")
    assert isinstance(outcome, dict), outcome
    return outcome


# case -> (sandbox env, virtual authenticator backed up, smoke profile,
#          browser outcome (step, ok, algorithm), smoke (verdict, failing step, diagnosis, key))
CASES = {
    "es256-backed-up": ({"SANDBOX_PUBKEY_ALGS": "-7"}, True, "icloud-keychain",
                        ("verify", True, -7), ("PASS", None, None, "EC P-256")),
    "es256-device-bound": ({"SANDBOX_PUBKEY_ALGS": "-7"}, False, "generic",
                           ("verify", True, -7), ("PASS", None, None, "EC P-256")),
    "eddsa-first": ({}, False, "security-key",
                    ("verify", True, -8), ("PASS", None, None, "Ed25519")),
    "eddsa-backed-up": ({}, True, "security-key",
                        ("verify", True, -8), ("PASS", None, None, "Ed25519")),
    "wrong-origin": ({"WEBAUTHN_ORIGIN": "http://localhost:1"}, True, "icloud-keychain",
                     ("verify", False, -8), ("FAIL", "4", "origin-mismatch", "EC P-256")),
    "rp-id-not-suffix": ({"WEBAUTHN_RP_ID": "raxx.app"}, True, "icloud-keychain",
                         ("create", False, None), ("FAIL", "3", "rp-id-not-suffix", "EC P-256")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_smoke_and_the_sandbox_agree_with_the_browser(case: str, postgres_url: str,
                                                          redis_url: str,
                                                          tmp_path: Path) -> None:
    env, backup, profile, browser_expected, smoke_expected = CASES[case]
    with sandbox(postgres_url, redis_url, **env) as target:
        outcome = _browser_signup(target.server.port, backup=backup)
        section = smoke_section(target.server, authenticator=profile)
        done, report = target.smoke(tmp_path, email=new_email(), section=section)
    step, ok, algorithm = browser_expected
    assert (outcome["step"], outcome["ok"]) == (step, ok), outcome
    if algorithm is not None:
        assert outcome["algorithm"] == algorithm, outcome
    if step == "verify" and not ok:
        assert outcome["status"] == 400, outcome
    if step == "create":
        assert outcome["error"] == "SecurityError", outcome  # the browser's own check
    verdict, failing, diagnosis, key = smoke_expected
    assert report["verdict"] == verdict, done.stdout + done.stderr
    assert f"building synthetic credential ({key}, fmt=none, {profile} profile" in done.stdout
    if failing is not None:
        assert report["failure"]["step"] == failing, done.stdout
        assert report["failure"]["diagnosis"]["id"] == diagnosis, done.stdout


def test_the_page_is_served_with_the_contracts_paths(postgres_url: str, redis_url: str) -> None:
    import httpx

    with sandbox(postgres_url, redis_url) as target:
        page = httpx.get(f"{target.server.base_url}/signup", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '"begin": "/api/auth/register/begin-with-token"' in page.text
    assert "navigator.credentials.create" in page.text
