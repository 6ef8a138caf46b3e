"""Workplace sign-off (issue 11, "On-site training and assessment"): a meister placed
with the trainee's company signs a course's practical off at the workplace when the
course allows it; it counts toward completion exactly like a lab sign-off (the
certificate follows), carries where it happened, and keeps the integrity rules."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.core.timeutil import today_kst
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs.models import PracticalSignoff
from lms.learning import services as learning
from lms.meisters import placements as pl
from lms.meisters import workplace as wp
from tests.conftest import COLLECTED_AT, login
from tests.factories import make_company, make_course, make_enrollment, make_user

TODAY = today_kst(COLLECTED_AT)
pytestmark = pytest.mark.usefixtures("clock_at_collection")


@pytest.fixture
def world(make_meister, admin_user):
    """A placement under way at a company, a trainee of that company enrolled in a course
    whose practical allows workplace assessment, with its lesson and quiz done."""
    company = make_company(name="(주)현장평가정밀")
    profile = make_meister()
    placement = pl.create_placement(admin_user, meister=profile, company=company, purpose="knowhow",
                                    starts_on=TODAY - timedelta(days=10), ends_on=TODAY + timedelta(days=50),
                                    goals="현장 안전 교육", contact_name="정담당", contact_email="c@firm.kr")
    course = make_course(lessons=1, quizzes=0, practicals=1)  # the rule asks 80 % lab attendance
    practical = [m for m in course.modules if m.kind == "practical"][0]
    practical.data = dict(practical.data, workplace_assessment=True)
    trainee = make_user(company_id=company.id, name="김작업")
    enrollment = make_enrollment(trainee, course, status="active")
    lesson = [m for m in course.modules if m.kind == "lesson"][0]
    learning.complete_lesson(enrollment, lesson)
    db.session.flush()
    meister = profile.user
    return type("W", (), dict(company=company, placement=placement, course=course, practical=practical,
                              trainee=trainee, enrollment=enrollment, meister=meister, profile=profile))


def judged(practical, passed=True, failing=()):
    return [{"item": it["id"], "passed": passed and it["id"] not in failing, "comment": ""}
            for it in practical.data["checklist"]]


def test_workplace_signoff_completes_the_course_and_issues_the_certificate(world):
    from lms.certificates.models import Certificate

    assert learning.completion_status(world.enrollment).complete is False
    so = wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                     results=judged(world.practical), outcome="passed")
    assert (so.site, so.placement_id, so.assessor_id) == ("workplace", world.placement.id, world.meister.id)
    db.session.refresh(world.enrollment)
    # No lab session was booked: the attendance threshold measures lab hours and does not apply.
    assert world.enrollment.status == "completed"
    cert = db.session.execute(select(Certificate).where(Certificate.enrollment_id == world.enrollment.id)).scalar()
    assert cert is not None
    audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "signoff.create")).scalars().all()
    assert audit and audit[-1].details["site"] == "workplace" and audit[-1].details["placement_id"] == world.placement.id


def test_failed_workplace_signoff_does_not_complete(world):
    wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                results=judged(world.practical, failing=("c2",)), outcome="failed")
    db.session.refresh(world.enrollment)
    assert world.enrollment.status == "active"
    st = learning.completion_status(world.enrollment)
    assert st.practicals_passed == 0 and not st.complete


def test_correction_supersedes_and_is_required_to_name_the_current(world):
    first = wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                        results=judged(world.practical, failing=("c1",)), outcome="failed")
    with pytest.raises(Conflict):  # a second sign-off must name the one it corrects
        wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                    results=judged(world.practical), outcome="passed")
    second = wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                         results=judged(world.practical), outcome="passed", supersedes_id=first.id)
    assert second.supersedes_id == first.id
    assert learning.latest_signoff(world.enrollment, world.practical).id == second.id
    db.session.refresh(world.enrollment)
    assert world.enrollment.status == "completed"
    actions = [a.action for a in db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert "signoff.create" in actions and "signoff.correct" in actions


def test_every_item_must_be_judged_and_passed_needs_every_item(world):
    results = judged(world.practical)[:-1]
    with pytest.raises(ValidationError, match="판정하지 않은 항목"):
        wp.sign_off(world.meister, world.placement, world.enrollment, world.practical, results=results,
                    outcome="passed")
    with pytest.raises(ValidationError):
        wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                    results=judged(world.practical, failing=("c3",)), outcome="passed")
    with pytest.raises(ValidationError):  # no verdict is assumed
        wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                    results=judged(world.practical), outcome="")
    assert db.session.execute(select(PracticalSignoff)).first() is None


def test_refused_when_the_course_does_not_allow_it(world):
    world.practical.data = {k: v for k, v in world.practical.data.items() if k != "workplace_assessment"}
    db.session.flush()
    with pytest.raises(ValidationError, match="현장 평가를 허용하지 않습니다"):
        wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                    results=judged(world.practical), outcome="passed")


def test_refused_when_the_trainee_is_not_of_the_placement_company(world):
    other = make_user(company_id=make_company(name="(주)다른기업").id)
    enrollment = make_enrollment(other, world.course, status="active")
    with pytest.raises(PermissionDenied, match="파견된 기업 소속"):
        wp.sign_off(world.meister, world.placement, enrollment, world.practical,
                    results=judged(world.practical), outcome="passed")


def test_refused_for_another_meister(world, make_meister):
    intruder = make_meister().user
    with pytest.raises(PermissionDenied):
        wp.sign_off(intruder, world.placement, world.enrollment, world.practical,
                    results=judged(world.practical), outcome="passed")


@pytest.mark.parametrize("state", ["closed", "cancelled", "not_started", "ended"])
def test_refused_when_the_placement_is_not_under_way(world, state, admin_user):
    p = world.placement
    if state == "closed":
        p.closed_on = TODAY - timedelta(days=1)
    elif state == "cancelled":
        pl.cancel_placement(admin_user, p, reason="잘못 등록")
    elif state == "not_started":
        p.starts_on = TODAY + timedelta(days=1)
    else:
        p.starts_on, p.ends_on = TODAY - timedelta(days=40), TODAY - timedelta(days=1)
    db.session.flush()
    with pytest.raises(Conflict, match="진행 중인 파견"):
        wp.sign_off(world.meister, p, world.enrollment, world.practical, results=judged(world.practical),
                    outcome="passed")


def test_a_lab_signoff_brings_the_attendance_rule_back(world, app):
    """Only a trainee whose practicals were all assessed at work is spared the lab-hours
    threshold: once an instructor's lab sign-off is current, the rule applies again."""
    from lms.labs.signoff import record_signoff

    first = wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                        results=judged(world.practical, failing=("c1",)), outcome="failed")
    instructor = make_user("instructor")
    record_signoff(instructor, world.enrollment, world.practical, results=judged(world.practical), outcome="passed",
                   supersedes_id=first.id)
    st = learning.completion_status(world.enrollment)
    assert st.practicals_passed == 1 and not st.complete and st.attendance_required == 80


# --------------------------------------------------------------------------- pages

def test_pages_404_before_403_and_the_form_starts_unanswered(world, client, make_meister):
    url = f"/meister/placements/{world.placement.id}/workplace/{world.enrollment.id}/{world.practical.id}"
    login(client, make_meister().user)  # another meister: the placement is not theirs
    assert client.get(url).status_code == 404
    login(client, world.meister)
    other = make_enrollment(make_user(company_id=make_company().id), world.course, status="active")
    assert client.get(f"/meister/placements/{world.placement.id}/workplace/{other.id}/{world.practical.id}"
                      ).status_code == 404
    page = client.get(url).get_data(as_text=True)
    radios = re.findall(r'<input type="radio"[^>]*>', page)
    assert len(radios) == 2 * len(world.practical.data["checklist"]) and not any("checked" in r for r in radios)
    verdict = page.split('id="outcome"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)" selected', verdict) == [""]  # nothing judged in advance
    listing = client.get(f"/meister/placements/{world.placement.id}/workplace").get_data(as_text=True)
    assert "김작업" in listing


def test_page_signs_off_and_shows_refusals(world, client):
    login(client, world.meister)
    url = f"/meister/placements/{world.placement.id}/workplace/{world.enrollment.id}/{world.practical.id}"
    data = {f"passed_{it['id']}": "1" for it in world.practical.data["checklist"]}
    data.update(outcome="passed", assessed_on=TODAY.isoformat())
    resp = client.post(url, data=data)
    assert resp.status_code == 302
    db.session.refresh(world.enrollment)
    assert world.enrollment.status == "completed"
    world.placement.closed_on = TODAY - timedelta(days=1)
    db.session.flush()
    page = client.get(url).get_data(as_text=True)
    assert "진행 중인 파견에서만" in page and 'name="outcome"' not in page


def test_the_trainee_sees_where_the_practical_was_assessed(world, client):
    wp.sign_off(world.meister, world.placement, world.enrollment, world.practical,
                results=judged(world.practical), outcome="passed")
    login(client, world.trainee)
    page = client.get(f"/learn/{world.enrollment.id}/{world.practical.slug}").get_data(as_text=True)
    assert "현장(소속 기업)에서 평가" in page
