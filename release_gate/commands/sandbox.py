"""`release-gate sandbox`: run the bundled reference backend in the foreground.

Why it exists: docs/design.md §7.
"""

from __future__ import annotations

import argparse

from release_gate.sandbox.faults import FAULTS
from release_gate.sandbox.settings import DEFAULT_PORT

# Imports inside run() are deferred on purpose: `--help` and a bad command line answer
# without loading FastAPI, uvicorn and the storage drivers.


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("faults (also SANDBOX_FAULT):\n"
                     + "\n".join(f"  {name:<22} {text}" for name, text in FAULTS.items())
                     + "\n\nconfiguration: BOOTSTRAP_TOKEN_SIGNING_KEY, WEBAUTHN_RP_ID, "
                       "WEBAUTHN_ORIGIN, DATABASE_URL,\nREDIS_URL, FLAG_WEBAUTHN_REGISTRATION "
                       "(see docs/sandbox.md)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default: {DEFAULT_PORT})")
    # Values, not the Fault enum (argparse shows choices with repr()).
    parser.add_argument("--fault", choices=[str(name) for name in FAULTS], metavar="NAME",
                        help="inject one fault (listed below)")


def run(args: argparse.Namespace) -> int:
    from release_gate.errors import ConfigError, GateError
    from release_gate.sandbox.server import CannotListen, DidNotStart, serve

    try:
        serve(host=args.host, port=args.port, fault=args.fault)
    except (ValueError, CannotListen) as error:  # a bad environment value, a busy port
        raise ConfigError(f"sandbox: {error}") from None
    except DidNotStart as error:
        raise GateError(f"sandbox: {error}") from None
    return 0
