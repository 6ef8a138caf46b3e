"""Industrial complexes as reference data; smart meisters, placements and visits.

Companies' free-text ``industrial_complex`` and ``is_smart_complex`` become a
foreign key to ``industrial_complexes``: every distinct name becomes a complex
(``legacy-N`` code, national when the name says 국가), designated smart when any
company in it was marked so (no year is invented); companies marked smart
without a name point at one "이름 미상" smart complex per region. ``flask
reference load`` later adopts such rows by name and gives them their code and
designation years. The downgrade writes the names and flags back.

Revision ID: 0009_meisters
Revises: 0002_assessment
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0009_meisters"
down_revision = "0008_auth"
branch_labels = None
depends_on = None


def _complexes_table():
    op.create_table(
        "industrial_complexes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_ko", sa.String(length=128), nullable=False),
        sa.Column("name_en", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("is_smart", sa.Boolean(), nullable=False),
        sa.Column("smart_since_year", sa.Integer(), nullable=True),
        sa.Column("smart_by_year", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name=op.f("fk_industrial_complexes_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industrial_complexes")),
        sa.UniqueConstraint("code", name=op.f("uq_industrial_complexes_code")),
    )
    with op.batch_alter_table("industrial_complexes") as batch_op:
        batch_op.create_index(batch_op.f("ix_industrial_complexes_region_code"), ["region_code"], unique=False)


def _migrate_company_complexes():
    conn = op.get_bind()
    companies = sa.table("companies", sa.column("id", sa.Integer), sa.column("industrial_complex", sa.String),
                         sa.column("is_smart_complex", sa.Boolean), sa.column("region_code", sa.String),
                         sa.column("industrial_complex_id", sa.Integer))
    complexes = sa.table("industrial_complexes", sa.column("id", sa.Integer), sa.column("code", sa.String),
                         sa.column("name_ko", sa.String), sa.column("name_en", sa.String),
                         sa.column("kind", sa.String), sa.column("region_code", sa.String),
                         sa.column("is_smart", sa.Boolean), sa.column("created_at", sa.DateTime(timezone=True)),
                         sa.column("updated_at", sa.DateTime(timezone=True)))
    now = datetime.now(timezone.utc)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    rows = conn.execute(sa.select(companies.c.id, companies.c.industrial_complex, companies.c.is_smart_complex,
                                  companies.c.region_code).order_by(companies.c.id)).all()
    groups: dict[str, dict] = {}
    for cid, name, smart, region in rows:
        name = (name or "").strip()
        if not name:
            if not smart:
                continue
            name = "이름 미상 스마트산단" + (f" ({region})" if region else "")
        g = groups.setdefault(name, {"ids": [], "smart": False, "regions": {}})
        g["ids"].append(cid)
        g["smart"] = g["smart"] or bool(smart)
        if region:
            g["regions"][region] = g["regions"].get(region, 0) + 1
    for n, (name, g) in enumerate(sorted(groups.items()), start=1):
        region = max(sorted(g["regions"]), key=lambda r: g["regions"][r]) if g["regions"] else None
        new_id = conn.execute(sa.insert(complexes).values(
            code=f"legacy-{n}", name_ko=name[:128], name_en="", kind="national" if "국가" in name else "general",
            region_code=region, is_smart=g["smart"], created_at=now, updated_at=now).returning(complexes.c.id)).scalar()
        for i in range(0, len(g["ids"]), 500):
            conn.execute(sa.update(companies).where(companies.c.id.in_(g["ids"][i:i + 500]))
                         .values(industrial_complex_id=new_id))


def upgrade():
    _complexes_table()
    with op.batch_alter_table("companies") as batch_op:
        batch_op.add_column(sa.Column("industrial_complex_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_companies_industrial_complex_id"), ["industrial_complex_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_companies_industrial_complex_id_industrial_complexes"),
                                    "industrial_complexes", ["industrial_complex_id"], ["id"])
    _migrate_company_complexes()
    with op.batch_alter_table("companies") as batch_op:
        batch_op.drop_column("is_smart_complex")
        batch_op.drop_column("industrial_complex")
    op.create_table('meister_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('former_company', sa.String(length=128), nullable=False),
    sa.Column('years_experience', sa.Integer(), nullable=False),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('available_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recruited_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_meister_profiles_approved_by_id_users')),
    sa.ForeignKeyConstraint(['recruited_by_id'], ['users.id'], name=op.f('fk_meister_profiles_recruited_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meister_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meister_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_meister_profiles_user_id'))
    )
    with op.batch_alter_table('meister_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meister_profiles_status'), ['status'], unique=False)

    op.create_table('meister_fields',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['meister_profiles.id'], name=op.f('fk_meister_fields_profile_id_meister_profiles')),
    sa.PrimaryKeyConstraint('profile_id', 'field', name=op.f('pk_meister_fields'))
    )
    op.create_table('meister_regions',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['meister_profiles.id'], name=op.f('fk_meister_regions_profile_id_meister_profiles')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_meister_regions_region_code_regions')),
    sa.PrimaryKeyConstraint('profile_id', 'region_code', name=op.f('pk_meister_regions'))
    )
    with op.batch_alter_table('meister_regions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meister_regions_region_code'), ['region_code'], unique=False)

    op.create_table('meister_root_technologies',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('root_technology_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['meister_profiles.id'], name=op.f('fk_meister_root_technologies_profile_id_meister_profiles')),
    sa.ForeignKeyConstraint(['root_technology_code'], ['root_technologies.code'], name=op.f('fk_meister_root_technologies_root_technology_code_root_technologies')),
    sa.PrimaryKeyConstraint('profile_id', 'root_technology_code', name=op.f('pk_meister_root_technologies'))
    )
    op.create_table('placements',
    sa.Column('meister_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('level_at_start_code', sa.String(length=32), nullable=True),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_email', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('level_at_end_code', sa.String(length=32), nullable=True),
    sa.Column('closing_summary', sa.Text(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_placements_cancelled_by_id_users')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_placements_closed_by_id_users')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_placements_company_id_companies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_placements_created_by_id_users')),
    sa.ForeignKeyConstraint(['level_at_end_code'], ['smart_factory_levels.code'], name=op.f('fk_placements_level_at_end_code_smart_factory_levels')),
    sa.ForeignKeyConstraint(['level_at_start_code'], ['smart_factory_levels.code'], name=op.f('fk_placements_level_at_start_code_smart_factory_levels')),
    sa.ForeignKeyConstraint(['meister_id'], ['meister_profiles.id'], name=op.f('fk_placements_meister_id_meister_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements'))
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placements_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_meister_id'), ['meister_id'], unique=False)
        batch_op.create_index('ix_placements_meister_period', ['meister_id', 'starts_on', 'ends_on'], unique=False)

    op.create_table('placement_goals',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_goals_placement_id_placements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_goals'))
    )
    with op.batch_alter_table('placement_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_goals_placement_id'), ['placement_id'], unique=False)

    op.create_table('placement_visits',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=32), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('issues', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirm_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_email', sa.String(length=255), nullable=True),
    sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispute_note', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_placement_visits_created_by_id_users')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_visits_placement_id_placements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_visits'))
    )
    with op.batch_alter_table('placement_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_visits_placement_id'), ['placement_id'], unique=False)

    op.create_table('placement_visit_photos',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['placement_visits.id'], name=op.f('fk_placement_visit_photos_visit_id_placement_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement_visit_photos'))
    )
    with op.batch_alter_table('placement_visit_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_visit_photos_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('placement_visit_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_visit_photos_visit_id'))

    op.drop_table('placement_visit_photos')
    with op.batch_alter_table('placement_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_visits_placement_id'))

    op.drop_table('placement_visits')
    with op.batch_alter_table('placement_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_goals_placement_id'))

    op.drop_table('placement_goals')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_meister_period')
        batch_op.drop_index(batch_op.f('ix_placements_meister_id'))
        batch_op.drop_index(batch_op.f('ix_placements_company_id'))

    op.drop_table('placements')
    op.drop_table('meister_root_technologies')
    with op.batch_alter_table('meister_regions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meister_regions_region_code'))

    op.drop_table('meister_regions')
    op.drop_table('meister_fields')
    with op.batch_alter_table('meister_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meister_profiles_status'))

    op.drop_table('meister_profiles')
    with op.batch_alter_table("companies") as batch_op:
        batch_op.add_column(sa.Column("industrial_complex", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("is_smart_complex", sa.Boolean(), nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE companies SET industrial_complex = (SELECT name_ko FROM industrial_complexes c "
        "WHERE c.id = companies.industrial_complex_id), is_smart_complex = COALESCE((SELECT c.is_smart "
        "FROM industrial_complexes c WHERE c.id = companies.industrial_complex_id), :f)"), {"f": False})
    with op.batch_alter_table("companies") as batch_op:
        batch_op.alter_column("is_smart_complex", server_default=None)
        batch_op.drop_constraint(batch_op.f("fk_companies_industrial_complex_id_industrial_complexes"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_companies_industrial_complex_id"))
        batch_op.drop_column("industrial_complex_id")
    with op.batch_alter_table("industrial_complexes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_industrial_complexes_region_code"))
    op.drop_table("industrial_complexes")
