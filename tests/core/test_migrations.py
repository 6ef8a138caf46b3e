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
