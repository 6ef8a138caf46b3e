"""Migrations: an empty database upgrades to head, and the models agree with it.

Runs on whichever database the suite runs on (SQLite, or PostgreSQL when
LMS_TEST_DATABASE_URL is set), each time on a database of its own.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import make_url

from lms import create_app
from lms.config import normalise_db_url
from lms.extensions import db

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database():
    server_url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tempfile.mkdtemp(prefix='lms-mig-')}/m.sqlite3"
        return
    url = make_url(normalise_db_url(server_url))
    name = f"lms_mig_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _ignore_sqlite_noise(diff) -> bool:
    return False


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database):
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x"})
    with app.app_context():
        directory = str(REPO / "migrations")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade(directory=directory)
        db.session.remove()
        db.engine.dispose()
