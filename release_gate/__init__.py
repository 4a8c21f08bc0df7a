"""release-gate: a release check bot for a WebAuthn signup backend."""

__version__ = "0.1.0"
