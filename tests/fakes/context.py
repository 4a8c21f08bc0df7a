"""An in-memory change context: the rules' tests build one from two trees (tests/core/rules/
helpers.py), and the in-memory GitHub (memory_github.py) hands one to the use cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from release_gate.core.changes import ChangeSet


@dataclass(frozen=True)
class FakeContext:
    """core/context.py `ChangeContext` over dictionaries; `close` and `notes` make it the
    PR changes the use cases' port returns (usecases/ports.py `PullChanges`)."""

    changes: ChangeSet
    base_files: Mapping[str, bytes] = field(default_factory=dict)
    head_files: Mapping[str, bytes] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def read_base(self, path: str) -> bytes | None:
        return self.base_files.get(path)

    def read_head(self, path: str) -> bytes | None:
        return self.head_files.get(path)

    def read_bases(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {path: self.read_base(path) for path in paths}

    def read_heads(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        return {path: self.read_head(path) for path in paths}

    def head_paths(self) -> Iterable[str]:
        return sorted(self.head_files)

    def close(self) -> None:
        pass
