"""Industrial complexes: reference data loaded by `flask reference load`, edited by admins,
companies point at one; the migration turns the old free-text field into that link."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import IndustrialComplex
from lms.orgs.seed import load_reference_data
from tests.factories import make_company, make_user


def _by_code(code):
    return db.session.execute(select(IndustrialComplex).where(IndustrialComplex.code == code)).scalar_one()


def test_reference_load_has_the_programmes_smart_complexes_with_what_is_known(refdata):
    changwon, banwol = _by_code("changwon"), _by_code("banwol-sihwa")
    assert (changwon.is_smart, changwon.smart_since_year, changwon.kind, changwon.region_code) == (True, 2019, "national", "48")
    assert banwol.smart_since_year == 2019
    for code in ("gumi", "incheon-namdong", "yeosu", "gwangju-cheomdan", "daegu-seongseo"):
        c = _by_code(code)
        # The sources say "by 2022": no exact year is claimed.
        assert c.is_smart and c.smart_since_year is None and c.smart_by_year == 2022, code
        assert c.smart_on(2022) is True and c.smart_on(2019) is None
    for code in ("gwangyang", "busan-sinpyeong-jangnim", "incheon-korea-export"):
        c = _by_code(code)
        assert c.smart_since_year == 2023 and c.smart_on(2022) is False and c.smart_on(2023) is True
    assert load_reference_data()["industrial_complexes"] == 0  # idempotent


def test_reference_load_adopts_a_complex_typed_in_before_by_name(app):
    legacy = IndustrialComplex(code="legacy-1", name_ko="창원국가산업단지", name_en="", kind="general", is_smart=False)
    db.session.add(legacy)
    db.session.flush()
    load_reference_data()
    assert legacy.code == "changwon" and legacy.is_smart and legacy.smart_since_year == 2019
    assert db.session.scalar(select(sa.func.count()).where(IndustrialComplex.name_ko == "창원국가산업단지")) == 1


def test_company_points_at_a_complex_and_reads_its_designation(refdata):
    admin = make_user(role="admin")
    company = orgs.create_company(admin, name="(주)창원정밀", industrial_complex_id=str(_by_code("changwon").id))
    assert company.industrial_complex.code == "changwon" and company.is_smart_complex
    other = orgs.create_complex(admin, code="gimhae", name_ko="김해일반산업단지", kind="general", region_code="48")
    orgs.update_company(admin, company, industrial_complex_id=str(other.id))
    assert not company.is_smart_complex
    with pytest.raises(ValidationError):
        orgs.update_company(admin, company, industrial_complex_id="999999")


@pytest.mark.parametrize("values, message", [
    (dict(is_smart=False, smart_since_year=2020), "지정되지 않은"),
    (dict(is_smart=True, smart_since_year=2020, smart_by_year=2022), "하나만"),
    (dict(is_smart=True, smart_since_year=2001), "2019"),
    (dict(kind="industrial"), "유형"),
    (dict(code="Bad Code!"), "코드"),
])
def test_complex_rules_refuse_bad_input(refdata, values, message):
    admin = make_user(role="admin")
    base = dict(code="gimhae", name_ko="김해일반산업단지", kind="general", region_code="48")
    with pytest.raises(ValidationError) as exc:
        orgs.create_complex(admin, **{**base, **values})
    assert message in str(exc.value.message)


def test_duplicate_code_conflicts(refdata):
    admin = make_user(role="admin")
    with pytest.raises(Conflict):
        orgs.create_complex(admin, code="changwon", name_ko="다른 단지", kind="general")


def test_admin_screens_list_add_and_edit_with_audit(admin_client, refdata):
    db.session.commit()  # a refused form rolls back: keep the reference data
    body = admin_client.get("/admin/reference/complexes").get_data(as_text=True)
    assert "창원국가산업단지" in body and "2019년 지정" in body and "2022년까지 지정" in body
    assert body.index("창원국가산업단지") < body.index("광양국가산업단지")  # earliest designations first
    assert "/admin/reference/complexes" in admin_client.get("/admin/reference").get_data(as_text=True)
    r = admin_client.post("/admin/reference/complexes/new", data={
        "code": "gimhae", "name_ko": "김해골든루트일반산업단지", "kind": "general", "region_code": "48",
        "smart_since_year": "2021"})
    assert r.status_code == 400 and "지정되지 않은" in r.get_data(as_text=True)
    assert db.session.execute(select(IndustrialComplex).where(IndustrialComplex.code == "gimhae")).scalar() is None
    r = admin_client.post("/admin/reference/complexes/new", data={
        "code": "gimhae", "name_ko": "김해골든루트일반산업단지", "kind": "general", "region_code": "48"})
    assert r.status_code == 302
    c = _by_code("gimhae")
    r = admin_client.post(f"/admin/reference/complexes/{c.id}", data={
        "code": "gimhae", "name_ko": "김해골든루트일반산업단지", "kind": "general", "region_code": "48",
        "is_smart": "y", "smart_since_year": "2024"})
    assert r.status_code == 302 and c.is_smart and c.smart_since_year == 2024
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "complex.update")).scalar_one()
    assert ev.details["changes"]["smart_since_year"] == [None, 2024]
    assert admin_client.get("/admin/reference/complexes/999999").status_code == 404


def test_company_form_picks_a_complex(admin_client, refdata):
    company = make_company(name="(주)선택시험")
    gumi = _by_code("gumi")
    page = admin_client.get(f"/admin/companies/{company.id}").get_data(as_text=True)
    assert "구미국가산업단지" in page
    r = admin_client.post(f"/admin/companies/{company.id}", data={"name": "(주)선택시험",
                                                                 "industrial_complex_id": str(gumi.id)})
    assert r.status_code == 302 and company.industrial_complex_id == gumi.id


@pytest.mark.parametrize("role", ["trainee", "instructor", "ministry"])
def test_only_admins_edit_complexes(client, as_role, role, refdata):
    as_role(role)
    assert client.get("/admin/reference/complexes").status_code == 403
    assert client.post("/admin/reference/complexes/new", data={"code": "x", "name_ko": "x"}).status_code == 403
