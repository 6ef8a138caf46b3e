"""SMTP delivery of the outbox: attempts, the next try (also a deliverer's lease), the
last error and when delivery gave up.

Revision ID: 0015_mail_delivery
Revises: 0014_jobs
Create Date: 2026-12-05 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0015_mail_delivery"
down_revision = "0014_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_messages", sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("outbox_messages", sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox_messages", sa.Column("last_error", sa.String(length=300), nullable=False, server_default=""))
    op.add_column("outbox_messages", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for column in ("failed_at", "last_error", "next_attempt_at", "attempts"):
        op.drop_column("outbox_messages", column)
