"""Run git so that no one's configuration changes what the gate reads (docs/reliability.md).

`git diff` is porcelain: user, system and repository settings reshape its output (merged hunks
with `diff.interHunkContext`, other prefixes, colour, external diff tools, textconv filters,
`.gitattributes` marking files binary, replacement objects...). A verdict must not depend on
them. System and global config and every `GIT_*` override in the environment are dropped; the
repository's own config cannot be switched off, so each setting that shapes the output of the
commands we run is pinned on the command line (`-c`, which wins over every config file), and
the diff flags pin the rest. Attributes come from an empty work tree (see `diff_environment`).
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Mapping, Sequence

# Environment variables git reads that only say where objects live (a pre-receive hook's
# quarantine), never how output looks: kept.
_KEPT_GIT_VARIABLES = frozenset({
    "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
})

# Settings that shape `diff`, `cat-file`, `ls-tree` or `rev-parse` output, pinned to git's
# defaults (or to what the parser needs).
PINNED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.quotePath", "false"),
    ("core.attributesFile", os.devnull),
    ("core.bigFileThreshold", "512m"),  # above it git calls a text file binary
    ("core.useReplaceRefs", "false"),  # refs/replace/* would swap the objects we read
    ("core.fsmonitor", "false"),
    ("core.precomposeUnicode", "false"),
    ("color.ui", "false"),
    ("color.diff", "false"),
    ("diff.noprefix", "false"),
    ("diff.mnemonicPrefix", "false"),
    ("diff.relative", "false"),
    ("diff.interHunkContext", "0"),
    ("diff.suppressBlankEmpty", "false"),
    ("diff.renameLimit", "1000"),
    ("diff.orderFile", os.devnull),
    ("diff.ignoreSubmodules", "none"),
    ("diff.submodule", "short"),
    ("diff.algorithm", "myers"),
    ("diff.indentHeuristic", "true"),
)

# Flags of the one `git diff` the gate reads: raw records and -U0 patches, NUL-separated paths,
# renames and copies found (their whole content is judged, see repo.py).
DIFF_FLAGS: tuple[str, ...] = (
    "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/",
    "--inter-hunk-context=0", "--diff-algorithm=myers", "--no-relative", "--submodule=short",
    "--ignore-submodules=none", "--full-index", "--raw", "-p", "-z", "-U0",
    "--find-renames", "--find-copies",
)


# The one setting the caller may hand git through the environment: an HTTP header for the
# server a partial clone (`filter: blob:none`) fetches missing blobs from, so a private
# repository's blobs arrive (action.yml sets these from the job token). It changes what git can
# fetch, never how it prints; it travels to git as GIT_CONFIG_* (not `-c`, which any process
# on the machine could read from git's command line) and is never printed.
AUTH_HEADER_VARIABLE = "RELEASE_GATE_GIT_EXTRAHEADER"  # e.g. "AUTHORIZATION: basic <base64>"
AUTH_URL_VARIABLE = "RELEASE_GATE_GIT_EXTRAHEADER_URL"  # e.g. "https://github.com/" (scope)


def _auth_config(source: Mapping[str, str]) -> dict[str, str]:
    header = source.get(AUTH_HEADER_VARIABLE, "")
    if not header or "\n" in header or "\r" in header:
        return {}
    url = source.get(AUTH_URL_VARIABLE, "")
    key = f"http.{url}.extraheader" if url and "\n" not in url else "http.extraheader"
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": key, "GIT_CONFIG_VALUE_0": header}


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without git overrides, with system and global config off (and
    only the lazy-fetch auth header of AUTH_HEADER_VARIABLE handed back to git)."""
    source = os.environ if environ is None else environ
    env = {key: value for key, value in source.items()
           if not key.startswith("GIT_") or key in _KEPT_GIT_VARIABLES}
    env.update(_auth_config(source))
    env.update({
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "LC_ALL": "C",
    })
    return env


def diff_environment(git_dir: str, empty_dir: str) -> dict[str, str]:
    """The environment for `git diff` run inside `empty_dir`, an empty directory.

    Git reads `.gitattributes` from the work tree (and index), not from the commits it
    compares, so a checked-out `* -diff` or `diff=driver` would change the patch. Pointing the
    work tree and the index at an empty directory leaves only the repository's own
    `info/attributes`, a local file no pull request can change.
    """
    return {**environment(), "GIT_DIR": git_dir, "GIT_WORK_TREE": empty_dir,
            "GIT_INDEX_FILE": os.path.join(empty_dir, "index")}


def command(args: Sequence[str]) -> list[str]:
    """`git` with every pinned setting, plus the caller's own `safe.directory` trust."""
    pinned = [item for key, value in PINNED_CONFIG for item in ("-c", f"{key}={value}")]
    trusted = [item for path in trusted_directories() for item in ("-c", f"safe.directory={path}")]
    return ["git", "--no-pager", *pinned, *trusted, *args]


@functools.cache
def trusted_directories() -> tuple[str, ...]:
    """The `safe.directory` entries of the user's own (system, global, command) config.

    Global config is switched off for the commands that read the repository, but which
    repositories the user trusts is theirs to say: without this a CI job that marked its
    checkout safe would fail with "dubious ownership".
    """
    try:
        result = subprocess.run(
            ["git", "config", "--show-scope", "--get-all", "safe.directory"],
            capture_output=True, check=False, cwd=os.path.abspath(os.sep), timeout=30,
            env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    trusted = []
    for line in result.stdout.decode("utf-8", "surrogateescape").splitlines():
        scope, _, value = line.partition("\t")
        if scope in ("system", "global", "command") and value:
            trusted.append(value)
    return tuple(trusted)
