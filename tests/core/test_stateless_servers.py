"""Issue 10, "Stateless app servers": two gunicorn instances (LMS_ENV=production, the
repository's deploy/gunicorn.conf.py) on two ports against one PostgreSQL database and
one Redis serve the same users: a login made on one is valid on the other, a login
throttle counted on one blocks on the other, and the ministry dashboard one rendered
is served from the shared cache by the other.

Needs PostgreSQL (LMS_TEST_DATABASE_URL) and Redis (LMS_TEST_REDIS_URL, default
redis://127.0.0.1:6379/14); skipped without them."""
from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest

from lms.extensions import db
from tests.factories import make_user

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

pytestmark = pytest.mark.postgres


def _redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies by hand (the production cookie is Secure; these requests are plain HTTP
    between the test and the app servers), no redirects followed."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return resp.status, resp.getheader("Location") or "", text

    def csrf(self, port: int, path: str) -> str:
        status, _, html = self.request(port, "GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, port: int, email: str, password: str):
        token = self.csrf(port, "/login")
        return self.request(port, "POST", "/login", {"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def servers(live_db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (LMS_TEST_DATABASE_URL)")
    redis_client = _redis_or_skip()
    prefix = f"lms-test-{secrets.token_hex(4)}"
    secret_key = secrets.token_hex(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update(LMS_ENV="production", LMS_SECRET_KEY=secret_key, LMS_DATABASE_URL=database_url,
               LMS_REDIS_URL=REDIS_URL, LMS_RATELIMIT_KEY_PREFIX=prefix, LMS_WEB_WORKERS="1",
               LMS_ACCESS_LOG="/dev/null")
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
             for port in ports]
    analytics_before = set(redis_client.scan_iter("lms:analytics:*"))
    try:
        deadline = time.monotonic() + 40
        for port, proc in zip(ports, procs):
            while True:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                try:
                    if Browser().request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
                time.sleep(0.2)
        yield ports, redis_client, secret_key
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for key in list(redis_client.scan_iter(f"{prefix}*")):
            redis_client.delete(key)
        for key in set(redis_client.scan_iter("lms:analytics:*")) - analytics_before:
            redis_client.delete(key)


def test_two_app_servers_share_logins_throttles_and_caches(servers, monkeypatch):
    (a, b), redis_client, secret_key = servers
    from flask import current_app

    from lms.accounts.second_factor import seal

    monkeypatch.setitem(current_app.config, "SECRET_KEY", secret_key)  # the servers' TOTP sealing key
    trainee = make_user("trainee", email="stateless@example.kr", password="correct-horse-42!")
    make_user("trainee", email="throttled@example.kr", password="correct-horse-43!")
    make_user("ministry", email="ministry@example.kr", password="correct-horse-44!",
              totp_secret=seal(TOTP), totp_enabled_at=datetime.now(timezone.utc))
    db.session.commit()

    # A login on server A is valid on server B (and logging out on B ends it on A too
    # only as far as the cookie goes: the session is the signed cookie, no server memory).
    user = Browser()
    status, location, _ = user.login(a, "stateless@example.kr", "correct-horse-42!")
    assert status == 302 and "/login" not in location
    status, _, html = user.request(b, "GET", "/dashboard")
    assert status == 200 and trainee.name in html
    assert Browser().request(b, "GET", "/dashboard")[0] == 302  # without the cookie: to the login page

    # Failed logins counted on A (5 per address and account in 15 minutes) block the
    # right password on B: the counters are Redis keys both servers use.
    attacker = Browser()
    for _ in range(5):
        assert attacker.login(a, "throttled@example.kr", "wrong-password")[0] == 401
    status, _, html = attacker.login(b, "throttled@example.kr", "correct-horse-43!")
    assert status == 429 and "로그인 시도가 너무 많습니다" in html
    assert any(redis_client.scan_iter(f"lms-test-*login*"))

    # The ministry dashboard computed on A is cached in Redis; B serves it from there
    # (no new cache entry is written).
    ministry = Browser()
    status, location, _ = ministry.login(a, "ministry@example.kr", "correct-horse-44!")
    assert status == 302 and "second-factor" in location
    token = ministry.csrf(a, "/login/second-factor")
    status, _, _ = ministry.request(a, "POST", "/login/second-factor",
                                    {"csrf_token": token, "code": pyotp.TOTP(TOTP).now()})
    assert status == 302
    before = set(redis_client.scan_iter("lms:analytics:*"))
    status, _, first = ministry.request(a, "GET", "/ministry")
    assert status == 200
    written = set(redis_client.scan_iter("lms:analytics:*")) - before
    assert written, "server A did not cache the dashboard in Redis"
    status, _, second = ministry.request(b, "GET", "/ministry")  # the same session, on B
    assert status == 200
    assert set(redis_client.scan_iter("lms:analytics:*")) - before == written
