"""Bulk loads leave the planner fresh statistics: the demo seed and the roster
import run ANALYZE on the tables they filled (PostgreSQL: per table; SQLite: ANALYZE)."""
from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db
from tests.conftest import is_postgres
from tests.factories import make_course


def _analyze_statements(run) -> list[str]:
    seen: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith("ANALYZE"):
            seen.append(statement.strip())

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)
    return seen


def test_demo_seed_analyzes_the_tables_it_filled():
    from lms.demo.seed import seed_demo

    make_course("AN101", lessons=2, quizzes=1, practicals=1, valid_for_months=12, level="beginner")
    seen = _analyze_statements(lambda: seed_demo(5, seed=3))
    if is_postgres():
        for table in ("users", "enrollments", "module_progress", "bookings", "certificates"):
            assert f'ANALYZE "{table}"' in seen, seen
        stats = db.session.execute(sa.text(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'enrollments'")).scalar()
        assert stats > 0
    else:
        assert seen and set(seen) == {"ANALYZE"}
        assert db.session.execute(sa.text("SELECT count(*) FROM sqlite_stat1")).scalar() > 0


def test_roster_import_analyzes():
    from lms.labs import roster
    from tests.scale import build_world

    w = build_world()
    data = "이름,이메일\n김가져,import1@example.kr\n이가져,import2@example.kr\n".encode("utf-8")
    seen = _analyze_statements(lambda: roster.apply_roster(w.cohort, w.instructor, data, "r.csv"))
    assert seen and (any('"enrollments"' in s for s in seen) if is_postgres() else set(seen) == {"ANALYZE"})
