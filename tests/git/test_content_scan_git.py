"""A content rule over many files of a real git diff looks for its literals in the patch bodies
(changes.FileChange.scan_text, changes.Corpus): it must find exactly what the file-by-file
scan finds, for every shipped content rule, whatever the PR holds."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_gate.core import config
from release_gate.core.rules import content
from release_gate.git import GitContext
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
CONTENT_RULES = [rule for rule in config.load_file(str(ROOT / "rules.yaml")).rules
                 if rule.kind == "content"]
PIECES = ["REDIS_URL", "redis_url", "Redis_", "URL", "-w", "-w4", "-", "w", "--preload",
          "workers = 2", "  origin: str", "users", "x", " ", "env_prefix", "prefix", "@@",
          "+", "-1", "\\", "WEB_", "CONCURRENCY"]
line = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)
text = st.lists(line, max_size=4).map(lambda lines: "".join(f"{x}\n" for x in lines))
NAMES = ["app.py", "docs/a.md", "logo.png", "backend_v2/db/v/1.py", "settings.py", "Procfile",
         "x.txt", "dir with space/ü.py"]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(NAMES), text, text), min_size=64, max_size=72),
       st.sampled_from(["", "renamed", "binary", "\u017f", "\u00e9"]))
def test_patch_bodies_find_what_the_file_by_file_scan_finds(
        files: list[tuple[str, str, str]], extra: str) -> None:
    with tempfile.TemporaryDirectory(prefix="content-scan-") as tmp:
        repo = GitRepo(Path(tmp) / "repo")
        base = {f"{i}/{name}": old for i, (name, old, _new) in enumerate(files)}
        # Every file changes (at least its last line), so the rule sees 64 files or more.
        head = {f"{i}/{name}": f"{new}v{i}\n" for i, (name, _old, new) in enumerate(files)}
        base["moved/settings.py"] = "url: str\nREDIS_URL = 1\n"
        base["blob.bin"] = b"\0redis_url\n"
        repo.commit(base, "base")
        repo.branch("pr")
        if extra == "renamed":
            repo.rename("moved/settings.py", "moved/renamed.py")
        if extra == "binary":
            head["blob.bin"] = b"\0REDIS_URL changed\n"
        if len(extra) == 1:  # one non-ASCII character: no lower-cased scan of the whole PR
            head["0/nonascii.txt"] = f"{extra}ey_{extra}\n"
        repo.commit(head, "head")
        with GitContext.from_repo(repo.root, "main", "pr") as ctx:
            assert len(ctx.changes.files) >= content._CORPUS_FROM
            for rule in CONTENT_RULES:
                scanned = rule.evaluate(ctx)
                original = content._CORPUS_FROM
                content._CORPUS_FROM = 10**9  # file by file
                try:
                    one_by_one = rule.evaluate(ctx)
                finally:
                    content._CORPUS_FROM = original
                assert scanned == one_by_one, rule.id
