"""Browser tests: the real app in its own process and database, driven by
Debian's Chromium through Python Playwright.

The server is started with the same commands a person uses (``flask db upgrade``,
``flask reference load``, ``flask courses sync``, then serving), on a free port,
against a fresh SQLite file or a fresh PostgreSQL database when
``LMS_TEST_DATABASE_URL`` is set.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from lms.config import normalise_db_url

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = REPO / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def e2e_database():
    server_url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server_url:
        tmp = tempfile.mkdtemp(prefix="lms-e2e-")
        yield f"sqlite:///{tmp}/e2e.sqlite3"
        shutil.rmtree(tmp, ignore_errors=True)
        return
    url = make_url(normalise_db_url(server_url))
    name = f"lms_e2e_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


class LiveServer:
    def __init__(self, url: str, env: dict):
        self.url = url
        self.env = env

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a ``flask`` CLI command against the live server's database."""
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=self.env,
                              capture_output=True, text=True, check=check, timeout=300)

    def outbox(self) -> list[dict]:
        """Messages in the server's outbox, newest first (read straight from its database)."""
        engine = sa.create_engine(normalise_db_url(self.env["LMS_DATABASE_URL"]))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT recipient, subject, body FROM outbox_messages ORDER BY id DESC")).mappings().all()
        engine.dispose()
        return [dict(r) for r in rows]


@pytest.fixture(scope="session")
def live_server(e2e_database):
    port = _free_port()
    env = dict(os.environ)
    env.update({
        "LMS_DATABASE_URL": e2e_database,
        "LMS_SECRET_KEY": "e2e-" + secrets.token_hex(16),
        "LMS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "FLASK_DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("LMS_TEST_DATABASE_URL", None)
    server = LiveServer(f"http://127.0.0.1:{port}", env)
    for cmd in (["db", "upgrade"], ["reference", "load"], ["courses", "sync"]):
        result = server.flask(*cmd, check=False)
        assert result.returncode == 0, f"flask {' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    log = open(REPO / "test-artifacts" / "e2e-server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port),
                             "--host", "127.0.0.1", "--no-reload", "--with-threads"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(server.url + "/healthz", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError("server exited; see test-artifacts/e2e-server.log")
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("server did not start in 30 s")
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}: install Debian's 'chromium' package (.ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Python Playwright is not installed (pip install -r requirements.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
