"""Reading analytics selects fast: raw DBAPI cursors and results packed by the database.

How the rows reach Python (the load was the slow part of a cold dashboard):
no ORM objects and no SQLAlchemy Row processing; each select is compiled to SQL
text and run on the raw DBAPI connection, and the database packs the whole
result into one value that numpy decodes at once (see :func:`numbers`): a
binary string on PostgreSQL, a hex string on SQLite. Python thus never builds
an object per value, and on SQLite the work happens inside one ``sqlite3_step``
(GIL released), so the loaders can run in parallel threads
(:func:`lms.analytics.base._run_loaders`).

Everything here is numeric plumbing shared by :mod:`lms.analytics.queries` and
:mod:`lms.analytics.meister_queries`; it knows no table of the domain.
"""
from __future__ import annotations

import itertools
from contextvars import ContextVar

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lms.extensions import db

# The DBAPI connection a loader reads from: the request session's by default; a
# parallel load (base._run_loaders) gives each thread its own.
connection: ContextVar = ContextVar("analytics_conn", default=None)


def dialect() -> str:
    return db.engine.dialect.name


def frame(stmt, cols: list[str]) -> pd.DataFrame:
    """Run ``stmt`` on the raw DBAPI cursor (no ORM rows) and return its rows as a frame
    with columns ``cols`` (an empty frame with those columns when there are none)."""
    cur = dbapi().cursor()
    try:
        cur.execute(compiled_sql(stmt))
        rows = cur.fetchall()
    finally:
        cur.close()
    return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: [] for c in cols})


def epoch(col):
    """Seconds since 1970 (UTC) as a float, or NULL. Stored UTC on both databases."""
    if dialect() == "postgresql":
        # date_part() is float8 already; EXTRACT returns numeric since PostgreSQL 14,
        # and numeric arithmetic plus the cast doubled the cost of reading the
        # enrollments (both are the correctly rounded value of the same exact
        # number of seconds, so the figures do not change).
        return sa.func.date_part("epoch", col, type_=sa.Float)
    # Whole seconds are enough for monthly and daily figures; unixepoch() (SQLite
    # 3.38+) is cheaper than strftime('%s').
    import sqlite3

    if sqlite3.sqlite_version_info >= (3, 38, 0):
        return sa.func.unixepoch(col)
    return sa.cast(sa.func.strftime("%s", col), sa.Float)


def kst_day(col):
    """Whole days since 1970 on the Korean calendar (UTC+9, no daylight saving)."""
    if dialect() == "postgresql":
        return sa.cast(sa.func.floor((sa.extract("epoch", col) + 32400) / 86400), sa.Integer)
    return (sa.cast(sa.func.strftime("%s", col), sa.Integer) + 32400) / 86400


def dbapi():
    """The DBAPI connection a loader reads from.

    Loaders bypass SQLAlchemy result processing entirely (no Row objects, no type
    processors): statements are compiled to SQL text once and run on the raw
    psycopg / sqlite3 connection. By default that is the request session's own
    connection (same transaction, so tests and a request's own flushes are seen);
    a parallel load (:func:`lms.analytics.base.load_base`) gives each thread
    its own pooled connection.
    """
    conn = connection.get()
    if conn is not None:
        return conn
    return db.session.connection().connection.dbapi_connection


def compiled_sql(stmt) -> str:
    """SQL text with the (few, constant) parameters inlined: the text can then be
    wrapped in COPY on PostgreSQL and run on any raw cursor."""
    return str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def tune(cur) -> None:
    """PostgreSQL: a larger work_mem for this transaction only (SET LOCAL), so the
    GROUP BYs over module_progress hash in memory instead of spilling to disk in
    batches (measured 1.1 s -> 0.65 s at national scale with the default 4 MB)."""
    if dialect() == "postgresql":
        cur.execute("SET LOCAL work_mem = '64MB'")
        if connection.get() is not None:
            # The loaders already run side by side (base._run_loaders); parallel
            # workers inside each query would only compete with them for the cores.
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _sqlite_hex(cur, stmt, ncols: int):
    """SQLite: the whole result as one hex string (8 hex digits per value, value+1
    so that the -1 "none" becomes 0), decoded by numpy in one go. Python then
    builds one string instead of a tuple and an int object per value (about
    0.1 s less per 300,000 rows). Only for whole numbers 0 <= value+1 < 2**32
    (ids, counts, epoch seconds until 2106); if any value falls outside, the
    length check fails and the caller fetches rows normally. None = fall back."""
    names = [f"c{i}" for i in range(ncols)]
    fmt = "%08x" * ncols
    args = ", ".join(f"{n} + 1" for n in names)
    cur.execute(f"WITH s({', '.join(names)}) AS ({compiled_sql(stmt)}) "  # nosec B608 # SQLAlchemy-compiled statement and generated column names, no request text
                f"SELECT count(*), group_concat(printf('{fmt}', {args}), '') FROM s")
    n, text = cur.fetchone()
    if not n:
        return np.empty((0, ncols), dtype=np.float64)
    if text is None or len(text) != n * ncols * 8:
        return None
    return np.frombuffer(bytes.fromhex(text), dtype=">u4").reshape(n, ncols).astype(np.float64) - 1.0


def _pg_packed(cur, stmt, kinds: list[str]) -> np.ndarray:
    """PostgreSQL side of :func:`numbers` (see there); None if the packed length
    does not match the row count (cannot happen with every column coalesced)."""
    names = [f"c{i}" for i in range(len(kinds))]
    parts, fields = [], []
    for n, kind in zip(names, kinds):
        if kind == "ts":
            parts.append(f"float8send({n}::float8)")
            fields.append((n, ">f8"))
        elif kind == "id":  # ids are int32 in the frames anyway
            parts.append(f"int4send({n}::int4)")
            fields.append((n, ">i4"))
        else:
            parts.append(f"int8send({n}::int8)")
            fields.append((n, ">i8"))
    record = np.dtype(fields)
    cur.execute(f"SELECT count(*), string_agg({' || '.join(parts)}, ''::bytea) "  # nosec B608 # SQLAlchemy-compiled statement and generated column names, no request text
                f"FROM ({compiled_sql(stmt)}) AS s({', '.join(names)})", binary=True)
    n, blob = cur.fetchone()
    if not n:
        return np.empty((0, len(kinds)), dtype=np.float64)
    # A NULL anywhere in a row would drop the row from string_agg: every column
    # is coalesced in SQL, and the length check guards the alignment anyway.
    if blob is None or len(blob) != n * record.itemsize:
        return None  # the caller fetches the rows instead
    rec = np.frombuffer(blob, dtype=record)
    return np.column_stack([rec[name].astype(np.float64) for name in names])


def numbers(stmt, ncols: int, hex_ok: bool = False, kinds: list[str] | None = None) -> np.ndarray:
    """Run ``stmt`` (every column numeric, NULL coalesced in SQL) and return an
    (n, ncols) float64 array, without a Python object per value where possible.

    - PostgreSQL: the server packs the whole result into one binary string (per
      row ``int4send(id) || ... || float8send(ts)``, aggregated with
      ``string_agg``), fetched as a single value in binary format and viewed by
      numpy as a record array. Fetching the rows (or even ``COPY ... TO STDOUT``,
      one message per row) cost 0.4-0.6 s of client CPU per 400,000 enrollments;
      this costs a few milliseconds, and one aggregate over row-wise byte strings
      is cheaper for the server than one aggregate per column.
    - SQLite (no bulk export): plain ``fetchall`` of tuples, flattened by
      ``np.fromiter`` (about 3x cheaper than ``np.array`` on a list of tuples).
    """
    kinds = kinds or ["ts"] * ncols
    conn = dbapi()
    cur = conn.cursor()
    try:
        tune(cur)
        if dialect() == "postgresql":
            arr = _pg_packed(cur, stmt, kinds)
            if arr is not None:
                return arr
        elif hex_ok:
            arr = _sqlite_hex(cur, stmt, ncols)
            if arr is not None:
                return arr
        cur.execute(compiled_sql(stmt))
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return np.empty((0, ncols), dtype=np.float64)
    try:
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=len(rows) * ncols)
    except TypeError:  # a NULL slipped through: NaN, as np.array makes it
        return np.array(rows, dtype=np.float64)
    return flat.reshape(len(rows), ncols)


def typed_frame(stmt, columns: list[str], dtypes: dict, hex_ok: bool = False) -> pd.DataFrame:
    """Run ``stmt`` and build a frame with the given dtypes.

    Every selected column is numeric (ids and counts; timestamps as epoch
    seconds; NULL coalesced to -1 in SQL), so the result is one float array
    (see :func:`numbers`). Ids become int32 (-1 = none); timestamps float64
    with NaN for none.
    """
    arr = numbers(stmt, len(columns), hex_ok, [dtypes[c] for c in columns])
    if not len(arr):
        return pd.DataFrame({c: pd.Series([], dtype=empty_dtype(dtypes[c])) for c in columns})
    data = {}
    for i, name in enumerate(columns):
        kind = dtypes[name]
        col = arr[:, i]
        if kind == "id":
            data[name] = col.astype(np.int32)
        elif kind == "ts":
            data[name] = np.where(col < 0, np.nan, col)
        else:
            data[name] = col.astype(np.int64)
    return pd.DataFrame(data)


def coalesced(col, default=-1):
    """NULL -> ``default`` in SQL, so result rows are all numbers."""
    return sa.func.coalesce(col, default)


def epoch_or_none(col):
    return sa.func.coalesce(epoch(col), -1)


def empty_dtype(kind):
    return {"id": "int32", "ts": "float64", "int": "int64"}.get(kind, "object")
