"""scripts/test and scripts/lint work on a stock Debian/Ubuntu system Python (PEP 668: `pip
install` outside a virtual environment is refused): both run in scripts/venv.sh's environment."""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _source_venv(tmp_path: Path, path: str, **env: str) -> list[str]:
    done = subprocess.run(
        ["bash", "-c", '. scripts/venv.sh && echo "$PY" && "$PY" -c '
                       '"import sys; print(sys.prefix != sys.base_prefix)"'],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": path, "HOME": str(tmp_path), **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.slow  # makes a virtual environment
@pytest.mark.skipif(not glob.glob("/usr/lib/python3*/EXTERNALLY-MANAGED"),
                    reason="needs a system Python marked externally managed (PEP 668)")
def test_the_system_python_gets_a_virtual_environment(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    py, inside = _source_venv(tmp_path, f"{SYSTEM_PYTHON.parent}:/bin",
                              RELEASE_GATE_VENV=str(venv))
    assert py == f"{venv}/bin/python" and inside == "True"
    assert (venv / "pyvenv.cfg").read_text().count(str(SYSTEM_PYTHON.parent)) >= 1


def test_an_active_virtual_environment_is_used_as_it_is(tmp_path: Path) -> None:
    venv = tmp_path / "active"
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    py, inside = _source_venv(tmp_path, os.environ["PATH"], VIRTUAL_ENV=str(venv))
    assert py == f"{venv}/bin/python" and inside == "True"


@pytest.mark.parametrize("script", ["scripts/test", "scripts/lint"])
def test_no_script_runs_the_bare_python3_for_pip_or_tools(script: str) -> None:
    text = (ROOT / script).read_text()
    assert ". scripts/venv.sh" in text
    assert not re.search(r"^\s*python3 ", text, re.M), "python3 outside the environment"
    assert "pip install" not in text or '"$PY" -m pip install' in text


def test_ci_runs_scripts_test_then_lint() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert run.index("scripts/test") < run.index("scripts/lint")
