"""Privacy rights (PIPA): consent owed by accounts created by a roster import or an
invitation, and the time an account was deleted (pseudonymised) at its owner's request.

Existing trainee accounts that never recorded both required consents (created by a
roster import or an admin before this revision) are marked as owing them, so they
meet the consent page at their next visit.

Revision ID: 0011_privacy_rights
Revises: 0007_indexes
Create Date: 2026-12-04 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0011_privacy_rights"
down_revision = "0010_access_log"
branch_labels = None
depends_on = None

REQUIRED_ITEMS = ("terms", "privacy_required")  # lms.accounts.services.REQUIRED_CONSENTS at this revision


def upgrade():
    # Plain ADD COLUMN, not a batch: on SQLite a batch with a SQL-expression default copies
    # and drops ``users``, which foreign keys from rows of other tables refuse.
    op.add_column("users", sa.Column("consent_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("role", sa.String),
                     sa.column("consent_pending", sa.Boolean))
    consents = sa.table("consent_records", sa.column("user_id", sa.Integer), sa.column("item", sa.String),
                        sa.column("granted", sa.Boolean))
    given = (sa.select(sa.func.count(sa.distinct(consents.c.item)))
             .where(consents.c.user_id == users.c.id, consents.c.granted.is_(True),
                    consents.c.item.in_(REQUIRED_ITEMS)).scalar_subquery())
    op.execute(users.update().where(users.c.role == "trainee", given < len(REQUIRED_ITEMS))
               .values(consent_pending=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pseudonymised_at")
        batch_op.drop_column("consent_pending")
