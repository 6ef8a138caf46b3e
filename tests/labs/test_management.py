"""Admin management of programmes, cohorts and smart labs; instructors schedule sessions."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.errors import ValidationError
from lms.extensions import db
from lms.labs import services as svc
from lms.labs.models import Cohort, LabSession, Programme, SmartLab
from tests.conftest import login
from tests.factories import make_company, make_course, make_institution, make_user


def test_programme_rules(world):
    with pytest.raises(ValidationError):
        svc.save_programme(None, institution_id=world.institution.id, kind="contract", name_ko="계약학과")
    p = svc.save_programme(None, institution_id=world.institution.id, kind="smart_lab", name_ko="스마트랩 과정",
                           contract_type="hire")
    assert p.contract_type is None  # only contract departments carry one
    with pytest.raises(ValidationError):
        svc.save_cohort(None, programme_id=p.id, intake_year=2026, term=1, label="x",
                        starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))


def test_admin_creates_programme_cohort_lab_room_equipment(client):
    admin = make_user("admin")
    inst = make_institution()
    sponsor = make_company()
    course = make_course(practicals=1)
    teacher = make_user("instructor")
    db.session.commit()
    login(client, admin)
    assert client.get("/labs/programmes/new").status_code == 200
    r = client.post("/labs/programmes/new", data={
        "name_ko": "AI 스마트공장 계약학과", "institution_id": inst.id, "kind": "contract", "contract_type": "early",
        "quota": 25, "sponsor_ids": [sponsor.id], "is_active": "y"}, follow_redirects=True)
    assert r.status_code == 200 and "프로그램을 저장했습니다" in r.text
    p = db.session.execute(select(Programme).where(Programme.name_ko == "AI 스마트공장 계약학과")).scalar_one()
    assert (p.kind, p.contract_type, p.quota, [c.id for c in p.sponsors]) == ("contract", "early", 25, [sponsor.id])
    r = client.post("/labs/cohorts/new", data={
        "programme_id": p.id, "label": "2026-2기", "intake_year": 2026, "term": 2, "starts_on": "2026-09-01",
        "ends_on": "2027-02-28", "course_ids": [course.id], "instructor_ids": [teacher.id]}, follow_redirects=True)
    assert r.status_code == 200 and "2026-2기" in r.text
    c = db.session.execute(select(Cohort).where(Cohort.label == "2026-2기")).scalar_one()
    assert [u.id for u in c.instructors] == [teacher.id] and [x.id for x in c.courses] == [course.id]
    r = client.post("/labs/smartlabs/new", data={"name_ko": "반월 스마트랩", "institution_id": inst.id, "programme_id": 0,
                                                 "region_code": "", "instructor_ids": [teacher.id]}, follow_redirects=True)
    assert r.status_code == 200 and "반월 스마트랩" in r.text
    lab = db.session.execute(select(SmartLab).where(SmartLab.name_ko == "반월 스마트랩")).scalar_one()
    client.post(f"/labs/smartlabs/{lab.id}/rooms", data={"room-name_ko": "PLC실", "room-seats": 12})
    client.post(f"/labs/smartlabs/{lab.id}/equipment", data={"eq-kind": "cobot", "eq-name": "UR5e", "eq-quantity": 2,
                                                            "eq-room_id": 0})
    db.session.refresh(lab)
    assert [r.seats for r in lab.rooms] == [12] and lab.equipment[0].name == "UR5e"
    # the instructor schedules a session in Korean time; it is stored in UTC
    login(client, teacher)
    practical = [m for m in course.modules if m.kind == "practical"][0]
    form = {"module_id": practical.id, "room_id": lab.rooms[0].id, "day": "2030-03-04", "start_time": "09:00",
            "end_time": "13:00", "capacity": 12, "instructor_id": teacher.id, "cohort_id": c.id}
    r = client.post(f"/labs/smartlabs/{lab.id}/sessions/new", data=form, follow_redirects=True)
    assert r.status_code == 200 and "세션을 편성했습니다" in r.text
    s = db.session.execute(select(LabSession).where(LabSession.lab_id == lab.id)).scalar_one()
    assert s.starts_at.isoformat() == "2030-03-04T00:00:00+00:00" and s.hours == 4
    r = client.post(f"/labs/smartlabs/{lab.id}/sessions/new", data=dict(form, start_time="12:00", end_time="14:00"),
                    follow_redirects=True)
    assert "같은 시간에 다른 세션" in r.text
    form["capacity"] = 13
    r = client.post(f"/labs/smartlabs/{lab.id}/sessions/new", data=dict(form, day="2030-03-05"), follow_redirects=True)
    assert "좌석 수" in r.text


def test_session_form_asks_about_a_past_date_and_names_capacity_errors(world, client):
    """Issue 13: a date in the past was taken without a word, and capacity 0 said "required"."""
    login(client, world.instructor)
    url = f"/labs/smartlabs/{world.lab.id}/sessions/new"
    base = {"module_id": world.practical.id, "room_id": world.room.id, "day": "2020-03-04", "start_time": "09:00",
            "end_time": "13:00", "capacity": 12, "instructor_id": world.instructor.id, "cohort_id": 0}
    assert "past_ok" not in client.get(url).text  # no box until it is needed
    r = client.post(url, data=base)
    assert r.status_code == 200 and "시작 일시가 이미 지났습니다" in r.text and 'name="past_ok"' in r.text
    assert db.session.execute(select(LabSession).where(LabSession.lab_id == world.lab.id)).first() is None
    r = client.post(url, data=dict(base, past_ok="y"), follow_redirects=True)
    assert "세션을 편성했습니다" in r.text
    r = client.post(url, data=dict(base, day="2031-01-06", capacity=0))
    assert "정원은 1명 이상 500명 이하로 입력해 주세요" in r.text and "정원을 입력해 주세요" not in r.text
    r = client.post(url, data=dict(base, day="2031-01-06", capacity=""))
    assert "정원을 입력해 주세요" in r.text


def test_cohort_page_links_only_sessions_the_instructor_can_open(world, client):
    """Issue 13: the cohort page listed a member's session in another lab as a link that
    answered 404. It is listed (the member is booked there) but not linked."""
    from datetime import timedelta

    from lms.labs import booking as bk
    from lms.labs.models import CohortMember
    from tests.labs.conftest import enrolled_trainee

    user, _ = enrolled_trainee(world)
    db.session.add(CohortMember(cohort_id=world.cohort.id, user_id=user.id))
    mine = bk.create_session(world.lab, room_id=world.room.id, module=world.practical, cohort=world.cohort,
                             starts_at=_in_days(3), ends_at=_in_days(3) + timedelta(hours=2), capacity=5,
                             instructor=world.instructor)
    elsewhere = bk.create_session(world.other_lab, room_id=world.other_room.id, module=world.practical,
                                  starts_at=_in_days(5), ends_at=_in_days(5) + timedelta(hours=2), capacity=5,
                                  instructor=world.other_instructor)
    bk.book(user, elsewhere.id)
    db.session.commit()
    login(client, world.instructor)
    html = client.get(f"/labs/cohorts/{world.cohort.id}").text
    assert f'href="/labs/sessions/{mine.id}"' in html
    assert f'href="/labs/sessions/{elsewhere.id}"' not in html and "다른 스마트랩의 세션" in html
    assert client.get(f"/labs/sessions/{elsewhere.id}").status_code == 404  # why it must not be a link


def _in_days(days: int):
    from datetime import timedelta

    from lms.core.db import utcnow

    return utcnow().replace(microsecond=0) + timedelta(days=days)
