"""gitignore-style path patterns, compiled once when rules.yaml is loaded, matched in
bounded time.

pathspec turns each glob into a regex; Python's `re` runs `*a*a*a*a*a*b` against a long file
name in time that grows with the name's length to the power of the stars (6 stars, 60
characters: 3 s). So `re` (the fast engine here) only runs globs with at most two wildcards on
paths of at most 1,024 characters, where backtracking is at worst quadratic in a short string.
A `**` that is a whole path segment counts as one: it becomes `(?:.+/)?` or `(?:/.+)?/`, whose
backtracking can stop only at a `/`, so it multiplies the rest's work by the number of
directories at most (`**/*.py` and `backend_v2/api/**/*.py`: two wildcards).
Everything else runs on the `regex` engine (far less backtracking, and a timeout): a matcher may
spend GLOB_BUDGET_SECONDS there in one process; once it has, it answers its fail-closed value (a
path glob: matching, so the file is judged; an `exclude` glob: not matching, so nothing is
excused) (docs/reliability.md).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pathspec

from release_gate.core.rules.literals import required_literals

if TYPE_CHECKING:
    from release_gate.core.rules.base import Locate

try:  # the group pathspec names in a regex that matched as a directory pattern (`dir/`)
    from pathspec.patterns.gitignore.spec import _DIR_MARK
except ImportError:  # pragma: no cover
    _DIR_MARK = "ps_d"

GLOB_BUDGET_SECONDS = 1.0
MAX_FAST_WILDCARDS = 2  # `*`, `?` and `[` in one glob (`**` counts two, a `/**/` segment one)
MAX_FAST_PATH = 1024
_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>")
# The tail pathspec gives a glob that may name a file or a directory (`*.gz`, `rules.yaml`):
# "end here, or go on under it as a directory".
_FILE_OR_DIRECTORY_TAIL = f"(?:(?P<{_DIR_MARK}>/)|$)"


_MODULE_STEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def import_shadows(glob: str) -> tuple[str, ...]:
    """What Python would import under the same dotted name as the module a `.py` glob names.

    A package directory wins over a module of the same name (and an extension module over its
    source), so `routes/auth/__init__.py` replaces `routes/auth.py` on import without touching
    it. For `dir/auth.py`: anything under `dir/auth/`, the stub `auth.pyi`, extension modules
    `auth.so`, `auth.*.so`, `auth.pyd`, `auth.*.pyd`, and bytecode `auth.pyc`,
    `__pycache__/auth.*.pyc`. Only a glob whose last part is a literal module name (`auth.py`,
    not `*.py` or `gunicorn.conf.py`) names a module.
    """
    if glob.startswith("!") or not glob.endswith(".py"):
        return ()
    folder, slash, name = glob[:-3].rpartition("/")
    if not _MODULE_STEM.fullmatch(name):
        return ()
    if not slash:  # `auth.py` matches at any depth, so do its shadows
        folder, slash = "**", "/"
    stem = f"{folder}{slash}{name}"
    return (f"{stem}/**", f"{stem}.pyi", f"{stem}.so", f"{stem}.*.so", f"{stem}.pyd",
            f"{stem}.*.pyd", f"{stem}.pyc", f"{folder}{slash}__pycache__/{name}.*.pyc")


def wildcards(glob: str) -> int:
    """`*`, `?` and `[` in the glob, a `**` segment counted once (see the module docstring)."""
    return sum(1 if part == "**" else sum(part.count(c) for c in "*?[")
               for part in glob.split("/"))


def written_as_directory(glob: str) -> bool:
    """`dir/` and `dir/**` name a directory's content; every other glob names files."""
    return glob.endswith("/") or glob.rstrip("/").endswith("/**") or glob.strip("/") == "**"


def _files_only(regex_text: str) -> str:
    """The regex of a file glob, matching the path itself only, never a directory above it."""
    if regex_text.endswith(_FILE_OR_DIRECTORY_TAIL):
        return regex_text[: -len(_FILE_OR_DIRECTORY_TAIL)] + "$"
    return regex_text


@dataclass(frozen=True)
class PathMatcher:
    """Matches paths with pathspec's gitignore semantics.

    When no pattern is a negation (`!x`), the patterns are folded into ONE regex, so a path costs
    one C-level match instead of a Python loop over every pattern (bench/check_large.py: 3,000
    files x every rule). With negations, the patterns are tried in turn with pathspec's rule
    (`_last_match_wins`). The `regex` engine's patterns (`combined`, `ordered`) are compiled on
    first use: with simple globs and ordinary paths only `fast` runs, and compiling them all
    took a third of the rules' load (`check`'s fixed cost, bench/startup.py).
    """

    patterns: tuple[str, ...]
    folded: str | None  # every pattern's regex in one, when none is a negation
    used: tuple[tuple[str, bool], ...]  # (regex text, include) in file order
    fast: re.Pattern[str] | None  # `folded` on `re`, when every glob is simple enough
    # Without `fast`: strings one of which every match of `folded` contains (literals.py). A
    # path holding none cannot match, and is answered without the `regex` engine (exactly:
    # this is no timeout guess). `**/gunicorn*.conf*` needs "gunicorn".
    needles: frozenset[str] | None = None
    on_timeout: bool = True  # the fail-closed answer once the time budget is spent
    files_only: bool = False  # a file glob excuses files, never directories (`exclude`)
    _spent: list[float] = field(default_factory=lambda: [0.0], compare=False, repr=False)
    _engine: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def compile(cls, patterns: Sequence[str], *, on_timeout: bool = True,
                files_only: bool = False) -> PathMatcher:
        """`files_only`: a glob not written as a directory (`dir/`, `dir/**`) matches the path
        itself only. gitignore lets `*.gz` match a directory `config.gz/` and so everything
        under it; an `exclude` of `*.gz` must not excuse `config.gz/production.env`
        (docs/rules.md: globs are gitignore-style, with two exceptions)."""
        used = []
        for glob in patterns:
            for p in pathspec.GitIgnoreSpec.from_lines([glob]).patterns:
                compiled = getattr(p, "regex", None)
                if compiled is None or p.include is None:
                    continue
                text = compiled.pattern
                if files_only and not written_as_directory(glob.lstrip("!")):
                    text = _files_only(text)
                used.append((text, bool(p.include)))
        folded = fast = needles = None
        if used and all(include for _, include in used):
            folded = "|".join(f"(?:{_NAMED_GROUP.sub('(?:', text)})" for text, _ in used)
            if all(wildcards(glob) <= MAX_FAST_WILDCARDS for glob in patterns):
                fast = re.compile(folded)
            else:
                needles = required_literals([folded])
        return cls(tuple(patterns), folded, tuple(used), fast, needles, on_timeout, files_only)

    @property
    def combined(self) -> Any:
        """`folded` on the `regex` engine (a timeout), or None when a pattern is a negation."""
        if self.folded is None:
            return None
        if "combined" not in self._engine:
            import regex  # deferred with the compiling (see the class docstring)

            self._engine["combined"] = regex.compile(self.folded)
        return self._engine["combined"]

    @property
    def ordered(self) -> tuple[tuple[Any, bool], ...]:
        """(regex.Pattern[str], include) of each pattern, in file order."""
        if "ordered" not in self._engine:
            import regex

            self._engine["ordered"] = tuple((regex.compile(text), include)
                                            for text, include in self.used)
        return self._engine["ordered"]

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], key: str, locate: Locate,
                    default: Sequence[str] = ()) -> PathMatcher:
        """The globs under `key`; a glob that does not compile is a located error (exit 2)."""
        patterns = raw.get(key, default)
        excluding = key == "exclude"
        try:
            return cls.compile(patterns, on_timeout=not excluding, files_only=excluding)
        except Exception:  # pathspec raises re.error, ValueError...: say which glob
            pass
        for index, pattern in enumerate(patterns):
            try:
                cls.compile([pattern])
            except Exception as error:
                raise locate(f"{key}/{index}", f"invalid glob {pattern!r}: {error}") from None
        # Each compiles alone but not together: config.py's backstop locates it at the rule.
        return cls.compile(patterns, on_timeout=not excluding, files_only=excluding)

    def matches(self, path: str) -> bool:
        if self.fast is not None and len(path) <= MAX_FAST_PATH:
            return self.fast.match(path) is not None
        if self.needles is not None and not any(needle in path for needle in self.needles):
            return False
        left = GLOB_BUDGET_SECONDS - self._spent[0]
        if left <= 0:
            return self.on_timeout
        started = time.monotonic()
        try:
            if self.combined is not None:
                return self.combined.match(path, timeout=left) is not None
            return self._last_match_wins(path, started + left)
        except TimeoutError:
            self._spent[0] = GLOB_BUDGET_SECONDS
            return self.on_timeout
        finally:
            if self._spent[0] < GLOB_BUDGET_SECONDS:
                self._spent[0] += time.monotonic() - started

    def _last_match_wins(self, path: str, deadline: float) -> bool:
        """pathspec's rule: the last pattern matching the file itself wins; failing that, the
        last pattern matching one of its directories (`dir/`); failing that, no match."""
        by_directory: bool | None = None
        for pattern, include in reversed(self.ordered):
            match = pattern.match(path, timeout=max(deadline - time.monotonic(), 1e-6))
            if match is None:
                continue
            if not match.groupdict().get(_DIR_MARK):
                return include
            if by_directory is None:
                by_directory = include
        return bool(by_directory)

    def __bool__(self) -> bool:
        return bool(self.patterns)
