"""Lists of people and records are paginated, sortable and searchable on the server,
and the instructor's aggregates agree with the per-trainee rules they summarise."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.db import utcnow
from lms.extensions import db
from tests.conftest import login
from tests.scale import build_world, grow
from tests.exports import download


@pytest.fixture
def w(monkeypatch):
    # The certificates' PDFs are not what these tests look at: skip rendering them.
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    world = build_world()
    grow(world, trainees=11, sessions=1, logs=12)  # 12 trainees with "me"
    db.session.commit()
    return world


def _rows(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def _names(html: str) -> list[str]:
    return re.findall(r"<strong[^>]*>([^<]*(?:규모훈련생\d+|나훈련))</strong>", html)


# --------------------------------------------------------------------------- cohort roster

def test_cohort_roster_pages_sorts_and_searches(client, w):
    login(client, w.instructor)
    url = f"/labs/cohorts/{w.cohort.id}"
    first = client.get(url, query_string={"per_page": 5}).get_data(as_text=True)
    names = _names(first)
    assert len(names) == 5
    assert "1 / 3쪽 (전체 12건)" in first
    second = client.get(url, query_string={"per_page": 5, "page": 2}).get_data(as_text=True)
    assert len(_names(second)) == 5 and not set(_names(second)) & set(names)
    everyone = sorted(u.name for u, _e in w.trainees)
    assert names == everyone[:5]
    desc = _names(client.get(url, query_string={"per_page": 5, "sort": "name", "dir": "desc"}).get_data(as_text=True))
    assert desc == sorted(everyone, reverse=True)[:5]
    found = client.get(url, query_string={"q": "규모훈련생007"}).get_data(as_text=True)
    assert _names(found) == ["규모훈련생007"]
    by_number = client.get(url, query_string={"q": "s00003"}).get_data(as_text=True)
    assert _names(by_number) == ["규모훈련생003"]


def test_page_size_is_bounded(client, w):
    from lms.core.pagination import MAX_PER_PAGE

    login(client, w.instructor)
    html = client.get(f"/labs/cohorts/{w.cohort.id}", query_string={"per_page": 100000, "page": "x"})
    assert html.status_code == 200
    assert MAX_PER_PAGE == 100 and len(_names(html.get_data(as_text=True))) == 12
    # An unknown sort key or a page past the end falls back, never a 500.
    assert client.get(f"/labs/cohorts/{w.cohort.id}", query_string={"sort": "evil", "page": 99}).status_code == 200


def test_cohort_page_shows_figures_of_the_whole_cohort(client, w):
    from lms.labs.overview import cohort_figures

    login(client, w.instructor)
    figures = cohort_figures(w.cohort)
    assert figures.members == 12 and figures.enrollments == 24
    assert sum(n for _b, n in figures.distribution) == 24
    html = client.get(f"/labs/cohorts/{w.cohort.id}", query_string={"per_page": 5}).get_data(as_text=True)
    assert "진도율 분포 (수강 24건)" in html
    assert f'<div class="stat">{figures.pending_signoffs}</div><div class="stat-label">평가 대기' in html


# --------------------------------------------------------------------------- aggregates agree with the rules

def test_bulk_progress_and_attendance_equal_the_per_trainee_rules(w):
    from lms.labs.figures import attendance_of, progress_of
    from lms.labs.services import attendance_summary, progress_percent
    from lms.learning.models import Enrollment

    enrollments = db.session.execute(select(Enrollment).where(Enrollment.cohort_id == w.cohort.id)).scalars().all()
    progress = progress_of([e.id for e in enrollments])
    attendance = attendance_of([e.id for e in enrollments])
    assert len({progress[e.id] for e in enrollments}) > 2  # the world has several levels of progress
    # The SQL itself yields whole percents rounded down (as the rule does), not fractions.
    from lms.labs.figures import progress_select

    p = progress_select([e.id for e in enrollments])
    raw = dict(db.session.execute(select(p.c.enrollment_id, p.c.percent)).all())
    for e in enrollments:
        assert progress[e.id] == progress_percent(e), e.id
        assert raw[e.id] == progress_percent(e), (e.id, raw[e.id])
        one = attendance_summary(e)
        bulk = attendance.get(e.id)
        if one.percent is None:
            assert bulk is None or bulk.percent is None
        else:  # the same minutes, so the same figure on every page
            assert (bulk.scheduled, bulk.attended) == (one.scheduled_minutes, one.attended_minutes), e.id
            assert bulk.percent == one.percent


def test_pending_signoffs_leave_out_trainees_marked_absent(client, w):
    from lms.labs.models import Attendance, Booking, PracticalSignoff

    session = w.past_session
    signed = set(db.session.execute(select(PracticalSignoff.enrollment_id)).scalars())
    status = {a.user_id: a.status for a in db.session.execute(
        select(Attendance).where(Attendance.session_id == session.id)).scalars()}
    waiting = [(u, e) for u, e in w.trainees if e.id not in signed]
    absent = [u.name for u, _e in waiting if status.get(u.id) in ("absent", "excused")]
    present = [u.name for u, _e in waiting if status.get(u.id) not in ("absent", "excused")]
    assert absent and present
    login(client, w.instructor)
    html = client.get("/instructor").get_data(as_text=True)
    section = html.split("평가 대기</h2>")[1]
    for name in absent:
        assert f">{name}</strong>" not in section
    for name in present:
        assert f">{name}</strong>" in section
    assert f'<div class="stat">{len(present)}</div><div class="stat-label">평가 대기' in html
    del Booking


# --------------------------------------------------------------------------- session attendance

def test_session_attendance_sheet_is_paginated_and_saving_a_page_keeps_the_rest(client, w):
    login(client, w.instructor)
    url = f"/labs/sessions/{w.past_session.id}"
    html = client.get(url, query_string={"per_page": 5}).get_data(as_text=True)
    assert len(re.findall(r'name="status_\d+"', html)) == 5
    assert "1 / 3쪽 (전체 12건)" in html
    page3 = client.get(url, query_string={"per_page": 5, "page": 3}).get_data(as_text=True)
    assert len(re.findall(r'name="status_\d+"', page3)) == 2
    one = client.get(url, query_string={"q": "규모훈련생005"}).get_data(as_text=True)
    assert len(re.findall(r'name="status_\d+"', one)) == 1 and "규모훈련생005" in one


# --------------------------------------------------------------------------- certificates

def test_cohort_certificates_are_paginated_and_searchable(client, w):
    login(client, w.instructor)
    url = f"/certificates/cohorts/{w.cohort.id}"
    html = client.get(url, query_string={"per_page": 5}).get_data(as_text=True)
    numbers = re.findall(r">(\d{4}-\d{6})</a>", html)
    assert len(numbers) == 5 and "1 / 3쪽 (전체 12건)" in html
    assert '<div class="stat">12</div>' in html  # the count is of the whole cohort
    page2 = re.findall(r">(\d{4}-\d{6})</a>", client.get(url, query_string={"per_page": 5, "page": 2}).get_data(as_text=True))
    assert len(page2) == 5 and not set(page2) & set(numbers)
    assert sorted(numbers + page2) == numbers + page2
    found = client.get(url, query_string={"q": w.me_cert.number}).get_data(as_text=True)
    assert re.findall(r">(\d{4}-\d{6})</a>", found) == [w.me_cert.number]


def test_bulk_statuses_equal_status_of(w):
    from lms.certificates import services
    from lms.certificates.models import Certificate

    certs = db.session.execute(select(Certificate)).scalars().all()
    certs[0].revoked_at = utcnow()
    certs[1].expires_at = utcnow() - timedelta(days=1)
    db.session.flush()
    new = services.reissue(certs[2], w.admin, name="새이름", reason="오기 정정")
    certs = db.session.execute(select(Certificate)).scalars().all()
    bulk = services.statuses_of(certs)
    assert {bulk[c.id] for c in certs} == {"revoked", "expired", "superseded", "valid"}
    assert all(bulk[c.id] == services.status_of(c) for c in certs)
    assert bulk[new.id] == "valid"


# --------------------------------------------------------------------------- admin lists

def test_admin_users_sort_search_and_second_page(client, w):
    login(client, w.admin)
    html = client.get("/admin/users", query_string={"sort": "name", "dir": "asc", "per_page": 5}).get_data(as_text=True)
    names = re.findall(r'/admin/users/\d+">([^<]+)</a>', html)
    assert len(names) == 5 and names == sorted(names)
    page2 = re.findall(r'/admin/users/\d+">([^<]+)</a>', client.get(
        "/admin/users", query_string={"sort": "name", "dir": "asc", "per_page": 5, "page": 2}).get_data(as_text=True))
    assert len(page2) == 5 and page2[0] >= names[-1]
    found = re.findall(r'/admin/users/\d+">([^<]+)</a>', client.get(
        "/admin/users", query_string={"q": "규모훈련생004"}).get_data(as_text=True))
    assert found == ["규모훈련생004"]


def test_audit_log_keyset_pages_reach_every_event_once(client, w):
    from lms.core.audit import AuditEvent

    total = db.session.execute(select(db.func.count(AuditEvent.id))).scalar()
    login(client, w.admin)
    seen, url, pages = [], "/admin/audit?per_page=7", 0
    while url and pages < 20:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<tr data-event="(\d+)">', html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        pages += 1
    assert pages > 1 and len(seen) == total == len(set(seen))
    ids = [int(x) for x in seen]
    assert ids == sorted(ids, reverse=True)  # newest first (the world wrote them in order)
    prev = re.search(r'rel="prev" href="([^"]+)"', html)
    back = client.get(prev.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(re.findall(r'<tr data-event="(\d+)">', back)) == 7


def test_outbox_search_sort_and_pages(client, w):
    login(client, w.admin)
    html = client.get("/admin/outbox", query_string={"per_page": 5, "sort": "recipient"}).get_data(as_text=True)
    recipients = re.findall(r"<td>([^<]+@example\.kr)</td>", html)
    assert len(recipients) == 5 and recipients == sorted(recipients)
    assert "다음" in html
    found = re.findall(r"<td>([^<]+@example\.kr)</td>", client.get(
        "/admin/outbox", query_string={"q": "out11-"}).get_data(as_text=True))
    assert found and all(r.startswith("out11-") for r in found)


def test_cohort_list_paginates(client, w):
    from lms.labs.models import Cohort

    for k in range(6):
        db.session.add(Cohort(programme_id=w.programme.id, intake_year=2020 + k, term=1, label=f"목록-{k}기"))
    db.session.commit()
    total = db.session.execute(select(db.func.count(Cohort.id))).scalar()
    assert total > 6
    login(client, w.admin)
    html = client.get("/labs/cohorts", query_string={"per_page": 3}).get_data(as_text=True)
    assert html.count('class="nowrap" data-label="기수"') == 3 and f"1 / {-(-total // 3)}쪽 (전체 {total}건)" in html
    found = client.get("/labs/cohorts", query_string={"q": "목록-3"}).get_data(as_text=True)
    assert "목록-3기" in found and "목록-4기" not in found


def test_dashboard_cards_summarise_each_cohort_like_the_per_trainee_rules(client, w):
    from lms.labs.figures import attendance_total
    from lms.labs.overview import cohort_cards, cohort_enrollment_ids
    from lms.labs.services import attendance_summary, progress_percent
    from lms.learning.models import Enrollment

    enrollments = db.session.execute(
        select(Enrollment).where(Enrollment.id.in_(cohort_enrollment_ids([w.cohort.id])))).scalars().all()
    percents = [progress_percent(e) for e in enrollments]
    card = next(c for c in cohort_cards([w.cohort]) if c.cohort.id == w.cohort.id)
    assert card.members == 12
    assert card.average == sum(percents) // len(percents)
    assert [n for _b, n in card.distribution] == [
        sum(1 for p in percents if lo <= p <= hi) for (lo, hi), _n in card.distribution]
    assert card.attendance.scheduled == sum(attendance_summary(e).scheduled_minutes for e in enrollments)
    assert card.attendance.attended == sum(attendance_summary(e).attended_minutes for e in enrollments)
    assert attendance_total(cohort_enrollment_ids([w.cohort.id])) == card.attendance
    login(client, w.instructor)
    html = client.get("/instructor").get_data(as_text=True)
    assert f"평균 진도율 {card.average}%" in html and "진도율 분포" in html


def test_exports_act_on_the_whole_roster_not_the_page(client, w):
    import csv
    import io

    login(client, w.instructor)
    page = client.get(f"/labs/cohorts/{w.cohort.id}", query_string={"per_page": 5}).get_data(as_text=True)
    assert len(_names(page)) == 5
    data = download(client, f"/labs/cohorts/{w.cohort.id}/roster.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    emails = {r[1] for r in rows if len(r) > 1 and r[1].endswith("@example.kr")}
    assert emails == {u.email for u, _e in w.trainees}  # all 12 trainees, each with both courses
    assert sum(1 for r in rows if len(r) > 1 and r[1].endswith("@example.kr")) == 24
