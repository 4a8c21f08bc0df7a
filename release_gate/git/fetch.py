"""Fetch the commits a diff needs into a shallow clone: history-independent set-up.

The workflow checks out the base commit at depth 1 and fetches the PR head at depth 1 without
blobs (action.yml). `git merge-base` cannot be trusted there (the shallow boundary hides the
history), so the merge base comes from GitHub's compare API (`merge_base_commit`, what
`base...head` means on GitHub) and is fetched the same way: one commit and its trees, no blobs,
whatever the length of the repository's history. `git diff` and `git cat-file` then fetch the
blobs of the files they read, lazily (the clone is a partial clone, `filter: blob:none`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from release_gate.git.repo import GitContext, run_git

REMOTE = "origin"


def is_shallow(repo: Path | str) -> bool:
    out = run_git(repo, ["rev-parse", "--is-shallow-repository"])
    return out.strip() == b"true"


def fetch_commits(repo: Path | str, shas: list[str], *, remote: str = REMOTE) -> None:
    """Fetch these commits at depth 1 with their trees, no blobs: one round trip.

    Never "is it here already?" first: in a partial clone, asking git for a missing commit
    fetches it lazily WITH its whole history. A commit the clone has costs nothing to fetch
    (the negotiation says so). A commit given by its SHA is what the server must allow (GitHub
    does for any reachable commit; `uploadpack.allowReachableSHA1InWant` elsewhere); a refusal
    is a GitError.
    """
    run_git(repo, ["fetch", "--no-tags", "--quiet", "--no-write-fetch-head", "--depth=1",
                   "--filter=blob:none", remote, *dict.fromkeys(shas)])


def clone_context(repo: Path | str, base: str, head: str, merge_base: Callable[[], str]
                  ) -> GitContext:
    """The context of `base...head` over a clone, full or shallow.

    A full clone computes the merge base itself. A shallow one is given GitHub's
    (`merge_base`, called only then), fetches it and the head when missing, and diffs from it:
    the same `base...head` either way.
    """
    if not is_shallow(repo):
        return GitContext.from_repo(repo, base, head)
    fork_point = merge_base()
    fetch_commits(repo, [head, fork_point])
    return GitContext.from_repo(repo, base, head, merge_base=fork_point)
