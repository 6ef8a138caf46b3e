"""Bookings keep whether they still wait for a practical sign-off (lms.labs.awaiting:
no sign-off for the enrollment and module, not marked absent or excused there),
with a partial index on the few that do, so the instructors' pending lists read those
rows instead of every booking of every ended session; and an index on a cohort's
enrollments by course.

Revision ID: 0016_awaiting_signoff
Revises: 0015_mail_delivery
Create Date: 2026-12-05 05:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0016_awaiting_signoff"
down_revision = "0015_mail_delivery"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("bookings", sa.Column("awaiting_signoff", sa.Boolean(), nullable=False, server_default=sa.false()))
    # The flag's definition (lms.labs.awaiting.awaiting_expression), written out here:
    # a migration does not import the application.
    op.execute(
        "UPDATE bookings SET awaiting_signoff = TRUE WHERE enrollment_id IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM practical_signoffs p JOIN lab_sessions s ON s.module_id = p.module_id "
        "WHERE s.id = bookings.session_id AND p.enrollment_id = bookings.enrollment_id) AND NOT EXISTS ("
        "SELECT 1 FROM attendance a WHERE a.session_id = bookings.session_id AND a.user_id = bookings.user_id "
        "AND a.status IN ('absent', 'excused'))")
    op.create_index("ix_bookings_awaiting_signoff", "bookings", ["session_id"],
                    sqlite_where=sa.text("awaiting_signoff = 1"), postgresql_where=sa.text("awaiting_signoff"))
    # A cohort's enrollments in its courses (the roster's figures).
    op.create_index("ix_enrollments_cohort_course", "enrollments", ["cohort_id", "course_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE bookings")
        op.execute("ANALYZE enrollments")


def downgrade():
    op.drop_index("ix_enrollments_cohort_course", table_name="enrollments")
    op.drop_index("ix_bookings_awaiting_signoff", table_name="bookings",
                  sqlite_where=sa.text("awaiting_signoff = 1"), postgresql_where=sa.text("awaiting_signoff"))
    op.drop_column("bookings", "awaiting_signoff")
