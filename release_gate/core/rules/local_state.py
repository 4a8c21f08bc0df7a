"""`process-local-state`: module-level mutable containers that request code mutates.

RCA 2026-05-25, contributing factor 1: `_challenge_store = {}` in webauthn_service.py, written by
`begin` and popped by `verify`. Under gunicorn `--preload` the module is imported once in the
master and forked: every process mutates its own copy-on-write clone, so a challenge stored while
one process served `begin` is missing in the process that serves `verify` (400 in 1 ms). Action
item 3: all shared state must use Redis or Postgres.

Flagged: a module-level `{}`, `[]`, `set()`, `dict()`, `list()`, `defaultdict(...)`,
`OrderedDict()`, `deque()`, `Counter()`, comprehension, ... that a function of the same module
mutates: item assignment or augmented assignment, `del x[k]`, a mutating method (`.pop`,
`.update`, `.setdefault`, `.append`, `.add`, `.clear`, ...; also on an element: `x[k].append`),
`heapq`/`bisect` helpers, or rebinding it through `global x`. Only when the PR is responsible: it
adds the container, or adds a mutation of it (the base and head parses of each touched file are
compared by (container, function, kind of mutation), so moved or reformatted code is not "new").
Never-mutated module containers (lookup tables, `__all__`) and import-time filling are fine.

`# release-gate: allow-process-local-state <reason>` on the definition line lifts it; without a
reason it does not, and the finding says so.
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from release_gate.core.changes import FileChange, FileStatus
from release_gate.core.context import ChangeContext
from release_gate.core.pyast.source import PythonSourceError, parse_python, source_lines
from release_gate.core.rules import pyscope
from release_gate.core.rules.base import Rule
from release_gate.core.rules.pyscope import PythonRule
from release_gate.core.verdict import Finding

if TYPE_CHECKING:  # the analyser itself is imported when a file in scope changed (_scan)
    from release_gate.core.pyast.state import Container, Mutation, StateReport

DEFAULT_SCOPE = ("backend_v2/api/**",)
RCA = "RCA 2026-05-25 factor 1"
ALLOW = "release-gate: allow-process-local-state"
_ALLOW_RE = re.compile(r"#\s*release-gate:\s*allow-process-local-state(?:[:\s]\s*(?P<reason>.*))?$")


# --- the rule --------------------------------------------------------------------------------


def comments(lines: list[str]) -> dict[int, str]:
    """Line number -> the text of the real comment token on it (`tokenize`): text that looks
    like a comment inside a string is no comment. A file tokenize refuses has none."""
    found: dict[int, str] = {}
    readline = iter(line + "\n" for line in lines).__next__
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.string
    except (tokenize.TokenError, SyntaxError, StopIteration):
        pass
    return found


def allow_reason(lines: list[str], container: Container,
                 real_comments: Mapping[int, str]) -> str | None:
    """The reason given by an allow comment on the definition, "" for a bare allow, else None.
    Only a comment token (`comments`) counts: `x = {"k": "# release-gate: allow-..."}` lifts
    nothing. A reason without a word in it (`-- !`) is no reason."""
    for number in range(container.line, min(container.end_line, len(lines)) + 1):
        match = _ALLOW_RE.search(real_comments.get(number, ""))
        if match:
            reason = match.group("reason") or ""
            return reason if re.search(r"\w", reason) else ""
    return None


def _scan(tree: ast.Module, lines: list[str] | None) -> StateReport:
    # Deferred: `check`'s fixed cost (bench/startup.py) should not pay for the analyser on a
    # change that touches no file in scope.
    from release_gate.core.pyast.state import scan_state

    return scan_state(tree, lines)


def _load(path: str, data: bytes | None) -> StateReport | None:
    if data is None:
        return None
    try:
        return _scan(parse_python(path, data), source_lines(data))
    except PythonSourceError:
        return None


def _where(mutations: list[Mutation]) -> str:
    shown = [f"{m.function}() at line {m.line} ({m.how})" for m in mutations[:3]]
    more = f" and {len(mutations) - 3} more" if len(mutations) > 3 else ""
    return ", ".join(shown) + more


@dataclass(frozen=True)
class ProcessLocalStateCheck(PythonRule):
    KIND: ClassVar[str] = "process-local-state"
    DESCRIPTION: ClassVar[str] = (
        "Blocks new module-level mutable containers that functions mutate (per-process state)."
    )
    SCHEMA: ClassVar[Mapping[str, Any]] = pyscope.schema(
        "Server code to check (default "
        f"{list(DEFAULT_SCOPE)}); only .py files are read."
    )
    DEFAULT_SCOPE: ClassVar[tuple[str, ...]] = DEFAULT_SCOPE
    CANNOT_CHECK: ClassVar[str] = "it cannot be checked for process-local state"
    RCA: ClassVar[str] = RCA

    def evaluate(self, rule: Rule, ctx: ChangeContext) -> Iterable[Finding]:
        changes = [change for change in ctx.changes.files
                   if change.status is not FileStatus.DELETED and self.covers(change.path)]
        if not changes:
            return []
        # Both sides of every file asked for together (over the GitHub API: two requests).
        heads = ctx.read_heads([change.path for change in changes])
        bases = ctx.read_bases([change.old_path or change.path for change in changes
                                if change.status is not FileStatus.ADDED])
        findings: list[Finding] = []
        for change in changes:
            findings.extend(self._check_file(rule, change, heads[change.path],
                                             bases.get(change.old_path or change.path)))
        return findings

    def _check_file(self, rule: Rule, change: FileChange, data: bytes | None,
                    base_data: bytes | None) -> list[Finding]:
        path = change.path
        if data is None:
            # None means "not in the head tree" (context.py); only a change whose content the
            # adapter could not get is a failure to read (fail closed, docs/design.md).
            return [] if change.content_known else [self.unreadable(rule, path)]
        if self.too_big(data):
            return [self.oversized(rule, path, len(data))]
        lines = source_lines(data) or []
        try:
            head = _scan(parse_python(path, data), lines or None)
        except PythonSourceError as error:
            return [self.unparsable(rule, path, error)]
        mutated = head.mutated()
        if not mutated:
            return []
        base: StateReport | None = None
        if change.status is not FileStatus.ADDED:
            # A base that cannot be read or parsed counts as empty: all head state is new.
            too_big = base_data is not None and self.too_big(base_data)
            base = None if too_big else _load(change.old_path or path, base_data)
        base_counts = Counter(m.signature for m in base.mutations) if base else Counter()
        base_containers = base.containers if base else {}
        findings = []
        real_comments: dict[int, str] | None = None  # tokenized only when a finding is near
        for name, mutations in mutated.items():
            container = head.containers[name]
            new_container = name not in base_containers
            head_counts = Counter(m.signature for m in mutations)
            new_mutations = [m for m in mutations
                             if head_counts[m.signature] > base_counts[m.signature]]
            if not new_container and not new_mutations:
                continue
            if real_comments is None:
                real_comments = comments(lines)
            reason = allow_reason(lines, container, real_comments)
            if reason:
                continue
            line = container.line if new_container else new_mutations[0].line
            findings.append(rule.finding(path, line, self._message(
                container, mutations, new_container, bare_allow=reason == "")))
        return findings

    @staticmethod
    def _message(container: Container, mutations: list[Mutation], new_container: bool,
                 *, bare_allow: bool) -> str:
        what = "new module-level" if new_container else "module-level"
        text = (f"`{container.name}` is a {what} {container.kind} (line {container.line}) "
                f"mutated by {_where(mutations)}: under gunicorn --preload each worker process "
                f"has its own copy, so what one request stores is missing in the process that "
                f"serves the next ({RCA}: the `_challenge_store` miss). Keep shared state in "
                f"Redis or Postgres")
        if bare_allow:
            return (f"{text}. The `# {ALLOW}` comment on line {container.line} gives no reason, "
                    f"so it does not lift this: write `# {ALLOW} <why one copy per process is "
                    f"safe>`.")
        return (f"{text}, or, if one copy per process is really intended, say why on line "
                f"{container.line}: `# {ALLOW} <reason>`.")
