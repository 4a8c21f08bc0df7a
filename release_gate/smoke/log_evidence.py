"""The RCA's validation step, automated: the app's log must show the Redis challenge store.

RCA 2026-05-25, Resolution: "Confirm `webauthn.challenge_stored store=redis` +
`webauthn.challenge_popped store=redis` in Heroku logs." With a Heroku target the smoke follows
the app's log from before step 2 to after step 4 and judges this smoke's user's lines:

- a `store=memory` line: FAIL. The in-process store answers a single process correctly, so the
  signup passes and only the log shows the RCA's factor 1 (a split under `--preload`);
- a `webauthn.challenge_miss` line: FAIL, the RCA's diagnosis;
- both required lines: evidence, printed;
- no INFO line of the app at all: the RCA's swallowed logs (action item 5) — a warning by
  default, a FAIL with `smoke.heroku.logs.require_info`;
- INFO lines but not the required ones: FAIL (the store emitted nothing we can trust);
- lines missing while the stream says it lost some (logplex's L10/L11 notices, a gap it could
  not resume): FAIL "evidence incomplete", never "line absent" (heroku/logs.py).

`judge` is pure; `LogEvidence` is the runner hook around a log source (heroku/logs.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from release_gate.core.smoke_config.heroku_settings import LogEvidenceSettings
from release_gate.smoke.plan import LOG_BYTES
from release_gate.smoke.result import Diagnosis, FailureKind, SmokeResult, StepId
from release_gate.smoke.steps import StepFailed

RCA = "RCA 2026-05-25"
OURS = "release-gate"
TITLE = "log evidence"
POLL_S = 0.05


@dataclass(frozen=True)
class Judgement:
    outcome: str  # "ok" | "warn" | "fail" | "pending" (not decided yet: more lines may come)
    code: str  # for failures: log-store-memory | log-challenge-miss | log-no-info | ...
    message: str
    lines: tuple[str, ...] = ()


def judge(lines: Sequence[str], user_id: object, rules: LogEvidenceSettings, *,
          final: bool) -> Judgement:
    """What this smoke's user's lines say; `final`: no more lines will come."""
    marker = rules.user.replace("{user_id}", str(user_id))
    mine = [line for line in lines if _has_token(line, marker)]
    for needle, code in [*[(n, "log-store-memory") for n in rules.store_split],
                         *[(n, "log-challenge-miss") for n in rules.miss]]:
        hit = next((line for line in mine if needle in line), None)
        if hit is not None:
            return Judgement("fail", code, f"the app logged `{needle}` for {marker}",
                             (hit,))
    found = [next((line for line in mine if needle in line), None) for needle in rules.required]
    if all(found):
        return Judgement("ok", "", " + ".join(f"`{n}`" for n in rules.required) + f" ({marker})",
                         tuple(line for line in found if line))
    if not final:
        return Judgement("pending", "", "")
    infos = [line for line in lines if rules.source in line and _has_token(line, rules.info)]
    if not infos:
        message = (f"no {rules.info} line of the app in its log from step 2 to step 4: INFO "
                   "logs are swallowed (RCA: the root logger's level), so the challenge store "
                   "cannot be confirmed")
        return Judgement("fail" if rules.require_info else "warn", "log-no-info", message)
    missing = [needle for needle, line in zip(rules.required, found, strict=True) if not line]
    return Judgement("fail", "log-evidence-missing",
                     "the app's log has no " + ", ".join(f"`{n}`" for n in missing)
                     + f" for {marker}")


def _has_token(line: str, token: str) -> bool:
    """`token` in `line`, not glued to more of a word or number (user_id=4 is not user_id=42)."""
    start = line.find(token)
    while start >= 0:
        end = start + len(token)
        before = line[start - 1] if start else " "
        after = line[end] if end < len(line) else " "
        glued_before = token[:1].isalnum() and (before.isalnum() or before == "_")
        glued_after = token[-1:].isalnum() and (after.isalnum() or after == "_")
        if not glued_before and not glued_after:
            return True
        start = line.find(token, start + 1)
    return False


class LogSource(Protocol):
    error: str | None
    incomplete: str | None  # why lines may be missing (None: the stream lost none it knows of)

    def lines(self) -> list[str]: ...

    def close(self) -> None: ...


class LogEvidence:
    """Runner hook: opens the log before step 2, judges it after step 4 (see module doc)."""

    def __init__(self, opener: Callable[[], LogSource], rules: LogEvidenceSettings, *,
                 where: str) -> None:
        self._opener = opener
        self._rules = rules
        self._where = where
        self._source: LogSource | None = None
        self.judgement: Judgement | None = None

    def before(self, step: StepId, plan: Any, state: Any, result: SmokeResult) -> None:
        if step != StepId.BEGIN or self._source is not None:
            return
        try:
            self._source = self._opener()
        except Exception as error:  # an unopenable log fails closed, before anything is written
            raise StepFailed(StepId.BEGIN, TITLE, f"cannot follow the app's log: {error}",
                             kind=FailureKind.CHECK, code="log-unavailable",
                             detail=str(error)) from None
        plan.out.step(StepId.BEGIN, f"following the app's log ({self._where}) for the RCA's "
                           "challenge-store lines")

    def after(self, step: StepId, plan: Any, state: Any, result: SmokeResult) -> None:
        if step != StepId.VERIFY or self._source is None:
            return
        start = time.perf_counter()
        deadline = time.monotonic() + self._rules.wait
        source = self._source
        while True:
            final = time.monotonic() >= deadline
            judgement = judge(source.lines(), state.user_id, self._rules, final=final)
            if judgement.outcome != "pending":
                break
            if source.error is not None:  # the stream died: what we have is all there is
                judgement = judge(source.lines(), state.user_id, self._rules, final=True)
                break
            time.sleep(POLL_S)
        self.close()
        if source.error is not None and judgement.outcome not in ("ok", "fail"):
            # The stream broke: missing lines prove nothing either way. Fail closed.
            judgement = Judgement("fail", "log-unavailable",
                                  f"the app's log stream failed before the evidence arrived "
                                  f"({source.error})")
        incomplete = getattr(source, "incomplete", None)
        if incomplete and judgement.code in ("log-no-info", "log-evidence-missing"):
            # Logplex said it dropped lines: an absent line may be one of them.
            judgement = Judgement("fail", "log-incomplete",
                                  f"the evidence is incomplete: {incomplete}; "
                                  f"{judgement.message}")
        self.judgement = judgement
        ms = (time.perf_counter() - start) * 1000
        if judgement.outcome == "fail":
            detail = judgement.message
            raise StepFailed(StepId.VERIFY, TITLE, detail, kind=FailureKind.CHECK,
                             code=judgement.code, detail=detail, latency_ms=ms)
        if judgement.outcome == "warn":
            plan.out.step(StepId.VERIFY, f"warning: {judgement.message}")
            return
        plan.out.step(StepId.VERIFY, f"log evidence: {judgement.message}")

    def log_text(self, *, quiet_s: float = 0.3,
                 until: Callable[[str], bool] | None = None) -> str | None:
        """The lines so far, at most `wait` seconds on: once `until` holds for them (the lines a
        diagnosis needs: delivery lags the target's writes, so silence proves nothing), or
        without `until`, once none has arrived for `quiet_s`."""
        if self._source is None:
            return None
        deadline = time.monotonic() + self._rules.wait
        seen, quiet_since = len(self._source.lines()), time.monotonic()
        if until is not None and until("\n".join(self._source.lines())):
            return "\n".join(self._source.lines())[-LOG_BYTES:]
        while time.monotonic() < deadline and self._source.error is None:
            time.sleep(POLL_S)
            count = len(self._source.lines())
            if count != seen:
                seen, quiet_since = count, time.monotonic()
                if until is not None and until("\n".join(self._source.lines())):
                    break
            elif until is None and time.monotonic() - quiet_since >= quiet_s:
                break
        return "\n".join(self._source.lines())[-LOG_BYTES:]  # the diagnosis's own bound

    def close(self) -> None:
        if self._source is not None:
            self._source.close()


def _store_memory(s: Any) -> Diagnosis:
    return Diagnosis(
        "challenge-store-memory", f"Step 4 passed but {s.detail}",
        "The challenge store is the in-process dict (REDIS_URL unset or unused): it answers one "
        "process, and splits across gunicorn workers forked after --preload (RCA factor 1)",
        f"Check REDIS_URL on {s.app} (heroku config) and the Redis add-on; shared state must "
        "live in Redis or Postgres, never a module-level dict", RCA)


def _miss(s: Any) -> Diagnosis:
    return Diagnosis(
        "challenge-miss", f"Step 4: {s.detail}",
        "The challenge stored in step 2 was not found by the process serving verify (RCA: "
        "in-process store split across processes, or Redis unreachable / expired)",
        f"Check Redis connectivity; read `heroku logs --app {s.app}` around the miss", RCA)


def _no_info(s: Any) -> Diagnosis:
    return Diagnosis(
        "log-no-info", f"Step 4: {s.detail}",
        "The app's root logger drops INFO (the RCA's swallowed "
        "`auth.register_begin_with_token issued` line)",
        "Enable INFO output in production (RCA action item 5), or set "
        "smoke.heroku.logs.require_info: false to accept a warning", RCA)


def _missing(s: Any) -> Diagnosis:
    return Diagnosis(
        "log-evidence-missing", f"Step 4: {s.detail}",
        "The deployed challenge store does not log the RCA's lines (an old release, or a "
        "store that is not the Redis one)",
        f"Check the release running on {s.app} and webauthn_service's _store_challenge / "
        "_pop_challenge logging; compare smoke.heroku.logs with the app's log format", RCA)


def _unavailable(s: Any) -> Diagnosis:
    return Diagnosis(
        "log-unavailable", f"Step {s.step}: {s.detail}",
        "The Heroku API refused a log session or the log stream failed",
        "Check the API key's scope (docs/heroku.md) and the Heroku status page; "
        "smoke.heroku.logs.enabled: false skips the log evidence", OURS)


def _incomplete(s: Any) -> Diagnosis:
    return Diagnosis(
        "log-incomplete", f"Step 4: {s.detail}",
        "Heroku's log delivery dropped lines (logplex L10/L11: a drain or tail fell behind), so "
        "a line the smoke did not see may have been logged: nothing is proven either way",
        f"Re-run the smoke; if it recurs, check `heroku drains --app {s.app}` and the app's log "
        "volume", OURS)


def _code(code: str) -> Callable[[Any], bool]:
    return lambda s: s.kind is FailureKind.CHECK and s.code == code


# Rows for diagnosis.py's table (first match wins; these codes come only from this hook).
ROWS: tuple[tuple[Callable[[Any], bool], Callable[[Any], Diagnosis]], ...] = (
    (_code("log-store-memory"), _store_memory),
    (_code("log-challenge-miss"), _miss),
    (_code("log-no-info"), _no_info),
    (_code("log-evidence-missing"), _missing),
    (_code("log-unavailable"), _unavailable),
    (_code("log-incomplete"), _incomplete),
)
