"""Migrations: an empty database upgrades to head, and the models agree with it.

Runs on whichever database the suite runs on (SQLite, or PostgreSQL when
LMS_TEST_DATABASE_URL is set), each time on a database of its own.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms import create_app
from lms.extensions import db
from tests.conftest import make_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database():
    url, drop = make_database("lms_mig")
    yield url
    drop()


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


def test_upgrade_keeps_a_database_that_holds_people(empty_database):
    """A running installation upgrades with its users and their consent records in place:
    every step after the first keeps the rows (0008 once rebuilt ``users`` on SQLite and
    failed on the consent records' foreign key)."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x"})
    with app.app_context():
        directory = str(REPO / "migrations")
        upgrade(directory=directory, revision="0004_roster")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, name, password_hash, role, locale, active, session_version, created_at, updated_at) "
                "VALUES (1, 'kim@example.kr', '김철수', 'x', 'trainee', 'ko', :t, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"t": True})
            conn.execute(sa.text(
                "INSERT INTO consent_records (user_id, item, required, granted, text_version, recorded_at) "
                "VALUES (1, 'terms', :t, :t, 'v1', CURRENT_TIMESTAMP)"), {"t": True})
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM users WHERE id = 1")).scalar() == "김철수"
            assert conn.execute(sa.text("SELECT COUNT(*) FROM consent_records")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
