"""Loading the analytics base frames: the SQL loaders (:mod:`lms.analytics.queries`),
run in parallel where that helps, and the enrichment of each enrollment with its
programme type, institution, the person's region, sponsor class and the moments
it passed theory and practice. The definitions these serve are written once, in
:mod:`lms.analytics.engine`'s docstring.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lms.analytics import meister_queries, queries, sqlread

UNKNOWN = "?"


@dataclass
class Base:
    """Everything loaded from the database, enriched; shared by every filter."""

    enr: pd.DataFrame
    users: pd.DataFrame
    certs: pd.DataFrame
    labs: pd.DataFrame
    dims: dict
    meisters: dict = field(default_factory=dict)  # placements, visits, onsite (lms.analytics.meister_queries)
    load_seconds: float = 0.0
    prep_seconds: float = 0.0
    loaded_at: float = field(default_factory=time.time)


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str, value: str, default):
    """Vectorised dictionary lookup (``keys`` -> ``table[value]``) with a default for
    a missing key or a missing value; the first row wins for a duplicated key.

    Positions come from a hash index on the (small) table, and the missing-value
    test runs on the table, not on the few hundred thousand looked-up values
    (``Series.map`` plus ``notna`` on object arrays cost ~0.1 s per dashboard)."""
    if table.empty:
        return pd.Series(default, index=keys.index)
    index = pd.Index(table[key].to_numpy())
    values = table[value].to_numpy()
    if not index.is_unique:
        first = ~index.duplicated()
        index, values = index[first], values[first]
    pos = index.get_indexer(keys.to_numpy())
    bad = pos < 0
    na = pd.isna(values)
    if na.any():
        bad |= na[np.where(bad, 0, pos)]
    if default is None or isinstance(default, str) or values.dtype == object:
        values = values.astype(object)
    out = values[np.where(bad, 0, pos)]
    if bad.any():
        out = out.copy() if out.base is not None else out
        if out.dtype != object and not isinstance(default, (int, float, np.number)):
            out = out.astype(object)
        out[bad] = default
    return pd.Series(out, index=keys.index)


def _attach(enr: pd.DataFrame, table: pd.DataFrame, key: str) -> None:
    """Left join of a table with unique ``key`` onto ``enr`` in place (NaN where
    absent): a hash lookup per column instead of ``DataFrame.merge``, which copies
    and re-consolidates the whole enrollments frame each time (~0.15 s)."""
    pos = pd.Index(table[key].to_numpy()).get_indexer(enr[key].to_numpy())
    hit = pos >= 0
    for col in table.columns:
        if col == key:
            continue
        out = np.full(len(enr), np.nan)
        out[hit] = table[col].to_numpy()[pos[hit]]
        enr[col] = out


def _run_loaders(loaders: dict) -> dict:
    """Run the SQL loaders.

    Outside tests they run in parallel threads, each on its own pooled DBAPI
    connection. On PostgreSQL the server's scans and GROUP BYs (other processes)
    overlap with each other and with this process's unpacking. On SQLite the
    work runs in this process, but each big loader is one aggregate statement
    (see ``sqlread._sqlite_hex``) executed inside a single ``sqlite3_step`` call,
    during which the sqlite3 module releases the GIL, so two statements use two
    cores. (Threads that fetched row by row only added GIL hand-offs.) The
    SQLite threads read on raw connections in autocommit mode: WAL readers never
    block each other, whereas the ``BEGIN IMMEDIATE`` that lms.core.db issues for
    SQLAlchemy transactions would serialise them. Tests (one rolled-back
    transaction), in-memory SQLite and ``ANALYTICS_PARALLEL_LOAD = 0`` read
    sequentially on the session's connection.
    """
    from flask import current_app

    from lms.extensions import db

    flag = str(current_app.config.get("ANALYTICS_PARALLEL_LOAD", "1")).lower() not in ("0", "false", "no", "off")
    in_memory = db.engine.dialect.name == "sqlite" and (db.engine.url.database or ":memory:") in (":memory:", "")
    parallel = flag and not current_app.testing and not in_memory
    if not parallel:
        return {name: fn() for name, fn in loaders.items()}
    from concurrent.futures import ThreadPoolExecutor

    app = current_app._get_current_object()

    def run(fn):
        with app.app_context():
            raw = db.engine.raw_connection()
            token = sqlread.connection.set(raw.dbapi_connection)
            try:
                return fn()
            finally:
                sqlread.connection.reset(token)
                raw.close()  # back to the pool (which rolls back: the SET LOCAL ends there)

    # SQLite: one thread per core (its work runs in this process); PostgreSQL: a
    # third thread keeps a server process busy while this one unpacks a result.
    workers = 3 if db.engine.dialect.name == "postgresql" else 2
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(run, fn) for name, fn in loaders.items()}
        return {name: f.result() for name, f in futures.items()}


def load_base() -> Base:
    """Load and enrich the base frames (the only database work of the engine)."""
    from lms.extensions import db

    db.session.flush()  # rows are read on the session's connection, past the ORM's autoflush
    t0 = time.perf_counter()
    # Longest first, so the parallel threads finish together.
    loaders = {"theory": queries.load_theory, "enr": queries.load_enrollments, "labs": queries.load_labs,
               "certs": queries.load_certificates, "practicals": queries.load_practicals,
               "users": queries.load_trainees, "needs": queries.load_module_needs, "dims": queries.load_dimensions,
               "meisters": meister_queries.load_meisters}
    frames = _run_loaders(loaders)
    enr, users, certs, theory = frames["enr"], frames["users"], frames["certs"], frames["theory"]
    practicals, needs, labs, dims = frames["practicals"], frames["needs"], frames["labs"], frames["dims"]
    t1 = time.perf_counter()

    # Enrollment id order, whatever order the database returned (PostgreSQL's
    # synchronised sequential scans start mid-table when scans overlap): group
    # order of ties in the breakdowns (and of by_kind) follows first appearance.
    ids = enr["enrollment_id"].to_numpy()
    if len(ids) and not (ids[1:] >= ids[:-1]).all():
        enr = enr.take(np.argsort(ids, kind="stable")).reset_index(drop=True)

    companies = dims["companies"]
    programmes = dims["programmes"]
    institutions = dims["institutions"]

    # Trainees' enrollments only (see "Who is counted").
    trainee = pd.Index(users["user_id"].to_numpy()).get_indexer(enr["user_id"].to_numpy()) >= 0
    if not trainee.all():
        enr = enr[trainee].reset_index(drop=True)

    enr["kind"] = pd.Categorical(_lookup(enr["programme_id"], programmes, "programme_id", "kind", "online"),
                                 categories=["contract", "smart_lab", "online"])
    enr["institution_id"] = _lookup(enr["programme_id"], programmes, "programme_id", "institution_id", -1).astype("int32")
    employer = _lookup(enr["user_id"], users, "user_id", "company_id", -1).astype("int32")
    # Region of the person: employer's, else the institution of the earliest
    # institution-run enrollment, else unknown (one region per person).
    inst_region = _lookup(enr["institution_id"], institutions, "institution_id", "region_code", None)
    has = inst_region.notna().to_numpy()
    if has.any():
        order = np.argsort(enr["enrolled_at"].to_numpy()[has], kind="stable")
        firsts = pd.DataFrame({"user_id": enr["user_id"].to_numpy()[has][order],
                               "region_code": inst_region.to_numpy()[has][order]}).drop_duplicates("user_id")
        fallback = _lookup(users["user_id"], firsts, "user_id", "region_code", None)
    else:
        fallback = pd.Series(None, index=users.index, dtype=object)
    own = _lookup(users["company_id"], companies, "company_id", "region_code", None)
    users["region_code"] = own.fillna(fallback).fillna(UNKNOWN).astype(object)
    enr["region_code"] = pd.Categorical(_lookup(enr["user_id"], users, "user_id", "region_code", UNKNOWN))
    enr["created_at"] = _lookup(enr["user_id"], users, "user_id", "created_at", np.nan).astype(np.float64)
    sponsor = enr["sponsor_id"].where(enr["sponsor_id"] >= 0, employer)
    enr["tech_code"] = pd.Categorical(_lookup(sponsor, companies, "company_id", "tech_code", None).fillna(UNKNOWN))
    enr["size_code"] = pd.Categorical(_lookup(sponsor, companies, "company_id", "size_code", None).fillna(UNKNOWN))
    # Complex and priority group of the sponsor firm (same rule; -1 = no firm / no complex).
    enr["complex_id"] = _lookup(sponsor, companies, "company_id", "complex_id", -1).astype("int32")
    enr["priority"] = _lookup(sponsor, companies, "company_id", "priority", -1).astype("int8")

    # Theory passed: every active lesson and quiz completed; a completed
    # enrollment has passed theory by definition (completion requires it).
    # One row per course / per enrollment in each table (grouped in SQL).
    _attach(enr, needs, "course_id")
    _attach(enr, theory, "enrollment_id")
    _attach(enr, practicals, "enrollment_id")
    for c in ("theory_need", "practical_need", "theory_done", "practical_done"):
        enr[c] = enr[c].fillna(0).astype("int32")
    theory_at = np.where(enr["theory_need"] == 0, enr["enrolled_at"],
                         np.where(enr["theory_done"] >= enr["theory_need"], enr["theory_at"], np.nan))
    theory_at = np.fmin(theory_at, enr["completed_at"].to_numpy())
    prac_at = np.where(enr["practical_need"] == 0, theory_at,
                       np.where(enr["practical_done"] >= enr["practical_need"],
                                np.fmax(enr["practical_at"].to_numpy(), theory_at), np.nan))
    # fmax ignores NaN: practical passed before theory still needs theory.
    prac_at = np.where(np.isnan(theory_at), np.nan, prac_at)
    prac_at = np.fmin(prac_at, enr["completed_at"].to_numpy())
    enr["theory_at"] = theory_at
    enr["practical_at"] = prac_at
    for c in ("theory_done", "practical_done", "theory_need", "practical_need"):
        del enr[c]  # in place: DataFrame.drop copies the whole frame

    # The first certificate of each enrollment (renewals/reissues point back via supersedes_id).
    if not certs.empty:
        first = certs.groupby("enrollment_id", sort=False)["issued_at"].min()
        enr["cert_at"] = enr["enrollment_id"].map(first)
    else:
        enr["cert_at"] = np.nan
    t2 = time.perf_counter()
    return Base(enr=enr, users=users, certs=certs, labs=labs, dims=dims, meisters=frames["meisters"],
                load_seconds=t1 - t0, prep_seconds=t2 - t1)
