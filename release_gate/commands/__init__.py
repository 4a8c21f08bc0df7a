"""One module per subcommand: `configure(parser)` adds its options, `run(args) -> int` runs it.

Modules import their heavy dependencies inside `run`, so `release-gate --help` stays fast.
"""
