"""Without a local clone, the AST rules' file reads go to GitHub as one GraphQL query.

Counts, not timings (docs/performance.md "GitHub API calls"): a 50-file PR judged with nothing
but the API used to cost ~107 requests (a contents call per file and side); it must stay <= 10.
The blobs come from the fake's GraphQL endpoint (tests/fakes/github.py) in GitHub's shapes, and
a blob the answer cannot give byte for byte is read again over REST or the run fails closed.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from release_gate.errors import GitHubError
from release_gate.github.client import BLOBS_PER_QUERY, GitHub, GitHubEnv, Transport
from tests.fakes.github import GRAPHQL_TEXT_LIMIT, FakeGitHub
from tests.github.conftest import AUTH, Gate

GRAPHQL = ("POST", "/graphql")
CONTENTS = ("GET", "/repos/{owner}/{repo}/contents/{path}")
FILES = 50


def _fifty_file_pr(gate: Gate) -> str:
    base_files: dict[str, str | bytes | None] = {
        f"backend_v2/api/handlers/h{i:02d}.py": f"def h{i}():\n    return {i}\n"
        for i in range(FILES - 1)}
    base_files[AUTH] = "router = None\n"
    head_files: dict[str, str | bytes | None] = {
        f"backend_v2/api/handlers/h{i:02d}.py": f"def h{i}():\n    return {i + 1}\n"
        for i in range(FILES - 1)}
    head_files[AUTH] = (
        "from fastapi import APIRouter\nrouter = APIRouter()\n\n"
        "@router.post('/api/auth/register/begin-with-token')\ndef begin():\n    return 1\n")
    return gate.open(7, head_files, base=gate.base(base_files))


def test_a_50_file_pr_without_a_clone_costs_at_most_10_calls(gate: Gate) -> None:
    head = _fifty_file_pr(gate)
    outcome = gate.pr(7)
    assert outcome.code == 0
    calls = gate.fake.calls
    assert sum(calls.values()) <= 10, dict(calls)
    assert calls[CONTENTS] == 1  # rules.yaml at the base; no file of the PR
    assert calls[GRAPHQL] == 1  # both sides of every file the AST rules read, in one query
    # The reads were real: the begin route without its verify twin is found (blocked).
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "failure"
    assert "verify" in str(status["description"])


def test_the_verdict_is_the_same_as_with_per_file_reads(gate: Gate) -> None:
    """The batched path judges what the REST path judged: a later push adding the twin clears
    the block (the new head's bytes are read, not a cached base)."""
    _fifty_file_pr(gate)
    assert gate.pr(7).code == 0
    pull = gate.fake.pulls[7]
    twin = ("from fastapi import APIRouter\nrouter = APIRouter()\n\n"
            "@router.post('/api/auth/register/begin-with-token')\ndef begin():\n    return 1\n\n"
            "@router.post('/api/auth/register/verify-with-token')\ndef verify():\n    return 2\n")
    head = gate.fake.push(7, {AUTH: twin})
    assert pull.head == head
    assert gate.pr(7).code == 0
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "pending"  # needs-smoke, not blocked


@pytest.fixture
def api(fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> GitHub:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)  # requests reads it per request
    return GitHub(GitHubEnv.from_environ(fake.environ()),
                  Transport(retries=1, backoff_factor=0, sleep=lambda _: None))


def test_read_many_answers_like_read_for_every_kind_of_path(fake: FakeGitHub, api: GitHub
                                                            ) -> None:
    files: dict[str, str | bytes | None] = {
        "text.py": "x = 'é'\n",
        "binary.bin": b"\x00\x01\x02\xff",
        "latin1.py": "x = 'caf\xe9'\n".encode("latin-1"),  # not UTF-8, not binary
        "big.py": "y = 1\n" * (GRAPHQL_TEXT_LIMIT // 6 + 10),  # over the text limit
        "dir/inner.py": "z = 2\n",
    }
    sha = fake.commit(files)
    wanted = [(sha, path) for path in [*files, "dir", "missing.py"]]
    fake.reset_counts()
    got = api.read_many(wanted)
    # One query; REST only for the three blobs the query could not give byte for byte.
    assert fake.calls[GRAPHQL] == 1
    refetched = sorted(unquote(urlsplit(h.path).path).rsplit("/", 1)[-1] for h in fake.hits
                       if h.route == CONTENTS[1])
    assert refetched == ["big.py", "binary.bin", "latin1.py"]
    assert got == {key: api.read(key[1], key[0]) for key in wanted}
    assert got[(sha, "latin1.py")] == "x = 'caf\xe9'\n".encode("latin-1")
    assert got[(sha, "dir")] is None and got[(sha, "missing.py")] is None


def test_read_many_splits_into_queries_of_at_most_100_blobs(fake: FakeGitHub, api: GitHub
                                                            ) -> None:
    count = BLOBS_PER_QUERY * 2 + 1
    sha = fake.commit({f"m{i}.py": f"v = {i}\n" for i in range(count)})
    fake.reset_counts()
    got = api.read_many([(sha, f"m{i}.py") for i in range(count)])
    assert got[(sha, f"m{count - 1}.py")] == f"v = {count - 1}\n".encode()
    assert fake.calls[GRAPHQL] == 3 and sum(fake.calls.values()) == 3


def test_a_graphql_error_fails_closed(fake: FakeGitHub, api: GitHub) -> None:
    sha = fake.commit({"a.py": "a = 1\n"})
    fake.fail(*GRAPHQL, 502, times=5)
    with pytest.raises(GitHubError, match="reading 1 file"):
        api.read_many([(sha, "a.py")])


def test_a_pr_whose_graphql_read_fails_gets_an_error_status(gate: Gate) -> None:
    head = _fifty_file_pr(gate)
    gate.fake.fail(*GRAPHQL, 502, times=10)
    assert gate.pr(7).code == 1
    status = gate.gate_status(head)
    assert status is not None and status["state"] == "error"
