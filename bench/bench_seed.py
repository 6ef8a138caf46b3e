"""Benchmark ``flask demo seed`` at scale on SQLite and PostgreSQL.

    python bench/bench_seed.py [--trainees 100000] [--seed 42] [--only sqlite|postgresql]

Each database is fresh: a new SQLite file, and a new PostgreSQL database
``lms_bench_<hex>`` on ``LMS_BENCH_PG_URL`` (default
postgresql://postgres@127.0.0.1:5432/postgres) that is dropped at the end. The
schema comes from ``db.create_all()``. Courses come from courses/ when they
sync cleanly, otherwise seven test courses shaped like the real ones are made.
Prints the seed time, rows per second and the row count of every table.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_SERVER = os.environ.get("LMS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def load_courses() -> str:
    """Sync courses/ into the current database, or make test courses when that fails."""
    from lms.extensions import db

    try:
        from lms.catalog.loader import sync_courses

        report = sync_courses(REPO / "courses")
        if not report.errors and report.courses_seen:
            db.session.commit()
            return f"courses/ ({report.courses_seen} courses)"
        db.session.rollback()
        reason = f"{len(report.errors)} errors in courses/"
    except Exception as exc:  # the catalogue loader may be missing or mid-change
        db.session.rollback()
        reason = f"sync failed: {exc!r}"
    from tests.factories import make_course

    shapes = [("SF101", 3, 1, 1, 36, "beginner"), ("PLC201", 4, 1, 1, 24, "intermediate"),
              ("COB211", 3, 1, 1, 24, "intermediate"), ("MES221", 3, 1, 1, None, "intermediate"),
              ("IOT231", 3, 1, 1, None, "beginner"), ("DAT241", 4, 1, 1, 12, "advanced"),
              ("SAF251", 3, 1, 1, 12, "beginner")]
    for code, lessons, quizzes, practicals, months, level in shapes:
        make_course(code, lessons=lessons, quizzes=quizzes, practicals=practicals, valid_for_months=months,
                    level=level)
    db.session.commit()
    return f"7 test courses ({reason})"


def run(url: str, trainees: int, seed: int) -> dict:
    from lms import create_app
    from lms.demo.seed import seed_demo
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    with app.app_context():
        t0 = time.perf_counter()
        db.create_all()
        source = load_courses()
        setup = time.perf_counter() - t0
        cpu0 = time.process_time()
        t1 = time.perf_counter()
        report = seed_demo(trainees, seed, on_chunk=db.session.commit)
        db.session.commit()
        wall = time.perf_counter() - t1
        cpu = time.process_time() - cpu0
        counts = {}
        for table in sorted(report.counts):
            counts[table] = db.session.execute(sa.text(f'SELECT COUNT(*) FROM "{table}"')).scalar()
        db.session.remove()
        db.engine.dispose()
    return dict(source=source, setup=setup, wall=wall, cpu=cpu, rows=report.total_rows, counts=counts)


def show(name: str, result: dict, trainees: int) -> None:
    print(f"\n== {name}: {trainees:,} trainees, courses from {result['source']}")
    print(f"seed time {result['wall']:.1f} s wall ({result['cpu']:.1f} s CPU in this process), "
          f"{result['rows']:,} rows, {result['rows'] / result['wall']:,.0f} rows/s")
    for table, count in result["counts"].items():
        print(f"  {table:<22} {count:>12,}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainees", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    args = ap.parse_args()
    os.environ.setdefault("FLASK_DEBUG", "1")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")

    if args.only in (None, "sqlite"):
        tmp = tempfile.mkdtemp(prefix="lms-bench-")
        path = Path(tmp) / "bench.sqlite3"
        try:
            show("SQLite", run(f"sqlite:///{path}", args.trainees, args.seed), args.trainees)
            print(f"  file size {path.stat().st_size / 1e6:,.0f} MB")
        finally:
            for p in Path(tmp).glob("bench.sqlite3*"):
                p.unlink()
            os.rmdir(tmp)

    if args.only in (None, "postgresql"):
        server = make_url(PG_SERVER)
        name = f"lms_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            show("PostgreSQL", run(url, args.trainees, args.seed), args.trainees)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
