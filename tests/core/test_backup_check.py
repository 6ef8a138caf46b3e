"""Issue 10, "A deploy/ folder": deploy/backup_check.sh dumps a PostgreSQL database,
restores the dump into a new database and compares the row count of every table;
it exits non-zero when a count differs. Run on a small seeded demo database."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from lms.extensions import db
from tests.factories import make_course, make_user

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "backup_check.sh"

pytestmark = pytest.mark.postgres


def _run(*args):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def _counts(output: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in output.splitlines():
        m = re.match(r"^public\.(\w+)\s+(\d+)\s+(\S+)", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_backup_restores_with_every_row_count_and_flags_a_mismatch(live_db, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (LMS_TEST_DATABASE_URL)")
    from lms.demo.seed import seed_demo
    from lms.orgs.seed import load_reference_data

    load_reference_data()
    make_course("BK101", lessons=2, quizzes=1, practicals=1, valid_for_months=12, level="beginner")
    seed_demo(5, seed=3)
    db.session.commit()

    done = _run("-o", str(tmp_path / "lms.dump"), database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"OK: \d+ tables, every row count matches", done.stdout)
    counts = _counts(done.stdout)
    assert int(counts["users"][0]) > 5 and int(counts["enrollments"][0]) > 0
    assert all(src == dst for src, dst in counts.values())
    assert "alembic_version" in counts  # every table, the migration marker included

    # A row written after the dump: restoring that dump no longer matches the database.
    make_user("trainee", email="after-the-dump@example.kr")
    db.session.commit()
    stale = _run("-r", str(tmp_path / "lms.dump"), database_url)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    users = next(line for line in stale.stdout.splitlines() if line.startswith("public.users "))
    assert "MISMATCH" in users
    assert "FAILED" in stale.stderr

    # The restored databases were dropped.
    names = db.session.execute(db.text("SELECT datname FROM pg_database WHERE datname LIKE '%_restore_%'")).scalars().all()
    assert not [n for n in names if n.startswith(database_url.rsplit("/", 1)[1])]


def test_backup_check_fails_on_an_unreachable_database():
    done = _run("postgresql://postgres@127.0.0.1:1/none")
    assert done.returncode == 2
