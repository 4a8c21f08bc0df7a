"""Write a rendered report to a text stream whatever its encoding (docs/reliability.md).

File names are bytes in git; a name that is not UTF-8 reaches the report as surrogate escapes
(git/diff.py), and a stream opened with `PYTHONIOENCODING=utf-8` (strict) or an ASCII locale
cannot encode those, so the report crashed after the verdict was reached. Text output shows such
a byte as `\\xNN`; JSON output escapes it as `\\udcNN`, which Python's json reads back to the same
surrogate (and `os.fsencode` to the same bytes). Characters the stream cannot encode are escaped
the same way instead of failing.
"""

from __future__ import annotations

import re
from typing import TextIO

_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def write(stream: TextIO, text: str, *, json_escapes: bool = False) -> None:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(encodable_json(text, encoding) if json_escapes else encodable_text(text, encoding))
    stream.flush()


def encodable_text(text: str, encoding: str) -> str:
    def byte(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"

    text = _SURROGATE.sub(byte, text)
    return text.encode(encoding, "backslashreplace").decode(encoding)


def encodable_json(text: str, encoding: str) -> str:
    text = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = _NON_ASCII.sub(_json_escape, text)
    return text


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
