"""The personal-data access log (PIPA safety-measures standard Art. 8): append-only rows
chained by SHA-256, checkpoints left by the purge, and triggers that refuse UPDATE and
DELETE (DELETE only of rows at or below the last checkpoint, which the purge writes first).

Revision ID: 0010_access_log
Revises: 0007_indexes
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0010_access_log"
down_revision = "0007_indexes"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.id <= COALESCE((SELECT MAX(upto_id) FROM access_log_checkpoints), 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
_PG_TRUNCATE_FUNCTION = """
CREATE FUNCTION access_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def upgrade():
    op.create_table(
        "access_log",
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=255), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("endpoint", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("subject_ids", sa.Text(), nullable=False),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_action"), ["action"], unique=False)
    op.create_table(
        "access_log_checkpoints",
        sa.Column("upto_id", sa.Integer(), nullable=False),
        sa.Column("upto_hash", sa.String(length=64), nullable=False),
        sa.Column("purged", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_checkpoints")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRUNCATE_FUNCTION)
        op.execute("CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
                   "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()")
        op.execute("CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION access_log_no_truncate()")
    else:
        op.execute("CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
                   "BEGIN SELECT RAISE(ABORT, 'access_log is append-only (UPDATE refused)'); END")
        op.execute("CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
                   "WHEN OLD.id > COALESCE((SELECT MAX(upto_id) FROM access_log_checkpoints), 0) "
                   "BEGIN SELECT RAISE(ABORT, 'access_log is append-only (DELETE refused)'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_log_no_truncate ON access_log")
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_no_truncate()")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
    op.drop_table("access_log_checkpoints")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_action"))
        batch_op.drop_index(batch_op.f("ix_access_log_actor_id"))
        batch_op.drop_index("ix_access_log_created_id")
    op.drop_table("access_log")
