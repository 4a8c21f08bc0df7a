"""git/isolation.py hands git exactly one setting from the caller: the lazy-fetch auth header."""

from __future__ import annotations

from release_gate.git import isolation

HEADER = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3g="


def test_only_the_named_auth_header_reaches_git() -> None:
    env = isolation.environment({
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "diff.noprefix", "GIT_CONFIG_VALUE_0": "true",
        isolation.AUTH_HEADER_VARIABLE: HEADER,
        isolation.AUTH_URL_VARIABLE: "https://github.com/",
    })
    assert (env["GIT_CONFIG_COUNT"], env["GIT_CONFIG_KEY_0"], env["GIT_CONFIG_VALUE_0"]) == (
        "1", "http.https://github.com/.extraheader", HEADER)
    assert not any(key.startswith("GIT_CONFIG_") and key[-1] == "1" for key in env)


def test_without_it_no_config_comes_from_the_environment() -> None:
    env = isolation.environment({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "color.ui",
                                 "GIT_CONFIG_VALUE_0": "always"})
    assert not any(key.startswith("GIT_CONFIG_") and key != "GIT_CONFIG_NOSYSTEM"
                   and key != "GIT_CONFIG_GLOBAL" for key in env)


def test_a_header_that_would_inject_another_line_is_refused() -> None:
    env = isolation.environment({isolation.AUTH_HEADER_VARIABLE: HEADER + "\nX-Evil: 1"})
    assert "GIT_CONFIG_COUNT" not in env
