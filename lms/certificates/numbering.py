"""Certificate numbers ``2026-000123``: unique and gap-free within a year.

The per-year counter row is created with an insert that ignores a conflict (so
two transactions creating the first number of a year cannot fail each other),
then locked with ``SELECT ... FOR UPDATE`` and incremented in the issuing
transaction. A rolled-back issue rolls the counter back with it, so no number
is ever skipped; a concurrent issue waits for the lock, so none is used twice.
On SQLite the connection begins with ``BEGIN IMMEDIATE`` (lms.core.db), which
serialises writers and gives the same guarantee.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.certificates.models import CertificateCounter
from lms.extensions import db


def format_number(year: int, serial: int) -> str:
    return f"{year}-{serial:06d}"


def _ensure_year_row(year: int) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported databases
        if db.session.get(CertificateCounter, year) is None:
            db.session.add(CertificateCounter(year=year, last_serial=0))
            db.session.flush()
        return
    db.session.execute(
        insert(CertificateCounter).values(year=year, last_serial=0).on_conflict_do_nothing(index_elements=["year"])
    )


def reserve(year: int, count: int) -> int:
    """Take ``count`` consecutive serials of ``year`` under a row lock; returns the first.

    The caller must use every reserved serial in the same transaction (cohort
    issuing reserves exactly as many as it issues), or roll back.
    """
    _ensure_year_row(year)
    counter = db.session.execute(
        select(CertificateCounter).where(CertificateCounter.year == year).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    first = counter.last_serial + 1
    counter.last_serial += count
    db.session.flush()
    return first


def next_number(year: int) -> tuple[int, str]:
    """Take the next serial of ``year`` under a row lock; returns (serial, number)."""
    serial = reserve(year, 1)
    return serial, format_number(year, serial)
