"""Benchmark (not a test): the gate job's git work, old set-up against new, at 1,000 and
100,000 commits.

Builds a repository of 5,000 files and N commits with `git fast-import` (cached under
bench/results/), with a PR branch whose merge base is not the base (main moved on after it
branched), and serves it from a local `git daemon` with `uploadpack.allowFilter` (and
`allowReachableSHA1InWant`, as GitHub allows fetching any reachable commit). Then, on a fresh
directory each round, the git work of one gate job:

  old  checkout of the base with `fetch-depth: 0`, `filter: blob:none` (every commit and tree
       ever made), the PR head fetched with its history, `git merge-base` + `git diff` locally;
  new  checkout of the base at depth 1, the PR head at depth 1 without blobs, the merge base
       GitHub names fetched the same way (release_gate/git/fetch.py), `git diff` from it
       (its blobs fetched lazily),

and then the first evaluation on that clone, as `release-gate pr` makes it once GitHub has
named the commits: the base's rules.yaml read, the shipped rules run over the diff, the blobs
they read fetched lazily. It reports the median wall time of each and the bytes received (the
packs written, blobs included). Not timed: writing
the base's 5,000 files into the work tree (the same in both set-ups, whatever the history: the
file system's cost, seconds on a loaded box). Target: the new set-up within 0.5 s at both sizes.
Run: python bench/git_setup.py [--commits 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, Row

FILES = 5000
SIZES = (1000, 100_000)
TARGET_S = 0.5
BUILD_VERSION = "3"  # 3: the shipped rules.yaml and a migration on an auth table
PR_REF = "refs/pull/7/head"
RULES = (Path(__file__).resolve().parents[1] / "rules.yaml").read_bytes()


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                          check=True)
    return done.stdout.decode().strip()


def _stream(commits: int) -> Iterator[bytes]:
    """fast-import input: a first commit of FILES files, then commits changing one file each;
    the PR branches off 20 commits before main's tip and changes 10 files."""
    def commit(ref: str, n: int, message: str, changes: list[tuple[str, bytes]],
               parent: str | None) -> bytes:
        head = (f"commit {ref}\nmark :{n}\ncommitter B <b@x.invalid> {1600000000 + n} +0000\n"
                f"data {len(message)}\n{message}\n")
        body = head + (f"from {parent}\n" if parent else "")
        out = [body.encode()]
        for path, data in changes:
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        return b"".join(out)

    def path(i: int) -> str:
        return f"pkg_{i % 50}/mod_{i}.py"

    yield commit("refs/heads/main", 1, "initial",
                 [(path(i), f"value_{i} = {i}\n".encode()) for i in range(FILES)]
                 + [("rules.yaml", RULES)], None)
    fork = commits - 20
    for n in range(2, commits + 1):
        i = n % FILES
        yield commit("refs/heads/main", n, f"change {n}",
                     [(path(i), f"value_{i} = {n}\n".encode())], f":{n - 1}")
        if n == fork:
            changes = [(path(k), f"value_{k} = 'pr'\n".encode()) for k in range(10)]
            changes.append(("backend_v2/db/versions/0042_credentials.py",
                            b"op.add_column('webauthn_credentials', sa.Column('aaguid'))\n"))
            yield commit(PR_REF, commits + 1, "the PR", changes, f":{fork}")


def build(commits: int) -> Path:
    origin = RESULTS / f"git_setup_{commits}.git"
    stamp = origin / "bench-version"
    if stamp.exists() and stamp.read_text() == BUILD_VERSION:
        return origin
    shutil.rmtree(origin, ignore_errors=True)
    origin.mkdir(parents=True)
    git(origin, "init", "-q", "--bare", "-b", "main")
    git(origin, "fast-import", "--quiet", stdin=b"".join(_stream(commits)))
    git(origin, "repack", "-a", "-d", "-q", "--write-bitmap-index")  # as a large host has
    serve_as_origin(origin)
    (origin / "git-daemon-export-ok").touch()
    stamp.write_text(BUILD_VERSION)
    return origin


@contextmanager
def daemon(origin: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}",
         f"--base-path={origin.parent}", "--export-all", str(origin.parent)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"git://127.0.0.1:{port}/{origin.name}"
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["git", "ls-remote", url, "HEAD"], capture_output=True,
                             check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("git daemon did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait()


def _received(clone: Path) -> int:
    objects = clone / ".git" / "objects"
    return sum(p.stat().st_size for p in [*(objects / "pack").glob("*.pack"),
                                          *objects.glob("??/*")] if p.is_file())


def shallow_clone(url: str, clone: Path) -> None:
    """An empty clone whose `origin` is `url` (what the workflow's checkout starts from)."""
    clone.mkdir()
    git(clone, "init", "-q")
    git(clone, "remote", "add", "origin", url)


def fetch_as_workflow(clone: Path, base: str, setup: str = "new") -> None:
    """The workflow's git fetches (action.yml): the base at depth 1, then the PR head
    (`PR_REF`) at depth 1 with no blobs. "old" is the set-up before it (whole branches)."""
    quiet = ["fetch", "--no-tags", "--quiet", "--filter=blob:none"]
    if setup == "old":
        git(clone, *quiet, "origin", "+refs/heads/*:refs/remotes/origin/*")
        git(clone, *quiet, "origin", base)
    else:
        git(clone, *quiet, "--depth=1", "origin", base)
    head_fetch = ["--depth=1"] if setup == "new" else []
    git(clone, "fetch", "--no-tags", "--quiet", *head_fetch, "--filter=blob:none", "origin",
        f"+{PR_REF}:refs/remotes/pull/7/head")


def serve_as_origin(repo: Path) -> None:
    """Let `repo` answer a shallow partial clone as GitHub does: filters and any reachable
    commit by SHA allowed."""
    for key in ("uploadpack.allowFilter", "uploadpack.allowReachableSHA1InWant"):
        git(repo, "config", key, "true")


def job(url: str, clone: Path, base: str, head: str, merge_base: str, setup: str
        ) -> tuple[float, float]:
    """One gate job's git work, then its first evaluation (see the module docstring): the
    seconds of each."""
    from release_gate.core import config, engine
    from release_gate.git import fetch

    started = time.perf_counter()
    shallow_clone(url, clone)
    fetch_as_workflow(clone, base, setup)
    with fetch.clone_context(clone, base, head, lambda: merge_base) as ctx:
        assert len(ctx.changes.files) == 11, ctx.changes.files
        set_up = time.perf_counter()
        rules = ctx.read_base("rules.yaml")
        assert rules is not None, "rules.yaml is missing at the base"
        evaluation = engine.evaluate(config.load_text(rules.decode("utf-8"), "rules.yaml"), ctx)
        assert any(f.path.endswith("0042_credentials.py") for f in evaluation.findings), \
            evaluation.findings
    return set_up - started, time.perf_counter() - set_up


def measure(commits: int, runs: int) -> dict[str, tuple[float, float, int]]:
    """setup -> (median seconds of the git work, of the first evaluation, bytes received)."""
    origin = build(commits)
    base = git(origin, "rev-parse", "main")
    head = git(origin, "rev-parse", PR_REF)
    merge_base = git(origin, "merge-base", base, head)  # what compare's merge_base_commit says
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    sizes: dict[str, int] = {}
    with daemon(origin) as url, tempfile.TemporaryDirectory() as tmp:
        for n in range(runs + 1):  # round 0 warms the daemon and the page cache
            for setup in ("old", "new"):
                clone = Path(tmp) / f"{setup}-{n}"
                took = job(url, clone, base, head, merge_base, setup)
                if n:
                    times[setup].append(took)
                sizes[setup] = _received(clone)
                shutil.rmtree(clone)
    return {setup: (statistics.median(t[0] for t in times[setup]),
                    statistics.median(t[1] for t in times[setup]), sizes[setup])
            for setup in times}


def _kb(size: int) -> str:
    return f"{size / 1024:,.0f} kB" if size < 10 * 1024 * 1024 else f"{size / 2**20:,.1f} MB"


def rows(quick: bool) -> list[Row]:
    runs = 3 if quick else 5
    found: list[Row] = []
    for commits in SIZES:
        result = measure(commits, runs)
        new_s, new_first, new_bytes = result["new"]
        old_s, old_first, old_bytes = result["old"]
        how = (f"{commits:,} commits, {FILES:,} files, merge base 20 commits behind the base, "
               f"served by a local `git daemon` (filters allowed); a fresh clone per round, "
               f"median of {runs}; bytes: the packs received; then the first evaluation (the "
               f"base's rules.yaml, the shipped rules, the blobs they read fetched lazily)")
        found.append(Row(f"gate job git set-up at {commits:,} commits (new: depth 1, merge "
                         f"base fetched), then its first evaluation", f"<= {TARGET_S:g} s",
                         f"{new_s:.2f} s, then {new_first:.2f} s; {_kb(new_bytes)} (old "
                         f"set-up: {old_s:.2f} s, then {old_first:.2f} s; {_kb(old_bytes)})",
                         how, "git_setup", new_s <= TARGET_S))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--commits", type=int, action="append")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for commits in args.commits or SIZES:
        for setup, (seconds, first, size) in measure(commits, args.runs).items():
            print(f"{commits:>7,} commits  {setup}: git work {seconds:.3f} s, first evaluation "
                  f"{first:.3f} s, {_kb(size)}")


if __name__ == "__main__":
    main()
