"""`release-gate check`: judge `base...head` of a local repository, offline (docs/design.md §3)."""

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
    # Plain strings: argparse prints choices with repr(), and a StrEnum's is <Format.TEXT: ...>.
    parser.add_argument("--format", choices=[f.value for f in Format], default=Format.TEXT.value,
                        help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    from release_gate import git
    from release_gate.errors import ConfigError, GitError, GitLookupError

    repo = Path(args.repo)
    try:  # a repository or revision that does not exist is a bad command line (exit 2)
        base = args.base or git.default_base(repo)
        pending = git.GitContext.start(repo, base, args.head)
    except GitLookupError as error:
        raise ConfigError(str(error)) from None
    with pending:
        # While git prints the diff: the engine's imports and the rules (bench/check_large.py).
        from release_gate.core import policy, reach
        from release_gate.core.verdict import EXIT_CODES
        from release_gate.render import json, markdown, text
        from release_gate.render.output import write

        if args.rules:
            chosen = policy.from_file(args.rules)
        else:
            try:
                rules_at_base = git.read_file(repo, pending.base, policy.RULES_PATH)
            except GitError as error:
                raise ConfigError(f"{error} at base {pending.base[:12]}") from None
            chosen = policy.from_base(rules_at_base, base=pending.base)
        with pending.finish() as ctx:
            # After the rules: a broken rules file is the first thing to hear about.
            notes = _same_commit(repo, ctx.changes.base, ctx.changes.head)
            evaluation = reach.judge(chosen, ctx, notes=(chosen.note, *notes))
    chosen_format = Format(args.format)
    renderer = {Format.TEXT: text, Format.JSON: json, Format.MARKDOWN: markdown}[chosen_format]
    write(sys.stdout, renderer.render(evaluation), json_escapes=chosen_format is Format.JSON)
    return EXIT_CODES[evaluation.verdict]


def _same_commit(repo: Path, base: str, head: str) -> tuple[str, ...]:
    """`check` judges commits: with base == head there is nothing to judge, and a CLEAR then
    would be about nothing. Uncommitted work is refused (exit 2) rather than silently skipped."""
    from release_gate import git
    from release_gate.errors import ConfigError

    if base != head:
        return ()
    if git.has_uncommitted_changes(repo):
        raise ConfigError(
            f"base and head are the same commit ({base[:7]}) and the working tree of {repo} has "
            "uncommitted changes, which check does not judge: commit them (check judges "
            "base...head), or pass --base / --head naming different commits")
    return (f"base and head are the same commit ({base[:7]}): no change to judge",)
