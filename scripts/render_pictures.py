"""Regenerate the pictures in docs/img/ from the real renderers:
`python3 scripts/render_pictures.py`.

The checklist comment in its three states (blocked, needs a smoke, passed) and the smoke's job
summary (PASS, FAIL) are rendered by release_gate's own code from sample data, turned into HTML
by cmark-gfm (GitHub's Markdown, through the `cmarkgfm` package) with a GitHub-like style sheet,
and photographed by the Debian chromium over the DevTools protocol (tests/chromium.py). Mermaid
blocks stay code here (no Mermaid script offline); GitHub draws them.

tests/render/test_pictures.py renders the same states and checks their structure.
"""

from __future__ import annotations

import base64
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cmarkgfm  # noqa: E402
from cmarkgfm.cmark import Options  # noqa: E402

from release_gate.core.evidence import collect  # noqa: E402
from release_gate.core.verdict import Evaluation, Finding, Outcome, gate_status  # noqa: E402
from release_gate.render.comment import Links, render  # noqa: E402
from release_gate.smoke import report, summary  # noqa: E402
from release_gate.smoke.result import (  # noqa: E402
    Diagnosis,
    Failure,
    SmokeResult,
    SmokeVerdict,
    StepRecord,
    Teardown,
)
from tests.evidence_data import EXPECT, HEAD, T0, on_main, run, status  # noqa: E402

IMG = ROOT / "docs" / "img"
WIDTH = 760
LINKS = Links(server_url="https://github.com", repository="acme/api", pr_number=7,
              rules_doc="https://github.com/acme/release-gate/blob/v1/docs/rules.md")
SMOKE_CHECKLIST = (
    "Run the prod signup smoke on this PR's head (`gh workflow run smoke.yml -f pr=<PR>`) and "
    "get `release-gate/smoke` = PASS",
    "Only after the smoke passes: tap the signup URL on a real device")
STYLE = """
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: %dpx; padding: 16px 24px; color: #1f2328;
  font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 8px 0 16px; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body code { font: 85%% ui-monospace, "Liberation Mono", monospace;
  background: rgba(175,184,193,.2); padding: .2em .4em; border-radius: 6px; }
.markdown-body pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: hidden; }
.markdown-body pre code { background: none; padding: 0; }
.markdown-body table { border-collapse: collapse; margin: 0 0 16px; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.markdown-body th { font-weight: 600; background: #f6f8fa; }
.markdown-body ul { padding-left: 2em; } .markdown-body li { margin: .25em 0; }
.markdown-body details summary { cursor: pointer; }
"""


def comment_states() -> dict[str, str]:
    """The checklist comment as GitHub receives it, per state."""
    auth = Finding(path="backend_v2/api/routes/auth.py", line=12, rule="auth-routes",
                   outcome=Outcome.NEEDS_SMOKE, message="Auth routes changed")
    pairing = Finding(path="backend_v2/api/routes/auth.py", line=40,
                      rule="begin-verify-pairing", outcome=Outcome.BLOCKED,
                      message="A begin route would ship without its verify twin: POST "
                              "/api/auth/register/begin-with-token has no verify-with-token "
                              "in this PR (RCA 2026-05-25, factor 2)")
    smoke = Evaluation(base="b" * 40, head=HEAD, findings=(auth,), checklist=SMOKE_CHECKLIST)
    blocked = Evaluation(base="b" * 40, head=HEAD, findings=(auth, pairing), checklist=(
        *SMOKE_CHECKLIST, "Every `.../begin[-x]` route ships in the same PR as its "
                          "`.../verify[-x]` twin (RCA 2026-05-25, factor 2)"))
    none = collect([], head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: None)
    failed = collect([status("failure", description="FAIL at step 4 (challenge-miss)")],
                     head=HEAD, expect=EXPECT, on_branch=on_main, fetch_run=lambda _id: run())
    passed = collect([status(at=T0 + timedelta(hours=1), id=2)], head=HEAD, expect=EXPECT,
                     on_branch=on_main, fetch_run=lambda _id: run())
    earlier = render(smoke, failed, gate_status(smoke, smoke_passed_on_head=False), links=LINKS)
    return {
        "comment-blocked": render(blocked, none, gate_status(blocked, smoke_passed_on_head=False),
                                  links=LINKS),
        "comment-needs-smoke": render(smoke, none,
                                      gate_status(smoke, smoke_passed_on_head=False),
                                      links=LINKS),
        "comment-passed": render(smoke, passed, gate_status(smoke, smoke_passed_on_head=True),
                                 links=LINKS, previous=earlier),
    }


def _steps(fail_at: str | None) -> list[StepRecord]:
    timings = [("health", "GET /healthz", 4.0, 200), ("1", "mint via raxx-api-prod", 6120.0, None),
               ("2", "POST /api/auth/register/begin-with-token", 182.0, 200),
               ("3", "build synthetic credential", 2.0, None),
               ("4", "POST /api/auth/register/verify-with-token", 95.0, 200),
               ("5", "database check via raxx-api-prod", 5480.0, None)]
    steps = []
    for step, title, ms, http in timings:
        if step == fail_at:
            steps.append(StepRecord(step, title, False, 1.2, 400, "passkey verification failed"))
            break
        steps.append(StepRecord(step, title, True, ms, http,
                                "cred_count=1" if step == "5" else ""))
    steps.append(StepRecord("teardown", "teardown", True, 4100.0))
    return steps


def summary_states() -> dict[str, str]:
    """The smoke's job summary for a PASS and a FAIL on production."""
    base = dict(target="prod", api_url="https://api.raxx.app",
                email="smoke-test+1795354498@moosequest.net", started_at="2026-11-22T13:34:59Z",
                wall_ms=16200.0, rerun="RAXX_SMOKE_ALLOW_PROD=1 release-gate smoke --target prod")
    passed = SmokeResult(**base, verdict=SmokeVerdict.PASS, steps=_steps(None),  # type: ignore[arg-type]
                         user_id=42, cred_count=1,
                         teardown=Teardown(ran=True, ok=True, deleted={
                             "credential": 1, "recovery code": 0, "user": 1}))
    miss = Diagnosis(
        "challenge-miss", "Step 4 returns 400 passkey verification failed; the target logged "
        "`webauthn.challenge_miss`",
        "The challenge stored in step 2 is not visible to the process serving verify",
        "Check Redis connectivity; look for `webauthn.challenge_miss` in heroku logs --app "
        "raxx-api-prod (store=redis expected)", "RCA 2026-05-25")
    failed = SmokeResult(**base, verdict=SmokeVerdict.FAIL, steps=_steps("4"),  # type: ignore[arg-type]
                         user_id=None, failure=Failure(
                             "4", "POST /api/auth/register/verify-with-token",
                             "passkey verification failed", miss, http_status=400,
                             log_lines=("app[web.2]: webauthn.challenge_miss store=memory "
                                        "user_id=42",)),
                         teardown=Teardown(ran=True, ok=True, deleted={
                             "credential": 0, "recovery code": 0, "user": 1}))
    return {"summary-pass": summary.render(report.to_dict(passed)),
            "summary-fail": summary.render(report.to_dict(failed))}


def states() -> dict[str, str]:
    return {**comment_states(), **summary_states()}


def to_html(markdown: str) -> str:
    """GitHub's Markdown (cmark-gfm, raw HTML kept as GitHub keeps its safe subset)."""
    body = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    return ("<!doctype html><html><head><meta charset='utf-8'><style>" + STYLE % WIDTH
            + "</style></head><body><article class='markdown-body'>" + body
            + "</article></body></html>")


def photograph(pages: dict[str, str], out: Path) -> list[Path]:
    from tests.chromium import chromium

    written = []
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        session = _tab(browser)
        for name, html in pages.items():
            page = Path(tmp) / f"{name}.html"
            page.write_text(html, "utf-8")
            browser.call("Page.navigate", {"url": page.as_uri()}, session=session)
            height = _wait_height(browser, session)
            browser.call("Emulation.setDeviceMetricsOverride",
                         {"width": WIDTH, "height": height, "deviceScaleFactor": 1,
                          "mobile": False}, session=session)
            shot = browser.call("Page.captureScreenshot",
                                {"format": "png", "captureBeyondViewport": True,
                                 "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height,
                                          "scale": 1}}, session=session)
            target = out / f"{name}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            written.append(target)
    return written


def _tab(browser: object) -> str:
    call = browser.call  # type: ignore[attr-defined]
    target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = str(call("Target.attachToTarget", {"targetId": target, "flatten": True})
                  ["sessionId"])
    call("Page.enable", session=session)
    return session


def _wait_height(browser: object, session: str) -> int:
    import time

    call = browser.call  # type: ignore[attr-defined]
    for _ in range(200):
        result = call("Runtime.evaluate", {
            "expression": "document.readyState === 'complete' && "
                          "document.querySelector('.markdown-body') ? "
                          "Math.ceil(document.querySelector('.markdown-body')"
                          ".getBoundingClientRect().height) : 0",
            "returnByValue": True}, session=session)
        height = int(result["result"].get("value") or 0)
        if height:
            return height
        time.sleep(0.05)
    raise RuntimeError("the page never finished loading")


def main() -> int:
    IMG.mkdir(parents=True, exist_ok=True)
    pages = {name: to_html(text) for name, text in states().items()}
    for path in photograph(pages, IMG):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
