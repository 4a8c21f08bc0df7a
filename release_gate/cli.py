"""The command line: parse, dispatch to a command module, map errors to exit codes.

docs/design.md §2, §3.

Exit codes: 0 ok/clear/PASS, 1 the gate itself failed (never a pass), 2 bad command line, bad
rules.yaml or a refused smoke, 3 needs-smoke, 4 blocked (from `check`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from release_gate import __version__
from release_gate.commands import SANDBOX_MODULES
from release_gate.errors import ConfigError, GateError, SmokeRefused

# name -> (module, one-line help). Order is the order of `release-gate --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("release_gate.commands.init", "write a rules.yaml fitted to this repository"),
    "doctor": ("release_gate.commands.doctor",
               "check a live repository's set-up through the GitHub API"),
    "check": ("release_gate.commands.check", "judge a local change (base...head) offline"),
    "validate": ("release_gate.commands.validate", "validate rules files"),
    "pr": ("release_gate.commands.pr", "evaluate a pull request and post the release-gate status"),
    "smoke": ("release_gate.commands.smoke", "run the signup E2E smoke (or `smoke cleanup`)"),
    "deploy": ("release_gate.commands.deploy",
               "build a PR head on production, smoke it, roll back on a FAIL"),
    "passkey": ("release_gate.commands.passkey", "print a synthetic registration credential"),
    "sandbox": ("release_gate.commands.sandbox", "run the bundled reference backend"),
    "watch-config": ("release_gate.commands.watch_config",
                     "report Heroku config changes to sensitive variables since the last PASS"),
}

EXIT_ERROR = 1
EXIT_USAGE = 2

# The gate (`check`, `validate`, `pr`) needs only the core dependencies; the rest are extras
# (pyproject.toml), so a PR's status check installs in seconds (docs/performance.md).
EXTRAS: dict[str, str] = {"smoke": "smoke", "passkey": "smoke", "sandbox": "sandbox",
                          "watch-config": "smoke", "deploy": "smoke"}



class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, exit 2, as docs/design.md §2 asks for a bad command line.
        self.exit(EXIT_USAGE, f"release-gate: error: {message}\n")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; only the chosen subcommand's module is imported (and configured).

    `check` must not pay for PyGithub, httpx or FastAPI imports (bench/check_large.py), so the
    other subcommands appear in `--help` from the COMMANDS table alone.
    """
    parser = _Parser(
        prog="release-gate",
        description="Release check bot: rule engine, prod signup smoke, sticky checklist.",
    )
    parser.add_argument("--version", action="version", version=f"release-gate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    chosen = next((arg for arg in argv if arg in COMMANDS), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module: ModuleType = importlib.import_module(module_name)
            module.configure(command_parser)
            command_parser.set_defaults(run=module.run)
    return parser


# Commands after which the process only ends: `check` (a CI step, a pre-push hook) then
# skips the interpreter's teardown, which frees every object and module one by one: a sixth
# of its fixed cost (bench/startup.py). Its output is flushed first; it leaves no thread, and
# its git processes and temporary files are closed before main() returns.
QUICK_EXIT = frozenset({"check"})
EXIT_FLUSH_FAILED = 120  # what Python itself returns when stdout cannot be flushed at exit


def entry() -> NoReturn:
    """The console script and `python -m release_gate`: main(), then the process ends."""
    argv = sys.argv[1:]
    code = main(argv)
    if next((arg for arg in argv if arg in COMMANDS), None) not in QUICK_EXIT:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = _reader_gone()
    except (OSError, ValueError):
        code = EXIT_FLUSH_FAILED  # the verdict may not have been written: never a pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    try:
        parser = build_parser(argv)
    except ModuleNotFoundError as error:
        return _missing_extra(next((arg for arg in argv if arg in COMMANDS), ""), error)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ConfigError, SmokeRefused) as error:
        _fail(error)
        return EXIT_USAGE
    except GateError as error:
        _fail(error)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("release-gate: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except ModuleNotFoundError as error:
        return _missing_extra(str(args.command), error)
    except Exception as error:  # fail closed: an unexpected error is never a pass
        if os.environ.get("RELEASE_GATE_DEBUG"):
            import traceback  # only here: every command would pay for it (bench/startup.py)

            traceback.print_exc()
        print(f"release-gate: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


EXIT_SIGPIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader left


def _reader_gone() -> int:
    """`release-gate passkey ... | head -c 100`: the reader closed the pipe. Nothing is wrong
    with the gate, so end quietly, and keep the interpreter from failing again when it flushes
    stdout at exit (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_SIGPIPE


def _missing_extra(command: str, error: ModuleNotFoundError) -> int:
    """A command whose extra is not installed: one line naming the install that fixes it."""
    extra = EXTRAS.get(command, "all")
    if (error.name or "").partition(".")[0] in SANDBOX_MODULES:
        extra = "sandbox"
    print(f"release-gate: error: `{command}` needs the [{extra}] extra "
          f"(pip install 'release-gate[{extra}]'): {error}", file=sys.stderr)
    return EXIT_ERROR


def _fail(error: Exception) -> None:
    if os.environ.get("RELEASE_GATE_DEBUG"):
        import traceback

        traceback.print_exc()
    for one in getattr(error, "errors", None) or [error]:  # ConfigErrors: one line each
        print(f"release-gate: error: {one}", file=sys.stderr)
