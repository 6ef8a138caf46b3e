"""Admin screens: access by role, staff accounts, reference data, institutions, companies, outbox, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import services
from lms.core.audit import AuditEvent
from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import Company, Institution, Region
from tests.conftest import login
from tests.factories import make_company, make_institution, make_user

PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/outbox", "/admin/reference",
         "/admin/reference/regions", "/admin/reference/root-technologies", "/admin/reference/company-sizes",
         "/admin/reference/levels", "/admin/reference/regions/new", "/admin/institutions", "/admin/institutions/new",
         "/admin/companies", "/admin/companies/new", "/admin/audit"]


def test_anonymous_redirected_to_login(client):
    r = client.get("/admin/users")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("role", ["trainee", "instructor", "ministry"])
def test_non_admins_get_403(client, as_role, role):
    as_role(role)
    for path in ("/admin/", "/admin/users", "/admin/outbox", "/admin/companies"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/new", data={"name": "x", "email": "x@example.kr", "role": "admin"}).status_code == 403


def test_admin_pages_render(admin_client, refdata):
    make_institution()
    make_company(name="(주)화면시험", business_number="123-45-67890")
    for path in PAGES:
        r = admin_client.get(path)
        assert r.status_code == 200, path
    assert admin_client.get("/admin/reference/nope").status_code == 404
    assert admin_client.get("/admin/reference/regions/99").status_code == 404
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_users_search_filter_and_pagination(admin_client):
    for i in range(30):
        make_user(email=f"bulk{i}@example.kr", name=f"대량{i}")
    make_user(role="instructor", email="teacher@example.kr", name="김교사")
    r = admin_client.get("/admin/users?q=teacher")
    body = r.get_data(as_text=True)
    assert "teacher@example.kr" in body and "bulk1@example.kr" not in body
    body = admin_client.get("/admin/users?role=instructor").get_data(as_text=True)
    assert "teacher@example.kr" in body and "bulk" not in body
    p1 = admin_client.get("/admin/users?role=trainee").get_data(as_text=True)
    p2 = admin_client.get("/admin/users?role=trainee&page=2").get_data(as_text=True)
    assert "다음" in p1 and "이전" in p2


def test_create_staff_with_invitation(admin_client):
    inst = make_institution()
    r = admin_client.post("/admin/users/new", data={"name": "최교수", "email": "Choi@Example.kr", "role": "instructor",
                                                    "institution_id": str(inst.id)})
    assert r.status_code == 302
    user = services.get_user_by_email("choi@example.kr")
    assert user.role == "instructor" and user.institution_id == inst.id and user.password_hash is None
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "choi@example.kr")).scalar_one()
    assert "/invite/" in mail.body
    assert admin_client.get(f"/admin/outbox/{mail.id}").status_code == 200


def test_create_staff_with_password_and_errors(admin_client):
    r = admin_client.post("/admin/users/new", data={"name": "정담당", "email": "gov@example.kr", "role": "ministry",
                                                    "password": "password123!"})
    assert r.status_code == 302
    assert services.get_user_by_email("gov@example.kr").check_password("password123!")
    r = admin_client.post("/admin/users/new", data={"name": "교강사", "email": "t@example.kr", "role": "instructor"})
    assert r.status_code == 400 and "소속 기관" in r.get_data(as_text=True)
    r = admin_client.post("/admin/users/new", data={"name": "x", "email": "gov@example.kr", "role": "ministry"})
    assert r.status_code == 400 and "이미 가입된" in r.get_data(as_text=True)
    r = admin_client.post("/admin/users/new", data={"name": "x", "email": "y@example.kr", "role": "trainee"})
    assert r.status_code == 400  # not a staff role choice


def test_deactivate_ends_sessions_and_role_change_is_audited(app, admin_client):
    target = make_user(email="victim@example.kr")
    other = app.test_client()
    login(other, target)
    assert other.get("/profile").status_code == 200
    r = admin_client.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert r.status_code == 200 and target.active and "계정을 비활성화할까요?" in r.text  # asked first
    assert other.get("/profile").status_code == 200
    r = admin_client.post(f"/admin/users/{target.id}/active", data={"active": "0", "confirmed": "yes"})
    assert r.status_code == 302 and not target.active
    assert other.get("/profile").status_code == 302
    admin_client.post(f"/admin/users/{target.id}/active", data={"active": "1"})
    assert target.active
    r = admin_client.post(f"/admin/users/{target.id}/role", data={"role": "ministry", "institution_id": ""})
    assert r.status_code == 302 and target.role == "ministry"
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "account.role_change")).scalar_one()
    assert ev.details["old"] == "trainee" and ev.details["new"] == "ministry"
    body = admin_client.get("/admin/audit?action=account.role_change").get_data(as_text=True)
    assert "역할 변경" in body and "계정 비활성화</td>" not in body and "훈련생 → 정부 담당자" in body


def test_region_edit_and_add(admin_client, refdata):
    region = db.session.execute(select(Region).order_by(Region.code)).scalars().first()
    r = admin_client.post(f"/admin/reference/regions/{region.code}",
                          data={"code": "zz", "name_ko": "수정된 이름", "name_en": "Edited", "valid_from": "2000-01-01",
                                "valid_to": "2023-06-10"})
    assert r.status_code == 302
    assert region.name_ko == "수정된 이름" and region.valid_to.isoformat() == "2023-06-10"
    assert db.session.get(Region, "zz") is None  # the code in the form is ignored
    r = admin_client.post("/admin/reference/regions/new", data={"code": "98", "name_ko": "시험도", "name_en": "Test",
                                                                "valid_from": "2030-01-01", "valid_to": "2029-01-01"})
    assert r.status_code == 400 and "유효 종료일" in r.get_data(as_text=True)
    r = admin_client.post("/admin/reference/regions/new", data={"code": "98", "name_ko": "시험도", "valid_from": "2030-01-01"})
    assert r.status_code == 302 and db.session.get(Region, "98").name_ko == "시험도"
    r = admin_client.post("/admin/reference/regions/new", data={"code": "98", "name_ko": "중복"})
    assert r.status_code == 400


def test_reference_edit_other_tables(admin_client, refdata):
    for kind in ("root-technologies", "company-sizes", "levels"):
        row = orgs.list_reference(kind)[0]
        data = {"name_ko": f"{row.name_ko}*", "name_en": row.name_en}
        r = admin_client.post(f"/admin/reference/{kind}/{row.code}", data=data)
        assert r.status_code == 302, kind
        assert orgs.get_reference(kind, row.code).name_ko.endswith("*")


def test_institution_create_and_edit(admin_client, refdata):
    r = admin_client.post("/admin/institutions/new", data={"name_ko": "한국폴리텍대학", "name_en": "Korea Polytechnics",
                                                           "kind": "training_centre", "region_code": "11",
                                                           "head_title_ko": "이사장", "head_name_ko": "홍길동",
                                                           "is_active": "y"})
    assert r.status_code == 302
    inst = db.session.execute(select(Institution).where(Institution.name_ko == "한국폴리텍대학")).scalar_one()
    assert inst.head_name_ko == "홍길동" and inst.kind == "training_centre"
    r = admin_client.post(f"/admin/institutions/{inst.id}", data={"name_ko": "한국폴리텍대학", "kind": "university",
                                                                  "region_code": "", "head_name_ko": "김이사"})
    assert r.status_code == 302 and inst.head_name_ko == "김이사" and inst.region_code is None
    assert not inst.is_active  # unchecked box


def test_company_business_number_checks(admin_client, refdata):
    r = admin_client.post("/admin/companies/new", data={"name": "(주)번호확인", "business_number": "12-345-67890"})
    assert r.status_code == 400 and "000-00-00000" in r.get_data(as_text=True)
    r = admin_client.post("/admin/companies/new", data={"name": "(주)번호확인", "business_number": "1234567890",
                                                        "ksic_code": "c29", "size_code": "", "region_code": "11",
                                                        "cuts_working_hours": "y"})
    assert r.status_code == 302
    c = db.session.execute(select(Company).where(Company.name == "(주)번호확인")).scalar_one()
    assert c.business_number == "123-45-67890" and c.ksic_code == "C29" and c.cuts_working_hours
    r = admin_client.post("/admin/companies/new", data={"name": "(주)중복", "business_number": "123-45-67890"})
    assert r.status_code == 400 and "이미 있습니다" in r.get_data(as_text=True)
    body = admin_client.get("/admin/companies?q=번호").get_data(as_text=True)
    assert "(주)번호확인" in body
    r = admin_client.post(f"/admin/companies/{c.id}", data={"name": "(주)번호확인", "business_number": "123-45-67890",
                                                            "is_root_industry": "y"})
    assert r.status_code == 302 and c.is_root_industry and not c.cuts_working_hours


def test_org_services_directly(refdata):
    admin = make_user(role="admin")
    assert orgs.normalise_business_number("123 45 67890") == "123-45-67890"
    with pytest.raises(ValidationError):
        orgs.normalise_business_number("123-45-6789")
    orgs.create_company(admin, name="A", business_number="111-11-11111")
    with pytest.raises(Conflict):
        orgs.create_company(admin, name="B", business_number="1111111111")
    with pytest.raises(ValidationError):
        orgs.create_institution(admin, name_ko="X", kind="castle")
    assert orgs.find_or_create_company("  ") is None
