"""The workflow files as data: load them as a runner reads them, and follow local actions.

YAML 1.1 reads the bare key `on` as the boolean True; `triggers()` undoes that. A step that uses a
local action (`./`) brings that action's steps into the job's view, so a property checked over a
job also holds over the composite action it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
ACTION = REPO / "action.yml"
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / name)


def workflow_names() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def triggers(data: dict[str, Any]) -> dict[str, Any]:
    raw = data.get("on", data.get(True))
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return {name: None for name in raw}
    assert isinstance(raw, dict), "no `on:`"
    return raw


@dataclass(frozen=True)
class Step:
    where: str  # "release-gate.yml/gate[2]" or "action.yml[1]" for a step of a local action
    data: dict[str, Any]

    @property
    def uses(self) -> str | None:
        value = self.data.get("uses")
        return str(value) if value is not None else None

    @property
    def run(self) -> str | None:
        value = self.data.get("run")
        return str(value) if value is not None else None


def local_action(uses: str) -> dict[str, Any]:
    assert uses in ("./", "."), f"only the root action is local here, not {uses}"
    return load(ACTION)


def job_steps(workflow_name: str, job_id: str) -> Iterator[Step]:
    """The job's steps, with the steps of a local composite action in place of its `uses:`."""
    job = workflow(workflow_name)["jobs"][job_id]
    for index, step in enumerate(job.get("steps", [])):
        where = f"{workflow_name}/{job_id}[{index}]"
        yield Step(where, step)
        uses = step.get("uses")
        if isinstance(uses, str) and uses.startswith("./"):
            action = local_action(uses)
            for inner, inner_step in enumerate(action["runs"]["steps"]):
                yield Step(f"action.yml[{inner}] (via {where})", inner_step)


def all_uses() -> Iterator[tuple[str, str]]:
    """(file, uses) for every `uses:` in every workflow and in action.yml."""
    for name in workflow_names():
        for job_id, job in workflow(name)["jobs"].items():
            for step in job.get("steps", []):
                if "uses" in step:
                    yield f"{name}/{job_id}", str(step["uses"])
    for step in load(ACTION)["runs"]["steps"]:
        if "uses" in step:
            yield "action.yml", str(step["uses"])


def expressions(value: Any) -> Iterator[str]:
    """Every `${{ ... }}` body inside a YAML value (strings, lists, mappings)."""
    if isinstance(value, str):
        for match in EXPRESSION.finditer(value):
            yield match.group(1).strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)
