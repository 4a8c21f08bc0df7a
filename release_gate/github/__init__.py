"""The GitHub adapter: client.py (the only PyGithub importer), pull.py (a PR's change context),
patch.py (the API's `patch` hunks to changed lines)."""
