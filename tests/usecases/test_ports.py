"""The use cases' ports (usecases/ports.py): the real adapter and the in-memory fake both
provide every call, with the same parameters, and no use case names the PyGithub client."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from release_gate.github.gate import GitHubGate
from release_gate.usecases import ports
from tests.fakes.memory_github import MemoryGitHub

USECASES = Path(__file__).resolve().parents[2] / "release_gate" / "usecases"
PORTS = [ports.GateApi, ports.MergeQueueApi, ports.SmokeGateApi, ports.WatchApi,
         ports.DeployApi]


def members(port: type) -> list[str]:
    return sorted(name for klass in port.__mro__ if klass.__module__ == ports.__name__
                  for name in vars(klass) if not name.startswith("_"))


def parameters(owner: type, name: str) -> list[tuple[str, object]]:
    member = inspect.getattr_static(owner, name)
    if isinstance(member, property) or not callable(member):
        return []
    return [(p.name, p.kind) for p in inspect.signature(member).parameters.values()]


@pytest.mark.parametrize("port", PORTS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("adapter", [GitHubGate, MemoryGitHub], ids=lambda a: a.__name__)
def test_the_adapter_and_the_fake_provide_every_call_of_the_port(port: type,
                                                                 adapter: type) -> None:
    for name in members(port):
        if name in ("repository", "env"):  # data: an attribute of the fake, a property here
            continue
        assert hasattr(adapter, name), f"{adapter.__name__} lacks {port.__name__}.{name}"
        wanted = parameters(port, name)
        have = parameters(adapter, name)[:len(wanted)]
        assert have == wanted, f"{adapter.__name__}.{name}{have} is not {port.__name__}'s"


def test_the_fake_has_the_data_the_ports_read() -> None:
    fake = MemoryGitHub()
    assert fake.repository and fake.env.server_url and fake.env.event_path is None


def test_no_use_case_takes_the_concrete_github_client() -> None:
    for path in sorted(USECASES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "release_gate.github.client":
                names = {a.name for a in node.names}
                assert "GitHub" not in names, f"{path.name} imports the GitHub class"
            if isinstance(node, ast.arg) and node.annotation is not None:
                assert ast.unparse(node.annotation) not in ("GitHub", "GitHub | None"), (
                    f"{path.name}: {node.arg} is the concrete GitHub client")
