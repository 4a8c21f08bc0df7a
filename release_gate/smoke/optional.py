"""Optional steps beyond the runbook, off by default (`smoke.steps`), run after step 5."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from release_gate.smoke.authenticator import AuthenticatorError, ClientRefused
from release_gate.smoke.plan import SmokePlan
from release_gate.smoke.result import FailureKind, SmokeResult, StepId
from release_gate.smoke.steps import (
    RunState,
    StepFailed,
    body_detail,
    check_complete,
    client_refused,
    field_value,
    fill,
    post,
    record,
)


def login(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    """Optional: sign in with the same key (proves the stored public key is usable)."""
    endpoints, bodies = plan.settings.endpoints, plan.settings.bodies
    assert state.registration is not None
    plan.out.step(StepId.LOGIN, f"POST {endpoints.login_begin} + {endpoints.login_verify} with the "
                           "registered key ...")
    values: dict[str, Any] = {"token": state.token, "email": plan.email}
    first = post(plan, state, StepId.LOGIN, endpoints.login_begin,
                 fill(bodies.login_begin, values), writes=False)
    options = first.json()
    start = time.perf_counter()
    try:
        assertion = plan.authenticator.authenticate(
            options if isinstance(options, Mapping) else {},
            origin=state.registration.origin, rp_id=plan.rp_id or plan.settings.rp_id)
    except ClientRefused as refused:
        raise client_refused(StepId.LOGIN, f"POST {endpoints.login_begin}", refused,
                             start) from None
    except AuthenticatorError as error:
        raise StepFailed(StepId.LOGIN, f"POST {endpoints.login_begin}", str(error),
                         kind=FailureKind.CHECK, exchange=first, detail=str(error)) from None
    second = post(plan, state, StepId.LOGIN, endpoints.login_verify,
                  fill(bodies.login_verify, {**values, "credential": assertion}), writes=True)
    answer = second.json()
    if not isinstance(answer, Mapping) or any(answer.get(k) != v
                                              for k, v in plan.settings.responses.ok.items()):
        raise StepFailed(StepId.LOGIN, f"POST {endpoints.login_verify}", "unexpected body",
                         kind=FailureKind.CHECK, exchange=second, detail=body_detail(second))
    record(result, StepId.LOGIN, "login round", first.latency_ms + second.latency_ms,
           status=second.status)
    plan.out.step(StepId.LOGIN, f"OK signed in with the registered key "
                           f"{plan.settings.responses.user_id_field}="
                           f"{field_value(answer, plan.settings.responses.user_id_field)}")


def replay(plan: SmokePlan, state: RunState, result: SmokeResult) -> None:
    """Optional: the same token again must be refused (single-use tokens; RCA timeline 00:56:48)."""
    path = plan.settings.endpoints.begin
    plan.out.step(StepId.REPLAY, f"POST {path} again with the same token (must be refused) ...")
    state.wrote = True
    exchange = plan.client.post_json(
        path, fill(plan.settings.bodies.begin, {"token": state.token, "email": plan.email}))
    check_complete(plan, state, StepId.REPLAY, f"POST {path}", exchange, writes=True)
    assert exchange.status is not None
    if not 400 <= exchange.status < 500:
        raise StepFailed(StepId.REPLAY, f"POST {path}",
                         f"replayed token answered {exchange.status}",
                         kind=FailureKind.CHECK if exchange.ok else FailureKind.HTTP,
                         exchange=exchange,
                         detail=f"HTTP {exchange.status}, expected a 4xx refusal")
    record(result, StepId.REPLAY, f"POST {path} (replay)", exchange.latency_ms,
           status=exchange.status)
    plan.out.step(StepId.REPLAY, f"OK refused with {exchange.status} ({body_detail(exchange)})")
