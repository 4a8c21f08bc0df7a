"""The checks a WebAuthn client (the browser, the phone's OS) makes before it lets an
authenticator sign: the smoke applies them so it fails where a real device would refuse.

They copy the WebAuthn Level 3 `[[Create]]` / `[[DiscoverFromExternalSource]]` steps that every
browser runs before it talks to an authenticator:

- the caller's origin is a secure context: `https:`, or `http:` on `localhost`, `*.localhost`
  or a loopback address (Secure Contexts' "potentially trustworthy"); else NotAllowedError;
- the origin's effective domain is a domain, never an IP address ("SecurityError");
- `rp.id` equals that domain or is a registrable domain suffix of it: a suffix on a label
  boundary that is not itself a public suffix (HTML's "is a registrable domain suffix of or is
  equal to", with the Public Suffix List). Chrome says "The relying party ID is not a
  registrable domain suffix of, nor equal to the current domain".

The Public Suffix List comes from `publicsuffixlist`, whose wheel bundles a recent copy: no
network fetch at run time, and no hand-written list of suffixes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

INSECURE_ORIGIN = "origin-not-secure"
IP_ORIGIN = "origin-is-ip"
RP_ID_NOT_SUFFIX = "rp-id-not-suffix"


@dataclass(frozen=True)
class Refusal:
    """Why a browser would refuse before the authenticator signs (code: the diagnosis id)."""

    code: str
    origin: str
    rp_id: str
    reason: str

    def __str__(self) -> str:
        return self.reason


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the bundled list; loading it takes a few milliseconds


def is_localhost(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_potentially_trustworthy(scheme: str, host: str) -> bool:
    """Secure Contexts' "potentially trustworthy origin": https, or http on loopback."""
    if not host:
        return False
    if scheme == "https":
        return True
    ip = _ip(host)
    return scheme == "http" and (is_localhost(host) or (ip is not None and ip.is_loopback))


def is_registrable_suffix(rp_id: str, host: str) -> bool:
    """HTML's "is a registrable domain suffix of or is equal to", for domains."""
    rp_id, host = rp_id.lower().rstrip("."), host.lower().rstrip(".")
    if not rp_id:
        return False
    if rp_id == host:
        return True
    if not host.endswith("." + rp_id):
        return False
    # Neither the host's public suffix nor a suffix of it: `app` cannot claim every `*.app`,
    # and `github.io` cannot claim `someone.github.io`.
    public = _psl().publicsuffix(host) or ""
    return not (rp_id == public or public.endswith("." + rp_id))


def refusal(origin: str, rp_id: str) -> Refusal | None:
    """What a browser on `origin` would refuse when asked to use `rp_id`, or None."""
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    if not is_potentially_trustworthy(parts.scheme, host):
        return Refusal(INSECURE_ORIGIN, origin, rp_id,
                       f"origin {origin} is not a secure context (https, or http on localhost): "
                       "a browser refuses navigator.credentials there")
    if _ip(host) is not None:
        return Refusal(IP_ORIGIN, origin, rp_id,
                       f"origin {origin} is an IP address: a browser refuses WebAuthn on it "
                       "(the RP id must be a domain)")
    if not is_registrable_suffix(rp_id, host):
        return Refusal(RP_ID_NOT_SUFFIX, origin, rp_id,
                       f"RP id {rp_id} is not {host} nor a registrable domain suffix of it: a "
                       f"browser on {origin} refuses it")
    return None
