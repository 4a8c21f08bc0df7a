"""Heroku's own failures during `smoke --target prod`, diagnosed as such (docs/heroku.md):
the rate limit (waited out within the step's and the teardown's budgets, named when it
outlasts them), maintenance mode and router errors (no token minted; H80 / H12 named), CNB
apps in dyno mode refused, and a mint output the contract does not define."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.heroku._prod import APP, Prod, heroku_prod
from tests.smoke._harness import new_email

pytestmark = pytest.mark.slow  # the prod smoke against the fake Heroku over TLS

# Heroku's router pages (the body links the page on herokucdn.com, Heroku Error Pages).
MAINTENANCE_PAGE = ('<!DOCTYPE html><html><head><title>Offline for Maintenance</title></head>'
                    '<body><iframe src="//www.herokucdn.com/error-pages/maintenance.html">'
                    '</iframe></body></html>')
APPLICATION_ERROR_PAGE = ('<!DOCTYPE html><html><head><title>Application Error</title></head>'
                          '<body><iframe src="//www.herokucdn.com/error-pages/'
                          'application-error.html"></iframe></body></html>')
H12 = ('heroku[router]: at=error code=H12 desc="Request timeout" method=POST '
       'path="/api/auth/register/begin-with-token" host=raxx-api-prod.herokuapp.com '
       'request_id=8601b555 fwd="10.0.0.1" dyno=web.1 connect=0ms service=30000ms status=503 '
       'bytes=0 protocol=https')


@contextmanager
def router(page: str, *, healthy: bool) -> Iterator[str]:
    """Heroku's router in front of a failing app: 503 with `page` (health 200 if `healthy`)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            hits.append(self.path)
            ok = healthy and self.path.startswith("/healthz")
            body = (b'{"status": "ok"}' if ok else page.encode())
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json" if ok else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _after_first_dyno(prod: Prod, action: object) -> threading.Thread:
    def wait_then_act() -> None:
        deadline = time.monotonic() + 60
        while prod.fake.dyno_creations() < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        action()  # type: ignore[operator]

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


# ---- rate limits


def test_a_sustained_429_on_the_teardown_is_waited_out_and_the_rows_go(
        postgres_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, None) as prod:  # no Redis: step 4's log evidence fails
        thread = _after_first_dyno(prod, lambda: prod.fake.fail(
            "POST", "/apps/{app}/dynos", 429, times=6, headers={"Retry-After": "1"}))
        done, report = prod.smoke(tmp_path, email=email)
        thread.join(5)
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.rows(email)["users"] == 0  # the teardown kept going: nothing orphaned
    assert report["failure"]["step"] == "4"
    assert "[teardown] OK deleted" in done.stdout
    assert "[heroku] Platform API: " in done.stdout
    assert "waited 6 s on its rate limit (429)" in done.stdout


def test_a_429_outlasting_step_5s_budget_is_diagnosed_as_the_rate_limit(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    email = new_email()
    with heroku_prod(postgres_url, redis_url) as prod:
        thread = _after_first_dyno(prod, lambda: prod.fake.fail(
            "POST", "/apps/{app}/dynos", 429, times=5, headers={"Retry-After": "1"}))
        done, report = prod.smoke(tmp_path, email=email, rules={"timeouts": {"command": 3}})
        thread.join(5)
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.rows(email)["users"] == 0  # the teardown's budget outlasted the 429s
    failure = report["failure"]
    assert failure["step"] == "5"
    assert failure["diagnosis"]["id"] == "heroku-rate-limit"
    assert "RateLimit-Remaining: 0" in failure["message"]
    assert "rate_limit: Your account reached the API rate limit" in failure["message"]
    assert "DATABASE_URL" not in failure["diagnosis"]["likely_cause"]


# ---- maintenance mode and the router


def test_maintenance_mode_refuses_before_any_dyno(postgres_url: str, redis_url: str,
                                                  tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.apps[APP].maintenance = True
        done, _ = prod.smoke(tmp_path, email=new_email())
        assert done.returncode == 2, done.stdout + done.stderr
        assert prod.fake.dyno_creations() == 0 and prod.api_requests() == 0
    assert "raxx-api-prod is in maintenance mode" in done.stderr


def test_a_maintenance_page_on_the_health_probe_mints_nothing_and_names_h80(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod, \
            router(MAINTENANCE_PAGE, healthy=False) as url:
        done, report = prod.smoke(tmp_path, email=new_email(),
                                  env=prod.env(RAXX_SMOKE_API_URL=url))
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.fake.dyno_creations() == 0  # no token minted on a production dyno
    failure = report["failure"]
    assert failure["step"] == "health"
    assert failure["diagnosis"]["id"] == "heroku-h80"
    assert "The app raised" not in done.stdout


def test_an_h12_in_the_router_log_is_named_not_an_app_crash(
        postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod, \
            router(APPLICATION_ERROR_PAGE, healthy=True) as url:
        prod.fake.log_lines(APP, H12)
        done, report = prod.smoke(tmp_path, email=new_email(),
                                  env=prod.env(RAXX_SMOKE_API_URL=url))
        assert done.returncode == 1, done.stdout + done.stderr
    failure = report["failure"]
    assert failure["step"] == "2"
    assert failure["diagnosis"]["id"] == "heroku-h12"
    assert "30 s router limit" in failure["diagnosis"]["likely_cause"]


def test_dyno_mode_on_a_cnb_app_is_refused_in_one_line(postgres_url: str, redis_url: str,
                                                       tmp_path: Path) -> None:
    with heroku_prod(postgres_url, redis_url) as prod:
        prod.fake.apps[APP].stack, prod.fake.apps[APP].generation = "cnb", "fir"
        done, _ = prod.smoke(tmp_path, email=new_email())
        assert done.returncode == 2, done.stdout + done.stderr
        assert prod.fake.dyno_creations() == 0
    assert "Cloud Native Buildpacks" in done.stderr and "launcher" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# ---- mint output the contract does not define


def test_an_apm_banner_is_never_taken_for_the_token(postgres_url: str, redis_url: str,
                                                    tmp_path: Path) -> None:
    # A custom mint: an APM agent's banner on stdout (block-buffered, so it reaches the dyno's
    # stream last), the bare token on stderr.
    mint = ("import sys; print('New Relic agent 9.1.0 (Python 3.12.3) started'); "
            "print('eyJ2IjoxLCJlbWFpbCI6ImFAYi5pbyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ', "
            "file=sys.stderr)")
    with heroku_prod(postgres_url, redis_url) as prod:
        done, report = prod.smoke(tmp_path, email=new_email(),
                                  rules={"mint": {"dyno_command": ["python", "-c", mint,
                                                                   "{email}"]}})
        assert done.returncode == 1, done.stdout + done.stderr
        assert prod.api_requests() == 0  # no request with a wrong token
    assert "token=New Relic" not in done.stdout
    failure = report["failure"]
    assert failure["step"] == "1"
    assert failure["diagnosis"]["id"] == "mint-output-not-understood"
    assert "output: New Relic agent 9.1.0" in done.stdout
    assert "c2lnbmF0dXJlLXNpZ25hdHVyZQ" not in done.stdout  # masked
