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
