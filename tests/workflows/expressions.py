"""A small evaluator of GitHub Actions `${{ ... }}` expressions, for running workflows in tests.

It knows the part of the language the workflows use: literals, context paths (`a.b`, `a['b']`),
`!`, `==`, `!=`, `&&`, `||` (which yield an operand, as on GitHub), parentheses and the status
functions. Anything else is an `ExpressionError`: a test that runs a workflow must fail on an
expression it cannot evaluate instead of silently skipping a step.

Semantics followed (docs.github.com, "Evaluate expressions in workflows and actions"): falsy are
false, 0, '', null; string comparison ignores case; a missing property is null; values are
rendered into strings as '' for null and 'true'/'false' for booleans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'(?:[^']|'')*')
  | (?P<op>\|\||&&|==|!=|!|\(|\)|\[|\]|\.|,)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.X)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(Exception):
    """An expression this evaluator does not know how to evaluate (or a context it lacks)."""


class Strict(dict[str, Any]):
    """A context whose missing keys are an error, not null (inputs, secrets, vars, steps)."""

    def __init__(self, name: str, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.name = name


@dataclass
class Evaluator:
    contexts: Mapping[str, Any]
    functions: Mapping[str, Callable[[], bool]]

    def evaluate(self, text: str) -> Any:
        tokens = _tokenize(text)
        parser = _Parser(tokens, self, text)
        value = parser.expression()
        if parser.position != len(tokens):
            raise ExpressionError(f"unexpected {tokens[parser.position][1]!r} in {text!r}")
        return value

    def condition(self, text: str | bool | None) -> bool:
        """A step's or job's `if:` (with or without `${{ }}`); none means success()."""
        if text is None:
            return self.functions["success"]()
        if isinstance(text, bool):
            return text
        stripped = text.strip()
        match = _EMBEDDED.fullmatch(stripped)
        return truthy(self.evaluate(match.group(1) if match else stripped))

    def render(self, value: Any) -> Any:
        """Substitute every `${{ }}` in a YAML value; a whole-string expression keeps its type."""
        if isinstance(value, str):
            whole = _EMBEDDED.fullmatch(value.strip())
            if whole and value.strip() == value:
                return self.evaluate(whole.group(1))
            return _EMBEDDED.sub(lambda m: to_string(self.evaluate(m.group(1))), value)
        if isinstance(value, dict):
            return {k: self.render(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render(v) for v in value]
        return value

    def render_string(self, value: Any) -> str:
        return to_string(self.render(value))

    def lookup(self, name: str) -> Any:
        if name not in self.contexts:
            raise ExpressionError(f"unknown context {name!r}")
        return self.contexts[name]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], owner: Evaluator, text: str) -> None:
        self.tokens, self.owner, self.text, self.position = tokens, owner, text, 0

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ExpressionError(f"unexpected end of {self.text!r}")
        token = self.tokens[self.position]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, got {token[1]!r} in {self.text!r}")
        self.position += 1
        return token

    def expression(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._peek() == "&&":
            self._take()
            right = self._comparison()
            value = right if truthy(value) else value
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            equal = _equal(value, self._unary())
            return equal if op == "==" else not equal
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._postfix()

    def _postfix(self) -> Any:
        value, strict_name = self._primary()
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key: Any = self._take()[1]
            else:
                key = self.expression()
                self._take("]")
            value, strict_name = _member(value, key, strict_name, self.text), None
        return value

    def _primary(self) -> tuple[Any, str | None]:
        kind, text = self._take()
        if kind == "num":
            return (float(text) if "." in text else int(text)), None
        if kind == "str":
            return text[1:-1].replace("''", "'"), None
        if text == "(":
            value = self.expression()
            self._take(")")
            return value, None
        if kind != "ident":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false"):
            return text == "true", None
        if text == "null":
            return None, None
        if self._peek() == "(":
            self._take("(")
            self._take(")")
            function = self.owner.functions.get(text)
            if function is None:
                raise ExpressionError(f"unknown function {text}() in {self.text!r}")
            return function(), None
        value = self.owner.lookup(text)
        return value, (text if isinstance(value, Strict) else None)


def _member(value: Any, key: Any, strict_name: str | None, text: str) -> Any:
    if isinstance(value, Strict) and str(key) not in value:
        raise ExpressionError(f"{value.name}.{key} is not defined (in {text!r})")
    if isinstance(value, Mapping):
        return value.get(str(key))
    if isinstance(value, list) and isinstance(key, int):
        return value[key] if 0 <= key < len(value) else None
    return None


def truthy(value: Any) -> bool:
    return value not in (False, 0, "", None)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return float("nan")
    return float("nan")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if type(left) is type(right) or isinstance(left, Mapping | list):
        return bool(left == right)
    return _number(left) == _number(right)


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        return json.dumps(value)
    return str(value)
