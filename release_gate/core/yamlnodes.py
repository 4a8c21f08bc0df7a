"""YAML to plain data plus the line/column of every key and value (for located errors).

A rules file is hostile input (anyone can open a PR, and `validate` runs on it), so parsing is
bounded before anything is expanded (docs/reliability.md): the text size, the nesting depth,
the number of alias uses, and the size of the document once every alias and merge key is
expanded (a 400-byte "billion laughs" file expands to billions of nodes). The composed node
graph is measured in linear time, memoized per node, so a bomb is refused without ever being
built; a recursive anchor (`&r [*r]`) is refused where it points back at itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]

MAX_CHARACTERS = 1_000_000  # the shipped rules.yaml is ~7,000
MAX_DEPTH = 64  # nesting levels, counted through aliases; the shipped file uses 4
MAX_ALIASES = 1_000  # alias uses (`*name`); the shipped file uses 6
MAX_NODES = 100_000  # nodes once aliases and merge keys are expanded; the shipped file ~400


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


class LocatedYAMLError(ValueError):
    """A document that parses but that the gate refuses, at the node that breaks the rule."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.position = position


class DuplicateKey(LocatedYAMLError):
    def __init__(self, key: str, position: Position) -> None:
        super().__init__(f"duplicate key {key!r}", position)


def _mark_position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _position(node: yaml.Node) -> Position:
    return _mark_position(node.start_mark)


class _Loader(yaml.SafeLoader):
    """SafeLoader that bounds nesting and aliases while composing (before any expansion)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LocatedYAMLError(f"more than {MAX_ALIASES} aliases",
                                       _mark_position(event.start_mark))
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise LocatedYAMLError(f"nested more than {MAX_DEPTH} levels deep",
                                       _mark_position(event.start_mark))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str, source: str) -> Located:
    """Parse YAML text; raises yaml.YAMLError (with marks) or LocatedYAMLError."""
    if len(text) > MAX_CHARACTERS:
        raise LocatedYAMLError(f"larger than {MAX_CHARACTERS:,} characters", Position(1, 1))
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located({}, {(): Position(1, 1)}, {})
        _measure(node, {}, [], 1)
        values: dict[KeyPath, Position] = {}
        keys: dict[KeyPath, Position] = {}
        data = _walk(loader, node, (), values, keys)
        return Located(data, values, keys)
    finally:
        loader.dispose()


def _measure(node: yaml.Node, sizes: dict[int, int], stack: list[yaml.Node], depth: int) -> int:
    """The node count of `node` with every alias and merge expanded; refuses what is too big.

    Memoized per node, so the cost is linear in the text even when the expansion is not.
    """
    known = sizes.get(id(node))
    if known is not None:
        return known
    if any(node is open_node for open_node in stack):
        raise LocatedYAMLError("recursive alias: a node contains itself", _position(node))
    if depth > MAX_DEPTH:
        raise LocatedYAMLError(f"nested more than {MAX_DEPTH} levels deep (through aliases)",
                               _position(node))
    size = 1
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    stack.append(node)
    for child in children:
        size += _measure(child, sizes, stack, depth + 1)
        if size > MAX_NODES:
            raise LocatedYAMLError(
                f"expands to more than {MAX_NODES:,} nodes (aliases or merge keys)",
                _position(node))
    stack.pop()
    sizes[id(node)] = size
    return size


def _walk(
    loader: _Loader,
    node: yaml.Node,
    path: KeyPath,
    values: dict[KeyPath, Position],
    keys: dict[KeyPath, Position],
) -> Any:
    values[path] = _position(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # merge keys (<<: *anchor); bounded by _measure
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key(loader, key_node)
            if key in result:
                raise DuplicateKey(key, _position(key_node))
            child = (*path, key)
            keys[child] = _position(key_node)
            result[key] = _walk(loader, value_node, child, values, keys)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), values, keys) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _key(loader: _Loader, node: yaml.Node) -> str:
    """A mapping key: a string scalar, or a located error (`? [a, b]`, `1:`, `null:`)."""
    if isinstance(node, yaml.ScalarNode):
        key = loader.construct_object(node, deep=True)
        if isinstance(key, str):
            return key
        shown = f"{node.value!r} ({type(key).__name__})"
    else:
        shown = "a sequence" if isinstance(node, yaml.SequenceNode) else "a mapping"
    raise LocatedYAMLError(f"a key must be a string, not {shown}", _position(node))
