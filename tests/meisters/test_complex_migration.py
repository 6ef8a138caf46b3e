"""The 0009 migration keeps the complexes companies had as free text."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.extensions import db
from tests.conftest import make_database

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_database():
    url, drop = make_database("lms_mig9")
    yield url
    drop()


def test_free_text_complexes_become_linked_rows_and_come_back_on_downgrade(empty_database):
    from flask_migrate import downgrade, upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x"})
    directory = str(REPO / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="0001")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO regions (code, name_ko, name_en) VALUES ('48', '경상남도', 'Gyeongnam')"))
            for i, (name, smart, region) in enumerate([("창원국가산업단지", True, "48"), ("창원국가산업단지", False, "48"),
                                                       ("진주상평일반산업단지", False, None), (None, False, None),
                                                       (None, True, "48")], start=1):
                conn.execute(sa.text(
                    "INSERT INTO companies (id, name, industrial_complex, is_smart_complex, region_code, cuts_working_hours,"
                    " is_root_industry, created_at, updated_at) VALUES (:i, :n, :c, :s, :r, :f, :f, :t, :t)"),
                    dict(i=i, n=f"회사{i}", c=name, s=smart, r=region, f=False, t="2026-01-01 00:00:00"))
        upgrade(directory=directory, revision="0009_meisters")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT c.id, x.name_ko, x.is_smart, x.kind, x.region_code FROM companies c LEFT JOIN industrial_complexes x"
                " ON x.id = c.industrial_complex_id ORDER BY c.id")).all()
        assert [(r[1], bool(r[2]) if r[2] is not None else None) for r in rows] == [
            ("창원국가산업단지", True), ("창원국가산업단지", True), ("진주상평일반산업단지", False), (None, None),
            ("이름 미상 스마트산단 (48)", True)]
        assert rows[0][3] == "national" and rows[0][4] == "48" and rows[2][3] == "general"
        downgrade(directory=directory, revision="0001")
        with db.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT industrial_complex, is_smart_complex FROM companies ORDER BY id")).all()
        assert [(a, bool(b)) for a, b in back][:4] == [("창원국가산업단지", True), ("창원국가산업단지", True),
                                                      ("진주상평일반산업단지", False), (None, False)]
        db.session.remove()
        db.engine.dispose()
