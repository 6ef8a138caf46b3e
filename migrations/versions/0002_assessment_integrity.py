"""Quiz attempts record which questions they drew and how many were right.

``question_ids``: the questions this attempt got, in the order shown (a fresh
subset of the bank per attempt when the quiz says ``questions_per_attempt``);
``correct_count``: questions answered exactly right, so the pass decision and
what pages show can be checked against the exact ratio, not the rounded score.
Both stay empty on attempts made before this revision (those got every question).

Revision ID: 0002_assessment
Revises: 0001
Create Date: 2026-12-04 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002_assessment'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('correct_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('correct_count')
        batch_op.drop_column('question_ids')
