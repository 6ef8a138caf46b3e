"""Test fixtures shared by every package.

The same suite runs on SQLite (default) and on PostgreSQL when
``LMS_TEST_DATABASE_URL`` points at a server: the run then creates its own
database ``lms_test_<random>``, builds the schema once, and drops it at the end.
Each test runs inside an outer transaction that is rolled back
(``join_transaction_mode="create_savepoint"``), so the app may commit freely.
Tests that need real commits from several threads use ``live_db``.
"""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from flask.testing import FlaskClient

from lms import create_app
from lms.config import normalise_db_url
from lms.core.timeutil import frozen_clock, now_utc
from lms.extensions import db

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
APPEND_ONLY = ("access_log", "access_log_checkpoints")  # see live_db


def make_database(prefix: str = "lms_test") -> tuple[str, callable]:
    """Return (url, drop) for a fresh, empty database: a SQLite file in a temporary
    folder, or ``<prefix>_<random>`` on the server LMS_TEST_DATABASE_URL names."""
    server_url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server_url:
        tmp = tempfile.mkdtemp(prefix=prefix.replace("_", "-") + "-")
        return f"sqlite:///{Path(tmp) / 'db.sqlite3'}", lambda: shutil.rmtree(tmp, ignore_errors=True)
    url = make_url(normalise_db_url(server_url))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _build_schema(app) -> None:
    versions = REPO / "migrations" / "versions"
    if os.environ.get("LMS_TEST_SCHEMA", "migrate") == "migrate" and versions.is_dir() and any(versions.glob("*.py")):
        from flask_migrate import upgrade

        upgrade(directory=str(REPO / "migrations"))
    else:
        db.create_all()


#: The instant this test run was collected. A module that keeps a date constant
#: (``TODAY = today_kst(COLLECTED_AT)``) pins the application's clock to this
#: instant with ``pytestmark = pytest.mark.usefixtures("clock_at_collection")``,
#: so the constant stays the application's today when a run crosses midnight KST
#: (15:00 UTC), instead of becoming yesterday half-way through the run.
COLLECTED_AT = now_utc()


@pytest.fixture
def clock_at_collection():
    """Pin the application's clock to :data:`COLLECTED_AT` for one test; yields the clock handle."""
    with frozen_clock(COLLECTED_AT) as clock:
        yield clock


@pytest.fixture(scope="session")
def database_url():
    url, drop = make_database()
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        "PUBLIC_BASE_URL": "http://localhost",
        "PREFERRED_URL_SCHEME": "http",
    })
    with app.app_context():
        _build_schema(app)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


class _TestSession(scoped_session):
    """A scoped session that survives the app's teardown ``remove()`` so objects
    made in the test stay usable after a request."""

    def remove(self):  # noqa: D401
        pass


@pytest.fixture(autouse=True)
def _db(request, app):
    """Per-test transaction that is rolled back at the end (unless live_db)."""
    if "live_db" in request.fixturenames or "live_server" in request.fixturenames:
        with app.app_context():
            yield None
        return
    with app.app_context():
        original = db.session
        conn = db.engine.connect()
        outer = conn.begin()
        factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint")
        db.session = _TestSession(factory, scopefunc=lambda: 0)
        try:
            yield db.session
        finally:
            db.session.close()
            db.session = original
            if outer.is_active:
                outer.rollback()
            conn.close()


@pytest.fixture
def live_db(app):
    """Real commits (for concurrency tests). Every table is emptied afterwards, but the
    access log: the database refuses to delete it (its rows stay a valid chain)."""
    with app.app_context():
        yield db
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in APPEND_ONLY:
                    conn.execute(table.delete())


class _Client(FlaskClient):
    """The test's app context outlives each request, so ``g`` would carry the
    previous request's user into the next one; clear it, as a real server does."""

    def open(self, *args, **kwargs):
        from flask import g

        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = _Client
    return app.test_client()


@pytest.fixture
def refdata(app):
    """Reference data (regions, root technologies, sizes, levels) loaded in the test's transaction."""
    from lms.orgs.seed import load_reference_data

    load_reference_data()
    db.session.flush()


def login(client, user) -> None:
    """Log ``user`` in on ``client`` without going through the form."""
    from lms.accounts.sessions import seed_for_tests

    with client.session_transaction() as sess:
        seed_for_tests(sess, user)  # as after the password and, where required, the second factor


@pytest.fixture
def as_role(client):
    """``as_role("instructor")`` -> a logged-in user of that role on ``client``."""
    from tests.factories import make_user

    def _login(role: str, **kw):
        user = make_user(role=role, **kw)
        db.session.commit()
        login(client, user)
        return user

    return _login


@pytest.fixture
def trainee_client(client, as_role):
    as_role("trainee")
    return client


@pytest.fixture
def instructor_client(client, as_role):
    as_role("instructor")
    return client


@pytest.fixture
def ministry_client(client, as_role):
    as_role("ministry")
    return client


@pytest.fixture
def admin_client(client, as_role):
    as_role("admin")
    return client


def pytest_configure(config):
    ARTIFACTS.mkdir(exist_ok=True)


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"
