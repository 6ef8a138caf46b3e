"""The personal-data access log (개인정보 접속기록): who looked at, changed, exported or
downloaded whose data, when, from where and why; append-only and hash-chained.

Requirements: PIPA 개인정보의 안전성 확보조치 기준 제8조 (접속기록의 보관 및 점검),
PIPA 제29조 (안전조치의무); OWASP ASVS 5.0 V16.2 (log content: who, what, when, where),
V16.4 (log protection: integrity, no tampering).
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from lms.core import access_log as al
from lms.core.access_log import AccessLogEntry
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment, job_file
from tests.conftest import is_postgres, login
from tests.exports import download
from tests.factories import make_user
from tests.labs.conftest import world  # noqa: F401  (fixture)


def _rows(actor=None, **where):
    stmt = sa.select(AccessLogEntry).order_by(AccessLogEntry.id)
    if actor is not None:
        stmt = stmt.where(AccessLogEntry.actor_id == actor.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AccessLogEntry, k) == v)
    return list(db.session.execute(stmt).scalars())


def _members(world, count=3):
    from lms.labs.models import CohortMember

    users = [make_user("trainee") for _ in range(count)]
    for u in users:
        db.session.add(CohortMember(cohort_id=world.cohort.id, user_id=u.id))
    db.session.flush()
    return users


def _cert_in(world, user=None):
    from lms.certificates.services import issue_for_enrollment

    e = completed_enrollment(user=user, course=world.course, cohort=world.cohort)
    cert = issue_for_enrollment(e)
    db.session.flush()
    return cert


# ------------------------------------------------------------------ what gets logged

def test_staff_viewing_a_cohort_roster_is_logged_with_its_subjects(world, client):
    """PIPA 안전성 확보조치 기준 제8조: staff viewing trainees' data leaves account, time, address, subjects, action."""
    members = _members(world, 3)
    db.session.commit()
    login(client, world.instructor)
    assert client.get(f"/labs/cohorts/{world.cohort.id}").status_code == 200
    [row] = _rows(world.instructor)
    assert row.action == "view" and row.endpoint == "labs.cohort"
    assert set(row.subjects) == {u.id for u in members} and row.subject_count == 3
    assert row.actor_email == world.instructor.email and row.actor_role == "instructor"
    assert row.remote_addr == "127.0.0.1" and row.path == f"/labs/cohorts/{world.cohort.id}"
    assert abs(row.created_at - datetime.now(timezone.utc)) < timedelta(minutes=5)


def test_a_refused_request_logs_nothing(world, client):
    """PIPA 안전성 확보조치 기준 제8조: only accesses that happened are logged (another cohort's 404 shows nothing)."""
    _members(world, 2)
    db.session.commit()
    login(client, world.other_instructor)
    assert client.get(f"/labs/cohorts/{world.cohort.id}").status_code == 404
    assert _rows(world.other_instructor) == []


def test_certificate_pdf_by_staff_asks_a_reason_then_logs_the_download(world, client):
    """PIPA 안전성 확보조치 기준 제8조 (download) and the export-reason rule: no file without a reason."""
    cert = _cert_in(world)
    db.session.commit()
    login(client, world.instructor)
    url = f"/certificates/{cert.number}.pdf"
    form = client.get(url)
    assert form.status_code == 200 and form.mimetype == "text/html" and "내려받는 목적" in form.text
    refused = client.post(url, data={"purpose": ""})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert _rows(world.instructor, action="download") == []
    r = download(client, url)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    [row] = _rows(world.instructor, action="download")
    assert row.subjects == [cert.user_id] and row.subject_count == 1
    assert row.reason.startswith("operation") and cert.number in row.description


def test_trainee_viewing_their_own_data_logs_nothing(world, client):
    """PIPA 안전성 확보조치 기준 제8조 covers staff processing; a data subject reading their own data is not logged."""
    trainee = make_user("trainee")
    cert = _cert_in(world, user=trainee)
    db.session.commit()
    login(client, trainee)
    r = client.get(f"/certificates/{cert.number}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"  # no reason form for the owner
    assert client.get("/certificates").status_code == 200
    assert _rows(trainee) == []


def test_roster_export_logs_reason_and_row_count(world, client):
    """PIPA 안전성 확보조치 기준 제8조: an export records its reason and the number of rows handed out."""
    members = _members(world, 4)
    db.session.commit()
    login(client, world.instructor)
    url = f"/labs/cohorts/{world.cohort.id}/roster.csv"
    assert client.post(url, data={"purpose": "other", "detail": ""}).status_code == 400  # 기타 needs a text
    rrn = client.post(url, data={"purpose": "other", "detail": "확인 900101-1234567"})
    assert rrn.status_code == 400 and rrn.mimetype == "text/html"
    assert _rows(world.instructor, action="export") == []
    r = download(client, url, purpose="other", detail="고용보험 환급 신청")
    assert r.status_code == 200 and r.mimetype.startswith("text/csv")
    data_rows = [line for line in r.data.decode("utf-8-sig").splitlines()[2:] if line]
    [row] = _rows(world.instructor, action="export")
    assert row.subject_count == len(data_rows) == 4
    assert set(row.subjects) == {u.id for u in members}
    assert "고용보험 환급 신청" in row.reason and "roster.csv" in row.description


def test_cohort_zip_download_is_logged_with_every_certificate_holder(world, client):
    """PIPA 안전성 확보조치 기준 제8조: a cohort ZIP of certificates names every data subject in it."""
    certs = [_cert_in(world) for _ in range(2)]
    db.session.commit()
    login(client, world.instructor)
    url = f"/certificates/cohorts/{world.cohort.id}/download?format=zip"
    assert client.get(url).mimetype == "text/html"
    job = download(client, url, purpose="certificate")  # the file is made by a job (inline in tests)
    assert _rows(world.instructor, action="download") == []  # queued and made, not handed out yet
    r = job_file(client, job)
    assert r.mimetype == "application/zip" and len(zipfile.ZipFile(io.BytesIO(r.data)).namelist()) == 2
    [row] = _rows(world.instructor, action="download")
    assert set(row.subjects) == {c.user_id for c in certs} and row.subject_count == 2
    assert row.reason.startswith("certificate")


def test_staff_changes_are_logged(world, client):
    """PIPA 안전성 확보조치 기준 제8조 (change): an admin changing an account is logged against that person."""
    admin = make_user("admin")
    trainee = make_user("trainee")
    db.session.commit()
    login(client, admin)
    assert client.get(f"/admin/users/{trainee.id}").status_code == 200
    client.post(f"/admin/users/{trainee.id}/active", data={"active": "0", "confirmed": "yes"})
    actions = [(r.action, r.subjects) for r in _rows(admin)]
    assert ("view", [trainee.id]) in actions and ("change", [trainee.id]) in actions


def test_one_statement_set_per_request_whatever_the_number_of_subjects(app):
    """Constant statements (ASVS V15 resource use): subjects are one column, not a row each."""
    counts = []
    staff = make_user("admin")
    for n in (1, 400):
        seen = []

        def hook(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", hook)
        try:
            al.log_access("view", range(1, n + 1), actor=staff)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", hook)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 3


# ------------------------------------------------------------------ append-only, chain

def _append(n=3):
    staff = make_user("instructor")
    return [al.append(db.session, actor_id=staff.id, actor_email=staff.email, actor_role="instructor",
                      action="view", subject_ids=f",{i + 1},", subject_count=1, description=f"row {i}")
            for i in range(n)]


@pytest.mark.parametrize("statement", [
    "UPDATE access_log SET reason = 'x' WHERE id = :id",
    "DELETE FROM access_log WHERE id = :id",
])
def test_update_and_delete_are_refused_by_the_database(statement):
    """PIPA 안전성 확보조치 기준 제8조 ②(위·변조 방지) / ASVS V16.4.2: the database refuses UPDATE and DELETE."""
    rows = _append(2)
    sp = db.session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": rows[0].id})
    sp.rollback()
    assert db.session.execute(sa.select(AccessLogEntry.reason).where(AccessLogEntry.id == rows[0].id)).scalar() == ""


def test_truncate_is_refused_on_postgresql():
    """PIPA 안전성 확보조치 기준 제8조 ②: the whole log cannot be emptied either (PostgreSQL)."""
    if not is_postgres():
        pytest.skip("TRUNCATE is PostgreSQL's")
    _append(1)
    sp = db.session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("TRUNCATE access_log"))
    sp.rollback()


def _tamper(row_id: int, **values):
    """Change a row behind the trigger's back (inside the test's transaction, rolled back after)."""
    if is_postgres():
        db.session.execute(sa.text("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only"))
    else:
        db.session.execute(sa.text("DROP TRIGGER access_log_no_update"))
    sets = ", ".join(f"{k} = :{k}" for k in values)
    db.session.execute(sa.text(f"UPDATE access_log SET {sets} WHERE id = :id"), {"id": row_id, **values})
    db.session.expire_all()


def test_verify_names_the_first_tampered_row(app):
    """PIPA 안전성 확보조치 기준 제8조 ② / ASVS V16.4.2: tampering with a row breaks the chain at that row."""
    rows = _append(4)
    assert al.verify(db.session).ok
    _tamper(rows[1].id, subject_ids=",999,")
    result = al.verify(db.session)
    assert not result.ok and result.first_bad_id == rows[1].id
    out = app.test_cli_runner().invoke(args=["access-log", "verify"])
    assert out.exit_code == 1 and f"id={rows[1].id}" in out.output


def test_verify_cli_reports_an_intact_chain(app):
    """PIPA 안전성 확보조치 기준 제8조 ②: `flask access-log verify` checks the whole log."""
    _append(3)
    out = app.test_cli_runner().invoke(args=["access-log", "verify"])
    assert out.exit_code == 0 and out.output.startswith("ok:")


_fields = st.fixed_dictionaries({
    "created_at": st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1),
                               timezones=st.just(timezone.utc)),
    "actor_id": st.one_of(st.none(), st.integers(1, 10**6)),
    "actor_email": st.emails(),
    "actor_role": st.sampled_from(al.STAFF_ROLES),
    "remote_addr": st.ip_addresses().map(str),
    "action": st.sampled_from(al.ACTIONS),
    "endpoint": st.text(max_size=20),
    "path": st.text(max_size=30),
    "subject_ids": st.lists(st.integers(1, 10**6), max_size=8).map(al._subject_text),
    "subject_count": st.integers(0, 10**5),
    "description": st.text(max_size=40),
    "reason": st.text(max_size=40),
})


class _Row:
    def __init__(self, id, fields, row_hash):
        self.id, self.row_hash = id, row_hash
        self.__dict__.update(fields)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(_fields, min_size=1, max_size=12), data=st.data())
def test_chain_verify_holds_for_any_sequence_and_catches_any_change(entries, data):
    """ASVS V16.4.2 / PIPA 안전성 확보조치 기준 제8조 ②: for every sequence the chain verifies, and changing any
    hashed field of any row (or dropping a row) is reported at that row."""
    prev, rows = al.GENESIS, []
    for i, f in enumerate(entries, start=1):
        prev = al.chain_hash(prev, f)
        rows.append(_Row(i, f, prev))
    assert al.verify_rows(rows) == (len(rows), None, rows[-1].row_hash)

    k = data.draw(st.integers(0, len(rows) - 1))
    name = data.draw(st.sampled_from(al.HASHED))
    victim = rows[k]
    old = getattr(victim, name)
    new = data.draw(_fields)[name]
    if new == old:
        return
    setattr(victim, name, new)
    checked, bad, _ = al.verify_rows(rows)
    assert (checked, bad) == (k, victim.id)
    setattr(victim, name, old)
    if len(rows) > 1 and k < len(rows) - 1:  # a row removed from the middle breaks its successor
        gone = rows[:k] + rows[k + 1:]
        assert al.verify_rows(gone)[1] == rows[k + 1].id


def test_concurrent_writers_keep_the_chain_linear(app, live_db):
    """PIPA 안전성 확보조치 기준 제8조 ②: parallel requests never fork the chain (advisory lock / BEGIN IMMEDIATE)."""
    from tests.concurrency import run_threads

    staff = make_user("instructor")
    staff_id, email = staff.id, staff.email
    db.session.commit()
    before = db.session.execute(sa.select(sa.func.count(AccessLogEntry.id))).scalar_one()
    db.session.remove()  # no transaction of this thread stays open while the writers run

    def write(i):
        for k in range(3):
            al.append(db.session, actor_id=staff_id, actor_email=email, actor_role="instructor",
                      action="view", subject_ids=f",{10**9 + i},", subject_count=1, description=f"thread {i} row {k}")
            db.session.commit()

    errors = run_threads(app, write, [(i,) for i in range(6)])
    assert errors == []
    db.session.remove()
    assert db.session.execute(sa.select(sa.func.count(AccessLogEntry.id))).scalar_one() == before + 18
    result = al.verify(db.session)
    assert result.ok, result


# ------------------------------------------------------------------ the admin page

def test_admin_searches_the_access_log_and_exports_it_with_a_reason(world, client):
    """PIPA 안전성 확보조치 기준 제8조 ③ (정기 점검): admins search by actor, subject, action and Korean dates;
    the CSV of a search asks a reason and is itself logged."""
    members = _members(world, 2)
    db.session.commit()
    login(client, world.instructor)
    client.get(f"/labs/cohorts/{world.cohort.id}")
    assert client.get("/admin/access-log").status_code == 403
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    page = client.get(f"/admin/access-log?subject={members[0].id}&action=view").text
    assert world.instructor.email in page
    today = datetime.now(timezone.utc) + timedelta(hours=9)
    assert world.instructor.email not in client.get("/admin/access-log?action=export").text
    assert world.instructor.email not in client.get(
        f"/admin/access-log?date_to={(today - timedelta(days=2)).date().isoformat()}").text
    assert world.instructor.email in client.get(
        f"/admin/access-log?actor={world.instructor.email[:6]}&date_from={today.date().isoformat()}").text
    url = f"/admin/access-log.csv?subject={members[1].email}"
    assert client.get(url).mimetype == "text/html"
    r = download(client, url, purpose="request", detail="정보주체 열람 요구")
    assert r.mimetype.startswith("text/csv") and world.instructor.email in r.data.decode("utf-8-sig")
    [row] = _rows(admin, action="export")
    assert row.subject_count == 1 and "정보주체 열람 요구" in row.reason


def test_every_staff_list_of_people_writes_one_row_per_request(world, client):
    """PIPA 안전성 확보조치 기준 제8조: lists of people seen by staff (certificates, users, outbox) are logged,
    one row per request whatever the list's length."""
    cert = _cert_in(world)
    admin = make_user("admin")
    db.session.commit()
    login(client, world.instructor)
    since = db.session.execute(sa.select(sa.func.max(AccessLogEntry.id))).scalar() or 0
    assert client.get("/certificates/manage").status_code == 200
    # Only this request's rows: the table keeps every row (the database refuses deletes), so
    # rows of an earlier test whose user had the same id may be there.
    [row] = [r for r in _rows(world.instructor) if r.id > since]
    assert row.endpoint == "certificates.manage" and cert.user_id in row.subjects
    login(client, admin)
    for url, endpoint in (("/admin/users", "admin.users"), ("/admin/outbox", "admin.outbox")):
        assert client.get(url).status_code == 200
        assert len([r for r in _rows(admin, endpoint=endpoint) if r.id > since]) == 1
    users_row = [r for r in _rows(admin, endpoint="admin.users") if r.id > since][0]
    assert world.instructor.id in users_row.subjects and users_row.subject_count >= 3
