"""Indexes that match the pages' queries: composite where a query filters on two
columns (sign-offs by enrollment and module, bookings by session and status,
progress by enrollment and status, sessions by owner and time, keyset pages).

Revision ID: 0007_indexes
Revises: 0002_assessment
"""
from alembic import op

revision = "0007_indexes"
down_revision = "0009_meisters"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_practical_signoffs_enrollment_module", "practical_signoffs", ["enrollment_id", "module_id"]),
    ("ix_bookings_session_status", "bookings", ["session_id", "status"]),
    ("ix_bookings_user_status", "bookings", ["user_id", "status"]),
    ("ix_module_progress_enrollment_status", "module_progress", ["enrollment_id", "status"]),
    ("ix_quiz_attempts_enrollment_module", "quiz_attempts", ["enrollment_id", "module_id"]),
    ("ix_enrollments_user_course", "enrollments", ["user_id", "course_id"]),
    ("ix_enrollments_cohort_status", "enrollments", ["cohort_id", "status"]),
    ("ix_lab_sessions_instructor_starts", "lab_sessions", ["instructor_id", "starts_at"]),
    ("ix_lab_sessions_lab_starts", "lab_sessions", ["lab_id", "starts_at"]),
    ("ix_lab_sessions_cohort_starts", "lab_sessions", ["cohort_id", "starts_at"]),
    ("ix_lab_sessions_module_starts", "lab_sessions", ["module_id", "starts_at"]),
    ("ix_audit_events_created_id", "audit_events", ["created_at", "id"]),
    ("ix_outbox_messages_created_id", "outbox_messages", ["created_at", "id"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
