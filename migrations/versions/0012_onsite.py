"""On-site classes of meisters (현장 교육) with their attendees, and workplace
sign-offs: ``practical_signoffs`` gains where the assessment happened (``site``:
lab or workplace) and the placement of a workplace one.

Revision ID: 0012_onsite
Revises: 0007_indexes
"""
import sqlalchemy as sa
from alembic import op

from lms.core.db import UTCDateTime

revision = "0012_onsite"
down_revision = "0011_privacy_rights"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "onsite_classes",
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"], name=op.f("fk_onsite_classes_placement_id_placements")),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_onsite_classes_course_id_courses")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_onsite_classes_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_classes")),
    )
    op.create_index(op.f("ix_onsite_classes_placement_id"), "onsite_classes", ["placement_id"])
    op.create_index(op.f("ix_onsite_classes_starts_at"), "onsite_classes", ["starts_at"])
    op.create_table(
        "onsite_class_attendees",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["onsite_classes.id"],
                                name=op.f("fk_onsite_class_attendees_class_id_onsite_classes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_onsite_class_attendees_user_id_users")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_onsite_class_attendees_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_class_attendees")),
        sa.UniqueConstraint("class_id", "user_id", name=op.f("uq_onsite_class_attendees_class_id_user_id")),
    )
    op.create_index(op.f("ix_onsite_class_attendees_class_id"), "onsite_class_attendees", ["class_id"])
    op.create_index(op.f("ix_onsite_class_attendees_user_id"), "onsite_class_attendees", ["user_id"])
    # Plain ADD COLUMN: a batch on SQLite rebuilds the table (copy, drop, rename) and the
    # drop fails under the foreign keys of a database that holds sign-offs and corrections.
    # SQLite takes the foreign key inline with the new column; PostgreSQL adds it after.
    op.add_column("practical_signoffs", sa.Column("site", sa.String(length=16), server_default="lab", nullable=False))
    fk_name = op.f("fk_practical_signoffs_placement_id_placements")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE practical_signoffs ADD COLUMN placement_id INTEGER "  # nosec B608 # constant names
                   f"CONSTRAINT {fk_name} REFERENCES placements (id)")
    else:
        op.add_column("practical_signoffs", sa.Column("placement_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, "practical_signoffs", "placements", ["placement_id"], ["id"])
    op.create_index(op.f("ix_practical_signoffs_placement_id"), "practical_signoffs", ["placement_id"])


def downgrade():
    with op.batch_alter_table("practical_signoffs") as batch:
        batch.drop_index(op.f("ix_practical_signoffs_placement_id"))
        if op.get_bind().dialect.name != "sqlite":  # SQLite: the rebuilt table leaves it out with its column
            batch.drop_constraint(op.f("fk_practical_signoffs_placement_id_placements"), type_="foreignkey")
        batch.drop_column("placement_id")
        batch.drop_column("site")
    op.drop_index(op.f("ix_onsite_class_attendees_user_id"), table_name="onsite_class_attendees")
    op.drop_index(op.f("ix_onsite_class_attendees_class_id"), table_name="onsite_class_attendees")
    op.drop_table("onsite_class_attendees")
    op.drop_index(op.f("ix_onsite_classes_starts_at"), table_name="onsite_classes")
    op.drop_index(op.f("ix_onsite_classes_placement_id"), table_name="onsite_classes")
    op.drop_table("onsite_classes")
