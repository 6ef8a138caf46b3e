"""Browser tests: the real app in its own process and database, driven by
Debian's Chromium through Python Playwright.

The server is started with the same commands a person uses (``flask db upgrade``
-- or ``db.create_all()`` while migrations/versions holds no migration yet --,
``flask reference load``, ``flask courses sync``, then serving), on a free port,
against a fresh SQLite file or a fresh PostgreSQL database when
``LMS_TEST_DATABASE_URL`` is set. ``demo_data`` adds ``flask demo seed --trainees 40
--seed 1`` for the journeys that use the demo accounts (``demo1234!``).

Screenshots go to test-artifacts/screenshots/ (``shot()``, and ``FAILED-<test>.png``
when a test using ``page``/``phone`` fails); the server's log to
test-artifacts/e2e-server.log.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.config import normalise_db_url
from tests.conftest import make_database
from tests.processes import free_port as _free_port, stop

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=ko-KR"]
SHOTS = REPO / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome so the page fixtures can save a screenshot on failure.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _shot_on_failure(request, page) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        try:
            shot(page, f"FAILED-{request.node.name}")
        except Exception:
            pass


@pytest.fixture(scope="session")
def e2e_database():
    url, drop = make_database("lms_e2e")
    yield url
    drop()


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


# One process prepares the database: importing the app costs seconds on a busy machine,
# so the same commands a person runs (`flask db upgrade` -- or, while no migration exists
# yet, db.create_all() -- then `flask reference load` and `flask courses sync`) are
# invoked through the app's CLI runner instead of three separate `flask` processes.
BOOTSTRAP = """
import sys
from lms import create_app
from lms.extensions import db
app = create_app()
commands = [["reference", "load"], ["courses", "sync"]]
if {migrations!r}:
    commands.insert(0, ["db", "upgrade"])
else:
    with app.app_context():
        db.create_all()
runner = app.test_cli_runner()
for args in commands:
    result = runner.invoke(args=args)
    print("$ flask " + " ".join(args)); print(result.output)
    if result.exit_code != 0:
        if result.exception is not None:
            import traceback; traceback.print_exception(result.exception)
        sys.exit(result.exit_code or 1)
"""


def _has_migrations() -> bool:
    return any((REPO / "migrations" / "versions").glob("*.py"))


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
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    log = open(REPO / "test-artifacts" / "e2e-server.log", "w")
    # Start the server while the database is prepared (it needs no tables to start):
    # both processes spend most of their start-up importing the app.
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port),
                             "--host", "127.0.0.1", "--no-reload", "--with-threads"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        result = subprocess.run([sys.executable, "-c", BOOTSTRAP.format(migrations=_has_migrations())],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"preparing the database failed:\n{result.stdout}\n{result.stderr}"
    except BaseException:
        proc.kill()
        raise
    deadline = time.time() + 60
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
        raise RuntimeError("server did not start in 60 s")
    yield server
    stop(proc)
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
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    _shot_on_failure(request, page)
    context.close()


@pytest.fixture
def phone(browser, request):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="ko-KR",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    _shot_on_failure(request, page)
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


DEMO_PASSWORD = "demo1234!"


@pytest.fixture(scope="session")
def demo_data(live_server):
    """Seed the demo programme once per run (``flask demo seed --trainees 40 --seed 1``).

    The demo accounts trainee@/instructor@/ministry@/admin@demo.kr (password ``demo1234!``)
    exist afterwards; seeding is skipped when they already do (``--if-empty`` is not used
    because journeys that ran earlier in the session have created users of their own).
    """
    engine = sa.create_engine(normalise_db_url(live_server.env["LMS_DATABASE_URL"]))
    with engine.connect() as conn:
        seeded = conn.execute(sa.text("SELECT 1 FROM users WHERE email = 'admin@demo.kr'")).first()
    engine.dispose()
    if not seeded:
        result = live_server.flask("demo", "seed", "--trainees", "40", "--seed", "1", "--quiet", check=False)
        assert result.returncode == 0, f"flask demo seed failed:\n{result.stdout}\n{result.stderr}"
    return live_server


def label(text: str):
    """Match a form label exactly, with or without the required-field star the form macro
    puts inside the <label> (its aria-hidden star still counts in Playwright's label text)."""
    import re

    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


_ENROLLED: dict[str, str] = {}  # e-mail -> TOTP key of accounts a test enrolled at first login


_LAST_STEP: dict[str, int] = {}  # account -> the last 30-s TOTP step whose code a login used (no replay)


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait until the app has navigated away from it."""
    page.goto(base_url + "/login")
    page.get_by_label(label("이메일")).fill(email)
    page.get_by_label(label("비밀번호")).fill(password)
    page.locator("form").get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: url.rstrip("/") != base_url + "/login" and "/login?" not in url)
    if "/login/second-factor" in page.url:
        # Demo ministry/admin accounts: a code of the seeded demo TOTP key. A code works once,
        # so a second login within the same 30 s uses the next step's (within the drift).
        import time

        import pyotp

        from lms.demo.common import DEMO_TOTP_SECRET

        secret = _ENROLLED.get(email, DEMO_TOTP_SECRET)
        # A code works once (no replay): each login uses a later 30-s step than the one
        # before. The server accepts one step ahead (drift); beyond it, wait for the clock.
        for _attempt in range(4):
            now_step = int(time.time() // 30)
            step = max(now_step, _LAST_STEP.get(email, -1) + 1)
            if step > now_step + 1:
                time.sleep((step - 1) * 30 - time.time() + 0.5)
            _LAST_STEP[email] = step
            page.get_by_label(label("인증 코드")).fill(pyotp.TOTP(secret).at(step * 30))
            page.locator("main form").get_by_role("button", name="확인").click()
            page.wait_for_load_state()
            if "/login/second-factor" not in page.url:
                break
    if "/second-factor/setup" in page.url or page.locator("code.totp-secret").count():
        # A new ministry/admin account enrols at its first login: the code of the key the page shows.
        import time

        import pyotp

        secret = _ENROLLED[email] = page.locator("code.totp-secret").inner_text().strip()
        page.get_by_label(label("인증 코드")).fill(pyotp.TOTP(secret).at(time.time()))
        page.locator("main form").get_by_role("button", name="2단계 인증 켜기").click()
        page.wait_for_load_state()
    page.wait_for_url(lambda url: "/login" not in url)
    give_required_consents(page)


def give_required_consents(page) -> None:
    """A trainee account made by someone else (roster, invitation, CLI) is held at /consent
    at its first sign-in: tick the two required items (optional ones stay unticked)."""
    if page.url.split("?")[0].rstrip("/").endswith("/consent"):
        page.get_by_label("[필수] 이용약관에 동의합니다.").check()
        page.get_by_label("[필수] 개인정보 수집·이용에 동의합니다.").check()
        page.get_by_role("button", name="동의하고 시작하기").click()
        page.wait_for_url(lambda url: "/consent" not in url)


def logout(page) -> None:
    """Press the header's 로그아웃 button (a POST form)."""
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_load_state()


def no_horizontal_overflow(page, width: int = 360) -> int:
    """The page's scroll width (asserted <= width by callers)."""
    return page.evaluate("document.documentElement.scrollWidth")
