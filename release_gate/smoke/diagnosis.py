"""From a failed step to the runbook's likely cause and next step ("Interpreting failures").

One row per symptom: the runbook's table, the RCA's challenge-store miss, and the few symptoms
the smoke adds beyond the runbook (replay accepted, nonce not recorded, login failed, ...).
The first matching row wins, so specific rows come before general ones.

The RCA's signal was latency: verify answered 400 in 1 ms, before any database or crypto work
could have run. But an origin or RP id mismatch fails as fast, with the same body, so latency is
shown as evidence and decides nothing: the target's log does (`webauthn.challenge_miss`, the
RCA's fix: "turns a negative signal into a positive one", or the verify failure's reason).
Without such a line, the diagnosis lists the candidates and the evidence that would decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from release_gate.core.smoke_config.settings import SmokeSettings, table_of
from release_gate.core.target import TargetKind
from release_gate.smoke import log_evidence
from release_gate.smoke.backend_types import MINT_NOT_UNDERSTOOD
from release_gate.smoke.result import Diagnosis, FailureKind, StepId

RUNBOOK = "runbook"
RCA = "RCA 2026-05-25"
OURS = "release-gate"

MISS_LOG = "webauthn.challenge_miss"
VERIFY_FAILED_LOG = "webauthn.registration_verify_failed"
DYNO_FAILED = "heroku run failed:"  # prefix of a one-off dyno's transport failure (heroku_side)
RATE_LIMITED = "Heroku rate limit (429):"  # prefix: the Platform API's 429 outlasted the budget
WRONG_RELEASE = "heroku run on another release:"  # prefix: the dyno ran another release

# Heroku's router (Heroku Error Codes, devcenter): the codes a smoke meets, from the
# `heroku[router]: at=error code=H12 desc="Request timeout" ...` log line or Heroku's own error
# page (the body links `herokucdn.com/error-pages/<page>.html`).
ROUTER_CODES: dict[str, tuple[str, str, str]] = {
    "H10": ("App crashed", "The web dyno crashed or exited at boot (missing config, a bad "
            "release, a crash loop)", "heroku ps --app {app}; heroku logs --app {app} --ps web "
            "for the crash; heroku releases to see what changed"),
    "H12": ("Request timeout", "The app took longer than Heroku's 30 s router limit to answer "
            "(a slow query, Redis or database unreachable, a blocked worker)",
            "heroku logs --app {app} around the request; check the database and Redis latency"),
    "H13": ("Connection closed without response", "The dyno accepted the request and closed "
            "the connection without answering (a worker killed mid-request: timeout or memory)",
            "heroku logs --app {app} for worker timeouts / R14; check gunicorn's --timeout"),
    "H14": ("No web dynos running", "The app has no web dyno up (scaled to zero or all "
            "crashed)", "heroku ps --app {app}; heroku ps:scale web=1 --app {app}"),
    "H80": ("Maintenance mode", "The app is in maintenance mode: the router answers every "
            "request with the maintenance page", "heroku maintenance --app {app}; re-run the "
            "smoke after heroku maintenance:off"),
}
# The router serves `application-error` for H10, H12, H13, H14 alike: only its log line
# names the code; `maintenance` is H80's own page.
_ERROR_PAGES = {"maintenance": "H80"}
_ROUTER_LINE = re.compile(r"heroku\[router\]:[^\n]*?\bcode=(H\d\d)\b")
_ERROR_PAGE = re.compile(r"herokucdn\.com/error-pages/([a-z-]+)\.html")


@dataclass(frozen=True)
class Symptom:
    """What the runner saw when a step failed."""

    step: StepId
    kind: FailureKind
    http_status: int | None = None
    body: str = ""
    latency_ms: float | None = None
    baseline_ms: float | None = None  # health-check round trip, when measured
    fast_ms: float = 5.0  # smoke.diagnosis.fast_verify_ms
    code: str = ""  # for `check` failures: which check (no-credential-row, ...)
    detail: str = ""
    log: str | None = None  # the target's log since the run began, when available
    app: str = "raxx-api-prod"
    backend: str = ""  # the mint/database backend's description
    settings: SmokeSettings = field(default_factory=SmokeSettings)  # names, messages, SQL
    origin: str | None = None  # what step 3 wrote into clientDataJSON
    rp_id: str | None = None  # what step 3 hashed into authenticatorData
    options_rp_id: str | None = None  # rp.id of the registration options (the server's)
    # What the hints name: the Heroku app for production (or a URL target with Heroku
    # backends), the sandbox's own log and environment for `--target sandbox`, else the target.
    target: TargetKind = TargetKind.PROD
    on_heroku: bool = True

    def __post_init__(self) -> None:
        # A kind or step given as its word ("http", "4") becomes the enum member, and an
        # unknown word is refused here rather than matching no row.
        object.__setattr__(self, "kind", FailureKind(self.kind))
        object.__setattr__(self, "step", StepId(self.step))

    @property
    def body_lower(self) -> str:
        return self.body.lower()

    def says(self, message: str) -> bool:
        return message.lower() in self.body_lower

    def logs(self) -> str:
        """Where the target's log is read."""
        if self.on_heroku:
            return f"heroku logs --app {self.app}"
        if self.target == TargetKind.SANDBOX:
            return "the sandbox's log (the [server log] lines of the run)"
        return "the target's log (`--server-log FILE` lets the smoke read it)"

    def config(self, variable: str | None = None) -> str:
        """Where the target's configuration (one variable, or all) is read."""
        if self.on_heroku:
            grep = f" | grep {variable}" if variable else ""
            return f"heroku config --app {self.app}{grep}"
        what = variable or "its configuration"
        if self.target == TargetKind.SANDBOX:
            return f"{what} in the environment of the sandbox (`release-gate sandbox`)"
        return f"{what} on the target"

    def processes(self) -> str:
        if self.on_heroku:
            return f"`heroku ps --app {self.app}`"
        return "that the sandbox process is running" if self.target == TargetKind.SANDBOX else \
            "that the target is up"

    def fast(self) -> bool:
        if self.latency_ms is None:
            return False
        return self.latency_ms - (self.baseline_ms or 0.0) <= self.fast_ms


Row = tuple[Callable[[Symptom], bool], Callable[[Symptom], Diagnosis]]


Message = Callable[[Symptom], str]


def _http(step: StepId, statuses: int | tuple[int, ...], needle: Message | None = None
          ) -> Callable[[Symptom], bool]:
    wanted = statuses if isinstance(statuses, tuple) else (statuses,)

    def match(s: Symptom) -> bool:
        return (s.step == step and s.kind is FailureKind.HTTP and s.http_status in wanted
                and (needle is None or s.says(needle(s))))
    return match


def _invalid_token(s: Symptom) -> str:
    return s.settings.messages.invalid_token


def _verification_failed(s: Symptom) -> str:
    return s.settings.messages.verification_failed


def _session_not_found(s: Symptom) -> str:
    return s.settings.messages.session_not_found


# What a backend says when the origin or RP id is not its own: py_webauthn's messages and the
# usual hand-written ones. Read from the error body, then from the target's log.
_ORIGIN_MISMATCH = re.compile(
    r"unexpected client data origin|origin[ _-]?mismatch|invalid[ _-]origin|"
    r"origin\b[^\n]{0,40}\bnot (?:allowed|expected|permitted)", re.IGNORECASE)
_RP_ID_MISMATCH = re.compile(
    r"unexpected rp ?id hash|rp[ _-]?id[ _-]?(?:hash[ _-]?)?mismatch|invalid[ _-]rp[ _-]?id",
    re.IGNORECASE)
_EXPECTED_ORIGIN = re.compile(r"expected[^\n]{0,20}?([a-z][a-z0-9+.-]*://[^\s\\\"',}\]]+)",
                              re.IGNORECASE)


def _evidence(s: Symptom, pattern: re.Pattern[str]) -> tuple[str, str] | None:
    """(where, the line that says so) from the body first, then the target's log."""
    for where, text in (("response body", s.body), ("target's log", s.log or "")):
        for line in text.splitlines():
            if pattern.search(line):
                return where, " ".join(line.split())[:240]
    return None


def _mismatch(pattern: re.Pattern[str]) -> Callable[[Symptom], bool]:
    return lambda s: (s.step in (StepId.VERIFY, StepId.LOGIN) and s.kind is FailureKind.HTTP
                      and 400 <= (s.http_status or 0) < 500 and _evidence(s, pattern) is not None)


def _origin_mismatch(s: Symptom) -> Diagnosis:
    where, line = _evidence(s, _ORIGIN_MISMATCH) or ("", "")
    found = _EXPECTED_ORIGIN.search(line)
    expected = found.group(1) if found else None
    names = s.settings.names
    return Diagnosis(
        "origin-mismatch",
        f"Step {s.step} returns {s.http_status}; the {where} says the origin differs: {line}",
        f"The origin the smoke wrote into clientDataJSON ({s.origin or 'unknown'}) is not the "
        f"one the backend expects ({expected or 'not stated'}): a configuration mismatch, not "
        "a challenge-store miss or an encoding regression",
        f"Set smoke.origin to the backend's origin{' ' + expected if expected else ''}, or "
        f"fix {names.origin_var} on the target ({s.config(names.origin_var)})", OURS)


def _rp_id_mismatch(s: Symptom) -> Diagnosis:
    where, line = _evidence(s, _RP_ID_MISMATCH) or ("", "")
    names = s.settings.names
    server = s.options_rp_id
    return Diagnosis(
        "rp-id-mismatch",
        f"Step {s.step} returns {s.http_status}; the {where} says the RP id differs: {line}",
        f"The RP id the smoke hashed into authenticatorData ({s.rp_id or 'unknown'}) is not "
        f"the backend's (its options say rp.id={server or 'unknown'})",
        f"Set smoke.rp_id to {server} or remove it (the options' rp.id is the default), or "
        f"fix {names.rp_id_var} on the target ({s.config(names.rp_id_var)})" if server else
        f"Check smoke.rp_id against {names.rp_id_var} on the target", OURS)


def router_error(s: Symptom) -> tuple[str, str] | None:
    """(H code, where it was seen) for an answer Heroku's router gave instead of the app."""
    if s.kind not in (FailureKind.HTTP, FailureKind.TRANSPORT) or (s.http_status is not None
                                               and s.http_status < 500):
        return None
    page = _ERROR_PAGE.search(s.body)
    if page is not None and page.group(1) in _ERROR_PAGES:
        return _ERROR_PAGES[page.group(1)], f"Heroku's {page.group(1)} page"
    codes = [m.group(1) for m in _ROUTER_LINE.finditer(s.log or "") if m.group(1) in ROUTER_CODES]
    if codes:
        return codes[-1], "a heroku[router] log line"
    if page is not None:  # the code is only in the router's log line, which is not at hand
        return "", f"Heroku's {page.group(1)} page"
    return None


def _router(s: Symptom) -> Diagnosis:
    code, where = router_error(s) or ("", "")
    desc, cause, step = ROUTER_CODES.get(code, (
        "Heroku router error", "Heroku's router answered instead of the app (H10 crashed, "
        "H12 timeout, H13 connection closed or H14 no web dynos: its log line says which)",
        "heroku logs --app {app} --source heroku --dyno router for the code"))
    answer = f"answers {s.http_status}" if s.http_status else "got no answer"
    return Diagnosis(
        f"heroku-{code.lower()}" if code else "heroku-router",
        f"Step {s.step} {answer}: {code + ' ' if code else ''}{desc} (from {where})",
        cause, step.format(app=s.app), OURS)


def _device_would_refuse(s: Symptom) -> Diagnosis:
    """The browser's checks (smoke/client_checks.py) refuse the origin or RP id: no phone
    would sign, whatever the backend accepts. Names both values."""
    names = s.settings.names
    origin, rp_id = s.origin or "unknown", s.rp_id or s.options_rp_id or "unknown"
    causes = {
        "origin-not-secure": "the origin is not a secure context (https, or http on localhost)",
        "origin-is-ip": "the origin's host is an IP address, and an RP id must be a domain",
        "rp-id-not-suffix": "the RP id is neither the origin's host nor a registrable domain "
                            "suffix of it",
    }
    return Diagnosis(
        s.code or "device-would-refuse",
        f"Step {s.step}: a real device would refuse origin {origin} with RP id {rp_id} "
        f"({s.detail})",
        f"{causes.get(s.code, 'the browser refuses this origin and RP id')}: "
        f"navigator.credentials.create() fails on the phone before the authenticator signs, "
        "so no real signup can work with this pair",
        f"Make {names.origin_var} an https origin whose host is {names.rp_id_var} or a "
        f"subdomain of it (origin {origin}, RP id {rp_id} now; smoke.origin / smoke.rp_id "
        "when the smoke's own values are wrong)", OURS)


def _check(code: str) -> Callable[[Symptom], bool]:
    return lambda s: s.kind is FailureKind.CHECK and s.code == code


def _settles_verify(log: str) -> bool:
    return MISS_LOG in log or VERIFY_FAILED_LOG in log


def log_awaited(step: StepId, kind: FailureKind,
                status: int | None) -> Callable[[str], bool] | None:
    """What the target's log must show before this failure is diagnosed: a step-4 400 is read
    from the log (`_verify_failed_is_miss`), whose delivery may lag the response."""
    read_from_log = (step, kind, status) == (StepId.VERIFY, FailureKind.HTTP, 400)
    return _settles_verify if read_from_log else None


def _verify_undecided(s: Symptom) -> bool:
    """A verify 400 with no log line that settles it: a challenge miss, an origin or RP id
    mismatch and an attestation parsing regression all answer the same body, and all fail
    before any database work, so neither the body nor the latency tells them apart."""
    return (_http(StepId.VERIFY, 400, _verification_failed)(s)
            and not (s.log is not None and _settles_verify(s.log)))


def _verify_failed_is_miss(s: Symptom) -> bool:
    return (_http(StepId.VERIFY, 400, _verification_failed)(s) and s.log is not None
            and MISS_LOG in s.log)  # the log settles it either way


def _undecided(s: Symptom) -> Diagnosis:
    speed = (f"it answered in {_ms(s.latency_ms)} against a {_ms(s.baseline_ms)} health-check "
             "round trip" + (" (fast, as all three are: none reaches the database)"
                             if s.fast() else "") if s.latency_ms is not None else "")
    names = s.settings.names
    where = ("pass `--server-log FILE` (the target's log) and re-run" if not s.on_heroku
             else f"read {s.logs()} around the verify request (smoke.heroku.logs reads it "
                  "for you)")
    return Diagnosis(
        "verify-undecided",
        f"Step 4 returns 400 {s.settings.messages.verification_failed}"
        + (f"; {speed}" if speed else "") + "; no target log settles which cause it is",
        "One of three causes that answer the same body, not told apart without the target's "
        "log: (1) a challenge-store miss (RCA 2026-05-25: in-process store split across "
        f"processes, or Redis unreachable); (2) an origin or RP id the backend does not expect "
        f"(smoke.origin / smoke.rp_id vs {names.origin_var} / {names.rp_id_var}); (3) Challenge "
        "mismatch in the synthetic credential, or CBOR encoding regression (attestation "
        "parsing)",
        f"To decide, {where}: `{MISS_LOG}` means (1); `{VERIFY_FAILED_LOG}` with an origin or "
        f"RP id reason means (2); `{VERIFY_FAILED_LOG}` with a CBOR or attestation reason means "
        "(3)", OURS)


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} ms"


def _miss(s: Symptom) -> Diagnosis:
    if s.log is not None and MISS_LOG in s.log:
        evidence = f"the target logged `{MISS_LOG}`"
    else:
        evidence = (f"answered in {_ms(s.latency_ms)} against a {_ms(s.baseline_ms)} health-check "
                    "round trip: too fast for any database or crypto work (inferred from "
                    "latency; no target log to confirm: if the log shows "
                    "webauthn.challenge_popped, read it as the CBOR row instead)")
    return Diagnosis(
        "challenge-miss",
        f"Step 4 returns 400 {s.settings.messages.verification_failed}; {evidence}",
        "The challenge stored in step 2 is not visible to the process serving verify: an "
        "in-process challenge store split across gunicorn processes (--preload copy-on-write), "
        "or a Redis store that is unreachable, expired (60 s TTL) or not used",
        "Check Redis connectivity; look for `webauthn.challenge_miss` and "
        f"`webauthn.challenge_stored store=` in {s.logs()} (store=redis "
        "expected); shared state must live in Redis or Postgres, never a module-level dict",
        RCA)


# The server said its attestation parsing failed: the runbook's "CBOR encoding regression".
_ATTESTATION_PARSE = re.compile(
    r"attestation ?object|attestationObject|\bcbor\b|auth(?:enticator)? ?data|"
    r"attested credential data|attStmt", re.IGNORECASE)


def _verification_failed_row(s: Symptom) -> Diagnosis:
    """Runbook step-4 row. The next step follows the evidence: a log or body blaming the
    attestation parsing points at the parser, not at Redis (the challenge miss has its own row)."""
    symptom = f"Step 4 returns 400 {s.settings.messages.verification_failed}"
    said = _evidence(s, _ATTESTATION_PARSE)
    if said is not None:
        where, line = said
        return Diagnosis(
            "verification-failed", f"{symptom}; the {where} says `{line}`",
            "Challenge mismatch in the synthetic credential, or CBOR encoding regression: here "
            "the server's attestation parsing rejects the well-formed credential of step 3 "
            "(cbor2, `none` attestation, the challenge echoed)",
            "Read the server's attestationObject parsing (CBOR decoding, authData layout) in "
            "the release under test and diff it against the last release that passed; the "
            "credential printed by `release-gate passkey` reproduces it", RUNBOOK)
    return Diagnosis(
        "verification-failed", symptom,
        "Challenge mismatch in the synthetic credential, or CBOR encoding regression (step 3 "
        "confirmed the echoed challenge, so suspect the server's attestation parsing)",
        "Check Redis connectivity; check that options[\"challenge\"] matches what was stored "
        "in step 2", RUNBOOK)


def _timeout(s: Symptom) -> Diagnosis:
    what = ("the mint" if s.step == StepId.MINT
            else "the database check" if s.step == StepId.DATABASE else "the API")
    return Diagnosis(
        "timeout",
        f"Step {s.step} timed out ({what}{', ' + s.backend if s.backend else ''}; {s.detail})",
        "Dyno boot under load, or a slow dependency (database, Redis) on the target",
        (f"Re-run the smoke; if it persists, check Heroku metrics ({s.logs()}) "
         if s.on_heroku else f"Re-run the smoke; if it persists, check {s.logs()} ")
        + "and the database/Redis latency",
        RUNBOOK)


_TABLE_DEFAULTS = {"user": "users", "cred_count": "webauthn_credentials",
                   "nonce_used": "bootstrap_tokens_used"}


def _table(s: Symptom, statement: str) -> str:
    return table_of(getattr(s.settings.sql, statement), _TABLE_DEFAULTS[statement])


def _begin(s: Symptom) -> str:
    return s.settings.endpoints.begin.rstrip("/").rsplit("/", 1)[-1] or "begin"


def _verify(s: Symptom) -> str:
    return s.settings.endpoints.verify.rstrip("/").rsplit("/", 1)[-1] or "verify"


ROWS: tuple[Row, ...] = (
    (lambda s: s.kind is FailureKind.INTERRUPTED, lambda s: Diagnosis(
        "interrupted", f"Run interrupted by {s.detail} during step {s.step}",
        "The job was cancelled (Actions sends SIGINT, then SIGTERM) or stopped by hand",
        "Teardown ran; re-run the smoke for a verdict", OURS)),
    (lambda s: s.kind is FailureKind.DEADLINE, lambda s: Diagnosis(
        "deadline", f"The smoke ran out of time at step {s.step} ({s.detail})",
        "The target or a backend answers too slowly or not at all (a hung dyno, a slow "
        "database, an answer trickled a byte at a time)",
        f"Re-run; if it persists check {s.logs()} and the database latency; "
        "raise smoke.timeouts.total only for a target known to be that slow", OURS)),
    (lambda s: s.kind is FailureKind.TIMEOUT, _timeout),
    (lambda s: s.kind is FailureKind.TOO_LARGE, lambda s: Diagnosis(
        "response-too-large", f"Step {s.step} answered more than the smoke reads ({s.detail})",
        "The endpoint is not answering with the flow's small JSON (a misrouted URL, a file, "
        "an endless stream)",
        "Check the URL and smoke.endpoints; raise smoke.limits.body_bytes only if the real "
        "answer is that large", OURS)),
    *log_evidence.ROWS,
    (lambda s: s.kind is FailureKind.BACKEND and s.detail.startswith(RATE_LIMITED),
     lambda s: Diagnosis(
        "heroku-rate-limit", f"Step {s.step}: {s.detail}",
        "The Heroku account's Platform API token bucket is empty (other automation on the "
        "same account, or a loop): Heroku refused the request with 429 for longer than the "
        "step's budget; nothing is wrong with the app, its database or its SQL",
        "heroku auth:whoami to see the account; find what else spends its API tokens; re-run "
        "once `GET /account/rate-limits` shows tokens remaining", OURS)),
    (lambda s: s.kind is FailureKind.BACKEND and s.detail.startswith(WRONG_RELEASE),
     lambda s: Diagnosis(
        "release-changed", f"Step {s.step}: {s.detail}",
        "A release happened during the smoke: the one-off dyno ran another release than the "
        "one tested",
        f"heroku releases --app {s.app}; re-run the smoke once the release has settled", OURS)),
    (lambda s: router_error(s) is not None, _router),
    (lambda s: s.kind is FailureKind.BACKEND and s.detail.startswith(DYNO_FAILED),
     lambda s: Diagnosis(
        "dyno-failed", f"Step {s.step}: {s.detail}",
        "The one-off dyno's connection dropped, or its command ended without reporting an "
        "exit status (dyno killed, platform incident)",
        f"Re-run the smoke; check {s.processes()} and the Heroku status page; if "
        "step 5 did not finish, `release-gate smoke cleanup --email <email>`", OURS)),
    (lambda s: s.step == StepId.MINT and s.kind is FailureKind.BACKEND
     and s.detail.startswith(MINT_NOT_UNDERSTOOD), lambda s: Diagnosis(
        "mint-output-not-understood", f"Step 1: {s.detail}",
        "The mint command printed something other than the token where the contract reads it "
        "(a banner or warning as the last line, the token on standard error): no token was "
        "taken, so nothing was sent with a wrong one",
        "Make the mint print the token alone as the last line of standard output, or a "
        "`RELEASE_GATE_RESULT {\"token\": ...}` line (docs/smoke.md, Backends); its output is "
        "above, masked", OURS)),
    (lambda s: s.step == StepId.MINT and s.kind is FailureKind.BACKEND, lambda s: Diagnosis(
        "mint-failed", f"Step 1 fails with `{s.detail}`",
        f"{s.settings.names.signing_key} not set on the target (or the mint command is broken)",
        f"{s.config(s.settings.names.signing_key)} (for a local mint "
        f"command: check {s.settings.names.signing_key} in its environment; its output is "
        "above)", RUNBOOK)),
    (_http(StepId.BEGIN, (400, 401, 403), _invalid_token), lambda s: Diagnosis(
        "wrong-signing-key", f"Step 2 returns {s.http_status} "
                             f"{s.settings.messages.invalid_token}",
        f"Token minted against wrong {s.settings.names.signing_key}",
        "Confirm the same key is set on prod as was used to mint the token"
        if s.settings.names.signing_key == "BOOTSTRAP_TOKEN_SIGNING_KEY" else
        f"Confirm the same {s.settings.names.signing_key} is set on the target as was used to "
        "mint the token", RUNBOOK)),
    (_http(StepId.BEGIN, 404), lambda s: Diagnosis(
        "registration-disabled", "Step 2 returns 404",
        f"{s.settings.names.registration_flag} is off (or smoke.endpoints.begin is not a route "
        "of the target)" if s.settings.endpoints.begin != "/api/auth/register/begin-with-token"
        else f"{s.settings.names.registration_flag} is off",
        f"Check feature flags via {s.config(s.settings.names.registration_flag)}"
        if not s.on_heroku else f"Check feature flags via {s.config()}", RUNBOOK)),
    (_mismatch(_ORIGIN_MISMATCH), _origin_mismatch),
    (_mismatch(_RP_ID_MISMATCH), _rp_id_mismatch),
    (_verify_undecided, _undecided),
    (_verify_failed_is_miss, _miss),
    (_http(StepId.VERIFY, 400, _verification_failed), _verification_failed_row),
    (_http(StepId.VERIFY, 400, _session_not_found), lambda s: Diagnosis(
        "session-not-found", f"Step 4 returns 400 {s.settings.messages.session_not_found}",
        "User row was not created in step 2",
        "Check step 2 logs for a 500 or database error", RUNBOOK)),
    (_check("no-credential-row"), lambda s: Diagnosis(
        "no-credential-row", f"Step 5 cred_count=0 ({s.detail})",
        f"{_verify(s)} returned 200 but DB write failed silently",
        f"Boolean cast bug (#2748 class); check {s.settings.names.verify_function}", RUNBOOK)),
    (_check("no-user-row"), lambda s: Diagnosis(
        "no-user-row", f"Step 5 finds no {_table(s, 'user')} row ({s.detail})",
        f"{_verify(s)} returned 200 but the {_table(s, 'user')} row was never committed (the "
        "same silent-write class as cred_count=0)",
        f"Check that {_begin(s)} commits the {_table(s, 'user')} row; check "
        f"{s.settings.names.verify_function}", OURS)),
    (_check("user-id-mismatch"), lambda s: Diagnosis(
        "user-id-mismatch", f"Step 5 {_table(s, 'user')} row disagrees with step 4 ({s.detail})",
        f"{_verify(s)} reported a {s.settings.responses.user_id_field} that is not the smoke "
        "email's row",
        f"Check how {_verify(s)} resolves the user from the token", OURS)),
    (_check("nonce-not-recorded"), lambda s: Diagnosis(
        "nonce-not-recorded", f"Step 5: the token's nonce is not in {_table(s, 'nonce_used')} "
        f"({s.detail})",
        f"{_begin(s)} did not commit the single-use record, so the token could be replayed "
        "(the RCA was misled by this table once: check it, do not assume it)",
        f"Check {s.settings.names.token_service}'s nonce insert and its transaction; compare "
        "smoke.sql.nonce_used with the schema", OURS)),
    (lambda s: s.step == StepId.REPLAY and s.kind is FailureKind.CHECK, lambda s: Diagnosis(
        "replay-accepted", f"Replaying {_begin(s)} with the same token was not refused "
        f"({s.detail})",
        "Single-use tokens are not enforced (the nonce is not checked or not recorded)",
        f"Check {s.settings.names.token_service}: the nonce must be recorded in "
        f"{_table(s, 'nonce_used')} and a second use refused", OURS)),
    (lambda s: s.step == StepId.LOGIN, lambda s: Diagnosis(
        "login-failed", f"Sign-in with the registered key failed ({s.detail})",
        "The stored public key or sign count is not usable, or the login path regressed",
        "Check webauthn_credentials.public_key for this user and the login/verify logs", OURS)),
    (lambda s: s.kind is FailureKind.CLIENT, _device_would_refuse),
    (lambda s: s.kind is FailureKind.AUTHENTICATOR, lambda s: Diagnosis(
        "options-unusable", f"Step 3 cannot answer the registration options ({s.detail})",
        "begin-with-token's options changed shape (challenge, rp, pubKeyCredParams)",
        "Compare the step 2 body with py_webauthn's options_to_json output", OURS)),
    (lambda s: s.kind is FailureKind.CHECK and s.step in (StepId.BEGIN, StepId.VERIFY),
     lambda s: Diagnosis(
        "unexpected-response", f"Step {s.step} answered 200 with an unexpected body "
        f"({s.detail})",
        "The endpoint's response shape changed",
        "Compare the body above with smoke.responses / smoke.bodies in rules.yaml", OURS)),
    (lambda s: s.kind is FailureKind.HTTP and (s.http_status or 0) >= 500, lambda s: Diagnosis(
        "server-error", f"Step {s.step} returns {s.http_status}",
        "The app raised (database error, missing config, crash)",
        f"Read the traceback: {s.logs()}", OURS)),
    (lambda s: s.kind is FailureKind.TRANSPORT, lambda s: Diagnosis(
        "unreachable", f"Step {s.step} got no HTTP answer ({s.detail})",
        "The API URL is wrong, the app is down, or DNS/TLS failed",
        f"Check the URL (--target, or {s.settings.env.api_url} for prod) and "
        f"{s.processes()}", OURS)),
    (lambda s: s.kind is FailureKind.BACKEND, lambda s: Diagnosis(
        "database-failed", f"Step {s.step} cannot read the database ({s.detail})",
        "The database URL, credentials or SQL (smoke.sql) do not fit the target",
        f"Check {s.settings.database.url_env} and the SQL in rules.yaml against the schema",
        OURS)),
)


def diagnose(symptom: Symptom) -> Diagnosis:
    for matches, build in ROWS:
        if matches(symptom):
            return build(symptom)
    status = f"returns {symptom.http_status}" if symptom.http_status else "fails"
    return Diagnosis(
        "unexpected", f"Step {symptom.step} {status} ({symptom.detail or 'see body'})",
        "No row of the runbook's table matches this symptom",
        "Read the response body above and the app logs; add a row to docs/smoke.md once "
        "understood", OURS)
