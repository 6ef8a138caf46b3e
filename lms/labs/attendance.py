"""Taking attendance from a session's roster: present, late, early leave, absent,
excused, with minutes attended; "all present" first, then the exceptions."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.audit import record
from lms.core.db import utcnow
from lms.errors import ValidationError
from lms.extensions import db
from lms.labs.models import ATTENDANCE_STATUSES, Attendance, LabSession
from lms.labs.services import refresh_completion

STATUS_LABELS = {
    "present": _l("출석"),
    "late": _l("지각"),
    "early_leave": _l("조퇴"),
    "absent": _l("결석"),
    "excused": _l("공결"),
}


def session_minutes(session: LabSession) -> int:
    return int(round((session.ends_at - session.starts_at).total_seconds() / 60))


def attendance_map(session: LabSession) -> dict[int, Attendance]:
    """{user_id: Attendance} for a session."""
    return {a.user_id: a for a in db.session.execute(
        select(Attendance).where(Attendance.session_id == session.id)).scalars()}


OPENS_BEFORE = timedelta(minutes=15)  # attendance opens with check-in, 15 minutes before the start


def require_started(starts_at, message: str | None = None) -> None:
    """Attendance is a record of what happened: refused until ``OPENS_BEFORE`` the start."""
    if utcnow() < starts_at - OPENS_BEFORE:
        raise ValidationError(message or _("아직 시작하지 않은 세션의 출결은 기록할 수 없습니다."))


def clean_entries(entries: dict[int, tuple[str, int | None]], roster, total: int, not_listed: str,
                  name_of) -> dict[int, tuple[str, int]]:
    """Validate ``entries`` ({user id: (status, minutes)}) against ``roster`` (the user
    ids listed) of a class ``total`` minutes long; ``name_of(user id)`` names a trainee
    in an error. Returns {user id: (status, minutes)}.

    Present counts the full length and absent/excused none, whatever minutes say;
    late and early leave need minutes between 0 and ``total``. Raises ValidationError
    (``not_listed`` for someone not on the roster) before anything is written."""
    clean: dict[int, tuple[str, int]] = {}
    for user_id, (status, minutes) in entries.items():
        if user_id not in roster:
            raise ValidationError(not_listed)
        if status not in ATTENDANCE_STATUSES:
            raise ValidationError(_("출결 상태가 올바르지 않습니다."))
        if status == "present":
            minutes = total
        elif status in ("absent", "excused"):
            minutes = 0
        else:
            if minutes is None or not 0 <= minutes <= total:
                raise ValidationError(_("%(name)s: 지각·조퇴는 참석한 시간을 0~%(total)d분으로 입력해 주세요.",
                                        name=name_of(user_id), total=total))
        clean[user_id] = (status, int(minutes))
    return clean


def record_attendance(session: LabSession, actor, entries: dict[int, tuple[str, int | None]]) -> list[Attendance]:
    """Record attendance for booked trainees: ``entries`` maps user id to (status, minutes).

    Present counts the full session and absent/excused none, whatever minutes say;
    late and early leave need minutes between 0 and the session's length. Everything
    is validated first so a bad row changes nothing."""
    from lms.labs.booking import session_roster

    # Attendance opens when the session's check-in opens, never for a future session.
    require_started(session.starts_at)
    roster = {b.user_id: b for b in session_roster(session)}
    clean = clean_entries(entries, roster, session_minutes(session), _("이 세션에 예약되지 않은 훈련생입니다."),
                          lambda uid: roster[uid].user.name)
    existing = attendance_map(session)
    out = []
    changed = []
    for user_id, (status, minutes) in clean.items():
        att = existing.get(user_id)
        if att is None:
            att = Attendance(session_id=session.id, user_id=user_id, enrollment_id=roster[user_id].enrollment_id)
            db.session.add(att)
        elif att.status == status and att.minutes == minutes:
            out.append(att)
            continue
        att.status, att.minutes = status, minutes
        att.method = "manual"
        att.recorded_by_id = getattr(actor, "id", None)
        att.recorded_at = utcnow()
        out.append(att)
        changed.append(user_id)
    db.session.flush()
    if changed:
        record(actor, "attendance.record", session, changed=len(changed))
    for user_id in changed:
        refresh_completion(roster[user_id].enrollment)
    return out


def mark_all_present(session: LabSession, actor, *, overwrite: bool = False) -> list[Attendance]:
    """Mark every booked trainee present; rows already recorded stay unless ``overwrite``."""
    from lms.labs.booking import session_roster

    existing = attendance_map(session)
    entries = {b.user_id: ("present", None) for b in session_roster(session)
               if overwrite or b.user_id not in existing}
    return record_attendance(session, actor, entries)
