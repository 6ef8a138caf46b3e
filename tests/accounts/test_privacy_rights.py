"""A person's rights over their data (PIPA Art. 35 access, Art. 36 erasure, Art. 21
destruction, Art. 2(1-2) pseudonymisation; ASVS 5.0 V8.3.2 export and deletion of one's
own data, V2.4.1 rate limit on personal-data downloads).

- /profile/data.json and /profile/data.zip hold the person's data, nobody else's, no
  secrets, with a constant number of statements;
- deleting the account erases or masks the personal fields, ends every session, keeps
  certificates verifiable with the masked name and keeps the statistics' counts;
- masking never returns a name of two or more characters unchanged.
"""
from __future__ import annotations

from datetime import datetime
import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.audit import AuditEvent
from lms.core.masking import mask_name
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from lms.privacy.export import KINDS
from tests.conftest import login
from tests.core.test_query_counts import count_statements
from tests.factories import make_user
from tests.labs.conftest import make_session, world  # noqa: F401  (fixture)
from tests.scale import build_world, grow

PASSWORD = "password123!"


def _me(w):
    me = w.me
    me.phone = "+82-10-2345-6789"  # starts like a formula: neutralised in the CSV
    db.session.commit()
    return me


# ------------------------------------------------------------------ download (Art. 35)

def test_download_holds_own_data_and_nobody_elses(client):
    w = build_world()
    grow(w, trainees=3, sessions=2, logs=2)
    me = _me(w)
    other, other_enrollment = w.trainees[1]
    login(client, me)
    r = client.get("/profile/data.json")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "no-store"
    doc = json.loads(r.get_data(as_text=True))
    assert list(doc) == list(KINDS)
    assert doc["account"][0]["email"] == me.email and doc["account"][0]["name"] == "나훈련"
    assert doc["account"][0]["birth_date"] == "1995-03-02"
    assert {e["id"] for e in doc["enrollments"]} == {w.me_enrollment.id, w.me_cert_enrollment.id}
    assert doc["module_progress"] and doc["quiz_attempts"][0]["id"] == w.me_attempt.id
    assert {b["id"] for b in doc["bookings"]} == {
        b for (b,) in db.session.execute(select(sa.text("id")).select_from(sa.text("bookings"))
                                         .where(sa.text(f"user_id = {me.id}")))}
    assert doc["attendance"] and all(a["status"] for a in doc["attendance"])
    cert = doc["certificates"][0]
    assert (cert["number"], cert["state"], cert["name_printed"]) == (w.me_cert.number, "valid", "나훈련")
    assert doc["cohort_memberships"][0]["cohort"] == "규모-1기"
    assert any(e["action"] == "account.role_change" and e["role"] == "subject" and e["actor"] == "staff"
               for e in doc["audit_events"])
    raw = r.get_data(as_text=True)
    # Nobody else: another trainee of the same cohort, the instructor, other people's enrollments.
    for value in (other.name, other.email, w.instructor.name, w.admin.email):
        assert value not in raw
    assert other_enrollment.id not in {e["id"] for e in doc["enrollments"]}
    # No secrets: password hash, verification code, hashes, audit details.
    for secret in (me.password_hash, w.me_cert.verification_code, "password_hash", "totp", "verification_code",
                   "secret"):
        assert secret not in raw
    # The same data as a ZIP of CSV files, one per kind, UTF-8 with BOM, formulas neutralised.
    z = client.get("/profile/data.zip")
    assert z.status_code == 200 and z.mimetype == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(z.data))
    assert files.namelist() == [f"{k}.csv" for k in KINDS]
    account = files.read("account.csv")
    assert account.startswith("\ufeff".encode())
    text = account.decode("utf-8-sig")
    assert "'+82-10-2345-6789" in text and me.email in text
    certs = files.read("certificates.csv").decode("utf-8-sig")
    assert w.me_cert.number in certs and w.me_cert.verification_code not in certs
    assert all(other.email not in files.read(n).decode("utf-8-sig") for n in files.namelist())


def test_download_statements_do_not_grow_with_the_data(client):
    w = build_world()
    grow(w, trainees=2, sessions=2, logs=3)
    db.session.commit()
    login(client, w.me)

    def measure():
        out = {}
        for path in ("/profile/data.json", "/profile/data.zip"):
            with count_statements() as seen:
                assert client.get(path).status_code == 200
            out[path] = len(seen)
        return out

    measure()
    small = measure()
    size = len(client.get("/profile/data.json").data)
    grow(w, trainees=12, sessions=8, logs=20)  # more bookings, attendance and events of "me" too
    db.session.commit()
    measure()  # the first request after a commit opens the test's savepoint again: not data size
    large = measure()
    assert len(client.get("/profile/data.json").data) > size * 2
    assert small == large


def test_download_is_rate_limited_per_account(app, client):
    me = make_user("trainee")
    db.session.commit()
    login(client, me)
    old = (app.config["RATELIMIT_ENABLED"], app.config.get("REDIS_URL"), app.config.get("RATELIMIT_KEY_PREFIX"))
    app.config.update(RATELIMIT_ENABLED=True, REDIS_URL=None, RATELIMIT_KEY_PREFIX=f"privacy-test-{me.id}")
    app.extensions.pop("lms_counters", None)
    try:
        answers = [client.get("/profile/data.json" if k % 2 else "/profile/data.zip").status_code for k in range(11)]
        # The password check of account deletion cannot be used to guess the password either.
        guesses = [client.post("/profile/delete", data={"password": f"guess-{k}", "confirm": "y"}).status_code
                   for k in range(11)]
    finally:
        app.config.update(RATELIMIT_ENABLED=old[0], REDIS_URL=old[1], RATELIMIT_KEY_PREFIX=old[2])
        app.extensions.pop("lms_counters", None)
    assert answers[:10] == [200] * 10 and answers[10] == 429
    assert guesses[:10] == [400] * 10 and guesses[10] == 429


# ------------------------------------------------------------------ deletion (Art. 36, 21)

def _form_login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def _ministry_figures():
    from lms.analytics import cache, services
    from lms.analytics.filters import Filters

    cache.clear()
    figures = services.compute_raw(Filters.from_args({}))
    figures["headline"].pop("as_of")  # the moment of computing, not a count
    return figures


def test_deleting_the_account_erases_personal_fields_and_keeps_certificates_and_counts(app, client):
    w = build_world()
    grow(w, trainees=2, sessions=1, logs=1)
    me = _me(w)
    name, email, phone, born = me.name, me.email, me.phone, "1995-03-02"
    cert = w.me_cert
    # Only past sessions: nothing to cancel, so every figure must stay as it was.
    from lms.labs.models import Booking, LabSession

    db.session.execute(sa.delete(Booking).where(Booking.user_id == me.id, Booking.session_id.in_(
        select(LabSession.id).where(LabSession.starts_at > sa.func.now()))))
    db.session.commit()
    other = app.test_client()  # a second device, signed in before the deletion
    assert _form_login(other, email, PASSWORD).status_code == 302
    assert _form_login(client, email, PASSWORD).status_code == 302
    before = _ministry_figures()  # after the logins: a login counts the person as active this month
    assert client.get("/profile/delete").status_code == 200
    # Without the confirmation, or with a wrong password: nothing happens.
    r = client.post("/profile/delete", data={"password": PASSWORD})
    assert r.status_code == 400 and me.name == name and me.active
    r = client.post("/profile/delete", data={"password": "wrong-password", "confirm": "y"})
    assert r.status_code == 400 and "비밀번호" in r.get_data(as_text=True) and me.email == email
    r = client.post("/profile/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    row = db.session.execute(select(User.__table__).where(User.id == me.id)).mappings().one()
    # Every cell but the instants (a timestamp's microseconds may read ".010205": not a phone number)
    cells = " ".join(str(v) for v in row.values() if not isinstance(v, datetime))
    for trace in (name, email, phone, born, "010"):
        assert trace not in cells
    assert row["name"] == "나*련" and row["email"] == f"deleted-{me.id}@deleted.invalid"
    assert row["password_hash"] is None and row["active"] is False and row["pseudonymised_at"] is not None
    assert row["company_id"] == w.sponsors[0].id  # kept for the statistics
    # Login refused, by either address; every session ended (this one and the other device).
    assert _form_login(client, email, PASSWORD).status_code == 401
    assert _form_login(client, row["email"], PASSWORD).status_code == 401
    assert other.get("/profile").status_code == 302
    # The certificate still verifies, with the masked name only.
    page = client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)
    assert cert.number in page and "나*련" in page and name not in page
    # Statistics keep their counts; the staff's exports and pages show no trace of the person.
    assert _ministry_figures() == before
    login(client, w.ministry)
    ministry_csv = client.get("/ministry/export/all.csv").get_data(as_text=True)
    login(client, w.instructor)
    from tests.exports import download

    roster = download(client, f"/labs/cohorts/{w.cohort.id}/roster.csv").get_data(as_text=True)  # through the reason form
    analytics = client.get("/instructor/analytics").get_data(as_text=True)
    for text in (ministry_csv, roster, analytics):
        for trace in (name, email, phone):
            assert trace not in text
    assert "나*련" in roster
    # The mail already sent to the person keeps neither the address nor the body.
    assert db.session.execute(select(sa.func.count()).where(OutboxMessage.recipient == email)).scalar() == 0
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "account.pseudonymise")).scalar_one()
    assert event.actor_id == me.id and event.object_id == str(me.id) and event.details["by"] == "self"
    assert name not in json.dumps(event.details, ensure_ascii=False)
    # The account cannot be reactivated.
    login(client, w.admin)
    client.post(f"/admin/users/{me.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(User, me.id).active is False


def test_deletion_frees_pending_seats_for_the_waiting_list(client, world):  # noqa: F811
    from lms.labs import booking
    from tests.labs.conftest import enrolled_trainee

    me, _e = enrolled_trainee(world, name="김민수")
    waiting, _e2 = enrolled_trainee(world, name="이대기")
    session = make_session(world, capacity=1)
    mine = booking.book(me, session.id)
    theirs = booking.book(waiting, session.id)
    assert (mine.status, theirs.status) == ("booked", "waitlisted")
    db.session.commit()
    assert _form_login(client, me.email, PASSWORD).status_code == 302
    assert client.post("/profile/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert (mine.status, theirs.status) == ("cancelled", "booked")
    assert session.booked_count == 1


def test_staff_cannot_delete_themselves(client):
    staff = make_user("instructor")
    db.session.commit()
    _form_login(client, staff.email, PASSWORD)
    page = client.get("/profile/delete")
    assert page.status_code == 200 and "관리자" in page.get_data(as_text=True)
    r = client.post("/profile/delete", data={"password": PASSWORD, "confirm": "y"})
    assert r.status_code == 400
    db.session.expire_all()
    assert staff.active and staff.pseudonymised_at is None and staff.password_hash


def test_admin_pseudonymises_on_request_audited(client):
    admin = make_user("admin")
    person = make_user("trainee", name="홍길동", email="hong@example.kr", phone="010-9999-8888")
    staff = make_user("instructor")
    db.session.commit()
    login(client, admin)
    url = f"/admin/users/{person.id}/pseudonymise"
    # Without the confirmation, or with a resident registration number in the reason: nothing changes.
    client.post(url, data={"reason": "본인 전화 요청"})
    client.post(url, data={"reason": "900101-1234567", "confirm": "y"})
    db.session.expire_all()
    assert person.name == "홍길동" and person.active
    r = client.post(url, data={"reason": "2026-12-04 본인 전화 요청", "confirm": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (person.name, person.email, person.phone, person.active) == (
        "홍*동", f"deleted-{person.id}@deleted.invalid", None, False)
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "account.pseudonymise",
                                                        AuditEvent.object_id == str(person.id))).scalar_one()
    assert event.actor_id == admin.id and event.details["by"] == "admin"
    assert event.details["reason"] == "2026-12-04 본인 전화 요청"
    # Staff accounts are deactivated, not pseudonymised; unknown ids answer 404.
    client.post(f"/admin/users/{staff.id}/pseudonymise", data={"reason": "요청", "confirm": "y"})
    db.session.expire_all()
    assert staff.pseudonymised_at is None and staff.active
    assert client.post("/admin/users/999999/pseudonymise", data={"reason": "x", "confirm": "y"}).status_code == 404
    # Other roles may not.
    login(client, staff)
    assert client.post(url, data={"reason": "x", "confirm": "y"}).status_code == 403


# ------------------------------------------------------------------ masking

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
LATIN = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
KOREAN_NAMES = st.text(HANGUL, min_size=2, max_size=6)
ENGLISH_NAMES = st.lists(st.text(LATIN, min_size=1, max_size=10), min_size=1, max_size=4).map(" ".join)
SPACED_KOREAN = st.lists(st.text(HANGUL, min_size=1, max_size=4), min_size=2, max_size=3).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(KOREAN_NAMES, ENGLISH_NAMES, SPACED_KOREAN))
def test_masked_name_never_equals_the_name_and_keeps_its_first_character(name):
    masked = mask_name(name)
    if len(name) >= 2:
        assert masked != name
        assert masked[0] == name[0]
        assert len(masked) == len(name)


@pytest.mark.parametrize("name, masked", [("홍길동", "홍*동"), ("이순", "이*"), ("남궁민수", "남**수"),
                                          ("John Smith", "J*** S****"), ("Kim J", "K** *"), ("A B", "A *")])
def test_mask_examples(name, masked):
    assert mask_name(name) == masked
