"""The change set from real temporary git repositories: every kind of change git can show."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_gate.core.changes import FileChange, FileStatus
from release_gate.errors import GitError
from release_gate.git import GitContext, default_base
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit({"keep.txt": "a\nb\nc\n", "old name.txt": "one\ntwo\nthree\nfour\n",
              "gone.txt": "bye\n", "data.bin": b"\x00\x01\x02", "script.sh": "echo hi\n"})
    r.branch("pr")
    return r


def changes_of(repo: GitRepo, base: str = "main", head: str = "pr") -> dict[str, FileChange]:
    with GitContext.from_repo(repo.root, base, head) as ctx:
        return {f.path: f for f in ctx.changes.files}


def test_modified_lines_with_numbers(repo: GitRepo) -> None:
    repo.commit({"keep.txt": "a\nB\nc\nd\n"})
    f = changes_of(repo)["keep.txt"]
    assert f.status is FileStatus.MODIFIED
    assert [(ln.number, ln.text) for ln in f.added] == [(2, "B"), (4, "d")]
    assert [(ln.number, ln.text) for ln in f.removed] == [(2, "b")]


def test_rename_keeps_both_paths(repo: GitRepo) -> None:
    repo.rename("old name.txt", "dir/new näme.txt")
    f = changes_of(repo)["dir/new näme.txt"]
    assert f.status is FileStatus.RENAMED
    assert f.paths == ("dir/new näme.txt", "old name.txt")


def test_copy_deletion_mode_binary(repo: GitRepo) -> None:
    repo.write({"copy.txt": "one\ntwo\nthree\nfour\n", "gone.txt": None,
                "data.bin": b"\x00\x09\x09"})
    (repo.root / "old name.txt").write_text("one\ntwo\nthree\nfour\nfive\n")
    repo.git("add", "old name.txt")
    (repo.root / "script.sh").chmod(0o755)
    repo.git("add", "script.sh")
    repo.git("commit", "-q", "-m", "many")
    files = changes_of(repo)
    assert files["copy.txt"].status is FileStatus.COPIED
    assert files["copy.txt"].old_path == "old name.txt"
    assert files["gone.txt"].status is FileStatus.DELETED
    assert [ln.text for ln in files["gone.txt"].removed] == ["bye"]
    assert files["data.bin"].content_known is False
    assert files["data.bin"].unknown_reason == "binary file"
    script = files["script.sh"]
    assert (script.old_mode, script.new_mode) == ("100644", "100755")


def test_odd_paths_survive(repo: GitRepo) -> None:
    odd = ["with space.txt", "ünïcödé/fïlé.py", 'quote"d.txt', "tab\tname.txt", "new\nline.txt"]
    repo.commit({name: "x\n" for name in odd})
    assert set(odd) <= set(changes_of(repo))


def test_typechange_to_symlink(repo: GitRepo) -> None:
    (repo.root / "keep.txt").unlink()
    (repo.root / "keep.txt").symlink_to("script.sh")
    repo.git("add", "keep.txt")
    repo.git("commit", "-q", "-m", "link")
    f = changes_of(repo)["keep.txt"]
    assert f.status is FileStatus.TYPE_CHANGED
    assert [ln.text for ln in f.added] == ["script.sh"]


def test_merge_base_ignores_base_branch_progress(repo: GitRepo) -> None:
    repo.commit({"keep.txt": "pr change\n"})
    repo.checkout("main")
    repo.commit({"main-only.txt": "later on main\n"})
    files = changes_of(repo)
    assert "main-only.txt" not in files
    assert "keep.txt" in files


def test_contents_at_base_and_head(repo: GitRepo) -> None:
    repo.commit({"keep.txt": "new\n", "added.txt": "fresh\n"})
    with GitContext.from_repo(repo.root, "main", "pr") as ctx:
        assert ctx.read_base("keep.txt") == b"a\nb\nc\n"
        assert ctx.read_head("keep.txt") == b"new\n"
        assert ctx.read_base("added.txt") is None
        assert ctx.read_head("data.bin") == b"\x00\x01\x02"
        assert "added.txt" in set(ctx.head_paths())


def test_unknown_revision_is_a_clear_error(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="unknown revision 'nope'"):
        GitContext.from_repo(repo.root, "nope", "pr")


def test_default_base_prefers_origin_head(repo: GitRepo, tmp_path: Path) -> None:
    assert default_base(repo.root) == repo.git("rev-parse", "main")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", str(repo.root), str(clone))
    assert default_base(clone) == repo.git("rev-parse", "pr")  # origin/HEAD = checked-out pr


def test_a_started_diff_finishes_into_the_same_changes(repo: GitRepo) -> None:
    """`check` starts git's diff first and finishes it after its imports (bench/check_large.py):
    the result is the context from_repo gives."""
    repo.commit({"keep.txt": "a\nB\nc\n", "new.txt": "x\n"})
    with GitContext.start(repo.root, "main", "pr") as pending:
        started = pending.finish()
    with started, GitContext.from_repo(repo.root, "main", "pr") as direct:
        assert started.changes == direct.changes
        assert started.read_head("new.txt") == b"x\n"


def test_a_started_diff_left_unfinished_leaves_no_process_or_file(repo: GitRepo) -> None:
    repo.commit({"keep.txt": "a\nB\nc\n"})
    with GitContext.start(repo.root, "main", "pr") as pending:
        process = pending._process
        directory = Path(pending._empty.name)
        assert process is not None and directory.is_dir()
    assert process.poll() is not None  # git was stopped (or had ended) and reaped
    assert not directory.exists()


def test_one_rev_parse_resolves_like_three_and_doubt_falls_back(tmp_path: Path) -> None:
    """check's fixed cost: the git dir and both commits come from one `git rev-parse`; a name
    that is also a file (ambiguous to rev-parse without --verify) or unknown gives None, and
    the caller resolves one at a time (the same commits, or the error naming the revision)."""
    from release_gate.git import repo as git_repo
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "r")
    repo.commit({"main": "a file named like the branch\n"})
    repo.branch("pr")
    repo.commit({"x.txt": "x\n"})
    one = git_repo._resolve_together(repo.root, "pr", "HEAD~1")
    assert one == (git_repo.git_dir(repo.root), git_repo.resolve(repo.root, "pr"),
                   git_repo.resolve(repo.root, "HEAD~1"))
    assert git_repo._resolve_together(repo.root, "pr", "nope") is None
    assert git_repo._resolve_together(tmp_path / "missing", "pr", "main") is None
    with git_repo.GitContext.from_repo(repo.root, "main", "pr") as ctx:  # "main": file and branch
        assert ctx.changes.head == git_repo.resolve(repo.root, "pr")
        assert [f.path for f in ctx.changes.files] == ["x.txt"]
    assert git_repo._resolve_together(repo.root, "--all", "main") is None
