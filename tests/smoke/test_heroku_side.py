"""Pure parts of the smoke's Heroku side: sslmode, the dyno script's job and its answer."""

from __future__ import annotations

import json

import pytest

from release_gate.core.smoke_config.settings import parse
from release_gate.smoke import dyno_script
from release_gate.smoke.backend_types import BackendError
from release_gate.smoke.backends import _token_from_output
from release_gate.smoke.heroku_side import with_sslmode


def test_sslmode_is_added_to_postgres_urls_unless_named() -> None:
    assert with_sslmode("postgres://u:p@h:5432/d", "require") == \
        "postgres://u:p@h:5432/d?sslmode=require"
    assert with_sslmode("postgresql://h/d?application_name=x", "require") == \
        "postgresql://h/d?application_name=x&sslmode=require"
    assert with_sslmode("postgres://h/d?sslmode=verify-full", "require").endswith("verify-full")
    assert with_sslmode("sqlite:////tmp/x.db", "require") == "sqlite:////tmp/x.db"


def test_the_db_script_takes_its_sql_and_email_as_data_not_code() -> None:
    settings = parse({"heroku": {"app_dir": "/srv/app", "engine": "app.db:engine"}})
    email = "smoke-test+1'; DROP TABLE users; --@moosequest.net"
    argv = dyno_script.db_argv(settings, mode="check+teardown", email=email, nonce="n1")
    assert argv[:2] == ["python", "-c"]
    assert "sys.path.insert(0, '/srv/app')" in argv[2]
    assert "from app.db import engine as get_engine" in argv[2]
    assert email not in argv[2]
    job = json.loads(argv[3])
    assert job["email"] == email and job["mode"] == "check+teardown"
    assert job["sql"]["user"] == settings.sql.user
    with pytest.raises(BackendError, match="module:function"):
        dyno_script.db_argv(parse({"heroku": {"engine": "nofunction"}}), mode="check",
                            email="a@b.io", nonce=None)


def test_only_the_last_marked_line_is_read() -> None:
    output = ('noise\nRELEASE_GATE_RESULT {"users": [[1, "a@b.io"]], "cred_count": 0}\n'
              'more noise\nRELEASE_GATE_RESULT {"users": [[7, "a@b.io"]], "cred_count": 1, '
              '"recovery_codes": 0, "nonce_used": true, "deleted": {"user": 1}}\n')
    answer = dyno_script.marked_result(output)
    assert answer is not None
    state = dyno_script.db_state(answer)
    assert state.users == ((7, "a@b.io"),) and state.cred_count == 1 and state.nonce_used
    assert dyno_script.deleted_counts(answer) == {"user": 1}
    assert dyno_script.marked_result("RELEASE_GATE_RESULT not json\n") is None
    with pytest.raises(BackendError, match="step 5's fields"):
        dyno_script.db_state({"users": "x"})


def test_a_dyno_mint_reads_the_marked_token_not_the_last_line() -> None:
    output = 'RELEASE_GATE_RESULT {"token": "eyJ2.tok"}\nsome warning printed at exit\n'
    assert _token_from_output(output, "") == "eyJ2.tok"
    assert _token_from_output("just-a-token\n", "") == "just-a-token"
