"""One module per subcommand: `configure(parser)` adds its options, `run(args) -> int` runs it.

Modules import their heavy dependencies inside `run`, so `release-gate --help` stays fast.
"""

# The [sandbox] extra's own modules (pyproject.toml): a missing one means that extra, whatever
# the command (`smoke --target sandbox` runs the sandbox in a child process).
SANDBOX_MODULES = ("fastapi", "uvicorn", "webauthn", "redis")
