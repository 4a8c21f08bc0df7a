"""A submodule bump reads the same through `check` (git) and through `pr` (the GitHub API).

A gitlink (mode 160000) pins another repository's commit: its content is unknown to the gate,
so a content rule covering its path treats it as matching (fail closed). The same change is
made in a real git repository and in the fake GitHub (GitHub's shapes: a `Subproject commit`
patch, `type: submodule` contents, `type: commit` tree entries) and judged both ways.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from release_gate import cli
from tests.fakes.github import Gitlink
from tests.github.conftest import DEFAULT_RULES, Gate
from tests.gitrepo import GitRepo

PINNED = {"old": "1" * 40, "new": "2" * 40}
PATH = "vendor/authlib"


def _gitlink(repo: GitRepo, sha: str | None) -> None:
    if sha is None:
        repo.git("update-index", "--force-remove", "--", PATH)
    else:
        repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},{PATH}")


def _check(repo: GitRepo, base: str, head: str) -> dict[str, object]:
    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["check", "--repo", str(repo.root), "--base", base, "--head", head,
                  "--format", "json"])
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


CHANGES = {"bump": ("old", "new"), "add": (None, "new"), "remove": ("old", None)}


@pytest.mark.parametrize("with_patch", [True, False], ids=["patch", "no-patch"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_submodule_change_is_unknown_content_both_ways(
        gate: Gate, tmp_path: Path, change: str, with_patch: bool) -> None:
    before, after = (PINNED[k] if k else None for k in CHANGES[change])
    files = {"README.md": "signup backend\n", "rules.yaml": DEFAULT_RULES}

    repo = GitRepo(tmp_path / "repo")
    repo.write(files)
    _gitlink(repo, before)
    repo.git("commit", "-q", "-m", "base")
    base = repo.head()
    _gitlink(repo, after)
    repo.git("commit", "-q", "-m", "bump")
    local = _check(repo, base, repo.head())

    api_base = gate.fake.commit({**files, **({PATH: Gitlink(before)} if before else {})})
    api_head = gate.fake.commit({PATH: Gitlink(after) if after else None}, parent=api_base)
    gate.fake.open_pull(1, base=api_base, head=api_head)
    if not with_patch:
        gate.fake.no_patch.add(PATH)
    result = gate.pr(1)

    assert local["verdict"] == "needs-smoke"
    local_findings = {(f["rule"], f["path"]) for f in local["findings"]}  # type: ignore[index]
    assert ("sensitive-config", PATH) in local_findings
    assert "verdict=needs-smoke" in gate.output()
    api_findings = {(line.split("title=release-gate needs-smoke%3A ")[1].split("::")[0],
                     line.split("file=")[1].split(",")[0])
                    for line in result.out.splitlines() if line.startswith("::error file=")}
    assert api_findings == local_findings
    assert gate.gate_status(api_head)["state"] == "pending"  # type: ignore[index]
