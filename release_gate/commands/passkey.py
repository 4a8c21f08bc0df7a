"""`release-gate passkey --options FILE --origin ORIGIN`: the synthetic authenticator on its own.

Prints a registration credential (RegistrationResponseJSON) for any registration-options JSON,
wrapped in `publicKey` or not, for debugging a backend by hand (docs/design.md §3).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Imports inside run() are deferred on purpose: `--help` and a bad command line answer
# without loading cryptography and cbor2.


def configure(parser: argparse.ArgumentParser) -> None:
    from release_gate.core.smoke_config.schema import AUTHENTICATOR_PROFILES

    parser.add_argument("--options", required=True, metavar="FILE",
                        help="registration options JSON (`-` for standard input)")
    parser.add_argument("--origin", required=True,
                        help="WebAuthn origin for clientDataJSON, e.g. https://raxx.app")
    parser.add_argument("--rp-id", help="RP id (default: rp.id from the options)")
    parser.add_argument("--authenticator", default=AUTHENTICATOR_PROFILES[0],
                        choices=AUTHENTICATOR_PROFILES,
                        help="the device to copy (docs/smoke.md, \"Authenticator profiles\"; "
                             "default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from release_gate.errors import ConfigError
    from release_gate.smoke import profiles
    from release_gate.smoke.authenticator import AuthenticatorError, SyntheticAuthenticator

    # An origin is scheme://host[:port] (a browser never sends a bare host); without a scheme
    # every backend would reject the credential with an origin mismatch.
    origin = urlsplit(args.origin)
    if origin.scheme not in ("http", "https") or not origin.hostname:
        raise ConfigError(f"--origin: {args.origin!r} is not an origin: give scheme and host, "
                          f"e.g. https://{args.origin.split('/')[0] or 'example.com'}")

    try:
        text = (sys.stdin.read() if args.options == "-"
                else Path(args.options).read_text(encoding="utf-8"))
        options = json.loads(text)
    except OSError as error:
        raise ConfigError(f"--options: cannot read {args.options}: {error.strerror}") from None
    except ValueError as error:
        raise ConfigError(f"--options: {args.options} is not JSON: {error}") from None
    if not isinstance(options, dict):
        raise ConfigError(f"--options: {args.options} must hold a JSON object")
    try:
        registration = SyntheticAuthenticator(
            profile=profiles.by_name(args.authenticator)).register(
                options, origin=args.origin, rp_id=args.rp_id)
    except AuthenticatorError as error:
        raise ConfigError(f"--options: {error}") from None
    json.dump(registration.credential, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
