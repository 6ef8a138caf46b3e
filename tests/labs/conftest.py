"""Fixtures of the labs tests: a contract-department cohort with a course that has a
practical module, a smart lab with a room, instructors, and helpers to make sessions."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from lms.core.db import utcnow
from lms.extensions import db
from tests.factories import make_company, make_course, make_enrollment, make_institution, make_user


def make_session(world, *, start_in=timedelta(days=3), hours=4, capacity=20, room=None, module=None, instructor=None):
    from lms.labs.booking import create_session

    starts = utcnow().replace(microsecond=0) + start_in
    return create_session(world.lab, room_id=(room or world.room).id, module=module or world.practical,
                          starts_at=starts, ends_at=starts + timedelta(hours=hours), capacity=capacity,
                          instructor=instructor or world.instructor, cohort=world.cohort)


def second_practical(world):
    """Another practical module of the world's course (a trainee books each practical once)."""
    from lms.catalog.models import Module
    from tests.factories import sample_practical

    m = Module(course_id=world.course.id, slug="practical-extra", kind="practical", position=99,
               title_ko="추가 실습", title_en="Extra practical", hours=4, data=sample_practical())
    db.session.add(m)
    db.session.flush()
    return m


def enrolled_trainee(world, **kw):
    user = make_user("trainee", **kw)
    e = make_enrollment(user, world.course, cohort_id=world.cohort.id, programme_id=world.programme.id)
    return user, e


@pytest.fixture
def world():
    from lms.labs.models import Cohort, LabRoom, Programme, SmartLab

    inst = make_institution()
    sponsor = make_company(name="(주)테스트정밀")
    programme = Programme(institution_id=inst.id, kind="contract", name_ko="스마트공장 계약학과",
                          contract_type="hire", quota=30)
    programme.sponsors = [sponsor]
    db.session.add(programme)
    course = make_course(practicals=1)
    practical = [m for m in course.modules if m.kind == "practical"][0]
    instructor = make_user("instructor", name="김교수")
    other_instructor = make_user("instructor", name="이교수")
    cohort = Cohort(programme=programme, intake_year=2026, term=1, label="2026-1기")
    cohort.courses = [course]
    cohort.instructors = [instructor]
    db.session.add(cohort)
    lab = SmartLab(institution_id=inst.id, name_ko="창원 스마트랩")
    lab.instructors = [instructor]
    db.session.add(lab)
    db.session.flush()
    room = LabRoom(lab_id=lab.id, name_ko="PLC 실습실", seats=30)
    room2 = LabRoom(lab_id=lab.id, name_ko="협동로봇실", seats=30)
    db.session.add_all([room, room2])
    other_lab = SmartLab(institution_id=inst.id, name_ko="다른 스마트랩")
    other_lab.instructors = [other_instructor]
    db.session.add(other_lab)
    db.session.flush()
    other_room = LabRoom(lab_id=other_lab.id, name_ko="다른 실습실", seats=30)
    db.session.add(other_room)
    db.session.flush()
    return SimpleNamespace(institution=inst, sponsor=sponsor, programme=programme, course=course, practical=practical,
                           instructor=instructor, other_instructor=other_instructor, cohort=cohort, lab=lab,
                           room=room, room2=room2, other_lab=other_lab, other_room=other_room)
