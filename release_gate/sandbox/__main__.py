"""`python -m release_gate.sandbox mint EMAIL` and `python -m release_gate.sandbox serve`.

`mint` prints only the token on stdout (the smoke's step 1 reads it), with the key from
BOOTSTRAP_TOKEN_SIGNING_KEY (default: the sandbox-only dev key). The key itself is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from release_gate.sandbox.faults import FAULTS
from release_gate.sandbox.settings import DEFAULT_PORT, DEV_SIGNING_KEY

# Imports inside main() are deferred on purpose: `mint` (the smoke's step 1 spawns it) must
# not load FastAPI and uvicorn, which only `serve` needs.


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m release_gate.sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    mint_parser = sub.add_parser("mint", help="print a bootstrap signup token for EMAIL")
    mint_parser.add_argument("email")
    mint_parser.add_argument("--ttl", type=int, default=900, help="seconds (default 900)")
    serve_parser = sub.add_parser("serve", help="run the sandbox under uvicorn")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve_parser.add_argument("--fault", choices=sorted(FAULTS), default=None)
    args = parser.parse_args(argv)
    if args.command == "mint":
        from release_gate.sandbox.tokens import mint

        key = os.environ.get("BOOTSTRAP_TOKEN_SIGNING_KEY") or DEV_SIGNING_KEY
        print(mint(args.email, key=key, ttl_seconds=args.ttl))
        return 0
    from release_gate.sandbox.server import serve

    try:
        serve(host=args.host, port=args.port, fault=args.fault)
    except ValueError as error:
        print(f"sandbox: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
