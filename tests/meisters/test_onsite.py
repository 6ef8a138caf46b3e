"""On-site classes (issue 11, "On-site training and assessment"): a meister with a
placement under way schedules a short class at the company, enrols the company's
trainees and records attendance like a lab session (all present, then exceptions;
refused before the class starts; exact minute rules)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.core.timeutil import KST, frozen_clock, today_kst
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.meisters import onsite
from lms.meisters import placements as pl
from lms.meisters.models import OnsiteAttendee
from tests.conftest import COLLECTED_AT, login
from tests.factories import make_company, make_user

TODAY = today_kst(COLLECTED_AT)
pytestmark = pytest.mark.usefixtures("clock_at_collection")
# Classes the tests enrol trainees in are tomorrow (Korean date): a class today would
# already have ended when the suite runs late in the Korean day, and enrolling is
# refused after a class ends. Tests that need a running class pin the clock (_started).
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def world(make_meister, admin_user):
    company = make_company(name="(주)현장교육정밀")
    profile = make_meister()
    placement = pl.create_placement(admin_user, meister=profile, company=company, purpose="knowhow",
                                    starts_on=TODAY - timedelta(days=10), ends_on=TODAY + timedelta(days=50),
                                    goals="작업자 교육", contact_name="정담당", contact_email="c@firm.kr")
    operators = [make_user(company_id=company.id, name=f"작업자{i}") for i in range(3)]
    return type("W", (), dict(company=company, placement=placement, meister=profile.user, operators=operators,
                              profile=profile))


def _class(world, *, day=None, start=time(14, 0), minutes=120):
    return onsite.schedule_class(world.meister, world.placement, day=day or TOMORROW, start=start, minutes=minutes,
                                 topic="LOTO 절차 현장 교육")


def _started(cls):
    """A clock pinned 10 minutes after the class began."""
    return frozen_clock(cls.starts_at + timedelta(minutes=10))


def test_class_is_scheduled_in_korean_time_and_audited(world):
    cls = _class(world, day=TODAY, start=time(8, 30), minutes=90)
    assert cls.starts_at == datetime.combine(TODAY, time(8, 30), tzinfo=KST).astimezone(timezone.utc)
    assert cls.minutes == 90 and cls.ends_at - cls.starts_at == timedelta(minutes=90)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "onsite_class.create")).scalar()


@pytest.mark.parametrize("kw, message", [
    (dict(minutes=20), "30분부터"),
    (dict(minutes=481), "30분부터"),
    (dict(day=TODAY + timedelta(days=60)), "파견 기간"),
    (dict(day=TODAY - timedelta(days=11)), "파견 기간"),
])
def test_bad_classes_are_refused(world, kw, message):
    with pytest.raises(ValidationError, match=message):
        _class(world, **kw)


def test_only_the_meister_of_a_placement_under_way_schedules(world, make_meister, admin_user):
    with pytest.raises(PermissionDenied):
        onsite.schedule_class(make_meister().user, world.placement, day=TODAY, start=time(9), minutes=60, topic="x")
    with pytest.raises(PermissionDenied):
        onsite.schedule_class(admin_user, world.placement, day=TODAY, start=time(9), minutes=60, topic="x")
    world.placement.closed_on = TODAY
    db.session.flush()
    with pytest.raises(Conflict, match="진행 중인 파견"):
        _class(world)


def test_only_the_company_trainees_are_enrolled(world):
    cls = _class(world)
    stranger = make_user(company_id=make_company().id)
    with pytest.raises(ValidationError, match="이 기업 소속 훈련생만"):
        onsite.enrol(world.meister, cls, [world.operators[0].id, stranger.id])
    assert db.session.execute(select(OnsiteAttendee)).first() is None  # nothing added
    assert onsite.enrol(world.meister, cls, [u.id for u in world.operators]) == 3
    assert onsite.enrol(world.meister, cls, [world.operators[0].id]) == 0  # already there


def test_attendance_is_refused_before_the_class_starts(world):
    cls = _class(world, day=TODAY + timedelta(days=1))
    onsite.enrol(world.meister, cls, [world.operators[0].id])
    with frozen_clock(cls.starts_at - timedelta(minutes=16)):
        with pytest.raises(ValidationError, match="아직 시작하지 않은 교육"):
            onsite.mark_all_present(world.meister, cls)
    with frozen_clock(cls.starts_at - timedelta(minutes=15)):  # opens with the lab check-in window
        assert onsite.mark_all_present(world.meister, cls) == 1


def test_all_present_then_exceptions(world):
    cls = _class(world, minutes=120)
    onsite.enrol(world.meister, cls, [u.id for u in world.operators])
    a, b, c = (u.id for u in world.operators)
    with _started(cls):
        onsite.record_attendance(world.meister, cls, {a: ("late", 100)})
        assert onsite.mark_all_present(world.meister, cls) == 2  # the recorded one stays late
        onsite.record_attendance(world.meister, cls, {c: ("absent", 55)})
    rows = {r.user_id: (r.status, r.minutes) for r in db.session.execute(select(OnsiteAttendee)).scalars()}
    assert rows == {a: ("late", 100), b: ("present", 120), c: ("absent", 0)}
    assert onsite.class_counts([cls.id])[cls.id] == (3, 2)


def test_bad_rows_change_nothing(world):
    cls = _class(world, minutes=60)
    onsite.enrol(world.meister, cls, [world.operators[0].id, world.operators[1].id])
    a, b = world.operators[0].id, world.operators[1].id
    with _started(cls):
        for entries in ({a: ("present", None), b: ("late", 61)}, {a: ("present", None), b: ("asleep", 0)},
                        {a: ("present", None), world.operators[2].id: ("present", None)}):
            with pytest.raises(ValidationError):
                onsite.record_attendance(world.meister, cls, entries)
    assert all(r.status is None for r in db.session.execute(select(OnsiteAttendee)).scalars())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from(["present", "late", "early_leave", "absent", "excused"]),
       minutes=st.one_of(st.none(), st.integers(min_value=-5, max_value=130)))
def test_minutes_follow_the_lab_rules(world, status, minutes):
    cls = _class(world, minutes=120)
    uid = world.operators[0].id
    onsite.enrol(world.meister, cls, [uid])
    with _started(cls):
        if status in ("late", "early_leave") and (minutes is None or not 0 <= minutes <= 120):
            with pytest.raises(ValidationError):
                onsite.record_attendance(world.meister, cls, {uid: (status, minutes)})
            return
        onsite.record_attendance(world.meister, cls, {uid: (status, minutes)})
    row = db.session.execute(select(OnsiteAttendee).where(OnsiteAttendee.class_id == cls.id)).scalar_one()
    expected = {"present": 120, "absent": 0, "excused": 0}.get(status, minutes)
    assert (row.status, row.minutes) == (status, expected)


def test_pages_for_the_meister_and_404_for_others(world, client, make_meister):
    cls = _class(world)
    onsite.enrol(world.meister, cls, [world.operators[0].id])
    login(client, make_meister().user)
    for path in (f"/meister/classes/{cls.id}", f"/meister/placements/{world.placement.id}/classes",
                 f"/meister/classes/{cls.id}/trainees"):
        assert client.get(path).status_code == 404, path
    login(client, world.meister)
    page = client.get(f"/meister/classes/{cls.id}").get_data(as_text=True)
    assert "LOTO 절차 현장 교육" in page and "작업자0" in page
    with _started(cls):
        resp = client.post(f"/meister/classes/{cls.id}/attendance", data={"action": "all_present"})
    assert resp.status_code == 302
    assert db.session.execute(select(OnsiteAttendee.status)).scalar() == "present"
    add = client.get(f"/meister/classes/{cls.id}/trainees").get_data(as_text=True)
    assert "작업자1" in add and "등록됨" in add


def test_new_class_form_posts(world, client):
    login(client, world.meister)
    resp = client.post(f"/meister/placements/{world.placement.id}/classes/new",
                       data={"day": TODAY.isoformat(), "start": "15:00", "minutes": "60", "topic": "비상정지 점검",
                             "course_id": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    bad = client.post(f"/meister/placements/{world.placement.id}/classes/new",
                      data={"day": TODAY.isoformat(), "start": "15:00", "minutes": "600", "topic": "x", "course_id": ""})
    assert bad.status_code == 400


def test_class_pages_issue_constant_statements(world, client, query_count):
    """The class page, the add-trainees list, the classes list and the workplace list do
    not query per trainee or per class."""
    cls = _class(world)
    onsite.enrol(world.meister, cls, [world.operators[0].id])
    db.session.commit()
    login(client, world.meister)
    paths = (f"/meister/classes/{cls.id}", f"/meister/classes/{cls.id}/trainees",
             f"/meister/placements/{world.placement.id}/classes", f"/meister/placements/{world.placement.id}/workplace")
    before = [query_count(p) for p in paths]
    more = [make_user(company_id=world.company.id, name=f"추가{i}") for i in range(6)]
    onsite.enrol(world.meister, cls, [u.id for u in more])
    _class(world, start=time(16, 0))
    with _started(cls):
        onsite.mark_all_present(world.meister, cls)
    db.session.commit()
    assert [query_count(p) for p in paths] == before
