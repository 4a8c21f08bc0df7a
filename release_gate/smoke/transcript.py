"""The smoke's output, line for line as the runbook's "Reading the output" section.

Every line goes through the masker first, so no secret reaches the terminal or the Actions log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from release_gate.smoke.masking import Masker
from release_gate.smoke.result import SmokeResult, StepId

BAR = "=" * 60
BODY_LIMIT = 4000  # smoke.limits.excerpt_chars


def excerpt(body: str, limit: int = BODY_LIMIT) -> str:
    """At most `limit` characters of a body, saying how much was left out."""
    if len(body) <= limit:
        return body
    return f"{body[:limit]}... (truncated: {len(body) - limit} more characters)"


def prefix(value: object, length: int) -> str:
    """`rsBS7cZK4GWOm8-V...`: the runbook shows ids by their first characters."""
    text = str(value)
    return f"{text[:length]}..."


class Transcript:
    def __init__(self, stream: TextIO, masker: Masker) -> None:
        self._stream = stream
        self.masker = masker
        self.broken = False

    def line(self, text: str = "") -> None:
        if self.broken:
            return
        try:
            self._stream.write(self.masker.redact(text) + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            # A closed pipe (`| head`) must not cost the teardown: stop printing, keep going.
            self.broken = True

    def step(self, step: StepId, text: str) -> None:
        label = f"step {step}" if step[:1].isdigit() else step
        self.line(f"[{label}] {text}")

    def header(self, *, title: str, started_at: str, api_url: str, heroku_line: str,
               setup: Sequence[tuple[str, str]], email: str) -> None:
        """The runbook's header, plus what this run uses (`setup`: mint, database, origin,
        RP id), so a run against the wrong thing shows it before step 2."""
        self.line(BAR)
        self.line(f"{title} — {started_at} UTC")
        self.line(f"API: {api_url}")
        self.line(f"Heroku app: {heroku_line}")
        for label, value in setup:
            self.line(f"{label}: {value}")
        self.line(f"Test email: {email}")
        self.line(BAR)

    def body(self, step: StepId, body: str) -> None:
        """Print a body; the caller has cut it to an excerpt (smoke.limits.excerpt_chars)."""
        self.step(step, f"response body: {body if body else '(empty)'}")

    def verdict(self, result: SmokeResult, *, order: Sequence[str]) -> None:
        self.line(BAR)
        self.line(f"SMOKE VERDICT: {result.verdict.value}")
        failure = result.failure
        if failure is not None:
            where = f"step {failure.step}" if failure.step[:1].isdigit() else failure.step
            self.line(f"failed at: {where} ({failure.title})")
            self.line(f"symptom: {failure.diagnosis.symptom}")
            self.line(f"likely cause: {failure.diagnosis.likely_cause}")
            self.line(f"next step: {failure.diagnosis.next_step}")
        show: Callable[[object], str] = lambda v: "-" if v is None else str(v)  # noqa: E731
        self.line(f"user_id: {show(result.user_id)}")
        cred = None if result.credential_id is None else prefix(result.credential_id, 16)
        self.line(f"credential_id prefix: {show(cred)}")
        self.line(f"DB cred_count: {show(result.cred_count)}")
        self.line(f"recovery codes: {show(result.recovery_codes)}")
        timings = [f"{s.step if not s.step[:1].isdigit() else 'step ' + s.step} {s.ms:.0f} ms"
                   for name in order for s in result.steps if s.step == name]
        if timings:
            self.line(f"timings: {', '.join(timings)}; total {result.wall_ms:.0f} ms")
        self.line(BAR)
