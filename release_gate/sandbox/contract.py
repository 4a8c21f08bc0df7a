"""The team's HTTP contract, served by the sandbox: a rehearsal of their own smoke: section.

A team's `smoke.endpoints`, request bodies (`smoke.bodies`) and answers (`smoke.responses`) are
theirs to set (docs/configure-smoke.md). The smoke writes them, as plain JSON, to the file named
by SANDBOX_CONTRACT_FILE before its first request (the sandbox boots meanwhile); this ASGI
middleware then serves each configured path as the sandbox's own route, reads the configured
field names into the sandbox's bodies and answers in the configured shape. The smoke and the
sandbox share no code (docs/architecture.md): they meet here over HTTP and a JSON file.

The file holds:
    {"routes": {"<the team's path>": "begin|verify|login_begin|login_verify|health"},
     "bodies": {"begin": <template>, ...}   # {"inviteCode": "{token}"}: where each value goes
     "options_key": "publicKey" | null, "user_id_field": "account.id", "ok": {"status": "ok"}}
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The sandbox's own routes (registration.py, login.py, app.py).
OWN_PATHS = {"begin": "/api/auth/register/begin-with-token",
             "verify": "/api/auth/register/verify-with-token",
             "login_begin": "/api/auth/login/begin", "login_verify": "/api/auth/login/verify",
             "health": "/healthz"}
PLACEHOLDERS = ("token", "credential", "email")
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Contract:
    routes: Mapping[str, str] = field(default_factory=dict)
    bodies: Mapping[str, Any] = field(default_factory=dict)
    options_key: str | None = None
    user_id_field: str = "user_id"
    ok: Mapping[str, Any] = field(default_factory=lambda: {"status": "ok"})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Contract:
        routes = {str(path): str(name) for path, name in (data.get("routes") or {}).items()
                  if name in OWN_PATHS}
        return cls(routes=routes, bodies=dict(data.get("bodies") or {}),
                   options_key=data.get("options_key"),
                   user_id_field=str(data.get("user_id_field") or "user_id"),
                   ok=dict(data.get("ok") or {"status": "ok"}))

    def request(self, name: str, body: bytes) -> bytes:
        """The team's request body, as the sandbox's own route reads it."""
        template = self.bodies.get(name)
        if template is None or not body:
            return body
        try:
            sent = json.loads(body)
        except ValueError:
            return body  # the route answers 422, as it would
        own = {}
        for key, path in _placeholders(template):
            value = _at(sent, path)
            if value is not None:
                own[key] = value
        return json.dumps(own).encode()

    def response(self, name: str, status: int, body: bytes) -> bytes:
        if status != 200 or name not in ("begin", "verify"):
            return body
        try:
            answer = json.loads(body)
        except ValueError:
            return body
        if name == "begin":
            if self.options_key and self.options_key != "publicKey":
                answer = {self.options_key: answer}
            return json.dumps(answer).encode()
        shaped: dict[str, Any] = dict(self.ok)
        _put(shaped, self.user_id_field.split("."), answer.get("user_id"))
        return json.dumps(shaped).encode()


def _placeholders(template: Any, path: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    """(placeholder, where it sits) for each `{token}` / `{credential}` / `{email}` leaf."""
    if isinstance(template, Mapping):
        return [found for key, value in template.items()
                for found in _placeholders(value, (*path, str(key)))]
    if isinstance(template, str) and template.startswith("{") and template.endswith("}") \
            and template[1:-1] in PLACEHOLDERS:
        return [(template[1:-1], path)]
    return []


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _put(target: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


class ContractMiddleware:
    """Serves the contract in SANDBOX_CONTRACT_FILE once the smoke has written it."""

    def __init__(self, app: App, path: str) -> None:
        self.app, self.path = app, path
        self._cached: tuple[float, Contract] | None = None

    def _contract(self) -> Contract | None:
        try:
            mtime = os.stat(self.path).st_mtime
        except OSError:
            return None
        if self._cached is None or self._cached[0] != mtime:
            try:
                with open(self.path, encoding="utf-8") as handle:
                    self._cached = (mtime, Contract.from_json(json.load(handle)))
            except (OSError, ValueError, AttributeError):
                return None
        return self._cached[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        contract = self._contract() if scope["type"] == "http" else None
        name = contract.routes.get(scope["path"]) if contract is not None else None
        if contract is None or name is None or scope["path"] == OWN_PATHS[name]:
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body") or len(body) > MAX_BODY:
                break
        own_body = contract.request(name, body)
        own_path = OWN_PATHS[name]
        scope = {**scope, "path": own_path, "raw_path": own_path.encode()}
        scope["headers"] = [(k, v) for k, v in scope.get("headers", [])
                            if k.lower() != b"content-length"]
        scope["headers"].append((b"content-length", str(len(own_body)).encode()))
        sent = False

        async def own_receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": own_body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def shaped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            out = contract.response(name, int(start["status"]), b"".join(chunks))
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(out)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": out, "more_body": False})

        await self.app(scope, own_receive, shaped_send)
