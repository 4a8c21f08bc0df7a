# Sourced by scripts/test and scripts/lint: the Python environment both run in, as the README's
# quick start makes it. A stock Debian/Ubuntu refuses `pip install` into the system Python
# (PEP 668, "externally-managed-environment"), so the dev dependencies go into a virtual
# environment: the active one if there is one ($VIRTUAL_ENV), else .venv/ (git-ignored), made on
# first use. Sets PY (its python) and puts its bin/ first on PATH (actionlint, zizmor, shellcheck
# come from the dev extra).
if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  VENV="$VIRTUAL_ENV"
else
  VENV="${RELEASE_GATE_VENV:-.venv}"
  if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV"; then
      echo "scripts: python3 -m venv failed; on Debian/Ubuntu install the venv module:" \
           "sudo apt-get install python3-venv (scripts/install-system-deps does it as root)" >&2
      rm -rf "$VENV"
      exit 1
    fi
  fi
fi
PY="$VENV/bin/python"
PATH="$(cd "$VENV/bin" && pwd):$PATH"
export PATH
