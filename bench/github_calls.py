"""Benchmark (not a test): GitHub API calls per PR event, counted by the fake GitHub server.

A 50-file PR that touches the auth routes (flagged: needs-smoke) is evaluated by the real
`release-gate pr` (PyGithub over HTTPS against tests/fakes/github.py), twice:

  first   the PR's first evaluation (no status, no comment yet);
  re-run  the same event again with nothing new (e.g. "Re-run jobs").

Three set-ups are measured:

  workflow   as .github/workflows/release-gate.yml runs it: the pull_request_target event
             payload (GITHUB_EVENT_PATH) supplies the PR, `--rules` reads the base checkout,
             `--clone` is a shallow partial clone made as action.yml makes it (the base at
             depth 1, the PR head at depth 1 without blobs, an `origin` serving the rest), so
             the gate asks the compare API for the merge base and fetches it (git/fetch.py);
             file reads are by git, not the API;
  no-clone   the same without `--clone`: every file a rule reads is a contents API call;
  bare       `release-gate pr --pr N` with nothing but the API (reads the PR and rules.yaml).

Targets: in the workflow set-up, first evaluation <= 5 calls, re-run <= 3 calls and zero
writes; without a clone (no-clone, bare), <= 10 calls per event.
Run: python bench/github_calls.py [--markdown]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import git_setup  # noqa: E402
from bench.common import Row  # noqa: E402
from release_gate import cli  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402
from tests.gitrepo import GitRepo  # noqa: E402

RULES = (ROOT / "release_gate" / "data" / "rules.yaml").read_text("utf-8")
FILES = 50


def _short(route: str) -> str:
    return route.replace("/repos/{owner}/{repo}", "")


def _workflow_checkout(repo: GitRepo, base: str, head: str, checkout: Path) -> Path:
    """The clone the workflow has when the gate runs (action.yml): the base at depth 1 and the
    PR head at depth 1 without blobs, its `origin` serving the rest over git's file:// transport
    (which honours depth and filters, unlike a plain path)."""
    git_setup.git(repo.root, "update-ref", git_setup.PR_REF, head)
    git_setup.serve_as_origin(repo.root)
    git_setup.shallow_clone(repo.root.as_uri(), checkout)
    git_setup.fetch_as_workflow(checkout, base)
    return checkout


def measure(setup: str, tmp: Path) -> list[tuple[str, Counter[tuple[str, str]]]]:
    with FakeGitHub() as fake:
        base_files: dict[str, str | bytes | None] = {
            f"backend_v2/api/handlers/h{i:02d}.py": f"def h{i}():\n    return {i}\n"
            for i in range(FILES - 1)}
        base_files["rules.yaml"] = RULES
        base_files["backend_v2/api/routes/auth.py"] = "router = None\n"
        head_files: dict[str, str | bytes | None] = {
            f"backend_v2/api/handlers/h{i:02d}.py": f"def h{i}():\n    return {i + 1}\n"
            for i in range(FILES - 1)}
        head_files["backend_v2/api/routes/auth.py"] = "router = APIRouter()\n"
        # The same two commits in a real git repository (the workflow's checkout) and in the
        # fake GitHub, with the same SHAs.
        clone = GitRepo(tmp / f"{setup}-clone")
        base = fake.commit(base_files, sha=clone.commit(base_files, "base"))
        head = fake.commit(head_files, parent=base, sha=clone.commit(head_files, "pr"))
        fake.open_pull(7, base=base, head=head)

        env = {**fake.environ(run_id=123456), "RELEASE_GATE_GITHUB_WRITE_INTERVAL": "0"}
        args = ["pr", "--pr", "7"]
        if setup in ("workflow", "no-clone"):
            event = tmp / f"{setup}-event.json"
            event.write_text(json.dumps(fake.event_payload(7, "opened")), "utf-8")
            rules = tmp / "rules.yaml"  # what the base checkout holds
            rules.write_text(RULES, "utf-8")
            env.update(GITHUB_EVENT_NAME="pull_request_target", GITHUB_EVENT_PATH=str(event))
            args += ["--rules", str(rules)]
        if setup == "workflow":
            args += ["--clone", str(_workflow_checkout(clone, base, head, tmp / "checkout"))]
        os.environ.update(env)
        rounds = []
        for label in ("first", "re-run"):
            fake.reset_counts()
            with redirect_stdout(io.StringIO()):
                code = cli.main(args)
            if code != 0:
                raise SystemExit(f"release-gate pr exited {code} ({setup}, {label})")
            rounds.append((label, Counter(fake.calls)))
        for key in env:
            os.environ.pop(key, None)
        assert len(fake.sticky_comments(7)) == 1
        return rounds


TARGETS = {("workflow", "first"): 5, ("workflow", "re-run"): 3,
           ("no-clone", "first"): 10, ("no-clone", "re-run"): 10,
           ("bare", "first"): 10, ("bare", "re-run"): 10}


def measure_all() -> list[tuple[str, str, int, int, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for setup in ("workflow", "no-clone", "bare"):
            for label, calls in measure(setup, Path(tmp)):
                total = sum(calls.values())
                writes = sum(n for (method, route), n in calls.items()
                             if method != "GET" and route != "/graphql")  # a query only reads
                detail = ", ".join(f"{method} {_short(route)}" + (f" x{n}" if n > 1 else "")
                                   for (method, route), n in sorted(calls.items()))
                rows.append((setup, label, total, writes, detail))
    return rows


def _met(setup: str, label: str, total: int, writes: int) -> bool:
    return total <= TARGETS[(setup, label)] and (label != "re-run" or writes == 0)


def rows(quick: bool) -> list[Row]:
    """Counts do not depend on the machine: quick and full runs are the same."""
    out = []
    for setup, label, total, writes, detail in measure_all():
        target = f"<= {TARGETS[(setup, label)]}" + (", 0 writes" if label == "re-run" else "")
        out.append(Row(f"GitHub API calls, {setup} set-up, {label} evaluation", target,
                       f"{total} ({writes} writes)",
                       f"50-file flagged PR, real `release-gate pr` against the fake GitHub, "
                       f"requests counted by the server: {detail}", "github_calls",
                       _met(setup, label, total, writes)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a table for the docs")
    args = parser.parse_args()
    rows = measure_all()
    if args.markdown:
        print("| set-up | event | calls | writes | requests |")
        print("| --- | --- | ---: | ---: | --- |")
        for setup, label, total, writes, detail in rows:
            print(f"| {setup} | {label} | {total} | {writes} | {detail} |")
    else:
        for setup, label, total, writes, detail in rows:
            print(f"{setup:9} {label:7} calls={total:2} writes={writes}  {detail}")
    ok = all(_met(setup, label, total, writes) for setup, label, total, writes, _ in rows)
    print(f"targets (workflow: first <= 5, re-run <= 3 with 0 writes; otherwise <= 10): "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
