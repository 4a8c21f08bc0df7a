"""Every row of the runbook's "Interpreting failures" table, plus the RCA's challenge miss."""

from __future__ import annotations

import pytest

from release_gate.core.smoke_config.settings import parse
from release_gate.smoke.diagnosis import ROWS, Symptom, diagnose

VERIFY_FAILED = '{"detail":"passkey verification failed"}'
# What py_webauthn raises (and the sandbox logs) when clientDataJSON carries another origin.
ORIGIN_LOG = ('WARNING webauthn.registration_verify_failed user_id=1 reason=Unexpected client '
              'data origin "https://wrong.example", expected "http://localhost:8000"')

CASES = [
    # (symptom, diagnosis id, source)
    (Symptom("1", "backend", detail="heroku run exited 1"), "mint-failed", "runbook"),
    (Symptom("1", "backend", detail="mint output not understood: the last line of standard "
             "output is not one word"), "mint-output-not-understood", "release-gate"),
    (Symptom("2", "http", 400, '{"detail":"Invalid or expired signup link"}'),
     "wrong-signing-key", "runbook"),
    (Symptom("2", "http", 404, '{"detail":"Not Found"}'), "registration-disabled", "runbook"),
    # Without a log that settles it, a verify 400 is not guessed (slow or fast alike).
    (Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=40, baseline_ms=3),
     "verify-undecided", "release-gate"),
    (Symptom("4", "http", 400, '{"detail":"signup session not found"}'), "session-not-found",
     "runbook"),
    (Symptom("5", "check", code="no-credential-row", detail="cred_count=0"), "no-credential-row",
     "runbook"),
    (Symptom("5", "timeout", detail="timed out"), "timeout", "runbook"),
    # The RCA's 1 ms 400: an origin mismatch answers as fast, so latency alone decides nothing.
    (Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=1.2, baseline_ms=0.4),
     "verify-undecided", "release-gate"),
    (Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=30, log="... webauthn.challenge_miss "
             "store=redis user_id=7"), "challenge-miss", "RCA 2026-05-25"),
    # The log settles it against a fast answer too.
    (Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=1, baseline_ms=1,
             log="webauthn.registration_verify_failed user_id=7 reason=..."),
     "verification-failed", "runbook"),
    (Symptom("5", "check", code="no-user-row"), "no-user-row", "release-gate"),
    (Symptom("5", "check", code="nonce-not-recorded"), "nonce-not-recorded", "release-gate"),
    (Symptom("5", "check", code="user-id-mismatch"), "user-id-mismatch", "release-gate"),
    (Symptom("4", "check", 200, code="bad-response"), "unexpected-response", "release-gate"),
    (Symptom("5", "backend", detail="password authentication failed"), "database-failed",
     "release-gate"),
    (Symptom("replay", "check", 200), "replay-accepted", "release-gate"),
    # The Heroku side: the log evidence (RCA validation step) and a one-off dyno's failures.
    (Symptom("4", "check", code="log-store-memory", detail="store=memory"),
     "challenge-store-memory", "RCA 2026-05-25"),
    (Symptom("4", "check", code="log-challenge-miss"), "challenge-miss", "RCA 2026-05-25"),
    (Symptom("4", "check", code="log-no-info"), "log-no-info", "RCA 2026-05-25"),
    (Symptom("4", "check", code="log-evidence-missing"), "log-evidence-missing",
     "RCA 2026-05-25"),
    (Symptom("2", "check", code="log-unavailable"), "log-unavailable", "release-gate"),
    (Symptom("4", "check", code="log-incomplete"), "log-incomplete", "release-gate"),
    (Symptom("5", "backend", detail="heroku run failed: run.1002 dropped mid-output"),
     "dyno-failed", "release-gate"),
    (Symptom("5", "backend", detail="Heroku rate limit (429): one-off dyno on raxx-api-prod: "
             "Heroku rate limit: 429 for 120 s"), "heroku-rate-limit", "release-gate"),
    (Symptom("1", "backend", detail="heroku run on another release: run.1 runs v46, not v47"),
     "release-changed", "release-gate"),
    # Heroku's router, from its error page or its `heroku[router]` log line.
    (Symptom("health", "http", 503, '<iframe src="//www.herokucdn.com/error-pages/'
             'maintenance.html">'), "heroku-h80", "release-gate"),
    (Symptom("2", "http", 503, '<iframe src="//www.herokucdn.com/error-pages/'
             'application-error.html">', log='2026-05-25T01:00:00+00:00 heroku[router]: '
             'at=error code=H12 desc="Request timeout" method=POST'), "heroku-h12",
     "release-gate"),
    (Symptom("2", "http", 503, '<iframe src="//www.herokucdn.com/error-pages/'
             'application-error.html">'), "heroku-router", "release-gate"),
    (Symptom("health", "transport", log="heroku[router]: at=error code=H14 desc=\"No web "
             "dynos running\""), "heroku-h14", "release-gate"),
    (Symptom("login", "http", 400), "login-failed", "release-gate"),
    (Symptom("3", "authenticator", detail="no ES256"), "options-unusable", "release-gate"),
    (Symptom("3", "client", code="rp-id-not-suffix", origin="http://localhost:8767",
             rp_id="raxx.app"), "rp-id-not-suffix", "release-gate"),
    (Symptom("2", "http", 502, "bad gateway"), "server-error", "release-gate"),
    (Symptom("2", "transport", detail="ConnectError"), "unreachable", "release-gate"),
    (Symptom("4", "interrupted", detail="SIGTERM"), "interrupted", "release-gate"),
    (Symptom("2", "deadline", detail="the smoke's 2 s deadline ran out"), "deadline",
     "release-gate"),
    (Symptom("2", "too-large", 200, detail="response body larger than 1048576 bytes"),
     "response-too-large", "release-gate"),
    (Symptom("2", "http", 418, "teapot"), "unexpected", "release-gate"),
    (Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=1, baseline_ms=1, log=ORIGIN_LOG,
             origin="https://wrong.example"), "origin-mismatch", "release-gate"),
    (Symptom("4", "http", 400, '{"error": "Unexpected RP ID hash"}', rp_id="wrong.example",
             options_rp_id="localhost"), "rp-id-mismatch", "release-gate"),
]


@pytest.mark.parametrize(("symptom", "expected", "source"), CASES,
                         ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)])
def test_row(symptom: Symptom, expected: str, source: str) -> None:
    diagnosis = diagnose(symptom)
    assert (diagnosis.id, diagnosis.source) == (expected, source)
    assert diagnosis.symptom and diagnosis.likely_cause and diagnosis.next_step


def test_runbook_wording_is_kept() -> None:
    by_id = {d.id: d for d in (diagnose(c[0]) for c in CASES)}
    assert by_id["mint-failed"].symptom == "Step 1 fails with `heroku run exited 1`"
    assert by_id["mint-failed"].next_step.startswith(
        "heroku config --app raxx-api-prod | grep BOOTSTRAP")
    assert by_id["wrong-signing-key"].next_step == \
        "Confirm the same key is set on prod as was used to mint the token"
    assert by_id["registration-disabled"].likely_cause == "FLAG_WEBAUTHN_REGISTRATION is off"
    assert by_id["session-not-found"].next_step == "Check step 2 logs for a 500 or database error"
    assert by_id["no-credential-row"].next_step == \
        "Boolean cast bug (#2748 class); check webauthn_service.verify_registration"
    assert by_id["timeout"].next_step.startswith(
        "Re-run the smoke; if it persists, check Heroku metrics")
    assert "Check Redis connectivity" in by_id["verification-failed"].next_step


def test_latency_evidence_is_in_the_symptom() -> None:
    diagnosis = diagnose(Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=1.4,
                                 baseline_ms=0.9))
    assert "answered in 1 ms against a 1 ms health-check round trip" in diagnosis.symptom


def test_heroku_app_reaches_the_next_step() -> None:
    diagnosis = diagnose(Symptom("2", "http", 404, app="raxx-api-staging"))
    assert diagnosis.next_step == "Check feature flags via heroku config --app raxx-api-staging"


def test_every_row_is_reachable() -> None:
    matched = set()
    for symptom, _, _ in CASES:
        for index, (matches, _) in enumerate(ROWS):
            if matches(symptom):
                matched.add(index)
                break
    assert matched == set(range(len(ROWS)))


def test_docs_table_lists_every_diagnosis() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "smoke.md").read_text("utf-8")
    for diagnosis_id in {diagnose(c[0]).id for c in CASES} | {"teardown-failed"}:
        assert f"| `{diagnosis_id}` |" in text or f"`{diagnosis_id}`" in text.split(
            "| `heroku-h10`", 1)[-1].split("\n", 1)[0], diagnosis_id


def test_origin_mismatch_names_both_origins_and_is_no_challenge_miss() -> None:
    # Fast and with a log: without the origin row this read as a challenge miss or CBOR.
    diagnosis = diagnose(Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=1, baseline_ms=1,
                                 log="webauthn.challenge_popped store=redis\n" + ORIGIN_LOG,
                                 origin="https://wrong.example"))
    assert diagnosis.id == "origin-mismatch"
    assert "(https://wrong.example)" in diagnosis.likely_cause
    assert "(http://localhost:8000)" in diagnosis.likely_cause
    assert "Set smoke.origin to the backend's origin http://localhost:8000" in \
        diagnosis.next_step
    assert "target's log" in diagnosis.symptom


def test_origin_mismatch_from_the_body_with_configured_names() -> None:
    settings = parse({"names": {"origin_var": "ACME_ORIGIN"}})
    body = '{"error": "origin mismatch", "expected_origin": "https://app.acme.test"}'
    diagnosis = diagnose(Symptom("4", "http", 422, body, origin="https://x.test",
                                 settings=settings, app="acme-api"))
    assert diagnosis.id == "origin-mismatch"
    assert "https://app.acme.test" in diagnosis.likely_cause
    assert diagnosis.next_step.endswith("grep ACME_ORIGIN)")


def test_configured_names_replace_the_runbook_teams() -> None:
    settings = parse({
        "names": {"signing_key": "INVITE_SIGNING_SECRET", "registration_flag": "ACME_SIGNUP",
                  "verify_function": "passkeys.store"},
        "diagnosis": {"messages": {"invalid_token": "invite rejected"}},
        "sql": {"cred_count": "SELECT count(*) FROM passkeys WHERE owner = :user_id",
                "nonce_used": "SELECT count(*) FROM invites_redeemed WHERE jti = :nonce"},
    })
    wrong_key = diagnose(Symptom("2", "http", 401, '{"error": "invite rejected: signature"}',
                                 settings=settings))
    assert wrong_key.id == "wrong-signing-key"
    assert "INVITE_SIGNING_SECRET" in wrong_key.likely_cause
    assert "BOOTSTRAP" not in wrong_key.likely_cause + wrong_key.next_step
    mint = diagnose(Symptom("1", "backend", detail="mint command exited 1", settings=settings))
    assert "INVITE_SIGNING_SECRET" in mint.likely_cause and "BOOTSTRAP" not in mint.next_step
    flag = diagnose(Symptom("2", "http", 404, settings=settings))
    assert flag.likely_cause.startswith("ACME_SIGNUP is off")
    no_row = diagnose(Symptom("5", "check", code="no-credential-row", settings=settings))
    assert no_row.next_step.endswith("check passkeys.store")
    nonce = diagnose(Symptom("5", "check", code="nonce-not-recorded", settings=settings))
    assert "invites_redeemed" in nonce.symptom and "bootstrap" not in nonce.symptom


# Rows that only a Heroku target can produce (its log session, its one-off dynos).
_HEROKU_ONLY = {"challenge-store-memory", "log-no-info", "log-evidence-missing", "log-unavailable",
                "dyno-failed", "release-changed"}


@pytest.mark.parametrize("target", ["sandbox", "url"])
def test_every_hint_names_the_target_actually_used(target: str) -> None:
    from dataclasses import replace

    for symptom, expected, _ in CASES:
        if (expected in _HEROKU_ONLY or expected.startswith("heroku-")
                or symptom.code.startswith("log-")):
            continue
        diagnosis = diagnose(replace(symptom, target=target, on_heroku=False))
        text = f"{diagnosis.likely_cause} {diagnosis.next_step}"
        assert "heroku logs" not in text and "heroku config" not in text, (expected, text)
        assert "raxx-api-prod" not in text, (expected, text)


@pytest.mark.parametrize("latency", [0.5, 1.0, 4.0, 40.0, 400.0])
def test_without_a_log_a_verify_400_lists_the_candidates_and_what_decides(latency: float) -> None:
    # An origin mismatch, a challenge miss and a CBOR regression answer the same body: the
    # diagnosis names all three and the log lines that decide, never one of them.
    for on_heroku in (False, True):
        diagnosis = diagnose(Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=latency,
                                     baseline_ms=0.5, on_heroku=on_heroku,
                                     target="prod" if on_heroku else "url"))
        assert diagnosis.id == "verify-undecided"
        for candidate in ("challenge-store miss", "origin or RP id", "CBOR"):
            assert candidate in diagnosis.likely_cause
        assert "webauthn.challenge_miss" in diagnosis.next_step
        assert ("--server-log" in diagnosis.next_step) is not on_heroku


@pytest.mark.parametrize(("log", "expected"), [
    ("webauthn.challenge_miss store=redis user_id=7", "challenge-miss"),
    (ORIGIN_LOG, "origin-mismatch"),
    ("webauthn.registration_verify_failed user_id=1 reason=Could not decode CBOR",
     "verification-failed"),
])
def test_with_a_log_at_hand_the_log_decides(log: str, expected: str) -> None:
    for latency in (0.5, 40.0):
        diagnosis = diagnose(Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=latency,
                                     baseline_ms=0.5, log=log))
        assert diagnosis.id == expected


CBOR_LOGS = [
    "WARNING webauthn.registration_verify_failed user_id=3 reason=attestationObject was "
    "malformed",
    "webauthn.registration_verify_failed user_id=9 reason=authData too short",
]


@pytest.mark.parametrize("log", CBOR_LOGS)
@pytest.mark.parametrize("latency", [1.0, 40.0])
def test_a_log_blaming_the_attestation_parsing_leads_to_the_parser_not_redis(
        log: str, latency: float) -> None:
    found = diagnose(Symptom("4", "http", 400, VERIFY_FAILED, latency_ms=latency,
                             baseline_ms=0.5, log=log))
    assert found.id == "verification-failed"
    assert "Redis" not in found.next_step
    assert "attestationObject parsing" in found.next_step
    assert log.split(" reason=")[-1].split(": ")[-1] in found.symptom
