"""The runbook's steps 1-5 (the optional login and replay rounds are in optional.py).

Each step prints its runbook lines, records a `StepRecord` with its latency, and raises
`StepFailed` with what it saw; the runner diagnoses, tears down and prints the verdict.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from release_gate.core.smoke_config.settings import table_of
from release_gate.smoke.authenticator import (
    AuthenticatorError,
    ClientRefused,
    Registration,
    unwrap_options,
)
from release_gate.smoke.backend_types import BackendError
from release_gate.smoke.client import Exchange
from release_gate.smoke.codec import DecodeError, b64url_decode
from release_gate.smoke.plan import SmokePlan
from release_gate.smoke.profiles import KEY_NAMES, flag_names
from release_gate.smoke.result import FailureKind, SmokeResult, StepId, StepRecord
from release_gate.smoke.transcript import prefix


class StepFailed(Exception):
    def __init__(self, step: StepId, title: str, message: str, *, kind: FailureKind,
                 exchange: Exchange | None = None, code: str = "", detail: str = "",
                 latency_ms: float | None = None, output: str = "") -> None:
        super().__init__(message)
        self.step, self.title, self.message, self.kind = step, title, message, kind
        self.exchange, self.code, self.detail, self.output = exchange, code, detail, output
        self.latency_ms = latency_ms if latency_ms is not None else (
            exchange.latency_ms if exchange else None)


@dataclass
class RunState:
    token: str | None = None
    nonce: str | None = None
    options: Mapping[str, Any] | None = None
    origin: str | None = None  # what step 3 wrote into clientDataJSON
    rp_id: str | None = None  # what step 3 hashed into authenticatorData
    registration: Registration | None = None
    user_id: int | str | None = None
    wrote: bool = False  # a request that may write rows was sent: teardown has work
    timed_out_writes: list[str] = field(default_factory=list)
    baseline_ms: float | None = None


def _backend_kind(error: BackendError) -> FailureKind:
    return FailureKind.TIMEOUT if error.timed_out else FailureKind.BACKEND


def record(result: SmokeResult, step: StepId, title: str, ms: float, *,
           status: int | None = None, detail: str = "") -> None:
    result.steps.append(StepRecord(step, title, True, ms, status, detail))


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """Replace "{token}", "{email}", "{credential}" string values in a JSON body template."""
    if isinstance(template, str):
        stripped = template.strip()
        if stripped.startswith("{") and stripped.endswith("}") and stripped[1:-1] in values:
            return values[stripped[1:-1]]
        return template
    if isinstance(template, Mapping):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


def post(plan: SmokePlan, state: RunState, step: StepId, path: str, body: Any,
         *, writes: bool) -> Exchange:
    title = f"POST {path}"
    if writes:
        state.wrote = True
    exchange = plan.client.post_json(path, body)
    check_complete(plan, state, step, title, exchange, writes=writes)
    if not exchange.ok:
        detail = body_detail(exchange)
        raise StepFailed(step, title, detail, kind=FailureKind.HTTP,
                         exchange=exchange, detail=detail)
    return exchange


def check_complete(plan: SmokePlan, state: RunState, step: StepId, title: str,
                   exchange: Exchange, *, writes: bool) -> None:
    """A cut-off answer (no status, a deadline, a body over the cap) fails the step, whatever
    its status said: half a body proves nothing."""
    if exchange.error is None and exchange.status is not None:
        return
    if writes and exchange.timed_out:
        state.timed_out_writes.append(step)
    kind = (FailureKind.DEADLINE if exchange.timed_out and plan.deadline.expired()
            else FailureKind.TIMEOUT if exchange.timed_out
            else FailureKind.TOO_LARGE if exchange.too_large else FailureKind.TRANSPORT)
    message = exchange.error or "no answer"
    raise StepFailed(step, title, message, kind=kind, exchange=exchange, detail=message)


def body_detail(exchange: Exchange) -> str:
    body = exchange.json()
    if isinstance(body, Mapping) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return " ".join(exchange.body.split())[:200]


def probe_health(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    """Two GETs: the second, on a warm connection, is the round-trip baseline for diagnosis."""
    path = plan.settings.endpoints.health
    if not path:
        plan.out.step(StepId.HEALTH, "skipped: smoke.endpoints.health is null (no latency baseline "
                                "for the diagnosis)")
        return
    times = []
    for _ in range(2):
        exchange = plan.client.get(path)
        if exchange.status is None or exchange.status >= 500:
            # No answer, or the router / app failing (Heroku's maintenance or error page): a
            # token minted now would be written for a target that cannot be tested.
            answer = (f"answered {exchange.status}" if exchange.status is not None
                      else f"got no answer ({exchange.error})")
            raise StepFailed(StepId.HEALTH, f"GET {path}", f"GET {path} {answer}: not minting "
                             "a token for a target that does not answer",
                             kind=(FailureKind.HTTP if exchange.status is not None
                                   else FailureKind.TRANSPORT),
                             exchange=exchange, detail=f"GET {path} {answer}")
        if not exchange.ok:
            # One line, then carry on without a baseline: the steps say what is wrong.
            answer = (f"answered {exchange.status}" if exchange.status is not None
                      else f"got no answer ({exchange.error})")
            hint = ("; set smoke.endpoints.health to the backend's health path, or null if it "
                    "has none" if exchange.status == 404 else "")
            plan.out.step(StepId.HEALTH, f"GET {path} {answer}: no latency baseline{hint}")
            return
        times.append(exchange.latency_ms)
    state.baseline_ms = min(times)
    record(result, StepId.HEALTH, f"GET {path}", state.baseline_ms, status=200)


def mint(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    title = f"mint via {plan.minter.description}"
    plan.out.step(StepId.MINT, f"minting bootstrap token for '{plan.email}' via "
                       f"{plan.minter.description}...")
    before = plan.minter.waiting_ms
    start = time.perf_counter()
    try:
        token = plan.minter.mint(plan.email)
    except BackendError as error:
        raise StepFailed(StepId.MINT, title, str(error), kind=_backend_kind(error),
                         detail=str(error), output=error.output,
                         latency_ms=(time.perf_counter() - start) * 1000) from None
    plan.out.masker.add(token)
    state.token = token
    state.nonce = _nonce(token, plan.settings.token_nonce_field)
    record(result, StepId.MINT, title, plan.minter.waiting_ms - before)
    plan.out.step(StepId.MINT, f"OK token={token}")


def _nonce(token: str, field_name: str | None) -> str | None:
    """The nonce in the token's payload (base64url JSON before the first '.'), if readable."""
    if not field_name:
        return None
    try:
        payload = json.loads(b64url_decode(token.split(".", 1)[0]))
    except (DecodeError, ValueError):
        return None
    value = payload.get(field_name) if isinstance(payload, Mapping) else None
    return str(value) if value is not None else None


def begin(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    path = plan.settings.endpoints.begin
    plan.out.step(StepId.BEGIN, f"POST {path} ...")
    body = fill(plan.settings.bodies.begin, {"token": state.token, "email": plan.email})
    exchange = post(plan, state, StepId.BEGIN, path, body, writes=True)
    options = exchange.json()
    key = plan.settings.responses.options_key
    inner = unwrap_options(options, key) if isinstance(options, Mapping) else {}
    user: Mapping[str, Any] = inner.get("user") or {}
    if not isinstance(user, Mapping):
        user = {}
    if not isinstance(inner.get("challenge"), str) or not isinstance(user.get("id"), str):
        where = f"under {key!r} or at the top level" if key else "at the top level"
        raise StepFailed(StepId.BEGIN, f"POST {path}", "200 without registration options",
                         kind=FailureKind.CHECK, exchange=exchange,
                         detail=f"no challenge or user.id in the registration options ({where}; "
                                "smoke.responses.options_key)")
    state.options = inner
    record(result, StepId.BEGIN, f"POST {path}", exchange.latency_ms, status=exchange.status)
    plan.out.step(StepId.BEGIN, f"OK challenge={prefix(inner['challenge'], 16)} "
                       f"user.id={prefix(user['id'], 8)}")


def build(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    title = "build synthetic credential"
    assert state.options is not None
    start = time.perf_counter()
    authenticator = plan.authenticator
    profile = authenticator.profile
    try:
        key = KEY_NAMES[authenticator.choose_algorithm(state.options)]
    except AuthenticatorError:
        key = "no usable algorithm"  # register() raises it again, with the reason
    plan.out.step(StepId.CREDENTIAL, f"building synthetic credential ({key}, fmt=none, "
                                     f"{profile.name} profile: flags "
                                     f"{flag_names(profile.flags)})...")
    rp_id = plan.rp_id or plan.settings.rp_id
    origin = plan.origin or plan.settings.origin
    derived = origin is None or rp_id is None
    if origin is None:
        origin = f"https://{rp_id or options_rp_id(state.options)}"
    state.origin = origin
    try:
        registration = authenticator.register(state.options, origin=origin, rp_id=rp_id)
    except ClientRefused as refused:
        state.rp_id = refused.refusal.rp_id
        raise client_refused(StepId.CREDENTIAL, title, refused, start) from None
    except AuthenticatorError as error:
        raise StepFailed(StepId.CREDENTIAL, title, str(error), kind=FailureKind.AUTHENTICATOR,
                         detail=str(error),
                         latency_ms=(time.perf_counter() - start) * 1000) from None
    state.rp_id = registration.rp_id
    if derived:  # the header could only say "from the options": show what was used
        plan.out.step(StepId.CREDENTIAL, f"using origin={origin} rp_id={registration.rp_id}")
    # Runbook step 3: "clientData challenge matches options challenge", checked on the bytes
    # we will send, not on what we meant to send.
    sent = json.loads(b64url_decode(registration.credential["response"]["clientDataJSON"]))
    expected = state.options["challenge"]
    if sent.get("challenge") != expected or (
            b64url_decode(sent["challenge"]) != b64url_decode(expected)):
        raise StepFailed(StepId.CREDENTIAL, title,
                         "clientData challenge differs from the options challenge",
                         kind=FailureKind.AUTHENTICATOR,
                         detail="challenge not echoed byte for byte")
    state.registration = registration
    record(result, StepId.CREDENTIAL, title, (time.perf_counter() - start) * 1000)
    result.credential_id = registration.credential_id_b64
    plan.out.step(StepId.CREDENTIAL, f"OK cred_id={prefix(registration.credential_id_b64, 16)} "
                       "clientData challenge matches options challenge")


def client_refused(step: StepId, title: str, refused: ClientRefused, start: float) -> StepFailed:
    """A browser would refuse before signing: the run fails here, before verify is sent."""
    return StepFailed(step, title, f"a real device would refuse: {refused}",
                      kind=FailureKind.CLIENT,
                      code=refused.refusal.code, detail=str(refused),
                      latency_ms=(time.perf_counter() - start) * 1000)


def options_rp_id(options: Mapping[str, Any] | None) -> str | None:
    rp = options.get("rp") if options else None
    value = rp.get("id") if isinstance(rp, Mapping) else None
    return value if isinstance(value, str) else None


def field_value(answer: Mapping[str, Any], dotted: str) -> Any:
    """`account.id` reaches into nested objects (smoke.responses.user_id_field)."""
    value: Any = answer
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def verify(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    path = plan.settings.endpoints.verify
    assert state.registration is not None
    plan.out.step(StepId.VERIFY, f"POST {path} ...")
    body = fill(plan.settings.bodies.verify, {
        "token": state.token, "email": plan.email,
        "credential": state.registration.credential})
    exchange = post(plan, state, StepId.VERIFY, path, body, writes=True)
    answer = exchange.json()
    responses = plan.settings.responses
    if not isinstance(answer, Mapping):
        answer = {}
    wrong = {k: answer.get(k) for k, v in responses.ok.items() if answer.get(k) != v}
    user_id = field_value(answer, responses.user_id_field)
    if wrong or user_id is None:
        raise StepFailed(StepId.VERIFY, f"POST {path}", "200 without the expected body",
                         kind=FailureKind.CHECK, exchange=exchange, code="bad-response",
                         detail=f"expected {dict(responses.ok)} and "
                                f"{responses.user_id_field}, got {body_detail(exchange)}")
    state.user_id = user_id
    result.user_id = user_id
    record(result, StepId.VERIFY, f"POST {path}", exchange.latency_ms, status=exchange.status)
    shown = " ".join(f"{k}={answer[k]}" for k in responses.ok)
    plan.out.step(StepId.VERIFY, f"OK {responses.user_id_field}={user_id} {shown}")


def check_database(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    title = f"database check via {plan.database.description}"
    plan.out.step(StepId.DATABASE, f"confirming DB persistence via {plan.database.description}...")
    before = plan.database.waiting_ms
    start = time.perf_counter()
    try:
        db = plan.database.check(email=plan.email, nonce=state.nonce)
    except BackendError as error:
        raise StepFailed(StepId.DATABASE, title, str(error), kind=_backend_kind(error),
                         detail=str(error),
                         latency_ms=(time.perf_counter() - start) * 1000) from None
    ms = plan.database.waiting_ms - before
    result.cred_count = db.cred_count
    result.recovery_codes = db.recovery_codes
    result.nonce_recorded = db.nonce_used

    def fail(code: str, detail: str) -> StepFailed:
        return StepFailed(StepId.DATABASE, title, detail, kind=FailureKind.CHECK, code=code,
                          detail=detail, latency_ms=ms)

    # Runbook step 5: "confirms DB write + commit, not just API 200".
    users = table_of(plan.settings.sql.user, "users")
    if not db.users:
        raise fail("no-user-row", f"no {users} row for {plan.email} after verify answered 200")
    row_id, row_email = db.users[0]
    if str(row_id) != str(state.user_id):
        raise fail("user-id-mismatch", f"{users} row id={row_id}, verify said "
                                       f"{plan.settings.responses.user_id_field}="
                                       f"{state.user_id}")
    if not db.cred_count:
        credentials = table_of(plan.settings.sql.cred_count, "webauthn_credentials")
        raise fail("no-credential-row", f"cred_count=0 in {credentials} for user.id={row_id}")
    if db.nonce_used is False:
        raise fail("nonce-not-recorded", f"nonce {state.nonce} not found")
    if db.nonce_used:
        table = table_of(plan.settings.sql.nonce_used, "bootstrap_tokens_used")
        plan.out.step(StepId.DATABASE, f"token nonce recorded as used in {table}")
    else:
        plan.out.step(StepId.DATABASE, "token nonce not checked (opaque token or "
                                       "smoke.sql.nonce_used unset)")
    record(result, StepId.DATABASE, title, ms, detail=f"cred_count={db.cred_count}")
    plan.out.step(StepId.DATABASE,
                  f"OK user.id={row_id} email={row_email} cred_count={db.cred_count}")
