"""Declarative base with a constraint naming convention, and common column helpers.

The naming convention is fixed before the first migration so that Alembic can
name, compare and drop constraints identically on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from lms.core.timeutil import now_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware current UTC time; every ``*_at`` column stores UTC.

    Reads the application clock (:func:`lms.core.timeutil.now_utc`), which tests can pin."""
    return now_utc()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no timezone type, so values are stored naive-in-UTC there and
    re-tagged on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.core.db.utcnow() or an aware value")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Make SQLite behave: foreign keys on, WAL for concurrent readers, and let
    SQLAlchemy (not pysqlite) emit BEGIN so SAVEPOINTs work in tests."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # in-memory databases cannot use WAL
        pass
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    # IMMEDIATE takes the write lock up front, so two racing writers queue
    # instead of failing with "database is locked" on upgrade.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def analyze(session, tables) -> None:
    """Refresh the planner's statistics after a bulk load of ``tables`` (names).

    PostgreSQL: ``ANALYZE`` of each table (inside the caller's transaction, which sees
    its own new rows); SQLite: one ``ANALYZE`` of the database. Without it a server
    with autovacuum off plans every query on a bulk-loaded table as a guess."""
    tables = sorted({str(t) for t in tables})
    if not tables:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for name in tables:
            session.execute(sa.text(f'ANALYZE "{name}"'))
    elif dialect == "sqlite":
        session.execute(sa.text("ANALYZE"))
