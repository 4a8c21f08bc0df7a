"""`release-gate validate [FILE ...]`: check rules files; `--schema` prints the JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Imports inside run() are deferred on purpose: `--help` and a bad command line answer
# without loading the config schema and its rule kinds.


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="rules files to validate (default: rules.yaml)")
    parser.add_argument("--repo", metavar="DIR",
                        help="also report every rule whose paths match no file of this "
                             "repository (a rule that cannot fire)")
    parser.add_argument("--schema", action="store_true",
                        help="print the JSON Schema of rules.yaml (for editors) and exit")


def run(args: argparse.Namespace) -> int:
    from release_gate.core import config, reach
    from release_gate.errors import ConfigError

    if args.schema:
        sys.stdout.write(json.dumps(config.json_schema(), indent=2) + "\n")
        return 0
    failed = crashed = False
    tree = None
    if args.repo:
        from release_gate.git.tree import LocalTree
        tree = LocalTree.of(args.repo)
    default = [str(Path(args.repo) / "rules.yaml")] if args.repo else ["rules.yaml"]
    for path in args.files or default:
        try:
            loaded = config.load_file(path, smoke_only=True)
        except ConfigError as error:
            # One line per error, each located (ConfigErrors holds every error of the file).
            for one in getattr(error, "errors", None) or [error]:
                print(f"release-gate: error: {one}", file=sys.stderr)
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
            continue
        missing = reach.unreachable(loaded, tree.paths) if tree is not None else ()
        for rule_id in missing:
            print(f"{path}: {reach.message(rule_id)}", file=sys.stderr)
        if missing:
            failed = True
        else:
            print(f"{path}: ok ({len(loaded.rules)} rules)")
    return 1 if crashed else 2 if failed else 0
