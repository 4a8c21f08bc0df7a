"""The GitHub adapter as the use cases' ports (usecases/ports.py): the API client, plus a PR's
changes read through it (pull.py) and the event payload's PR."""

from __future__ import annotations

from release_gate.github.client import Comparison, GitHub, PullInfo
from release_gate.github.pull import (
    PullContext,
    commits_context,
    comparison_context,
    event_pull,
    pull_context,
)


class GitHubGate(GitHub):
    def event_pull(self, number: int) -> PullInfo | None:
        return event_pull(self.env, number)

    def pull_changes(self, pull: PullInfo, *, clone: str | None) -> PullContext:
        return pull_context(self, pull, clone=clone)

    def compare_changes(self, comparison: Comparison, *, base: str, head: str
                        ) -> PullContext | None:
        return comparison_context(self, comparison, base=base, head=head)

    def commits_changes(self, *, base: str, head: str) -> PullContext:
        return commits_context(self, base=base, head=head)
