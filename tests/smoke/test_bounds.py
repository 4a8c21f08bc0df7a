"""Every request has a total deadline and every body a size cap; the whole smoke has a deadline;
each overrun is a diagnosed FAIL, teardown still runs, and the report keeps a bounded excerpt.

The target is tests/smoke/_hostile.py: raw bytes over a real loopback socket, so the client's
own reads (headers and body) are what is bounded, not a mock of them.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.smoke._harness import (
    LineReader,
    base_env,
    cli,
    new_email,
    new_marker,
    processes_with,
    run,
    sandbox,
    smoke_section,
    write_rules,
)
from tests.smoke._hostile import HostileServer, Reply

pytestmark = pytest.mark.slow  # each test waits out a deadline or a cap

BEGIN = "/api/auth/register/begin-with-token"
TOKEN = "eyJ2IjoxfQ.hostile-target-test-token"


def make_database(tmp: Path) -> str:
    """An SQLite file with the tables the default SQL reads and the teardown deletes from."""
    path = tmp / "smoke.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"
            "CREATE TABLE webauthn_credentials (id INTEGER PRIMARY KEY, user_id INTEGER);"
            "CREATE TABLE recovery_codes (id INTEGER PRIMARY KEY, user_id INTEGER);"
            "CREATE TABLE bootstrap_tokens_used (nonce TEXT);")
    return f"sqlite:///{path}"


def hostile_smoke(tmp: Path, server: HostileServer, *, timeouts: dict[str, float] | None = None,
                  limits: dict[str, int] | None = None, timeout: float = 60,
                  mint: str = f"print('{TOKEN}')", extra_env: dict[str, str] | None = None,
                  args: tuple[str, ...] = (),
                  ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], float]:
    section: dict[str, Any] = {
        "origin": "http://localhost", "rp_id": "localhost",
        "endpoints": {"health": None},
        "mint": {"backend": "command", "command": ["{python}", "-c", mint]},
        "database": {"backend": "sql"},
    }
    section.update({k: v for k, v in (("timeouts", timeouts), ("limits", limits)) if v})
    rules = write_rules(tmp / "rules.yaml", section)
    report = tmp / "report.json"
    env = base_env(RAXX_SMOKE_ALLOW_PROD="1", DATABASE_URL=make_database(tmp),
                   **(extra_env or {}))
    start = time.monotonic()
    done = run(cli("smoke", "--target", server.base_url, "--rules", str(rules), "--email",
                   new_email(), "--report", str(report), *args), env, timeout=timeout)
    elapsed = time.monotonic() - start
    data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return done, data, elapsed


def test_a_body_dripped_a_byte_a_second_ends_at_the_smokes_deadline(tmp_path: Path) -> None:
    # 1 byte/s never trips the 15 s per-read timeout: only a deadline across reads ends it.
    with HostileServer({BEGIN: Reply.dripping(b'{"challenge": "%s"}' % (b"x" * 500),
                                              every=1.0)}) as server:
        done, report, elapsed = hostile_smoke(tmp_path, server, timeouts={"total": 3})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "SMOKE VERDICT: FAIL" in done.stdout
    assert report["failure"]["step"] == "2"
    assert report["failure"]["diagnosis"]["id"] == "deadline"
    assert "the smoke's 3 s deadline (smoke.timeouts.total) ran out" in done.stdout
    assert '[step 2] response body: {"' in done.stdout  # what did arrive
    assert "[teardown] OK deleted" in done.stdout  # the overrun still tears down
    assert elapsed < 3 + 20  # the deadline plus start-up and teardown, far from 500 s


def test_a_hanging_mint_command_ends_at_the_smokes_deadline(tmp_path: Path) -> None:
    # The command's own timeout (120 s) is longer than the smoke's: the deadline wins, and the
    # command it started is killed with it.
    marker = new_marker()
    with HostileServer({}) as server:
        done, report, elapsed = hostile_smoke(
            tmp_path, server, timeouts={"total": 2, "command": 120},
            mint="import time; time.sleep(600)", extra_env={"RELEASE_GATE_TEST_MARK": marker})
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["failure"]["step"] == "1"
    assert report["failure"]["diagnosis"]["id"] == "deadline"
    assert "[teardown] nothing to delete" in done.stdout
    assert elapsed < 2 + 20
    assert processes_with(marker) == []


def test_headers_dripped_a_byte_a_second_end_at_the_request_deadline(tmp_path: Path) -> None:
    reply = Reply.dripping(b'{"challenge": "x"}', every=1.0, head_too=True)
    with HostileServer({BEGIN: reply}) as server:
        done, report, _ = hostile_smoke(tmp_path, server, timeouts={"request": 2})
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["failure"]["diagnosis"]["id"] == "timeout"
    assert "the request deadline (2 s, smoke.timeouts.request)" in done.stdout
    assert report["failure"]["http_status"] is None  # the status line never completed


def test_an_endless_body_is_cut_at_the_cap_with_bounded_memory_and_report(tmp_path: Path
                                                                         ) -> None:
    with HostileServer({BEGIN: Reply.endless(cap=200 * 1024 * 1024)}) as server:
        rules_dir = tmp_path
        section_limits = {"body_bytes": 65536, "excerpt_chars": 500}
        done, report, peak_kib = _run_measuring_memory(rules_dir, server, section_limits)
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["failure"]["diagnosis"]["id"] == "response-too-large"
    assert "response body larger than 65536 bytes (smoke.limits.body_bytes)" in done.stdout
    assert len(report["failure"]["body"]) < 600  # the excerpt, not the body
    assert (tmp_path / "report.json").stat().st_size < 16 * 1024
    assert max(len(line) for line in done.stdout.splitlines()) < 1000
    assert peak_kib < 150 * 1024, f"peak RSS {peak_kib} KiB"


# Measures one command's peak RSS from a small launcher process: a child forked straight from
# pytest would count pytest's own pages (shared until exec) in its ru_maxrss.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run_measuring_memory(tmp: Path, server: HostileServer, limits: dict[str, int]
                          ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], int]:
    section: dict[str, Any] = {
        "origin": "http://localhost", "rp_id": "localhost", "endpoints": {"health": None},
        "mint": {"backend": "command", "command": ["{python}", "-c", f"print('{TOKEN}')"]},
        "database": {"backend": "sql"}, "limits": limits,
    }
    rules = write_rules(tmp / "rules.yaml", section)
    report, peak = tmp / "report.json", tmp / "peak-rss-kib"
    env = base_env(RAXX_SMOKE_ALLOW_PROD="1", DATABASE_URL=make_database(tmp))
    done = run([sys.executable, "-c", _LAUNCHER, str(peak),
                *cli("smoke", "--target", server.base_url, "--rules", str(rules), "--email",
                     new_email(), "--report", str(report))], env, timeout=120)
    data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return done, data, int(peak.read_text())


def test_a_deeply_nested_json_body_is_shown_and_diagnosed(tmp_path: Path) -> None:
    with HostileServer({BEGIN: Reply.raw(200, b"[" * 200_000)}) as server:
        done, report, _ = hostile_smoke(tmp_path, server)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "internal error" not in done.stdout
    assert "[step 2] response body: [[[[[[" in done.stdout
    assert report["failure"]["diagnosis"]["id"] == "unexpected-response"
    assert report["failure"]["body"].startswith("[[[[")


def test_a_huge_server_log_is_read_and_shown_in_bounded_excerpts(tmp_path: Path) -> None:
    # The target logs 40 MB (one endless line, then the RCA's miss line) while it answers.
    log = tmp_path / "server.log"
    log.write_text("started\n")

    body = b'{"detail": "Invalid or expired signup link"}'

    def answer() -> list[bytes]:  # logs while it answers, as a target does
        with log.open("a") as handle:
            handle.write("x" * (40 * 1024 * 1024) + "\n")
            handle.write("webauthn.challenge_miss store=redis user_id=1\n")
        return [body]

    reply = Reply(Reply.raw(400, body).head, answer)
    with HostileServer({BEGIN: reply}) as server:
        done, report, _ = hostile_smoke(tmp_path, server, limits={"excerpt_chars": 300},
                                        args=("--server-log", str(log)))
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["failure"]["diagnosis"]["id"] == "wrong-signing-key"
    assert "[server log] webauthn.challenge_miss store=redis user_id=1" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) < 1000


def test_a_malformed_target_url_is_a_usage_error() -> None:
    for target in ("http://[::1", "http://127.0.0.1:99999/", "http://u:hunter2pass@[::1"):
        done = run(cli("smoke", "--target", target), base_env(RAXX_SMOKE_ALLOW_PROD="1"))
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "is not an http(s) URL" in done.stderr
        assert "internal error" not in done.stderr and "hunter2pass" not in done.stderr


@pytest.mark.parametrize(("pause_after", "step", "diagnosis", "timeouts"), [
    ("4", "5", "deadline", {"http": 5, "total": 6, "teardown": 20}),
    ("5", "teardown", "teardown-failed", {"http": 5, "total": 60, "teardown": 2}),
], ids=["step-5-by-the-deadline", "teardown-by-its-budget"])
def test_a_database_that_hangs_is_ended_on_time(
        pause_after: str, step: str, diagnosis: str, timeouts: dict[str, float],
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    # The database answers nothing while another session holds a lock on users: step 5 ends at
    # the smoke's deadline, teardown at its own budget, each a diagnosed FAIL (exit 1).
    email = new_email()
    with sandbox(postgres_url, redis_url) as target:
        rules = write_rules(tmp_path / "rules.yaml",
                            smoke_section(target.server, timeouts=timeouts))
        report = tmp_path / "report.json"
        start = time.monotonic()
        process = subprocess.Popen(
            cli("smoke", "--target", target.server.base_url, "--rules", str(rules),
                "--email", email, "--report", str(report)),
            env=target.env(RELEASE_GATE_SMOKE_PAUSE_AFTER_STEP=f"{pause_after}:1"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with psycopg.connect(postgres_url) as holder:
            try:
                reader = LineReader(process)
                reader.until("pausing")
                holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
                reader.until("[step 5] FAIL" if step == "5" else "[teardown] FAILED")
                holder.rollback()  # step 5's failure is over: teardown can delete the rows
                code = process.wait(timeout=60)
                out = reader.rest()
            finally:
                holder.rollback()
                if process.poll() is None:
                    process.kill()
                    process.wait()
        elapsed = time.monotonic() - start
        assert process.stderr is not None
        err = process.stderr.read()
        process.stderr.close()
        if step == "teardown":  # the rows it could not delete: cleanup takes them
            assert target.rows(email)["users"] == 1
            cleaned = run(cli("smoke", "cleanup", "--email", email, "--rules", str(rules)),
                          target.env())
            assert cleaned.returncode == 0, cleaned.stderr
        assert target.rows(email)["users"] == 0
    data = json.loads(report.read_text("utf-8"))
    assert code == 1, out + err
    assert "Traceback" not in err and "SMOKE VERDICT: FAIL" in out
    assert (data["failure"]["step"], data["failure"]["diagnosis"]["id"]) == (step, diagnosis)
    assert elapsed < 40
