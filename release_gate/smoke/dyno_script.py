"""What runs on a one-off dyno for step 5 and the teardown, and how its answer is read.

The script is the runbook's cleanup snippet grown into step 5: `sys.path` and the working
directory at the slug (`/app`), the app's own engine (`backend_v2.db.engine.get_engine`) and
SQLAlchemy's `text()` with `:name` parameters, the SQL from `smoke.sql`. It prints one marked
JSON line (`RELEASE_GATE_RESULT {...}`), which is parsed; nothing else in the output is read.

Modes: `check` reads; `check+teardown` reads and, when step 5 would pass (a user row, at least
one credential, the nonce recorded when checked), deletes the rows in the same transaction, so
a passing smoke needs no third dyno; `teardown` only deletes. The job (SQL, email, nonce) goes in
as one JSON argument, never formatted into the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from release_gate.core.smoke_config.settings import SmokeSettings
from release_gate.smoke.backend_types import BackendError, DbState

MARK = "RELEASE_GATE_RESULT "
MODES = ("check", "check+teardown", "teardown")

# Runs on the dyno: Python 3 with the app's packages (SQLAlchemy among them). The first line is
# the runbook's; {app_dir}, {module} and {function} are repr()'d settings.
_SCRIPT = """\
import sys; sys.path.insert(0, {app_dir}); import os; os.chdir({app_dir})
import json
from {module} import {function} as get_engine
from sqlalchemy import text
job = json.loads(sys.argv[1]); sql = job["sql"]; email = job["email"]
out = {{"users": [], "cred_count": None, "recovery_codes": None, "nonce_used": None,
        "deleted": None}}
def params(user_id=None):
    return {{"email": email, "user_id": user_id, "nonce": job["nonce"]}}
with get_engine().connect() as conn:
    rows = [tuple(r) for r in conn.execute(text(sql["user"]), params()).fetchall()]
    if job["mode"] != "teardown":
        out["users"] = [[r[0], str(r[1])] for r in rows]
        if rows:
            uid = rows[0][0]
            out["cred_count"] = int(conn.execute(text(sql["cred_count"]), params(uid)).scalar())
            if sql["recovery_count"]:
                out["recovery_codes"] = int(conn.execute(text(sql["recovery_count"]),
                                                         params(uid)).scalar())
        if sql["nonce_used"] and job["nonce"] is not None:
            out["nonce_used"] = int(conn.execute(text(sql["nonce_used"]),
                                                 params()).scalar()) > 0
    passed = bool(rows) and bool(out["cred_count"]) and out["nonce_used"] is not False
    if job["mode"] == "teardown" or (job["mode"] == "check+teardown" and passed):
        out["deleted"] = {{label: 0 for label, _ in job["teardown"]}}
        for row in rows:
            for label, statement in job["teardown"]:
                result = conn.execute(text(statement), params(row[0]))
                out["deleted"][label] += max(0, result.rowcount)
    conn.commit()
print({mark!r} + json.dumps(out, default=str))
"""


def db_argv(settings: SmokeSettings, *, mode: str, email: str, nonce: str | None) -> list[str]:
    """The argv of the step-5 / teardown dyno (`python -c SCRIPT JOB`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    heroku = settings.heroku
    module, _, function = heroku.engine.partition(":")
    if not module or not function.isidentifier():
        raise BackendError(f"smoke.heroku.engine must be 'module:function', "
                           f"not {heroku.engine!r}")
    script = _SCRIPT.format(app_dir=repr(heroku.app_dir), module=module, function=function,
                            mark=MARK)
    sql = settings.sql
    job = {"mode": mode, "email": email, "nonce": nonce,
           "sql": {"user": sql.user, "cred_count": sql.cred_count,
                   "recovery_count": sql.recovery_count, "nonce_used": sql.nonce_used},
           "teardown": [[t.label, t.sql] for t in sql.teardown]}
    return ["python", "-c", script, json.dumps(job, separators=(",", ":"))]


def marked_result(output: str) -> Mapping[str, Any] | None:
    """The last `RELEASE_GATE_RESULT {json}` line of a dyno's output, if any."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith(MARK):
            try:
                value = json.loads(line[len(MARK):])
            except ValueError:
                return None
            return value if isinstance(value, Mapping) else None
    return None


def db_state(answer: Mapping[str, Any]) -> DbState:
    """Step 5's reading from the script's answer; a malformed answer is a backend error."""
    try:
        users = tuple((row[0], str(row[1])) for row in answer["users"])
        cred = answer["cred_count"]
        recovery = answer["recovery_codes"]
        nonce = answer["nonce_used"]
        return DbState(users=users, cred_count=None if cred is None else int(cred),
                       recovery_codes=None if recovery is None else int(recovery),
                       nonce_used=None if nonce is None else bool(nonce))
    except (KeyError, TypeError, ValueError, IndexError):
        raise BackendError("the dyno's result line does not have step 5's fields") from None


def deleted_counts(answer: Mapping[str, Any]) -> dict[str, int] | None:
    deleted = answer.get("deleted")
    if deleted is None:
        return None
    if not isinstance(deleted, Mapping):
        raise BackendError("the dyno's result line has a malformed `deleted`")
    try:
        return {str(label): int(count) for label, count in deleted.items()}
    except (TypeError, ValueError):
        raise BackendError("the dyno's result line has a malformed `deleted`") from None
