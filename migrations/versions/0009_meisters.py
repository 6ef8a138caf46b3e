"""Industrial complexes as reference data; smart meisters, placements and visits.

Companies' free-text ``industrial_complex`` and ``is_smart_complex`` become a
foreign key to ``industrial_complexes``: every distinct name becomes a complex
(``legacy-N`` code, national when the name says 국가), designated smart when any
company in it was marked so (no year is invented); companies marked smart
without a name point at one "이름 미상" smart complex per region. ``flask
reference load`` later adopts such rows by name and gives them their code and
designation years. The downgrade writes the names and flags back.

Revision ID: 0009_meisters
Revises: 0001
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0009_meisters"
down_revision = "0001"
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
    # MEISTERS-TABLES


def downgrade():
    # MEISTERS-DROP
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
