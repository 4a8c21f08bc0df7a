"""A real Chromium (the Debian package) driven over the DevTools protocol, for the tests.

Raw CDP over its websocket (websocket-client): no browser download, no driver. A page gets a
CDP virtual authenticator (WebAuthn.enable, WebAuthn.addVirtualAuthenticator), so
`navigator.credentials.create` runs the browser's own checks and its own authenticator.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import websocket

START_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 30.0


def binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class CdpError(AssertionError):
    pass


class Browser:
    def __init__(self, url: str) -> None:
        self._ws = websocket.create_connection(url, timeout=CALL_TIMEOUT_S)
        self._ids = itertools.count(1)

    def call(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None) -> dict[str, Any]:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while time.monotonic() < deadline:
            answer = json.loads(self._ws.recv())
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise CdpError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))
        raise CdpError(f"{method}: no answer within {CALL_TIMEOUT_S:g} s")

    def close(self) -> None:
        self._ws.close()


class Page:
    """One tab with a virtual authenticator."""

    def __init__(self, browser: Browser, *, backup_eligible: bool, backed_up: bool) -> None:
        self.browser = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("WebAuthn.enable", {"enableUI": False})
        self.call("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True,
            "defaultBackupEligibility": backup_eligible, "defaultBackupState": backed_up}})

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str) -> Any:
        """Evaluate once the page has defined what it names (navigation is asynchronous)."""
        deadline = time.monotonic() + CALL_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self.evaluate(f"typeof ({expression}) !== 'undefined'"):
                    return self.evaluate(expression)
            except CdpError:
                pass  # the page is between documents
            time.sleep(0.05)
        raise CdpError(f"{expression} never appeared")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium on a DevTools port it picks itself; --no-sandbox because CI is root."""
    path = binary()
    assert path is not None, "chromium is not installed (scripts/install-system-deps)"
    profile = Path(tempfile.mkdtemp(prefix="release-gate-chromium-"))
    process = subprocess.Popen(
        [path, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    browser = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not port_file.exists() or len(port_file.read_text().splitlines()) < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                raise CdpError(f"chromium did not start (exit {process.poll()})")
            time.sleep(0.05)
        port, ws_path = port_file.read_text().splitlines()[:2]
        browser = Browser(f"ws://127.0.0.1:{port}{ws_path}")
        yield browser
    finally:
        if browser is not None:
            browser.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
