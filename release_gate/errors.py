"""The one exception hierarchy; `cli.py` maps each class to an exit code (docs/design.md §2)."""


class GateError(Exception):
    """Any failure of the gate itself. Never a pass: exit 1, status `error`."""


class ConfigError(GateError):
    """Bad command line or bad rules.yaml: exit 2. The message names file:line:col."""


class ConfigErrors(ConfigError):
    """Every error found in one rules file, each one located line (`validate` prints them all)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


class GitError(GateError):
    """A local git command failed or printed something we cannot parse."""


class GitLookupError(GitError):
    """The repository, or a revision asked for, does not exist (`check` calls it a usage error)."""


class GitHubError(GateError):
    """The GitHub API failed, or answered with something we cannot trust."""


class HerokuError(GateError):
    """The Heroku API or a one-off dyno failed."""


class SmokeRefused(GateError):
    """A safety fence refused the smoke before anything was sent: exit 2."""
