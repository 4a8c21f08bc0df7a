"""YAML to plain data plus the line/column of every key and value (for located errors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Located:
    data: Any
    values: dict[KeyPath, Position]  # where each value starts
    keys: dict[KeyPath, Position]  # where each mapping key starts

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None:
        table = self.keys if key else self.values
        while path not in table and path:
            path = path[:-1]
        return table.get(path)


class _Loader(yaml.SafeLoader):
    """SafeLoader; duplicate keys are an error (a gate must not silently keep the last one)."""


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def load(text: str, source: str) -> Located:
    """Parse YAML text; raises yaml.YAMLError (with marks) or ValueError for duplicate keys."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located({}, {(): Position(1, 1)}, {})
        values: dict[KeyPath, Position] = {}
        keys: dict[KeyPath, Position] = {}
        data = _walk(loader, node, (), values, keys)
        return Located(data, values, keys)
    finally:
        loader.dispose()


class DuplicateKey(ValueError):
    def __init__(self, key: str, position: Position) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.position = position


def _walk(
    loader: _Loader,
    node: yaml.Node,
    path: KeyPath,
    values: dict[KeyPath, Position],
    keys: dict[KeyPath, Position],
) -> Any:
    values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                raise DuplicateKey(str(key), _position(key_node))
            child = (*path, key)
            keys[child] = _position(key_node)
            result[key] = _walk(loader, value_node, child, values, keys)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), values, keys) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
