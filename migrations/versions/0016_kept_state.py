"""Kept state for the instructors' pages at national scale.

- ``bookings.awaiting_signoff`` (lms.labs.awaiting): no sign-off yet for the enrollment
  and the session's module, not marked absent or excused there; with a partial index on
  the few that wait, so the pending sign-off lists read those rows instead of every
  booking of every ended session.
- ``enrollments.progress_percent`` (lms.labs.kept_progress): the share of the course's
  active modules done, in whole percent rounded down, so a cohort's figures read one
  row per enrollment.
- An index on a cohort's enrollments by course.

Both columns are filled here with the rules written out in SQL (a migration does not
import the application); tests run these statements on a populated database and
compare them with the application's own definitions.

Revision ID: 0016_kept_state
Revises: 0015_mail_delivery
Create Date: 2026-12-05 05:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0016_kept_state"
down_revision = "0015_mail_delivery"
branch_labels = None
depends_on = None

AWAITING_BACKFILL = (
    "UPDATE bookings SET awaiting_signoff = (enrollment_id IS NOT NULL AND NOT EXISTS ("
    "SELECT 1 FROM practical_signoffs p JOIN lab_sessions s ON s.module_id = p.module_id "
    "WHERE s.id = bookings.session_id AND p.enrollment_id = bookings.enrollment_id) AND NOT EXISTS ("
    "SELECT 1 FROM attendance a WHERE a.session_id = bookings.session_id AND a.user_id = bookings.user_id "
    "AND a.status IN ('absent', 'excused')))")

# Done: a lesson (any kind but quiz and practical) completed; a quiz with a submitted,
# passed attempt; a practical whose latest current sign-off (nobody supersedes it;
# newest by created_at, then id) passed. Only modules not retired count, on both sides.
PROGRESS_BACKFILL = """
UPDATE enrollments SET progress_percent = COALESCE((
  SELECT CASE WHEN t.n > 0 THEN (
    SELECT COUNT(*) FROM (
      SELECT mp.module_id FROM module_progress mp JOIN modules m ON m.id = mp.module_id
       WHERE mp.enrollment_id = enrollments.id AND mp.status = 'completed'
         AND m.kind NOT IN ('quiz', 'practical') AND m.retired_at IS NULL
      UNION
      SELECT qa.module_id FROM quiz_attempts qa JOIN modules m ON m.id = qa.module_id
       WHERE qa.enrollment_id = enrollments.id AND qa.submitted_at IS NOT NULL AND qa.passed = TRUE
         AND m.kind = 'quiz' AND m.retired_at IS NULL
      UNION
      SELECT ps.module_id FROM practical_signoffs ps JOIN modules m ON m.id = ps.module_id
       WHERE ps.enrollment_id = enrollments.id AND ps.outcome = 'passed'
         AND m.kind = 'practical' AND m.retired_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM practical_signoffs n WHERE n.supersedes_id = ps.id)
         AND NOT EXISTS (
           SELECT 1 FROM practical_signoffs o
            WHERE o.enrollment_id = ps.enrollment_id AND o.module_id = ps.module_id
              AND NOT EXISTS (SELECT 1 FROM practical_signoffs n2 WHERE n2.supersedes_id = o.id)
              AND (o.created_at > ps.created_at OR (o.created_at = ps.created_at AND o.id > ps.id)))
    ) done) * 100 / t.n ELSE 0 END
  FROM (SELECT COUNT(*) AS n FROM modules WHERE modules.course_id = enrollments.course_id
          AND modules.retired_at IS NULL) t), 0)
"""


def upgrade():
    op.add_column("bookings", sa.Column("awaiting_signoff", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(AWAITING_BACKFILL)
    op.create_index("ix_bookings_awaiting_signoff", "bookings", ["session_id"],
                    sqlite_where=sa.text("awaiting_signoff = 1"), postgresql_where=sa.text("awaiting_signoff"))
    op.add_column("enrollments", sa.Column("progress_percent", sa.Integer(), nullable=False, server_default="0"))
    op.execute(PROGRESS_BACKFILL)
    op.create_index("ix_enrollments_cohort_course", "enrollments", ["cohort_id", "course_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE bookings")
        op.execute("ANALYZE enrollments")


def downgrade():
    op.drop_index("ix_enrollments_cohort_course", table_name="enrollments")
    op.drop_column("enrollments", "progress_percent")
    op.drop_index("ix_bookings_awaiting_signoff", table_name="bookings",
                  sqlite_where=sa.text("awaiting_signoff = 1"), postgresql_where=sa.text("awaiting_signoff"))
    op.drop_column("bookings", "awaiting_signoff")
