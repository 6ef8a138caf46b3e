"""Issuing, numbering, snapshots, status, revocation, re-issue, reminders and renewal."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateReminder
from lms.certificates.pdf import render_certificate
from lms.core.audit import AuditEvent
from lms.core.db import utcnow
from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment
from tests.factories import make_course, make_enrollment, make_institution, make_user

CONTRACT_KEYS = {"name", "birth_date", "company", "course_code", "course_title_ko", "course_title_en", "hours",
                 "period_start", "period_end", "institution_ko", "institution_en", "head_title_ko", "head_title_en",
                 "head_name_ko", "head_name_en", "completed_on"}


def test_issue_sets_number_code_snapshot_and_pdf_hash(cert, enrollment, institution):
    assert re.fullmatch(r"\d{4}-\d{6}", cert.number)
    assert cert.number == f"{cert.year}-{cert.serial:06d}"
    assert len(cert.verification_code) >= 32  # token_urlsafe(24): 192 bits
    assert CONTRACT_KEYS <= set(cert.snapshot)
    s = cert.snapshot
    assert s["name"] == "홍길동" and s["birth_date"] == "1990-01-02" and s["company"] == "(주)스마트정밀"
    assert s["institution_ko"] == "한국스마트대학교" and s["head_name_ko"] == "김총장"
    assert s["period_start"] == "2026-03-02"  # the cohort's start
    assert s["hours"] == 40
    assert cert.institution_id == institution.id
    assert cert.pdf_sha256 == hashlib.sha256(render_certificate(cert)).hexdigest()
    assert cert.expires_at is None
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).scalars().all()
    assert [e.object_id for e in events] == [str(cert.id)]


def test_issue_is_exactly_once(enrollment):
    first = services.issue_for_enrollment(enrollment)
    second = services.issue_for_enrollment(enrollment)
    assert first.id == second.id
    assert db.session.scalar(select(func.count(Certificate.id)).where(Certificate.enrollment_id == enrollment.id)) == 1


def test_issue_needs_a_completed_enrollment():
    e = make_enrollment(status="active")
    with pytest.raises(ValidationError):
        services.issue_for_enrollment(e)


def test_numbers_follow_each_other_within_the_year(cohort):
    certs = [services.issue_for_enrollment(completed_enrollment(cohort=cohort)) for _ in range(3)]
    serials = [c.serial for c in certs]
    assert serials == list(range(serials[0], serials[0] + 3))
    assert len({c.number for c in certs}) == 3
    assert len({c.verification_code for c in certs}) == 3


def test_online_enrollment_is_issued_by_the_platform_institution():
    cert = services.issue_for_enrollment(completed_enrollment())
    assert cert.snapshot["institution_ko"] == services.PLATFORM_NAME_KO
    again = services.issue_for_enrollment(completed_enrollment())
    assert again.institution_id == cert.institution_id  # created once, then reused


def test_snapshot_and_pdf_survive_later_edits(cert, enrollment, institution):
    before = render_certificate(cert)
    enrollment.user.name = "김철수"
    enrollment.user.birth_date = date(2000, 5, 5)
    enrollment.course.title_ko = "바뀐 과정명"
    enrollment.course.hours = 99
    institution.name_ko = "바뀐 대학교"
    institution.seal_png = _png()
    db.session.flush()
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.snapshot["name"] == "홍길동"
    assert cert.snapshot["course_title_ko"] == "스마트공장 기초"
    after = render_certificate(cert)
    assert after == before
    assert hashlib.sha256(after).hexdigest() == cert.pdf_sha256


def test_expiry_from_course_validity(cohort):
    course = make_course(valid_for_months=36)
    cert = services.issue_for_enrollment(completed_enrollment(course=course, cohort=cohort))
    assert cert.expires_at == services.add_months(cert.issued_at, 36)


def test_add_months_clamps_day():
    from datetime import datetime, timezone

    assert services.add_months(datetime(2026, 1, 31, tzinfo=timezone.utc), 1).day == 28


@pytest.mark.parametrize("name,masked", [
    ("홍길동", "홍*동"), ("이순", "이*"), ("남궁민수", "남**수"), ("김", "*"),
    ("John Smith", "J*** S****"), ("Kim", "K**"), ("", ""), ("  홍길동 ", "홍*동"),
])
def test_mask_name(name, masked):
    assert services.mask_name(name) == masked


def test_statuses(cert, institution):
    admin = make_user(role="admin")
    assert services.status_of(cert) == "valid"
    cert.expires_at = utcnow() - timedelta(days=1)
    assert services.status_of(cert) == "expired"
    cert.expires_at = None
    new = services.reissue(cert, admin, name="홍길순", reason="성명 정정")
    assert services.status_of(cert) == "superseded"
    assert services.public_view(cert).successor_number == new.number
    services.revoke(new, admin, "부정 수료")
    assert services.status_of(new) == "revoked"


def test_revoke_rules(cert, institution):
    other_inst_instructor = make_user(role="instructor", institution=make_institution())
    trainee = make_user()
    with pytest.raises(PermissionDenied):
        services.revoke(cert, other_inst_instructor, "사유")
    with pytest.raises(PermissionDenied):
        services.revoke(cert, trainee, "사유")
    same_inst = make_user(role="instructor", institution=institution)
    with pytest.raises(ValidationError):
        services.revoke(cert, same_inst, "   ")
    services.revoke(cert, same_inst, "출석 기록 오류")
    assert cert.revoked_at is not None and cert.revoked_reason == "출석 기록 오류"
    assert cert.revoked_by_id == same_inst.id
    with pytest.raises(Conflict):
        services.revoke(cert, same_inst, "다시")
    assert db.session.get(Certificate, cert.id) is not None  # kept
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(cert.id))).scalars().all()
    assert "certificate.revoke" in actions


def test_reissue_with_corrected_name(cert):
    admin = make_user(role="admin")
    new = services.reissue(cert, admin, name="홍길순", reason="성명 오기")
    assert new.number != cert.number and new.supersedes_id == cert.id
    assert new.snapshot["name"] == "홍길순" and cert.snapshot["name"] == "홍길동"
    assert new.snapshot["course_title_ko"] == cert.snapshot["course_title_ko"]
    assert new.pdf_sha256 and new.pdf_sha256 != cert.pdf_sha256
    with pytest.raises(Conflict):
        services.reissue(cert, admin, name="또 다른")
    assert services.latest_in_chain(cert).id == new.id
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certificate.reissue")).scalar_one()
    assert ev.details["supersedes"] == cert.number


def test_find_for_verification(cert):
    assert services.find_for_verification(cert.number, birth_date=date(1990, 1, 2)).id == cert.id
    assert services.find_for_verification(cert.number, name=" 홍 길동").id == cert.id
    assert services.find_for_verification(cert.number, birth_date=date(1990, 1, 3)) is None
    assert services.find_for_verification(cert.number, name="김철수") is None
    assert services.find_for_verification("1999-000001", name="홍길동") is None


def test_reminders_are_sent_once_per_threshold(cohort):
    course = make_course(valid_for_months=12)
    cert = services.issue_for_enrollment(completed_enrollment(course=course, cohort=cohort))
    now = cert.expires_at - timedelta(days=100)
    assert services.send_reminders(now) == 0
    now = cert.expires_at - timedelta(days=25)  # first seen inside 30 days: one mail, 90 marked done
    assert services.send_reminders(now) == 1
    assert services.send_reminders(now) == 0
    now = cert.expires_at - timedelta(days=6)
    assert services.send_reminders(now) == 1
    assert services.send_reminders(now + timedelta(hours=1)) == 0
    kinds = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == cert.user.email)
                               .order_by(OutboxMessage.id)).scalars().all()
    assert kinds == ["certificate.reminder.30", "certificate.reminder.7"]
    days = set(db.session.execute(select(CertificateReminder.days_before)
                                  .where(CertificateReminder.certificate_id == cert.id)).scalars())
    assert days == {90, 30, 7}


def test_renewal_window_and_reenrollment(cohort):
    from lms.learning.models import Enrollment

    course = make_course(valid_for_months=12)
    e = completed_enrollment(course=course, cohort=cohort)
    cert = services.issue_for_enrollment(e)
    assert not services.can_renew(cert, cert.expires_at - timedelta(days=120))
    assert services.can_renew(cert, cert.expires_at - timedelta(days=30))
    assert services.can_renew(cert, cert.expires_at + timedelta(days=170))
    assert not services.can_renew(cert, cert.expires_at + timedelta(days=200))
    with pytest.raises(ValidationError):
        services.renew(cert, e.user, cert.expires_at - timedelta(days=200))
    new = services.renew(cert, e.user, cert.expires_at - timedelta(days=10))
    assert isinstance(new, Enrollment) and new.id != e.id and new.renews_id == e.id and new.status == "active"
    assert services.renew(cert, e.user, cert.expires_at - timedelta(days=10)).id == new.id


def test_expiring_list_respects_who_may_see(cohort, institution):
    course = make_course(valid_for_months=1)
    cert = services.issue_for_enrollment(completed_enrollment(course=course, cohort=cohort))
    admin = make_user(role="admin")
    mine = make_user(role="instructor", institution=institution)
    other = make_user(role="instructor", institution=make_institution())
    assert cert in services.expiring(admin, 60)
    assert cert in services.expiring(mine, 60)
    assert cert not in services.expiring(other, 60)
    assert cert not in services.expiring(admin, 10)


def test_signal_issues_the_certificate(cohort):
    from lms.learning.signals import enrollment_completed

    e = completed_enrollment(cohort=cohort)
    enrollment_completed.send(e)
    assert services.original_certificate(e) is not None


def test_issue_for_cohort(cohort):
    es = [completed_enrollment(cohort=cohort) for _ in range(3)]
    make_enrollment(status="active", cohort_id=cohort.id, course=make_course(lessons=1, quizzes=0))
    certs = services.issue_for_cohort(cohort)
    assert sorted(c.enrollment_id for c in certs) == sorted(e.id for e in es)
    assert services.issue_for_cohort(cohort) == []
    assert len(services.cohort_certificates(cohort)) == 3


def _png(color=(0, 0, 200, 255)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (64, 64), color).save(buf, "PNG")
    return buf.getvalue()


def test_institution_images_are_checked(institution):
    admin = make_user(role="admin")
    with pytest.raises(ValidationError):
        services.set_institution_images(institution, admin, seal=b"GIF89a....")
    with pytest.raises(ValidationError):
        services.set_institution_images(institution, admin, seal=b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError):
        services.set_institution_images(institution, admin, logo=b"\x89PNG\r\n\x1a\nnot really a png")
    services.set_institution_images(institution, admin, seal=_png(), head_name_ko="이총장")
    assert institution.seal_png.startswith(b"\x89PNG") and institution.head_name_ko == "이총장"


def test_certificate_keeps_the_seal_it_was_issued_with(cohort, institution):
    admin = make_user(role="admin")
    services.set_institution_images(institution, admin, seal=_png((200, 0, 0, 255)))
    cert = services.issue_for_enrollment(completed_enrollment(cohort=cohort))
    first = render_certificate(cert)
    services.set_institution_images(institution, admin, seal=_png((0, 200, 0, 255)))
    assert render_certificate(cert) == first
    assert hashlib.sha256(first).hexdigest() == cert.pdf_sha256


def test_match_pdf(cert):
    data = render_certificate(cert)
    assert services.match_pdf(data).id == cert.id
    assert services.match_pdf(data + b"\n") is None
    en = services.pdf_for(cert, "en")
    assert services.match_pdf(en).id == cert.id


def test_demo_style_certificate_renders_and_gets_its_hash_on_first_download(cohort, institution):
    """A certificate written by the demo seed: contract snapshot keys only, no PDF hash yet."""
    from lms.certificates.numbering import next_number

    e = completed_enrollment(cohort=cohort)
    serial, number = next_number(2026)
    snap = {k: v for k, v in services.build_snapshot(e, institution).items() if k in CONTRACT_KEYS}
    cert = Certificate(enrollment_id=e.id, user_id=e.user_id, course_id=e.course_id, institution_id=institution.id,
                       number=number, year=2026, serial=serial, verification_code="demo-code-" + "x" * 30,
                       snapshot=snap, issued_at=utcnow())
    db.session.add(cert)
    db.session.flush()
    data = services.pdf_for(cert)
    assert cert.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert services.pdf_for(cert) == data
    assert services.match_pdf(data).id == cert.id


def test_failed_automatic_issue_keeps_the_completion(cohort, monkeypatch):
    from lms.certificates import pdf
    from lms.learning.signals import enrollment_completed

    e = completed_enrollment(cohort=cohort)

    def boom(*a, **k):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(pdf, "render_certificate", boom)
    enrollment_completed.send(e)
    assert services.original_certificate(e) is None
    assert e.status == "completed"
    monkeypatch.undo()
    assert [c.enrollment_id for c in services.issue_for_cohort(cohort)] == [e.id]
