"""Fitting rules.yaml to a repository (`release-gate init`, docs/init.md): survey.py finds the
auth routes, services, migrations, config and process model; rules_text.py writes the rules."""
