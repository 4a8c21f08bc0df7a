"""The browser's checks before signing (smoke/client_checks.py): the smoke refuses what a real
device refuses. The three configurations Chromium refused are named cases; the rest generated."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from webauthn import generate_registration_options, options_to_json

from release_gate.smoke.authenticator import ClientRefused, SyntheticAuthenticator
from release_gate.smoke.client_checks import (
    INSECURE_ORIGIN,
    IP_ORIGIN,
    RP_ID_NOT_SUFFIX,
    is_registrable_suffix,
    refusal,
)

# (origin, rp id, what Chromium 156 answered create() with) -> the smoke's refusal code
BROWSER_REFUSED = [
    ("http://localhost:8767", "raxx.app", RP_ID_NOT_SUFFIX),
    ("http://127.0.0.1:8765", "127.0.0.1", IP_ORIGIN),
    ("https://api.raxx.app", "other.app", RP_ID_NOT_SUFFIX),
]
BROWSER_ACCEPTED = [
    ("http://localhost:8767", "localhost"),
    ("https://raxx.app", "raxx.app"),
    ("https://signup.raxx.app", "raxx.app"),
    ("http://app.localhost:3000", "app.localhost"),
    ("https://someone.github.io", "someone.github.io"),
]


@pytest.mark.parametrize(("origin", "rp_id", "code"), BROWSER_REFUSED)
def test_the_browser_refused_configurations_are_refused(origin: str, rp_id: str,
                                                        code: str) -> None:
    found = refusal(origin, rp_id)
    assert found is not None and found.code == code
    assert origin in found.reason or rp_id in found.reason


@pytest.mark.parametrize(("origin", "rp_id"), BROWSER_ACCEPTED)
def test_what_the_browser_accepts_passes(origin: str, rp_id: str) -> None:
    assert refusal(origin, rp_id) is None


def _options(rp_id: str) -> dict:
    return json.loads(options_to_json(generate_registration_options(
        rp_id=rp_id, rp_name="Raxx", user_name="smoke-test+1@moosequest.net", user_id=b"u1")))


@pytest.mark.parametrize(("origin", "rp_id", "code"), BROWSER_REFUSED)
def test_the_authenticator_does_not_sign_what_a_device_would_refuse(origin: str, rp_id: str,
                                                                     code: str) -> None:
    with pytest.raises(ClientRefused) as raised:
        SyntheticAuthenticator().register(_options(rp_id), origin=origin)
    assert raised.value.refusal.code == code


@pytest.mark.parametrize("origin", ["http://raxx.app", "ftp://raxx.app", "http://10.0.0.8",
                                    "raxx.app", "http://localhost.evil.com"])
def test_insecure_origins_are_refused(origin: str) -> None:
    found = refusal(origin, "raxx.app")
    assert found is not None and found.code in (INSECURE_ORIGIN, IP_ORIGIN)


LABEL = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)
# Public suffixes from the list (ICANN and private sections), never hard-coded in the code.
SUFFIX = st.sampled_from(["com", "app", "co.uk", "github.io", "com.au", "herokuapp.com"])


@settings(max_examples=200, deadline=None)
@given(sub=st.lists(LABEL, max_size=3), name=LABEL, suffix=SUFFIX)
def test_generated_hosts_follow_the_registrable_suffix_rule(sub: list[str], name: str,
                                                            suffix: str) -> None:
    registrable = f"{name}.{suffix}"
    host = ".".join([*sub, registrable])
    origin = f"https://{host}"
    assert refusal(origin, host) is None  # the host itself
    assert refusal(origin, registrable) is None  # its registrable domain
    for index in range(len(sub)):  # every parent between the two
        assert refusal(origin, ".".join([*sub[index:], registrable])) is None
    found = refusal(origin, suffix)  # a public suffix never
    assert found is not None and found.code == RP_ID_NOT_SUFFIX
    assert not is_registrable_suffix(f"x{registrable}", host)  # a suffix off a label boundary
    found = refusal(origin, f"{name}x.{suffix}")  # a sibling domain
    assert found is not None and found.code == RP_ID_NOT_SUFFIX
    assert refusal(f"https://{registrable}", f"www.{registrable}") is not None  # a child


@settings(max_examples=100, deadline=None)
@given(ip=st.ip_addresses(), https=st.booleans())
def test_generated_ip_origins_are_refused(ip: object, https: bool) -> None:
    host = f"[{ip}]" if ":" in str(ip) else str(ip)
    found = refusal(f"{'https' if https else 'http'}://{host}:8765", str(ip))
    assert found is not None and found.code in (IP_ORIGIN, INSECURE_ORIGIN)
