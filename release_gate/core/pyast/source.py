"""Python source read safely: `ast.parse` with every way it can refuse made one error.

The AST rules never import or run the code they judge (PR commits are data, docs/design.md §6); a
file that does not parse is a finding, never a crash and never a silent pass.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import sys
import tokenize

PARSER = f"Python {sys.version_info.major}.{sys.version_info.minor}"


class PythonSourceError(Exception):
    """A file that is not parseable Python (syntax error, undecodable bytes, too deep)."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def parse_python(path: str, data: bytes | str) -> ast.Module:
    """`ast.parse`, with every way it can refuse turned into `PythonSourceError`."""
    if "\0" in data if isinstance(data, str) else b"\0" in data:
        raise PythonSourceError(path, None, "contains NUL bytes (a binary file, or text in an "
                                            "encoding Python source cannot use)")
    try:
        return _parsed(path, data)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        if "unicode error" in message or "encoding" in message:
            raise PythonSourceError(
                path, None, f"is not decodable as Python source text ({message})") from None
        line = error.lineno if isinstance(error.lineno, int) and error.lineno > 0 else None
        if line is not None:  # "unexpected EOF" may point one past the last line
            line = min(line, _line_count(data))
        where = f", line {line}" if line else ""
        raise PythonSourceError(
            path, line, f"does not parse as {PARSER} ({message}{where})") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as error:
        # ValueError: null bytes on older Pythons; RecursionError: absurdly deep expressions.
        raise PythonSourceError(
            path, None, f"cannot be parsed as {PARSER} ({type(error).__name__})") from None


@functools.lru_cache(maxsize=128)
def _parsed(path: str, data: bytes | str) -> ast.Module:
    """One parse per file and check: the route and the state rules read the same files. The
    analysers only read the tree, never change it, so they can share it."""
    return ast.parse(data, filename=path)


def _line_count(data: bytes | str) -> int:
    """Lines as Python counts them (\\n, \\r\\n and a lone \\r end a line)."""
    if isinstance(data, str):
        return len(re.split(r"\r\n|\r|\n", data))
    return len(re.split(rb"\r\n|\r|\n", data))


def source_lines(data: bytes | str) -> list[str] | None:
    """The file's lines as Python numbers them (its declared encoding; \\n, \\r\\n, \\r)."""
    if isinstance(data, bytes):
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            data = data.decode(encoding)
        except (SyntaxError, LookupError, ValueError):
            # ValueError: UnicodeDecodeError, and the UnicodeError some codecs raise instead
            # (`# coding: punycode`, `undefined`); parse_python then names the file.
            return None
    return re.split(r"\r\n|\r|\n", data)
