"""Certificate rules: issue exactly once, revoke, re-issue, verify, remind, renew.

Services flush but never commit; the view or CLI command commits once.

Issuing institution: the institution of the programme the enrollment came
through (cohort's programme first, then the enrollment's programme). Online
self-service enrollments have neither, so they are issued by the platform
institution: ``CERTIFICATE_PLATFORM_INSTITUTION_ID`` when configured, otherwise
an institution named "스마트공장 아카데미" that is created on first use (admins can
then upload its seal and head's name like any other institution's).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from lms.certificates import numbering
from lms.certificates.models import Certificate, CertificateImage, CertificateReminder
from lms.core import audit
from lms.core.db import utcnow
from lms.core.masking import mask_name
from lms.core.timeutil import add_months_kst, kst_date, kst_day_end, kst_day_start, to_kst
from lms.core.timeutil import today_kst as _today_kst
from lms.core.validators import check_no_rrn
from lms.certificates.pdf import LAYOUT
from lms.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lms.extensions import db

PLATFORM_NAME_KO = "스마트공장 아카데미"
PLATFORM_NAME_EN = "Smart Factory Academy"
REMINDER_DAYS = (90, 30, 7)
RENEWAL_OPENS_DAYS_BEFORE = 90
RENEWAL_CLOSES_DAYS_AFTER = 180


# --- issuing -------------------------------------------------------------------------

def platform_institution():
    """The institution that issues certificates of online courses (created on first use)."""
    from lms.orgs.models import Institution

    inst_id = current_app.config.get("CERTIFICATE_PLATFORM_INSTITUTION_ID")
    if inst_id:
        inst = db.session.get(Institution, int(inst_id))
        if inst is not None:
            return inst
    inst = db.session.execute(
        select(Institution).where(Institution.name_ko == PLATFORM_NAME_KO).order_by(Institution.id).limit(1)
    ).scalar_one_or_none()
    if inst is None:
        inst = Institution(name_ko=PLATFORM_NAME_KO, name_en=PLATFORM_NAME_EN, kind="training_centre",
                           head_title_ko="원장", head_title_en="Director", head_name_ko="", head_name_en="")
        db.session.add(inst)
        db.session.flush()
    return inst


def issuing_institution(enrollment):
    """Cohort's programme institution, else the enrollment programme's, else the platform's."""
    if enrollment.cohort is not None and enrollment.cohort.programme is not None:
        return enrollment.cohort.programme.institution
    if enrollment.programme is not None:
        return enrollment.programme.institution
    return platform_institution()


def _store_image(data: bytes | None) -> str | None:
    if not data:
        return None
    sha = hashlib.sha256(data).hexdigest()
    if db.session.get(CertificateImage, sha) is None:
        db.session.add(CertificateImage(sha256=sha, mime=_image_mime(data) or "image/png", data=data))
        db.session.flush()
    return sha


def _kst_date(value: datetime | None) -> date | None:
    return to_kst(value).date() if value else None


def build_snapshot(enrollment, institution, *, name: str | None = None) -> dict:
    """What is true now and will be printed, frozen (CONTRACTS.md keys plus image hashes)."""
    user, course = enrollment.user, enrollment.course
    completed_on = _kst_date(enrollment.completed_at) or _kst_date(utcnow())
    start = None
    if enrollment.cohort is not None and enrollment.cohort.starts_on:
        start = enrollment.cohort.starts_on
    start = start or _kst_date(enrollment.enrolled_at) or completed_on
    start = min(start, completed_on)
    company = user.company.name if user.company is not None else (
        enrollment.sponsor.name if enrollment.sponsor is not None else None)
    return {
        "name": name or user.name,
        "birth_date": user.birth_date.isoformat() if user.birth_date else None,
        "company": company,
        "course_code": course.code,
        "course_title_ko": course.title_ko,
        "course_title_en": course.title_en,
        "hours": course.hours,
        "period_start": start.isoformat(),
        "period_end": completed_on.isoformat(),
        "institution_ko": institution.name_ko,
        "institution_en": institution.name_en or "",
        "head_title_ko": institution.head_title_ko or "",
        "head_title_en": institution.head_title_en or "",
        "head_name_ko": institution.head_name_ko or "",
        "head_name_en": institution.head_name_en or "",
        "completed_on": completed_on.isoformat(),
        "seal_sha256": _store_image(institution.seal_png),
        "logo_sha256": _store_image(institution.logo_png),
        # How the PDF is drawn: a certificate is re-drawn byte for byte as issued, so a
        # layout change applies to certificates issued after it (lms.certificates.pdf).
        "layout": LAYOUT,
    }


def add_months(moment: datetime, months: int) -> datetime:
    """The expiry instant of a certificate issued at ``moment`` and valid ``months``:
    the same Korean calendar date ``months`` later, day clamped to the month's last
    day, at the same KST wall-clock time (aware UTC). See :func:`timeutil.add_months_kst`."""
    return add_months_kst(moment, months)


def _lock_enrollment(enrollment):
    from lms.learning.models import Enrollment

    return db.session.execute(
        select(Enrollment).where(Enrollment.id == enrollment.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def original_certificate(enrollment) -> Certificate | None:
    return db.session.execute(
        select(Certificate).where(Certificate.enrollment_id == enrollment.id, Certificate.supersedes_id.is_(None))
    ).scalar_one_or_none()


_FROM_COURSE = object()


def _new_certificate(enrollment, institution, snapshot: dict, *, supersedes=None,
                     expires_at=_FROM_COURSE, issued_at: datetime | None = None,
                     serial: int | None = None, flush: bool = True) -> Certificate:
    from lms.certificates.pdf import render_certificate
    from lms.certificates.snapshot import verify_url_for

    issued_at = issued_at or utcnow()
    year = to_kst(issued_at).year
    if serial is None:
        serial, number = numbering.next_number(year)
    else:  # reserved by the caller (cohort issuing) for this year
        number = numbering.format_number(year, serial)
    code = secrets.token_urlsafe(24)  # 192 bits: unguessable, URL-safe, fits a QR easily
    snapshot = dict(snapshot, verify_url=verify_url_for(code))
    if expires_at is _FROM_COURSE:
        months = enrollment.course.valid_for_months
        expires_at = add_months(issued_at, months) if months else None
    cert = Certificate(
        enrollment_id=enrollment.id, user_id=enrollment.user_id, course_id=enrollment.course_id,
        institution_id=institution.id if institution is not None else None,
        number=number, year=year, serial=serial, verification_code=code, snapshot=snapshot,
        issued_at=issued_at, expires_at=expires_at,
        supersedes_id=supersedes.id if supersedes is not None else None,
    )
    # Rendered before the INSERT (everything printed is already set), so one row write suffices.
    cert.pdf_sha256 = hashlib.sha256(render_certificate(cert)).hexdigest()
    db.session.add(cert)
    if flush:
        db.session.flush()
    return cert


def issue_for_enrollment(enrollment, actor=None) -> Certificate:
    """Issue the certificate of a completed enrollment, exactly once.

    The enrollment row is locked first, so a concurrent issue for the same
    enrollment waits and then finds the certificate this one made (and returns
    it); a partial unique index backs this up in the database.
    """
    if enrollment.status != "completed":
        raise ValidationError(_("수료 처리된 수강에 대해서만 수료증을 발급할 수 있습니다."))
    enrollment = _lock_enrollment(enrollment)
    existing = original_certificate(enrollment)
    if existing is not None:
        return existing
    institution = issuing_institution(enrollment)
    cert = _new_certificate(enrollment, institution, build_snapshot(enrollment, institution))
    audit.record(actor, "certificate.issue", cert, number=cert.number, enrollment_id=enrollment.id)
    return cert


def on_enrollment_completed(sender, **kwargs) -> None:
    """Signal receiver: an enrollment just became completed, so issue its certificate.

    Runs in a savepoint: should issuing fail (a bug, a broken uploaded seal), the
    trainee's completion is still saved, the counter increment is rolled back with
    the savepoint (no gap), and the enrollment shows up as "waiting" on the cohort
    page, where "issue for all eligible" picks it up.
    """
    import logging

    try:
        with db.session.begin_nested():
            issue_for_enrollment(sender, actor=kwargs.get("actor"))
    except Exception:
        logging.getLogger("lms.certificates").exception("certificate issue failed for enrollment %s", sender.id)


def refresh_active(cohort) -> None:
    """Re-evaluate the completion of ``cohort``'s active enrollments (one that is now
    complete fires the completion signal, which issues its certificate)."""
    from lms.learning.models import Enrollment

    active = db.session.execute(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id, Enrollment.status == "active")
    ).scalars().all()
    if active:
        try:
            from lms.learning.services import refresh_completion
        except ImportError:  # learning not installed yet: only completed ones count
            refresh_completion = None
        if refresh_completion is not None:
            for e in active:
                refresh_completion(e)


def eligible_enrollments(cohort) -> list:
    """Completed enrollments of ``cohort`` without a certificate yet (after re-evaluating active ones)."""
    from lms.learning.models import Enrollment

    refresh_active(cohort)
    issued = exists().where(Certificate.enrollment_id == Enrollment.id, Certificate.supersedes_id.is_(None))
    return list(db.session.execute(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id, Enrollment.status == "completed",
                                 ~issued).order_by(Enrollment.id)
    ).scalars())


def issue_for_cohort(cohort, actor=None, *, chunk_size: int | None = None, progress=None,
                     commit=None) -> list[Certificate]:
    """Issue certificates for every eligible trainee of ``cohort``, in chunks of
    ``chunk_size`` (default 100), each certificate whole or not at all and exactly
    once; returns the new ones. ``commit`` (the caller's ``db.session.commit``) makes
    every chunk its own transaction, so a retry after a failure goes on with the
    rest; ``progress(done, total)`` reports enrollments handled. See
    :mod:`lms.certificates.bulk`."""
    from lms.certificates import bulk

    return bulk.issue_for_cohort(cohort, actor, chunk_size=chunk_size or bulk.CHUNK_SIZE, progress=progress,
                                 commit=commit)


def cohort_certificates_query(cohort):
    """A select (unordered) of the current (not superseded) certificates of a cohort's enrollments."""
    from sqlalchemy.orm import aliased

    from lms.learning.models import Enrollment

    newer = aliased(Certificate)
    return (select(Certificate).join(Enrollment, Enrollment.id == Certificate.enrollment_id)
            .where(Enrollment.cohort_id == cohort.id, ~exists().where(newer.supersedes_id == Certificate.id)))


def cohort_certificates(cohort) -> list[Certificate]:
    """The current (not superseded) certificates of a cohort's enrollments."""
    return list(db.session.execute(
        cohort_certificates_query(cohort).order_by(Certificate.year, Certificate.serial)).scalars())


# --- status, lookup ----------------------------------------------------------------------

def successor(cert: Certificate) -> Certificate | None:
    return db.session.execute(select(Certificate).where(Certificate.supersedes_id == cert.id)).scalar_one_or_none()


def latest_in_chain(cert: Certificate) -> Certificate:
    seen = 0
    while (nxt := successor(cert)) is not None and seen < 100:
        cert, seen = nxt, seen + 1
    return cert


def status_of(cert: Certificate, now: datetime | None = None) -> str:
    """valid | expired | revoked | superseded, by the one rule in ``lms.certificates.state``.

    ``now`` (an instant) is turned into its Korean date; default: today in Asia/Seoul.
    """
    from lms.certificates.state import state_of

    return state_of(cert, to_kst(now).date() if now is not None else None)


def statuses_of(certs, now: datetime | None = None) -> dict[int, str]:
    """{certificate id: status} for a list of certificates with one query in all, by the
    one rule in ``lms.certificates.state`` (for lists, which must not ask once per row)."""
    from lms.certificates.state import states_of

    certs = list(certs)
    return dict(zip((c.id for c in certs), states_of(certs, to_kst(now).date() if now is not None else None)))


def by_number(number: str) -> Certificate | None:
    return db.session.execute(select(Certificate).where(Certificate.number == number.strip())).scalar_one_or_none()


def by_code(code: str) -> Certificate | None:
    if not code or len(code) > 64:
        return None
    return db.session.execute(select(Certificate).where(Certificate.verification_code == code)).scalar_one_or_none()


def _norm_name(name: str) -> str:
    return "".join((name or "").split()).casefold()


def find_for_verification(number: str, *, birth_date: date | None = None, name: str | None = None) -> Certificate | None:
    """The certificate with ``number`` whose holder matches the birth date or the name.

    A wrong birth date or name answers None exactly like an unknown number, so
    the form cannot be used to learn which numbers exist.
    """
    cert = by_number(number or "")
    if cert is None:
        return None
    return cert if holder_matches(cert, birth_date=birth_date, name=name) else None


def holder_matches(cert: Certificate, *, birth_date: date | None = None, name: str | None = None) -> bool:
    """Whether the birth date or the name given matches the holder printed on ``cert``
    (the check of the number-and-holder verification, also used by the API's bulk check)."""
    s = cert.snapshot or {}
    if birth_date is not None and s.get("birth_date") and s["birth_date"][:10] == birth_date.isoformat():
        return True
    return bool(name and _norm_name(name) == _norm_name(s.get("name", "")))


def match_pdf(data: bytes) -> Certificate | None:
    """The certificate whose issued PDF (Korean or English) is byte-for-byte ``data``."""
    sha = hashlib.sha256(data).hexdigest()
    return db.session.execute(
        select(Certificate).where(or_(Certificate.pdf_sha256 == sha, Certificate.pdf_sha256_en == sha)).limit(1)
    ).scalar_one_or_none()


def pdf_for(cert: Certificate, locale: str = "ko") -> bytes:
    """Render ``cert``; stores the SHA-256 the first time (demo-seeded certificates have none)."""
    from lms.certificates.pdf import render_certificate

    data = render_certificate(cert, locale)
    sha = hashlib.sha256(data).hexdigest()
    if locale == "en":
        if cert.pdf_sha256_en is None:
            cert.pdf_sha256_en = sha
            db.session.flush()
    elif cert.pdf_sha256 is None:
        cert.pdf_sha256 = sha
        db.session.flush()
    return data


@dataclass
class PublicView:
    """What the public verification pages may show: masked name, no birth date, and nothing
    internal (no revocation reason, no notes, no e-mail addresses, no staff names)."""

    status: str
    number: str
    masked_name: str
    course_title_ko: str
    course_title_en: str
    period_start: str
    period_end: str
    hours: object
    institution_ko: str
    institution_en: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    successor_number: str | None


def public_view(cert: Certificate, now: datetime | None = None) -> PublicView:
    s = cert.snapshot or {}
    status = status_of(cert, now)
    nxt = latest_in_chain(cert) if status == "superseded" else None
    return PublicView(
        status=status, number=cert.number, masked_name=mask_name(s.get("name", "")),
        course_title_ko=s.get("course_title_ko", ""), course_title_en=s.get("course_title_en", ""),
        period_start=s.get("period_start", ""), period_end=s.get("period_end", ""), hours=s.get("hours"),
        institution_ko=s.get("institution_ko", ""), institution_en=s.get("institution_en", ""),
        issued_at=cert.issued_at, expires_at=cert.expires_at, revoked_at=cert.revoked_at,
        successor_number=nxt.number if nxt is not None and nxt is not cert else None,
    )


# --- permissions, revocation, re-issue -----------------------------------------------------

def can_manage(user, cert: Certificate) -> bool:
    """Admins; instructors of the issuing institution or of the enrollment's cohort."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    if user.role != "instructor":
        return False
    if cert.institution_id is not None and user.institution_id == cert.institution_id:
        return True
    cohort = cert.enrollment.cohort if cert.enrollment is not None else None
    return bool(cohort is not None and cohort.can_manage(user))


def can_revoke(user, cert: Certificate) -> bool:
    """Admins, or instructors of the issuing institution."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    return user.role == "instructor" and cert.institution_id is not None and user.institution_id == cert.institution_id


def can_see(user, cert: Certificate) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and (cert.user_id == user.id or can_manage(user, cert)))


def revoke(cert: Certificate, actor, reason: str, *, check: bool = True) -> Certificate:
    """Revoke ``cert`` (the record stays; the verification page then says revoked).

    ``check=False`` is for the operator's CLI, which runs with server access anyway.
    """
    if check and not can_revoke(actor, cert):
        raise PermissionDenied(_("이 수료증을 취소할 권한이 없습니다."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("취소 사유를 입력해 주세요."))
    check_no_rrn(reason)
    if cert.revoked_at is not None:
        raise Conflict(_("이미 취소된 수료증입니다."))
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason[:1000]
    cert.revoked_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "certificate.revoke", cert, number=cert.number, reason=cert.revoked_reason)
    return cert


def reissue(cert: Certificate, actor, *, name: str | None = None, reason: str = "") -> Certificate:
    """A new certificate (new number and code) superseding ``cert``, e.g. with a corrected name.

    The old record is kept and its page says superseded with the new number. The
    snapshot is copied from the old one, so only what was corrected changes.
    """
    if not can_revoke(actor, cert):
        raise PermissionDenied(_("이 수료증을 재발급할 권한이 없습니다."))
    check_no_rrn(name, reason)
    if cert.revoked_at is not None:
        raise Conflict(_("취소된 수료증은 재발급할 수 없습니다."))
    # Lock the old certificate so two re-issues of it cannot both succeed.
    cert = db.session.execute(
        select(Certificate).where(Certificate.id == cert.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if successor(cert) is not None:
        raise Conflict(_("이미 재발급된 수료증입니다. 최신 수료증에서 다시 시도해 주세요."))
    snapshot = {k: v for k, v in (cert.snapshot or {}).items() if k != "verify_url"}
    name = (name or "").strip()
    if name:
        snapshot["name"] = name[:64]
    # The validity period runs from the original issue, not from the correction.
    new = _new_certificate(cert.enrollment, cert.institution, snapshot, supersedes=cert,
                           expires_at=cert.expires_at)
    audit.record(actor, "certificate.reissue", new, number=new.number, supersedes=cert.number,
                 reason=(reason or "").strip()[:1000], name_changed=bool(name))
    audit.record(actor, "certificate.superseded", cert, number=cert.number, by=new.number)
    return new


# --- lists, expiry, reminders, renewal ---------------------------------------------------

def certificates_of(user) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).scalars())


def manageable_query(user):
    """Certificates ``user`` may manage, as a select (admins: all; instructors: their institution's)."""
    q = select(Certificate)
    if user.role != "admin":
        from lms.labs.models import cohort_instructors
        from lms.learning.models import Enrollment

        my_cohorts = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.user_id == user.id)
        in_my_cohort = select(Enrollment.id).where(Enrollment.cohort_id.in_(my_cohorts))
        conds = [Certificate.enrollment_id.in_(in_my_cohort)]
        if user.institution_id:
            conds.append(Certificate.institution_id == user.institution_id)
        q = q.where(or_(*conds))
    return q


def _current():
    """SQL: the certificate has no successor (NOT EXISTS by the unique index on
    ``supersedes_id``, so the cost is the rows at hand, never the whole table)."""
    newer = aliased(Certificate)
    return ~exists().where(newer.supersedes_id == Certificate.id)


def expiring_query(user, days: int, now: datetime | None = None):
    """A select (unordered) of the unrevoked, current certificates that ``user`` may
    manage, not yet expired and expiring on a Korean date at most ``days`` days after
    today's (KST)."""
    now = now or utcnow()
    return manageable_query(user).where(
        Certificate.expires_at.is_not(None), Certificate.expires_at >= kst_day_start(_today_kst(now)),
        Certificate.expires_at < kst_day_end(_today_kst(now) + timedelta(days=days)), Certificate.revoked_at.is_(None),
        _current(),
    )


def expiring(user, days: int, now: datetime | None = None) -> list[Certificate]:
    """Unrevoked, current certificates expiring in the next ``days`` days that ``user`` may manage."""
    q = expiring_query(user, days, now).order_by(Certificate.expires_at)
    return list(db.session.execute(q).scalars())


def send_reminders(now: datetime | None = None) -> int:
    """Queue expiry reminders 90/30/7 days before; each (certificate, threshold) once.

    Days are Korean calendar days: the 30-day reminder is due from the KST date 30
    days before the KST expiry date, whatever the hour. Only the smallest threshold
    reached is sent (a certificate first seen 20 days
    before expiry gets the 30-day reminder, not three at once); the larger ones
    are recorded as done so they are not sent later.
    """
    from lms.core.outbox import send_mail

    now = now or utcnow()
    certs = db.session.execute(
        select(Certificate).where(
            Certificate.expires_at.is_not(None), Certificate.expires_at >= kst_day_start(_today_kst(now)),
            Certificate.expires_at < kst_day_end(_today_kst(now) + timedelta(days=max(REMINDER_DAYS))),
            Certificate.revoked_at.is_(None), _current(),
        ).order_by(Certificate.id)
    ).scalars().all()
    sent = 0
    for cert in certs:
        done = set(db.session.execute(
            select(CertificateReminder.days_before).where(CertificateReminder.certificate_id == cert.id)
        ).scalars())
        left = (kst_date(cert.expires_at) - _today_kst(now)).days
        due = [d for d in REMINDER_DAYS if left <= d]
        if not due or min(due) in done:
            continue
        for d in due:
            if d not in done:
                db.session.add(CertificateReminder(certificate_id=cert.id, days_before=d))
        db.session.flush()
        s = cert.snapshot or {}
        expires_on = kst_date(cert.expires_at)
        send_mail(
            cert.user.email,
            _("[스마트공장 아카데미] 수료증 만료 %(days)s일 전 안내", days=min(due)),
            _("%(name)s님, 「%(course)s」 수료증(제 %(number)s 호)이 %(date)s에 만료됩니다. "
              "만료 90일 전부터 만료 후 180일까지 재수강을 신청해 갱신할 수 있습니다.",
              name=s.get("name", ""), course=s.get("course_title_ko", ""), number=cert.number,
              date=f"{expires_on.year}년 {expires_on.month}월 {expires_on.day}일"),
            kind=f"certificate.reminder.{min(due)}",
        )
        sent += 1
    return sent


def renewal_window(cert: Certificate) -> tuple[datetime, datetime] | None:
    """[opens, closes) as aware UTC instants, or None for a certificate that never expires.

    Whole Korean days: opens at 00:00 KST of the date RENEWAL_OPENS_DAYS_BEFORE days
    before the KST expiry date, closes at the end of the KST date
    RENEWAL_CLOSES_DAYS_AFTER days after it."""
    if cert.expires_at is None:
        return None
    expires_on = kst_date(cert.expires_at)
    return (kst_day_start(expires_on - timedelta(days=RENEWAL_OPENS_DAYS_BEFORE)),
            kst_day_end(expires_on + timedelta(days=RENEWAL_CLOSES_DAYS_AFTER)))


def can_renew(cert: Certificate, now: datetime | None = None) -> bool:
    window = renewal_window(cert)
    if window is None or cert.revoked_at is not None or successor(cert) is not None:
        return False
    now = now or utcnow()
    return window[0] <= now < window[1]


def renew(cert: Certificate, user, now: datetime | None = None):
    """Re-enroll the holder in the course for renewal; the new enrollment points at the old one."""
    from lms.learning.models import Enrollment

    if cert.user_id != user.id:
        raise NotFound()
    if not can_renew(cert, now):
        raise ValidationError(_("지금은 이 수료증을 갱신할 수 있는 기간이 아닙니다."))
    existing = db.session.execute(
        select(Enrollment).where(Enrollment.renews_id == cert.enrollment_id, Enrollment.status != "withdrawn")
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    old = cert.enrollment
    try:
        from lms.learning.services import enroll
    except ImportError:
        enroll = None
    enrollment = None
    if enroll is not None:
        candidate = enroll(user, cert.course)
        # enroll() is idempotent and may hand back the completed enrollment itself.
        if candidate.id != old.id and candidate.status == "active":
            enrollment = candidate
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=cert.course_id, status="active")
        db.session.add(enrollment)
    enrollment.renews_id = old.id
    db.session.flush()
    audit.record(user, "certificate.renew", cert, number=cert.number, enrollment_id=enrollment.id)
    return enrollment


# --- institution images ---------------------------------------------------------------

MAX_IMAGE_BYTES = 1024 * 1024


def _image_mime(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def set_institution_images(institution, actor, *, seal: bytes | None = None, logo: bytes | None = None,
                           head_name_ko: str | None = None, head_name_en: str | None = None) -> None:
    """Replace an institution's seal/logo (PNG or JPEG by magic bytes, at most 1 MB) and head's name.

    Issued certificates keep the images they were issued with (see CertificateImage).
    """
    for label, data in ((_("직인"), seal), (_("로고"), logo)):
        if data is None:
            continue
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationError(_("%(what)s 이미지는 1MB 이하여야 합니다.", what=label))
        if _image_mime(data) is None:
            raise ValidationError(_("%(what)s 이미지는 PNG 또는 JPEG 파일이어야 합니다.", what=label))
        try:
            from PIL import Image
            import io

            Image.open(io.BytesIO(data)).verify()
        except Exception:
            raise ValidationError(_("%(what)s 이미지를 읽을 수 없습니다.", what=label))
    if seal is not None:
        institution.seal_png = seal
    if logo is not None:
        institution.logo_png = logo
    if head_name_ko is not None:
        institution.head_name_ko = head_name_ko.strip()[:64]
    if head_name_en is not None:
        institution.head_name_en = head_name_en.strip()[:64]
    db.session.flush()
    audit.record(actor, "institution.certificate_assets", institution, seal=seal is not None, logo=logo is not None)

