"""GET /signup: a small page that runs the real ceremony in a browser, against this sandbox.

begin-with-token, `navigator.credentials.create`, verify-with-token, in the contract's own
shapes (the options as `{"publicKey": ...}` JSON, the credential as `credential.toJSON()`). On
`localhost` a person can register with their own Touch ID, Windows Hello or phone
(docs/sandbox.md); the suite drives it with Chromium and a virtual authenticator. The token
comes from the signup link (`/signup?token=...`) or is pasted into the form.

The page reports its outcome as `window.signupDone` (a promise) and in `#result`, so a test
reads the same thing a person sees.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter()

BEGIN = "/api/auth/register/begin-with-token"
VERIFY = "/api/auth/register/verify-with-token"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign up with a passkey: release-gate sandbox</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
input { width: 100%; font: inherit; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: .5rem; }
</style>
</head>
<body>
<h1>Sign up with a passkey</h1>
<p>The signup link's token (for this sandbox:
<code>python -m release_gate.sandbox mint EMAIL</code>), then this device's passkey prompt
(Touch ID, Windows Hello, a phone, a security key).</p>
<form id="form"><label>Token <input id="token" name="token" autocomplete="off" required></label>
<p><button type="submit">Create a passkey</button></p></form>
<pre id="result" aria-live="polite"></pre>
<script>
"use strict";
const ENDPOINTS = __ENDPOINTS__;
const b64u = {
  encode(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  },
  decode(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  },
};
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return { ...json, challenge: b64u.decode(json.challenge),
           user: { ...json.user, id: b64u.decode(json.user.id) },
           excludeCredentials: (json.excludeCredentials || []).map(
             (c) => ({ ...c, id: b64u.decode(c.id) })) };
}
function credentialJSON(credential) {
  if (credential.toJSON) return credential.toJSON();
  const response = credential.response;
  return { id: credential.id, rawId: b64u.encode(credential.rawId), type: credential.type,
           response: { clientDataJSON: b64u.encode(response.clientDataJSON),
                       attestationObject: b64u.encode(response.attestationObject),
                       transports: response.getTransports ? response.getTransports() : [] },
           authenticatorAttachment: credential.authenticatorAttachment,
           clientExtensionResults: credential.getClientExtensionResults() };
}
async function post(path, body) {
  const response = await fetch(path, { method: "POST", body: JSON.stringify(body),
                                       headers: { "Content-Type": "application/json" } });
  let answer = null;
  try { answer = await response.json(); } catch (error) { answer = null; }
  return { status: response.status, body: answer };
}
async function signup(token) {
  const begin = await post(ENDPOINTS.begin, { token });
  if (begin.status !== 200) return { step: "begin", ok: false, ...begin };
  const options = begin.body.publicKey || begin.body;
  let credential;
  try {
    credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  } catch (error) {
    return { step: "create", ok: false, error: error.name, message: error.message };
  }
  const algorithm = credential.response.getPublicKeyAlgorithm
    ? credential.response.getPublicKeyAlgorithm() : null;
  const verify = await post(ENDPOINTS.verify, { token, credential: credentialJSON(credential) });
  return { step: "verify", ok: verify.status === 200, algorithm, ...verify };
}
let finish;
window.signupDone = new Promise((resolve) => { finish = resolve; });
async function run(token) {
  const shown = document.getElementById("result");
  shown.textContent = "working...";
  let outcome;
  try { outcome = await signup(token); }
  catch (error) {
    outcome = { step: "page", ok: false, error: error.name, message: error.message };
  }
  shown.textContent = (outcome.ok ? "Signed up. " : "Failed. ") + JSON.stringify(outcome, null, 2);
  finish(outcome);
}
document.getElementById("form").addEventListener("submit", (event) => {
  event.preventDefault();
  run(document.getElementById("token").value.trim());
});
const linked = new URLSearchParams(location.search).get("token");
if (linked) { document.getElementById("token").value = linked; run(linked); }
</script>
</body>
</html>
"""


@router.get("/signup", response_class=HTMLResponse)
def signup_page() -> HTMLResponse:
    endpoints = json.dumps({"begin": BEGIN, "verify": VERIFY})
    return HTMLResponse(_PAGE.replace("__ENDPOINTS__", endpoints),
                        headers={"Cache-Control": "no-store",
                                 "Content-Security-Policy": "default-src 'self'; "
                                 "script-src 'unsafe-inline'; style-src 'unsafe-inline'"})
