"""The workflow's git set-up, old and new, on history shapes: the same `base...head` verdict.

old: the base checked out with its whole history (`fetch-depth: 0`, `filter: blob:none`) and
     the PR head fetched with its history; the gate computes the merge base itself.
new: the base and the PR head fetched at depth 1 without blobs (action.yml); the gate fetches
     the merge base GitHub's compare API names (here: `git merge-base` on the origin, as
     GitHub computes `merge_base_commit`) and diffs from it (release_gate/git/fetch.py).

The origin is served over file:// with filters allowed, so the fetches, the shallow
boundaries and the lazy blob fetches of `git diff` are git's own.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from release_gate.core import config, engine
from release_gate.core.verdict import Evaluation
from release_gate.errors import GitError
from release_gate.git import fetch
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
PR = "refs/pull/7/head"
AUTH = "backend_v2/api/routes/auth.py"
MIGRATION = "backend_v2/db/versions/0042_add_credentials.py"


def _noise(repo: GitRepo, count: int, tag: str) -> None:
    """History the diff does not need (what the old set-up fetched and the new one does not):
    `count` commits on the current branch, one note changed in each (git fast-import)."""
    branch = repo.git("symbolic-ref", "HEAD")
    parent = repo.git("rev-parse", "--verify", "--quiet", "HEAD") if repo.git(
        "rev-list", "--all", "--max-count=1") else ""
    stream = []
    for n in range(count):
        message = f"{tag} {n}".encode()
        note = f"note {tag} {n}\n".encode() * 8
        stream.append(f"commit {branch}\ncommitter T <t@example.invalid> {1700000000 + n} "
                      f"+0000\ndata {len(message)}\n".encode() + message + b"\n")
        if n == 0 and parent:
            stream.append(f"from {parent}\n".encode())
        stream.append(f"M 100644 inline docs/{tag}.md\ndata {len(note)}\n".encode()
                      + note + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo.root, input=b"".join(stream),
                   check=True, capture_output=True)
    repo.git("reset", "-q", "--hard", branch)


def _linear(repo: GitRepo) -> tuple[str, str]:
    _noise(repo, 300, "old")
    base = repo.commit({AUTH: "def begin():\n    return 1\n"}, "base")
    repo.branch("pr")
    head = repo.commit({AUTH: "def begin():\n    return 2\n"}, "pr")
    return base, head


def _base_moved_on(repo: GitRepo) -> tuple[str, str]:
    """The merge base is not the base: main moved on (and touched a sensitive file) after the
    PR branched; its change must not be judged as the PR's."""
    _noise(repo, 300, "old")
    repo.commit({AUTH: "def begin():\n    return 1\n", "app.py": "x = 1\n"}, "fork point")
    repo.branch("pr")
    head = repo.commit({"app.py": "x = 2\n", MIGRATION: "op = 'add'\n"}, "pr")
    repo.checkout("main")
    _noise(repo, 100, "later")
    base = repo.commit({AUTH: "def begin():\n    return 3\n"}, "main: a sensitive change")
    return base, head


def _criss_cross(repo: GitRepo) -> tuple[str, str]:
    """Two merge bases: each branch merged the other's tip, then both went on."""
    _noise(repo, 300, "old")
    repo.commit({"a.txt": "a0\n", "b.txt": "b0\n"}, "root")
    repo.branch("pr")
    x = repo.commit({"b.txt": "b1\n"}, "pr: b1")
    repo.checkout("main")
    y = repo.commit({"a.txt": "a1\n"}, "main: a1")
    repo.git("merge", "-q", "--no-edit", "--no-ff", x)
    repo.checkout("pr")
    repo.git("merge", "-q", "--no-edit", "--no-ff", y)
    head = repo.commit({MIGRATION: "op = 'add'\n", "b.txt": "b2\n"}, "pr: migration")
    repo.checkout("main")
    base = repo.commit({AUTH: "def begin():\n    return 1\n"}, "main: auth")
    bases = repo.git("merge-base", "--all", base, head).split()
    assert len(bases) == 2, bases
    return base, head


def _main_merged_into_pr(repo: GitRepo) -> tuple[str, str]:
    """The PR merged main in: the merge base is main's tip at that time, not the fork point."""
    _noise(repo, 300, "old")
    repo.commit({"app.py": "x = 1\n"}, "fork point")
    repo.branch("pr")
    repo.commit({"app.py": "x = 2\n"}, "pr 1")
    repo.checkout("main")
    tip = repo.commit({AUTH: "def begin():\n    return 1\n"}, "main: auth")
    repo.checkout("pr")
    repo.git("merge", "-q", "--no-edit", "--no-ff", tip)
    head = repo.rename("app.py", "backend_v2/app.py", "pr: rename")
    repo.checkout("main")
    base = repo.commit({"docs/late.md": "late\n"}, "main: late")
    return base, head


SHAPES: dict[str, Callable[[GitRepo], tuple[str, str]]] = {
    "linear": _linear,
    "merge base is not the base": _base_moved_on,
    "criss-cross (two merge bases)": _criss_cross,
    "main merged into the PR": _main_merged_into_pr,
}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _origin(tmp: Path, shape: Callable[[GitRepo], tuple[str, str]]) -> tuple[Path, str, str]:
    repo = GitRepo(tmp / "work")
    base, head = shape(repo)
    repo.git("update-ref", PR, head)
    origin = tmp / "origin.git"
    _git(tmp, "clone", "-q", "--bare", "--mirror", str(repo.root), str(origin))
    for key in ("uploadpack.allowFilter", "uploadpack.allowReachableSHA1InWant"):
        _git(origin, "config", key, "true")
    return origin, base, head


def _checkout(origin: Path, clone: Path, base: str, *, depth: int) -> None:
    """actions/checkout of the base commit with `filter: blob:none` and `fetch-depth`."""
    clone.mkdir()
    _git(clone, "init", "-q")
    _git(clone, "remote", "add", "origin", origin.as_uri())
    fetch_ = ["fetch", "--no-tags", "--quiet", "--filter=blob:none"]
    if depth:
        _git(clone, *fetch_, f"--depth={depth}", "origin", base)
    else:
        _git(clone, *fetch_, "origin", "+refs/heads/*:refs/remotes/origin/*")
        _git(clone, *fetch_, "origin", base)
    _git(clone, "checkout", "-q", "--detach", "FETCH_HEAD")


def old_setup(origin: Path, clone: Path, base: str) -> None:
    _checkout(origin, clone, base, depth=0)
    _git(clone, "fetch", "--no-tags", "--quiet", "origin", f"+{PR}:refs/remotes/pull/7/head")


def new_setup(origin: Path, clone: Path, base: str) -> None:
    _checkout(origin, clone, base, depth=1)
    _git(clone, "fetch", "--no-tags", "--quiet", "--depth=1", "--filter=blob:none", "origin",
         f"+{PR}:refs/remotes/pull/7/head")


def _fetched_bytes(clone: Path) -> int:
    """What the fetches brought: the packs' sizes (git keeps each fetch's pack as received)."""
    packs = (clone / ".git" / "objects" / "pack").glob("*.pack")
    loose = [p for p in (clone / ".git" / "objects").glob("??/*") if p.is_file()]
    return sum(p.stat().st_size for p in [*packs, *loose])


def _judge(clone: Path, base: str, head: str, github_merge_base: str
           ) -> tuple[Evaluation, dict[str, tuple[str, list[str], list[str]]]]:
    asked: list[str] = []

    def merge_base() -> str:
        asked.append(github_merge_base)
        return github_merge_base

    with fetch.clone_context(clone, base, head, merge_base) as ctx:
        evaluation = engine.evaluate(config.load_file(ROOT / "rules.yaml"), ctx)
        files = {f.path: (f.status.value, [line.text for line in f.added],
                          [line.text for line in f.removed]) for f in ctx.changes.files}
        # the AST rules read whole files: lazily fetched blobs on the shallow clone
        contents = {path: (ctx.read_base(path), ctx.read_head(path)) for path in files}
    assert contents
    assert bool(asked) == fetch.is_shallow(clone)
    return evaluation, files


@pytest.mark.slow  # clones each history shape twice
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_both_set_ups_give_the_same_verdict_and_the_new_one_fetches_less(
        tmp_path: Path, shape: Callable[[GitRepo], tuple[str, str]]) -> None:
    origin, base, head = _origin(tmp_path, shape)
    github_merge_base = _git(origin, "merge-base", base, head)  # compare's merge_base_commit
    old, new = tmp_path / "old", tmp_path / "new"
    old_setup(origin, old, base)
    new_setup(origin, new, base)
    assert not fetch.is_shallow(old) and fetch.is_shallow(new)

    old_verdict, old_files = _judge(old, base, head, github_merge_base)
    new_verdict, new_files = _judge(new, base, head, github_merge_base)

    assert new_files == old_files
    assert new_verdict == old_verdict
    assert old_verdict.base == github_merge_base
    assert _fetched_bytes(new) < _fetched_bytes(old)


def test_the_base_branchs_own_change_is_not_judged_as_the_prs(tmp_path: Path) -> None:
    origin, base, head = _origin(tmp_path, _base_moved_on)
    new_setup(origin, tmp_path / "new", base)
    _, files = _judge(tmp_path / "new", base, head, _git(origin, "merge-base", base, head))
    assert set(files) == {"app.py", MIGRATION}


def test_a_merge_base_the_server_does_not_have_is_an_error_not_a_guess(tmp_path: Path) -> None:
    origin, base, head = _origin(tmp_path, _linear)
    new_setup(origin, tmp_path / "new", base)
    with pytest.raises(GitError):
        fetch.clone_context(tmp_path / "new", base, head, lambda: "1" * 40)

