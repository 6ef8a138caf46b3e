"""Practical sign-off: who may sign, checklist rules, corrections supersede, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs import booking as bk
from lms.labs.signoff import current_signoff, history, pending_signoffs, sign_off
from tests.conftest import login
from tests.factories import make_enrollment, make_user
from tests.labs.conftest import enrolled_trainee


def _all(module, passed=True):
    return [{"item": it["id"], "passed": passed, "comment": ""} for it in module.data["checklist"]]


def test_cohort_instructor_signs_and_correction_supersedes(world):
    user, e = enrolled_trainee(world)
    first = sign_off(world.instructor, e, world.practical, results=_all(world.practical, False), outcome="failed")
    assert current_signoff(e.id, world.practical.id) is first
    with pytest.raises(Conflict):  # a stale form (not naming the current one) is refused
        sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    second = sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed",
                      supersedes_id=first.id)
    assert second.supersedes_id == first.id
    assert current_signoff(e.id, world.practical.id) is second
    assert [h.id for h in history(e.id, world.practical.id)] == [second.id, first.id]
    assert first.outcome == "failed"  # never edited in place
    events = db.session.execute(select(AuditEvent).where(AuditEvent.object_type == "PracticalSignoff")).scalars().all()
    assert {ev.action for ev in events} == {"signoff.create", "signoff.correct"}
    assert all(ev.actor_id == world.instructor.id for ev in events)


def test_only_instructors_of_cohort_or_lab_may_sign(world):
    user, e = enrolled_trainee(world)
    with pytest.raises(PermissionDenied):
        sign_off(world.other_instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    # an online trainee (no cohort) who booked a session of the other lab: its instructor may sign
    online = make_user("trainee")
    oe = make_enrollment(online, world.course)
    from lms.labs.booking import create_session
    from datetime import timedelta
    from lms.core.db import utcnow

    start = utcnow() + timedelta(days=4)
    s = create_session(world.other_lab, room_id=world.other_room.id, module=world.practical, starts_at=start,
                       ends_at=start + timedelta(hours=2), capacity=5, instructor=world.other_instructor)
    with pytest.raises(PermissionDenied):
        sign_off(world.other_instructor, oe, world.practical, results=_all(world.practical), outcome="passed")
    bk.book(online, s.id)
    so = sign_off(world.other_instructor, oe, world.practical, results=_all(world.practical), outcome="passed")
    assert so.assessor_id == world.other_instructor.id


def test_checklist_rules(world):
    user, e = enrolled_trainee(world)
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical)[:2], outcome="passed")
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical, False), outcome="passed")
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="maybe")
    lesson = [m for m in world.course.modules if m.kind == "lesson"][0]
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, lesson, results=[], outcome="passed")


def test_signoff_view_and_access(world, client):
    user, e = enrolled_trainee(world)
    db.session.commit()
    url = f"/labs/signoffs/{e.id}/{world.practical.id}"
    login(client, world.other_instructor)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"outcome": "passed"}).status_code == 404
    login(client, world.instructor)
    r = client.get(url)
    assert r.status_code == 200 and "점검 항목" in r.text
    data = {f"passed_{it['id']}": "1" for it in world.practical.data["checklist"]}
    data.update(outcome="passed", assessed_on="2026-11-20", comment_c1="잘함")
    r = client.post(url, data=data, follow_redirects=True)
    assert "실습 평가를 기록했습니다" in r.text
    cur = current_signoff(e.id, world.practical.id)
    assert cur.outcome == "passed" and cur.results[0]["comment"] == "잘함"
    data.update(outcome="failed", passed_c2="0", supersedes_id=str(cur.id))
    r = client.post(url, data=data, follow_redirects=True)
    assert "정정됨" in r.text and "현재" in r.text
    assert len(history(e.id, world.practical.id)) == 2


def test_pending_signoffs(world):
    from datetime import timedelta

    from lms.core.db import utcnow
    from lms.labs.models import Booking, LabSession

    user, e = enrolled_trainee(world)
    start = utcnow() - timedelta(days=1)
    s = LabSession(lab_id=world.lab.id, room_id=world.room.id, module_id=world.practical.id, starts_at=start,
                   ends_at=start + timedelta(hours=2), capacity=5, booked_count=1, instructor_id=world.instructor.id)
    db.session.add(s)
    db.session.flush()
    db.session.add(Booking(session_id=s.id, user_id=user.id, enrollment_id=e.id, status="booked"))
    db.session.flush()
    assert [(b.user_id, ss.id) for b, ss in pending_signoffs(world.instructor)] == [(user.id, s.id)]
    assert pending_signoffs(world.other_instructor) == []
    sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    assert pending_signoffs(world.instructor) == []


# ------------------------------------------------------------------ integrity (issue 8)

import re  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from lms.labs.models import PracticalSignoff  # noqa: E402
from lms.labs.signoff import judged_results  # noqa: E402
from tests.formsubmit import untouched_submission  # noqa: E402


def _signoffs(e, module):
    return db.session.execute(select(PracticalSignoff).where(PracticalSignoff.enrollment_id == e.id,
                                                             PracticalSignoff.module_id == module.id)).scalars().all()


def _open_form(client, world, e):
    login(client, world.instructor)
    r = client.get(f"/labs/signoffs/{e.id}/{world.practical.id}")
    assert r.status_code == 200
    return r


def test_form_opens_with_every_item_and_the_verdict_unanswered(world, client):
    user, e = enrolled_trainee(world)
    db.session.commit()
    html = _open_form(client, world, e).text
    radios = re.findall(r'<input type="radio" name="passed_[^"]+"[^>]*>', html)
    assert len(radios) == 2 * len(world.practical.data["checklist"])
    assert not [r for r in radios if "checked" in r]
    select_html = re.search(r'<select name="outcome".*?</select>', html, re.S).group(0)
    assert not re.search(r'value="(passed|failed)"[^>]*selected', select_html)
    assert re.search(r'<option value=""( selected)?>[^<]+</option>', select_html)  # the first option is "choose"


def test_one_click_on_save_records_nothing(world, client):
    """The reported fault: saving the form as it opens recorded 5/5 passed and 합격."""
    user, e = enrolled_trainee(world)
    db.session.commit()
    html = _open_form(client, world, e).text
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}",
                    data=MultiDict(untouched_submission(html, "signoff-form")))
    assert r.status_code == 400
    assert "모든 점검 항목을 통과 또는 미통과로 판정해야 저장할 수 있습니다" in r.text
    assert "종합 판정(합격/불합격)을 골라 주세요" in r.text
    assert _signoffs(e, world.practical) == []


def test_partly_judged_form_is_refused_and_keeps_the_answers_given(world, client):
    user, e = enrolled_trainee(world)
    db.session.commit()
    _open_form(client, world, e)
    items = [it["id"] for it in world.practical.data["checklist"]]
    data = {f"passed_{i}": "1" for i in items[:-1]}
    data.update(outcome="passed", assessed_on="2026-11-20", comment_c1="잘함")
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}", data=data)
    assert r.status_code == 400 and "판정하지 않은 항목: 1개" in r.text
    assert _signoffs(e, world.practical) == []
    # what was judged stays judged on the page, the missing one stays open
    assert re.search(rf'name="passed_{items[0]}" value="1" required checked', r.text)
    assert not re.search(rf'name="passed_{items[-1]}" value="[01]" required checked', r.text)
    assert 'value="잘함"' in r.text


def test_pass_verdict_with_a_failed_item_is_refused_by_the_form(world, client):
    user, e = enrolled_trainee(world)
    db.session.commit()
    _open_form(client, world, e)
    data = {f"passed_{it['id']}": "1" for it in world.practical.data["checklist"]}
    data.update(passed_c2="0", outcome="passed", assessed_on="2026-11-20")
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}", data=data)
    assert r.status_code == 400 and "통과하지 못한 항목이 있으면 합격으로 판정할 수 없습니다" in r.text
    assert _signoffs(e, world.practical) == []


def test_correction_form_starts_unanswered_and_supersedes_with_audit(world, client):
    user, e = enrolled_trainee(world)
    first = sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    db.session.commit()
    html = _open_form(client, world, e).text
    assert not re.findall(r'<input type="radio" name="passed_[^"]+"[^>]*checked', html)
    assert "현재 기록" in html  # the current judgement is shown beside each item, not pre-selected
    # saving the untouched correction form changes nothing
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}",
                    data=MultiDict(untouched_submission(html, "signoff-form")))
    assert r.status_code == 400 and current_signoff(e.id, world.practical.id).id == first.id
    data = {f"passed_{it['id']}": "1" for it in world.practical.data["checklist"]}
    data.update(passed_c3="0", outcome="failed", assessed_on="2026-11-21", supersedes_id=str(first.id))
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}", data=data, follow_redirects=True)
    assert "실습 평가를 기록했습니다" in r.text
    cur = current_signoff(e.id, world.practical.id)
    assert cur.supersedes_id == first.id and cur.outcome == "failed"
    assert [r["passed"] for r in cur.results] == [True, True, False, True, True]
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "PracticalSignoff",
                                                                 AuditEvent.object_id == str(cur.id))).scalars().all()
    assert actions == ["signoff.correct"]


@pytest.mark.parametrize("case", ["extra", "duplicate", "unjudged", "missing", "not_bool"])
def test_service_refuses_results_that_do_not_cover_the_checklist_exactly(world, case):
    user, e = enrolled_trainee(world)
    results = _all(world.practical)
    if case == "extra":
        results.append({"item": "not-on-the-list", "passed": True, "comment": ""})
    elif case == "duplicate":
        results.append({"item": "c1", "passed": True, "comment": "again"})
    elif case == "unjudged":
        results[2]["passed"] = None
    elif case == "missing":
        results = results[1:]
    else:
        results[0]["passed"] = "yes"
    with pytest.raises(ValidationError) as exc:  # "failed": refused for the coverage, not the verdict
        sign_off(world.instructor, e, world.practical, results=results, outcome="failed")
    assert "항목" in str(exc.value.message)
    assert _signoffs(e, world.practical) == []


def test_module_without_checklist_cannot_be_signed_and_the_view_says_why(world, client):
    """An empty checklist used to record 합격 with 0/0 items."""
    user, e = enrolled_trainee(world)
    world.practical.data = dict(world.practical.data, checklist=[])
    db.session.commit()
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=[], outcome="passed")
    login(client, world.instructor)
    r = client.post(f"/labs/signoffs/{e.id}/{world.practical.id}",
                    data={"outcome": "passed", "assessed_on": "2026-11-20"})
    assert r.status_code == 400 and "점검 항목이 없어 평가를 기록할 수 없습니다" in r.text
    assert _signoffs(e, world.practical) == []


_ITEMS = ["c1", "c2", "c3", "c4", "c5"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.tuples(st.sampled_from(_ITEMS + ["x1", "c6"]),
                                  st.sampled_from([True, False, None, 1, "1"])), max_size=8))
def test_results_accepted_exactly_when_they_judge_each_item_once(world, entries):
    """For any list of results: accepted iff every checklist item appears exactly once,
    nothing else appears, and each judgement is a boolean; then the cleaned results
    are the checklist in order with the judgements given."""
    results = [{"item": i, "passed": p, "comment": ""} for i, p in entries]
    ids = [i for i, _p in entries]
    exact = sorted(ids) == sorted(_ITEMS) and all(isinstance(p, bool) for _i, p in entries)
    if exact:
        clean = judged_results(world.practical, results)
        assert [r["item"] for r in clean] == _ITEMS
        assert {r["item"]: r["passed"] for r in clean} == dict(entries)
    else:
        with pytest.raises(ValidationError):
            judged_results(world.practical, results)
