"""Meister role and profiles: admins recruit, approve and deactivate; nobody else reaches those screens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.core.audit import AuditEvent
from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.meisters import services as svc
from lms.meisters.models import MeisterProfile
from tests.conftest import login


def test_recruited_meister_is_not_approved_and_gets_an_invitation(refdata, admin_user):
    profile = svc.recruit(admin_user, email="Kim.Meister@Example.kr", name="김장인", former_company="삼성전자",
                          years_experience=32, fields=["plc", "mes_pop"], root_technology_codes=["welding"],
                          region_codes=["48", "26"], days_per_week=3)
    assert profile.status == "recruited" and profile.approved_at is None
    assert profile.user.role == "meister" and profile.user.email == "kim.meister@example.kr"
    assert profile.fields == ["plc", "mes_pop"] and [r.code for r in profile.regions] == ["26", "48"]
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "kim.meister@example.kr")).scalar_one()
    assert "/invite/" in mail.body
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"meister.recruit", "account.create"} <= actions


@pytest.mark.parametrize("values, message", [
    (dict(years_experience=70), "경력 연수"),
    (dict(former_company="  "), "경력 기업"),
    (dict(fields=["welding-robot"]), "전문 분야"),
    (dict(region_codes=["99"]), "시·도"),
    (dict(days_per_week=6), "일수"),
])
def test_recruit_refuses_bad_input_and_creates_nothing(refdata, admin_user, values, message):
    base = dict(email="x@example.kr", name="김장인", former_company="LG전자", years_experience=30, fields=["plc"],
                region_codes=["48"])
    with pytest.raises(ValidationError) as exc:
        svc.recruit(admin_user, **{**base, **values})
    assert message in str(exc.value.message)
    assert accounts.get_user_by_email("x@example.kr") is None


def test_approval_needs_expertise_and_region(make_meister, admin_user):
    profile = make_meister(regions=(), approved=False)
    with pytest.raises(ValidationError):
        svc.approve(admin_user, profile)
    svc.update_profile(admin_user, profile, region_codes=["47"])
    svc.approve(admin_user, profile)
    assert profile.status == "approved" and profile.approved_by_id == admin_user.id
    with pytest.raises(Conflict):
        svc.approve(admin_user, profile)
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "meister.update")).scalar_one()
    assert ev.details["changes"]["regions"] == [[], ["47"]]


def test_deactivation_ends_the_account_and_reapproval_restores_it(make_meister, admin_user):
    profile = make_meister()
    version = profile.user.session_version
    svc.deactivate(admin_user, profile)
    assert profile.status == "inactive" and not profile.user.active and profile.user.session_version > version
    svc.approve(admin_user, profile)
    assert profile.status == "approved" and profile.user.active


def test_role_changes_cannot_make_or_unmake_a_meister(make_meister, admin_user):
    from tests.factories import make_user

    with pytest.raises(ValidationError):
        accounts.change_role(admin_user, make_user(), "meister")
    with pytest.raises(ValidationError):
        accounts.change_role(admin_user, make_meister().user, "trainee")


def test_admin_recruits_edits_and_approves_on_screen(admin_client, refdata):
    db.session.commit()
    r = admin_client.post("/admin/meisters/new", data={
        "name": "박마이스터", "email": "park@example.kr", "former_company": "현대자동차", "years_experience": "28",
        "fields": ["robot", "quality"], "region_codes": ["41"], "days_per_week": "2"})
    assert r.status_code == 302
    profile = db.session.execute(select(MeisterProfile)).scalar_one()
    page = admin_client.get(f"/admin/meisters/{profile.id}").get_data(as_text=True)
    assert "박마이스터" in page and "승인 대기" in page
    assert "현대자동차" in admin_client.get("/admin/meisters?status=recruited").get_data(as_text=True)
    assert "현대자동차" not in admin_client.get("/admin/meisters?status=approved").get_data(as_text=True)
    r = admin_client.post(f"/admin/meisters/{profile.id}", data={
        "former_company": "현대자동차", "years_experience": "99", "fields": ["robot"], "region_codes": ["41"],
        "days_per_week": "2"})
    assert r.status_code == 400 and profile.years_experience == 28
    assert admin_client.post(f"/admin/meisters/{profile.id}/approve").status_code == 302
    assert profile.status == "approved"
    assert admin_client.get("/admin/meisters/999999").status_code == 404


def test_admin_form_refuses_a_taken_email_with_a_message(admin_client, refdata):
    db.session.commit()
    data = {"name": "박마이스터", "email": "admin-taken@example.kr", "former_company": "현대자동차",
            "years_experience": "28", "fields": ["robot"], "region_codes": ["41"], "days_per_week": "2"}
    assert admin_client.post("/admin/meisters/new", data=data).status_code == 302
    r = admin_client.post("/admin/meisters/new", data={**data, "name": "다른 사람"})
    assert r.status_code == 400 and "이미 가입된 이메일" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "instructor", "ministry", "meister"])
def test_only_admins_reach_meister_admin_screens(client, as_role, role, make_meister):
    profile = make_meister()
    as_role(role)
    for path in ("/admin/meisters", "/admin/meisters/new", f"/admin/meisters/{profile.id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/admin/meisters/{profile.id}/approve").status_code == 403
    assert client.post(f"/admin/meisters/{profile.id}/deactivate").status_code == 403


def test_meister_has_a_role_label(client, make_meister):
    profile = make_meister()
    db.session.commit()
    login(client, profile.user)
    assert "마이스터" in client.get("/profile").get_data(as_text=True)
