"""Programme start and baseline of the national target (the target line starts there).

Revision ID: 0005_stats
Revises: 0002_assessment
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_stats'
down_revision = '0002_assessment'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('baseline_count', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_column('baseline_count')
        batch_op.drop_column('programme_start')
