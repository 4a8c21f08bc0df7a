"""`python -m tests.otherbackend.mint EMAIL`: print an invite code (INVITE_SIGNING_SECRET)."""

from __future__ import annotations

import os
import sys

from tests.otherbackend.invites import issue


def main(argv: list[str]) -> int:
    secret = os.environ.get("INVITE_SIGNING_SECRET")
    if not secret:
        print("INVITE_SIGNING_SECRET is not set", file=sys.stderr)
        return 1
    if len(argv) != 1:
        print("usage: python -m tests.otherbackend.mint EMAIL", file=sys.stderr)
        return 2
    print(issue(argv[0], secret=secret))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
