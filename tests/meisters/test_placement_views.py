"""Placement screens: admins match and place; a meister sees only their own placements (404 otherwise)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters.models import Placement
from tests.conftest import login
from tests.factories import make_company

D0 = date(2026, 3, 2)


def _place(admin, meister, company, start=D0, days=90):
    return pl.create_placement(admin, meister=meister, company=company, purpose="build_consulting", starts_on=start,
                               ends_on=start + timedelta(days=days), goals="POP 도입", contact_name="최담당",
                               contact_email="choi@firm.kr", level_at_start_code="basic")


def test_admin_finds_a_company_matches_and_places(admin_client, make_meister):
    m = make_meister(regions=("48",), fields=("mes_pop",), name="김MES")
    company = make_company(name="(주)창원기어", region_code="48", cuts_working_hours=True)
    db.session.commit()
    body = admin_client.get("/admin/meisters/match?q=창원기어").get_data(as_text=True)
    assert "(주)창원기어" in body and "근로시간 단축" in body
    body = admin_client.get(f"/admin/meisters/match?company_id={company.id}&fields=mes_pop"
                            "&starts_on=2026-03-02&ends_on=2026-05-31").get_data(as_text=True)
    assert "김MES" in body
    form = admin_client.get(f"/admin/meisters/placements/new?meister_id={m.id}&company_id={company.id}")
    assert form.status_code == 200 and "(주)창원기어" in form.get_data(as_text=True)
    data = {"meister_id": m.id, "company_id": company.id, "purpose": "build_consulting", "starts_on": "2026-03-02",
            "ends_on": "2026-05-31", "level_at_start_code": "basic", "goals": "POP 구축\n실시간 모니터링",
            "contact_name": "최담당", "contact_email": "choi@firm.kr"}
    r = admin_client.post("/admin/meisters/placements/new", data={**data, "ends_on": "2026-02-01"})
    assert r.status_code == 400 and "시작일보다 빠를 수 없습니다" in r.get_data(as_text=True)
    assert db.session.execute(select(Placement)).first() is None
    r = admin_client.post("/admin/meisters/placements/new", data=data)
    assert r.status_code == 302
    p = db.session.execute(select(Placement)).scalar_one()
    assert [g.text for g in p.goals] == ["POP 구축", "실시간 모니터링"] and p.level_at_start_code == "basic"
    listing = admin_client.get("/admin/meisters/placements").get_data(as_text=True)
    assert "(주)창원기어" in listing and "김MES" in listing
    assert "(주)창원기어" in admin_client.get(f"/admin/meisters/{m.id}").get_data(as_text=True)


def test_new_placement_without_a_meister_or_company_goes_back_to_matching(admin_client, refdata):
    r = admin_client.get("/admin/meisters/placements/new?meister_id=999&company_id=x")
    assert r.status_code == 302 and "/admin/meisters/match" in r.headers["Location"]


def test_meister_sees_own_placements_only(client, make_meister, admin_user):
    mine, other = make_meister(name="나마이스터"), make_meister(name="남마이스터")
    p_mine = _place(admin_user, mine, make_company(name="(주)내회사"))
    p_other = _place(admin_user, other, make_company(name="(주)남의회사"))
    db.session.commit()
    login(client, mine.user)
    home = client.get("/meister").get_data(as_text=True)
    assert "(주)내회사" in home and "(주)남의회사" not in home
    assert "POP 도입" in client.get(f"/meister/placements/{p_mine.id}").get_data(as_text=True)
    assert client.get(f"/meister/placements/{p_other.id}").status_code == 404
    assert client.get("/meister/placements/999999").status_code == 404


@pytest.mark.parametrize("role", ["trainee", "instructor", "ministry"])
def test_other_roles_cannot_reach_meister_pages(client, as_role, role, make_meister, admin_user):
    p = _place(admin_user, make_meister(), make_company())
    as_role(role)
    for path in ("/meister", f"/meister/placements/{p.id}", "/admin/meisters/placements", "/admin/meisters/match",
                 "/admin/meisters/placements/new"):
        assert client.get(path).status_code == 403, path


def test_meister_cannot_reach_admin_placement_screens(client, make_meister, admin_user):
    m = make_meister()
    p = _place(admin_user, m, make_company())
    db.session.commit()
    login(client, m.user)
    for path in ("/admin/meisters/placements", "/admin/meisters/match", "/admin/meisters/placements/new"):
        assert client.get(path).status_code == 403, path
    r = client.post(f"/admin/meisters/placements/{p.id}/contact", data={"contact_name": "x", "contact_email": "x@x.kr"})
    assert r.status_code == 403 and p.contact_name == "최담당"


def test_meister_home_issues_a_constant_number_of_queries(client, make_meister, admin_user, query_count):
    m = make_meister()
    _place(admin_user, m, make_company())
    db.session.commit()
    login(client, m.user)
    one = query_count("/meister")
    for k in range(1, 3):
        _place(admin_user, m, make_company(), start=D0 + timedelta(days=100 * k))
    db.session.commit()
    assert query_count("/meister") == one


def test_admin_pages_issue_a_constant_number_of_queries(client, make_meister, admin_user, query_count):
    m = make_meister(regions=("48",))
    _place(admin_user, m, make_company(region_code="48"))
    make_company(region_code="48", cuts_working_hours=True)
    db.session.commit()
    login(client, admin_user)
    paths = ("/admin/meisters", f"/admin/meisters/{m.id}", "/admin/meisters/placements", "/admin/meisters/match?q=%EC%A3%BC")
    before = [query_count(p) for p in paths]
    for k in range(1, 3):
        make_meister(regions=("48",), fields=("robot", "data"))
        _place(admin_user, m, make_company(region_code="48"), start=D0 + timedelta(days=100 * k))
        make_company(region_code="48", is_root_industry=True)
    db.session.commit()
    assert [query_count(p) for p in paths] == before


def test_meister_account_without_a_profile_gets_a_message(client, as_role):
    as_role("meister")
    r = client.get("/meister")
    assert r.status_code == 200 and "프로필이 없습니다" in r.get_data(as_text=True)


def test_admin_changes_the_contact_and_old_confirmation_links_die(admin_client, make_meister, admin_user):
    import re

    from lms.core.audit import AuditEvent
    from lms.core.outbox import OutboxMessage
    from lms.core.timeutil import today_kst
    from lms.meisters import visits as vs

    m = make_meister()
    p = _place(admin_user, m, make_company(), start=today_kst() - timedelta(days=10))
    vs.log_visit(m.user, p, visited_on=today_kst(), hours="2", activity="consulting", done="점검")
    db.session.commit()
    mail = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "choi@firm.kr")).scalar_one()
    link = re.search(r"http://localhost(/visits/confirm/\S+)", mail.body).group(1)
    r = admin_client.post(f"/admin/meisters/placements/{p.id}/contact", data={"contact_name": "한새담당",
                                                                              "contact_email": "nope"})
    assert r.status_code == 302 and p.contact_email == "choi@firm.kr"
    admin_client.post(f"/admin/meisters/placements/{p.id}/contact", data={"contact_name": "한새담당",
                                                                         "contact_email": "Han@Firm.kr"})
    assert (p.contact_name, p.contact_email) == ("한새담당", "han@firm.kr")
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "placement.contact")).scalar_one()
    assert ev.details["changes"]["contact_email"] == ["choi@firm.kr", "han@firm.kr"]
    assert admin_client.get(link).status_code == 400


def test_admin_cancels_on_screen_and_the_meister_sees_it_cancelled(client, make_meister, admin_user):
    m = make_meister()
    p = _place(admin_user, m, make_company(name="(주)철회정밀"), start=D0 + timedelta(days=400))
    db.session.commit()
    login(client, m.user)
    assert client.post(f"/admin/meisters/placements/{p.id}/cancel", data={"reason": "x"}).status_code == 403
    login(client, admin_user)
    assert "파견 취소" in client.get(f"/meister/placements/{p.id}").get_data(as_text=True)
    assert client.post(f"/admin/meisters/placements/{p.id}/cancel", data={"reason": "중복 등록"}).status_code == 302
    assert p.cancelled_at is not None and p.cancel_reason == "중복 등록"
    assert "(주)철회정밀" in client.get("/admin/meisters/placements?state=cancelled").get_data(as_text=True)
    assert "(주)철회정밀" not in client.get("/admin/meisters/placements?state=open").get_data(as_text=True)
    login(client, m.user)
    body = client.get("/meister").get_data(as_text=True)
    assert "취소" in body
