"""QR self check-in with a rotating token.

The token is an HMAC (SECRET_KEY) of the session id and the current 60-second
window, so a screenshot stops working within two minutes and a code copied from
one session never opens another. It is accepted only inside the session's time
window (15 minutes before the start until the end) and only from trainees booked
on the session.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from lms.core.db import utcnow
from lms.errors import PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs.models import Attendance, Booking, LabSession
from sqlalchemy import select

WINDOW_SECONDS = 60
OPENS_BEFORE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=10)
#: a code scanned by a signed-out phone stays good this long: the login it causes
SCAN_GRACE = timedelta(minutes=10)


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def make_token(session: LabSession, at: datetime | None = None) -> str:
    """The check-in token of ``session`` for the window containing ``at`` (now)."""
    return _token(session, _window(at or utcnow()))


def _token(session: LabSession, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    msg = f"labs-checkin:{session.id}:{session.checkin_secret or ''}:{window}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:20]


def token_valid(session: LabSession, token: str, at: datetime | None = None) -> bool:
    """True for the current or the previous window's token (a code scanned just
    before it rotated still works)."""
    w = _window(at or utcnow())
    token = (token or "").strip()
    return any(hmac.compare_digest(token, _token(session, x)) for x in (w, w - 1))


def in_window(session: LabSession, at: datetime | None = None) -> bool:
    at = at or utcnow()
    return session.starts_at - OPENS_BEFORE <= at <= session.ends_at


def is_booked(user, session: LabSession) -> bool:
    """True when ``user`` holds a booking (not cancelled) on ``session``. One query."""
    return db.session.execute(
        select(Booking.id).where(Booking.session_id == session.id, Booking.user_id == user.id,
                                 Booking.status == "booked").limit(1)
    ).first() is not None


def check_in(user, session: LabSession, token: str, at: datetime | None = None,
             scanned_at: datetime | None = None) -> Attendance:
    """Record the trainee's own attendance from a scanned code.

    ``scanned_at`` (UTC) is when a signed-out phone opened the code: the code is judged
    at that moment when the check-in follows within :data:`SCAN_GRACE` (the login in
    between must not make it expire), and present/late is decided by it too.
    Present when checked in by 10 minutes after the start, late otherwise (with the
    minutes left). An existing record is returned unchanged (scanning twice is
    harmless and never overrides what the instructor entered).

    Raises ValidationError (cancelled, outside the window, expired or foreign code)
    and PermissionDenied (no booking)."""
    now = at or utcnow()
    at = now
    if scanned_at is not None and scanned_at <= now and now - scanned_at <= SCAN_GRACE:
        at = scanned_at
    if session.cancelled_at is not None:
        raise ValidationError(_("취소된 세션입니다."))
    if at < session.starts_at - OPENS_BEFORE:
        raise ValidationError(_("아직 체크인할 수 없습니다. 세션 시작 15분 전부터 체크인할 수 있습니다."))
    if at > session.ends_at:
        raise ValidationError(_("세션이 끝나 체크인할 수 없습니다."))
    if not token_valid(session, token, at):
        raise ValidationError(_("QR 코드가 만료되었거나 이 세션의 코드가 아닙니다. 화면의 최신 QR 코드를 다시 찍어 주세요."))
    booking = db.session.execute(
        select(Booking).where(Booking.session_id == session.id, Booking.user_id == user.id,
                              Booking.status == "booked")
    ).scalars().first()  # the booking itself is needed below (its enrollment)
    if booking is None:
        raise PermissionDenied(_("이 세션에 예약된 훈련생만 체크인할 수 있습니다."))
    existing = db.session.execute(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id == user.id)
    ).scalars().first()
    if existing is not None:
        return existing
    total = int(round((session.ends_at - session.starts_at).total_seconds() / 60))
    if at <= session.starts_at + LATE_AFTER:
        status, minutes = "present", total
    else:
        status, minutes = "late", max(0, int((session.ends_at - at).total_seconds() // 60))
    att = Attendance(session_id=session.id, user_id=user.id, enrollment_id=booking.enrollment_id, status=status,
                     minutes=minutes, method="qr", recorded_by_id=user.id, recorded_at=at)
    db.session.add(att)
    db.session.flush()
    from lms.labs.services import refresh_completion

    refresh_completion(booking.enrollment)
    return att


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url`` (segno; no network, no JS)."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True,
                                   title="QR", svgclass="qr-code", lineclass=None)
    return buf.getvalue().decode("utf-8")
