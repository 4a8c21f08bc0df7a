"""One readable line for a transport error: what failed, never cut inside a word.

requests/urllib3 put the useful part at the end of a long repr (`HTTPSConnectionPool(...): Max
retries exceeded with url: ... (Caused by NameResolutionError("...: Failed to resolve 'host'
([Errno -2] Name or service not known)"))`); a fixed-width cut of that showed "...: Fail". The
known causes are named as such (a DNS failure, a refused connection, a timeout, TLS), anything
else is shortened at a word boundary.
"""

from __future__ import annotations

import re

LIMIT = 200
_RESOLVE = re.compile(r"Failed to resolve '([^']+)' \((?:\[Errno [^\]]+\] )?([^)]*)\)")
_OBJECT = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>:?\s*")
_KNOWN = (
    (re.compile(r"Connection refused", re.I), "connection refused"),
    (re.compile(r"timed out|TimeoutError|ReadTimeout|ConnectTimeout", re.I), "timed out"),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|SSLError|certificate verify failed", re.I),
     "TLS certificate verification failed"),
    (re.compile(r"RemoteDisconnected|Connection aborted|connection reset", re.I),
     "the connection was closed by the other side"),
)


def brief(error: BaseException, limit: int = LIMIT) -> str:
    text = " ".join(str(error).split())
    resolved = _RESOLVE.search(text)
    if resolved:
        return f"cannot resolve the host name {resolved.group(1)} (DNS: {resolved.group(2)})"
    for pattern, meaning in _KNOWN:
        if pattern.search(text):
            return meaning
    return clip(_OBJECT.sub("", text), limit) or type(error).__name__


def clip(text: str, limit: int = LIMIT) -> str:
    """`text` in at most `limit` characters, cut at a space and marked `…` when shortened."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:(") + "…"
