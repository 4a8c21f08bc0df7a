from release_gate.cli import entry

entry()
