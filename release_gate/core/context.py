"""The narrow interface every rule reads (docs/design.md §4): a change set plus file contents.

A rule never sees git, GitHub or the network: the git adapter, the GitHub adapter and the
tests' in-memory context (tests/fakes/context.py) all provide this same interface, so a rule
runs unchanged everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from release_gate.core.changes import ChangeSet


class ChangeContext(Protocol):
    @property
    def changes(self) -> ChangeSet: ...

    def read_base(self, path: str) -> bytes | None:
        """The file at the base revision, or None when it does not exist there."""
        ...

    def read_head(self, path: str) -> bytes | None:
        """The file at the head revision, or None when it does not exist there."""
        ...

    def read_bases(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Many files at the base at once (`read_base` of each): a rule that knows what it will
        read asks for it together, so the GitHub adapter fetches it in one request."""
        ...

    def read_heads(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        """Many files at the head at once (`read_head` of each), as `read_bases`."""
        ...

    def head_paths(self) -> Iterable[str]:
        """Every file path in the head tree (for rules whose invariant spans the tree)."""
        ...


class ClosableContext(ChangeContext, Protocol):
    """A context holding a resource (a git process): its owner closes it when done."""

    def close(self) -> None: ...
