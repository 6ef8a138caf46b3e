"""Cohort invitations: a roster import invites an account that belongs elsewhere
instead of adding it; the person joins the cohort only by accepting.

Revision ID: 0004_roster
Revises: 0002_assessment
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_roster'
down_revision = '0005_stats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_invitations',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('sponsor_company_id', sa.Integer(), nullable=True),
    sa.Column('student_number', sa.String(length=32), nullable=True),
    sa.Column('secret_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_invitations_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_cohort_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['sponsor_company_id'], ['companies.id'],
                            name=op.f('fk_cohort_invitations_sponsor_company_id_companies')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_invitations')),
    sa.UniqueConstraint('secret_digest', name=op.f('uq_cohort_invitations_secret_digest'))
    )
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_invitations_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_invitations_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cohort_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_invitations_cohort_id'))
    op.drop_table('cohort_invitations')
