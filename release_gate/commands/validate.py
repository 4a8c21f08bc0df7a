"""`release-gate validate [FILE ...]`: check rules files; `--schema` prints the JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys

# Imports inside run() are deferred on purpose: `--help` and a bad command line answer
# without loading the config schema and its rule kinds.


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="rules files to validate (default: rules.yaml)")
    parser.add_argument("--schema", action="store_true",
                        help="print the JSON Schema of rules.yaml (for editors) and exit")


def run(args: argparse.Namespace) -> int:
    from release_gate.core import config
    from release_gate.errors import ConfigError

    if args.schema:
        sys.stdout.write(json.dumps(config.json_schema(), indent=2) + "\n")
        return 0
    failed = crashed = False
    for path in args.files or ["rules.yaml"]:
        try:
            loaded = config.load_file(path, smoke_only=True)
        except ConfigError as error:
            print(f"release-gate: error: {error}", file=sys.stderr)
            failed = True
            continue
        except Exception as error:  # a gate bug on one file must not hide the next file's errors
            print(f"release-gate: internal error: {path}: {type(error).__name__}: {error}",
                  file=sys.stderr)
            crashed = True
            continue
        if loaded.smoke_only:
            print(f"{path}: ok (a smoke: section only: for `release-gate smoke --rules`; check "
                  "and pr need `version: 1` and `rules:` too)")
        else:
            print(f"{path}: ok ({len(loaded.rules)} rules)")
    return 1 if crashed else 2 if failed else 0
