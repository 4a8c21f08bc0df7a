"""Fold string expressions of route paths: literals, module constants, `+` and f-strings.

What cannot be computed stays in the text as a `{?expression}` placeholder and makes the whole
value unknown, with the reason (routes.py reports such routes as unknown).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

_MAX_FOLD_DEPTH = 40
_PLACEHOLDER_CHARS = 40


@dataclass(frozen=True, slots=True)
class Text:
    """A path or prefix: literal text, with `{?expr}` for pieces that are not literal."""

    text: str
    known: bool = True

    def __add__(self, other: Text) -> Text:
        return Text(self.text + other.text, self.known and other.known)


EMPTY = Text("")


def describe(node: ast.AST) -> str:
    """Short source text of an expression, for placeholders and messages."""
    try:
        text = ast.unparse(node)
    except Exception:  # display only: a tree too deep to unparse is named by its type
        text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= _PLACEHOLDER_CHARS else text[: _PLACEHOLDER_CHARS - 1] + "…"


def unknown_text(node: ast.AST) -> Text:
    # "/" and braces are dropped so a placeholder stays one path segment.
    inner = re.sub(r"[/{}]", "", describe(node))
    return Text("{?" + inner + "}", known=False)


def fold_text(node: ast.expr, consts: Mapping[str, str], depth: int = 0) -> Text:
    """String literal, module string constant, `+` or f-string of those; else a placeholder."""
    if depth > _MAX_FOLD_DEPTH:
        return unknown_text(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Text(node.value)
    if isinstance(node, ast.Name) and node.id in consts:
        return Text(consts[node.id])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return fold_text(node.left, consts, depth + 1) + fold_text(node.right, consts, depth + 1)
    if isinstance(node, ast.JoinedStr):
        out = EMPTY
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out = out + Text(value.value)
            elif (isinstance(value, ast.FormattedValue) and value.format_spec is None
                  and value.conversion in (-1, ord("s"))):
                out = out + fold_text(value.value, consts, depth + 1)
            else:
                out = out + unknown_text(value)
        return out
    return unknown_text(node)


def module_constants(tree: ast.Module) -> dict[str, str]:
    """Top-level names bound exactly once, to a string the folder can compute."""
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.AugAssign):
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name):
                counts[target.id] = counts.get(target.id, 0) + 1
                if value is not None:
                    values[target.id] = value
    consts: dict[str, str] = {}
    for name, value in values.items():  # in source order: later constants may use earlier ones
        if counts[name] != 1:
            continue
        folded = fold_text(value, consts)
        if folded.known:
            consts[name] = folded.text
    return consts
