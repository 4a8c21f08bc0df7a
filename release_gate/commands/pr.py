"""`release-gate pr --pr N`: evaluate a PR, post `release-gate`, upsert the checklist comment.

Exit 0 whenever it evaluated and posted, whatever the verdict (the status, not the job, blocks
the merge); on any failure it posts `error` where it still can and exits non-zero (1, or 2 for a
bad rules.yaml): docs/design.md §2. `--dry-run` prints what it would post
and writes nothing. The use case itself is pr_gate.py.
"""

from __future__ import annotations

import argparse
import os
import sys

from release_gate.github.client import GitHubEnv, Transport
from release_gate.github.gate import GitHubGate
from release_gate.usecases import merge_queue, pr_gate


def configure(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--pr", type=int, metavar="N", help="pull request number")
    target.add_argument("--merge-group", action="store_true",
                        help="under a merge_group event: judge the merge group commit against "
                             "its base as one change, and the queued PR (from the event's "
                             "head_ref) alone; post the result on the merge group commit")
    parser.add_argument("--repo", metavar="OWNER/NAME",
                        help="repository (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--rules", metavar="FILE",
                        help="judge with this rules file (the workflow passes the BASE checkout's "
                             "rules.yaml); default: rules.yaml at the PR's base SHA, via the API")
    parser.add_argument("--clone", metavar="DIR",
                        help="a local clone holding the PR's commits: used when the API cannot "
                             "list every file (over 3,000) or gives no patch")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the status and comment it would post; write nothing")


def run(args: argparse.Namespace) -> int:
    env = GitHubEnv.from_environ(os.environ, repository=args.repo)
    api = GitHubGate(env, Transport.from_environ(os.environ))
    try:
        if args.merge_group:
            return merge_queue.merge_group(api, rules=args.rules, dry_run=args.dry_run,
                                           out=sys.stdout)
        result = pr_gate.refresh_gate(api, number=args.pr, rules=args.rules, clone=args.clone,
                                      dry_run=args.dry_run, out=sys.stdout)
    finally:
        api.close()
    if not args.dry_run:
        pr_gate.write_actions_files(result, os.environ)
    return 0
