"""Bulk writing for the demo seed: rows as plain dicts, written in chunks by the driver.

``write_rows`` turns values into what the driver takes, column by column, and writes
them with ``COPY FROM STDIN`` on PostgreSQL (psycopg 3) and ``executemany`` on SQLite,
inside the session's transaction; ``TABLE_ORDER`` is the foreign-key order a chunk is
written in.
"""
from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import insert

from lms.demo.common import UTC
from lms.extensions import db

TABLE_ORDER = (
    "institutions", "companies", "users", "consent_records", "programmes", "programme_sponsors",
    "cohorts", "cohort_courses", "cohort_instructors", "smart_labs", "lab_rooms", "equipment",
    "lab_instructors", "cohort_members", "enrollments", "module_progress", "quiz_attempts",
    "lab_sessions", "bookings", "attendance", "practical_signoffs", "certificate_counters",
    "certificates", "audit_events", "targets",
)
INSERT_BATCH = 5000



def _sqlite_datetime(v: datetime) -> str:
    # SQLAlchemy's SQLite DateTime format, always with microseconds so that
    # string comparison in SQL orders the values correctly.
    if v.utcoffset():
        v = v.astimezone(UTC)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"
            f".{v.microsecond:06d}")


def _converter(column: sa.Column, dialect: str):
    """Turn a Python value into what the driver takes for ``column`` (None passes through)."""
    from lms.core.db import UTCDateTime

    t = column.type
    if isinstance(t, sa.JSON):
        return json.dumps
    if dialect == "postgresql":
        if isinstance(t, UTCDateTime):
            return lambda v: v.astimezone(UTC) if v.tzinfo is None or v.utcoffset() else v
        return None
    if isinstance(t, UTCDateTime):
        return _sqlite_datetime
    if isinstance(t, sa.DateTime):
        return None
    if isinstance(t, sa.Date):
        return date.isoformat
    if isinstance(t, sa.Boolean):
        return int
    return None


def write_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` as fast as the driver allows.

    SQLAlchemy's executemany spends most of its time processing bind
    parameters row by row; here values are converted once per column by a
    plain function and handed to the driver inside the session's transaction:
    ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), ``executemany`` on
    SQLite. Other databases fall back to Core ``insert()``.
    """
    conn = db.session.connection()
    dialect = conn.dialect.name
    names = list(rows[0].keys())
    columns = [table.c[n] for n in names]  # KeyError on a typo rather than a silent drop
    if dialect not in ("sqlite", "postgresql") or conn.dialect.driver != ("psycopg" if dialect == "postgresql" else "pysqlite"):
        for i in range(0, len(rows), INSERT_BATCH):
            conn.execute(insert(table), rows[i:i + INSERT_BATCH])
        return
    convs = [_converter(c, dialect) for c in columns]
    plan = list(zip(names, convs))

    def tuples(chunk):
        for r in chunk:
            yield tuple(r[n] if (conv is None or r[n] is None) else conv(r[n]) for n, conv in plan)

    raw = conn.connection.driver_connection
    collist = ", ".join(f'"{n}"' for n in names)
    if dialect == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({collist}) FROM STDIN') as copy:
                for t in tuples(rows):
                    copy.write_row(t)
        return
    sql = f'INSERT INTO "{table.name}" ({collist}) VALUES ({", ".join("?" for _ in names)})'  # nosec B608 # table and column names from the SQLAlchemy metadata, values bound
    cur = raw.cursor()
    try:
        for i in range(0, len(rows), INSERT_BATCH * 4):
            cur.executemany(sql, list(tuples(rows[i:i + INSERT_BATCH * 4])))
    finally:
        cur.close()

