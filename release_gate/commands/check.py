"""`release-gate check`: judge `base...head` of a local repository, offline (DESIGN.md §3)."""

from __future__ import annotations

import argparse
import sys
from enum import StrEnum
from pathlib import Path

# Imports inside run() are deferred on purpose: `--help` and a bad command line answer
# without loading the engine, the rules and git.


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="local git repository (default: .)")
    parser.add_argument("--base", help="base revision (default: merge base with origin/HEAD, "
                                       "origin/main or main)")
    parser.add_argument("--head", default="HEAD", help="head revision (default: HEAD)")
    parser.add_argument("--rules", help="rules file (default: rules.yaml at the base revision)")
    parser.add_argument("--format", type=Format, choices=list(Format), default=Format.TEXT,
                        help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    from release_gate import engine, git, policy
    from release_gate.render import json, markdown, text
    from release_gate.verdict import EXIT_CODES

    repo = Path(args.repo)
    base = args.base or git.default_base(repo)
    with git.GitContext.from_repo(repo, base, args.head) as ctx:
        if args.rules:
            chosen = policy.from_file(args.rules)
        else:
            rules_at_base = git.read_blob(repo, ctx.changes.base, policy.RULES_PATH)
            chosen = policy.from_base(rules_at_base, base=ctx.changes.base)
        evaluation = engine.evaluate(chosen.config, ctx, notes=(chosen.note,))
    renderer = {Format.TEXT: text, Format.JSON: json, Format.MARKDOWN: markdown}[args.format]
    sys.stdout.write(renderer.render(evaluation))
    return EXIT_CODES[evaluation.verdict]
