"""On-site classes (현장 교육): a meister with a placement under way schedules a short
class at the company for its operators, enrols the company's trainees and records
attendance the way a lab session's is recorded (lms.labs.attendance: the same
statuses, the same minute rules, refused before the class starts; "all present"
first, then the exceptions).

A placement is *under way* on a Korean day when it has started, has not reached its
effective end, and is neither closed nor cancelled. Functions flush, never commit.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.timeutil import kst_span, today_kst
from lms.core.validators import check_no_rrn
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.meisters.models import OnsiteAttendee, OnsiteClass, Placement

MIN_MINUTES = 30
MAX_MINUTES = 8 * 60
MAX_TOPIC = 200


def under_way(placement: Placement, day: date | None = None) -> bool:
    """Whether the placement is under way on ``day`` (today in Korea by default)."""
    day = day or today_kst()
    return (placement.cancelled_at is None and placement.closed_on is None
            and placement.starts_on <= day <= placement.effective_end)


def is_own(placement: Placement, user) -> bool:
    """The placement's own meister (not an admin: classes and sign-offs are theirs)."""
    return bool(user and user.is_authenticated and getattr(user, "role", None) == "meister"
                and placement.meister.user_id == user.id)


def require_meister_of(actor, placement: Placement) -> None:
    if not is_own(placement, actor):
        raise PermissionDenied(_l("이 파견의 마이스터만 할 수 있습니다."))


def require_under_way(placement: Placement) -> None:
    if not under_way(placement):
        raise Conflict(_l("진행 중인 파견에서만 할 수 있습니다. 파견이 시작 전이거나 종료·취소되었습니다."))


def company_trainees_query(placement: Placement):
    """A select() of the company's active trainee accounts (the people a meister works with there)."""
    from lms.accounts.models import User

    return select(User).where(User.company_id == placement.company_id, User.role == "trainee",
                              User.active.is_(True))


# --------------------------------------------------------------------------- scheduling

def schedule_class(actor, placement: Placement, *, day: date, start: time, minutes: int, topic: str,
                   course_id: int | None = None) -> OnsiteClass:
    """Schedule a class at the placement's company on ``day`` at ``start`` (Korean time)
    for ``minutes`` (30 to 480). Only the placement's meister, only while the placement
    is under way, and only on a day within its period."""
    from lms.catalog.models import Course

    require_meister_of(actor, placement)
    require_under_way(placement)
    if day is None or start is None:
        raise ValidationError(_l("날짜와 시작 시각을 입력해 주세요."))
    if not placement.starts_on <= day <= placement.effective_end:
        raise ValidationError(_l("교육일이 파견 기간(%(s)s ~ %(e)s) 밖입니다.", s=placement.starts_on.isoformat(),
                                 e=placement.effective_end.isoformat()))
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError(_l("교육 시간은 30분부터 8시간(480분)까지입니다."))
    topic = (topic or "").strip()
    if not topic:
        raise ValidationError(_l("교육 주제를 적어 주세요."))
    if len(topic) > MAX_TOPIC:
        raise ValidationError(_l("교육 주제는 200자 이내로 적어 주세요."))
    check_no_rrn(topic)
    if course_id is not None and db.session.get(Course, course_id) is None:
        raise ValidationError(_l("과정을 찾을 수 없습니다."))
    starts_at, _end = kst_span(day, start, start)
    cls = OnsiteClass(placement_id=placement.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes),
                      topic=topic, course_id=course_id, created_by_id=actor.id, created_at=utcnow())
    db.session.add(cls)
    db.session.flush()
    record(actor, "onsite_class.create", cls, placement_id=placement.id, minutes=minutes)
    return cls


def enrol(actor, cls: OnsiteClass, user_ids) -> int:
    """Enrol trainees of the placement's company in the class; returns how many were
    added (those already enrolled are left as they are). Anyone else is refused and
    nothing is added. Refused once the class has ended."""
    placement = cls.placement
    require_meister_of(actor, placement)
    require_under_way(placement)
    if utcnow() >= cls.ends_at:
        raise Conflict(_l("이미 끝난 교육에는 수강자를 추가할 수 없습니다."))
    wanted = sorted({int(u) for u in user_ids or ()})
    if not wanted:
        raise ValidationError(_l("추가할 훈련생을 골라 주세요."))
    from lms.accounts.models import User

    found = set(db.session.execute(company_trainees_query(placement).with_only_columns(User.id)
                                   .where(User.id.in_(wanted))).scalars())
    if len(found) != len(wanted):
        raise ValidationError(_l("이 기업 소속 훈련생만 교육에 추가할 수 있습니다."))
    have = set(db.session.execute(select(OnsiteAttendee.user_id).where(OnsiteAttendee.class_id == cls.id,
                                                                       OnsiteAttendee.user_id.in_(wanted))).scalars())
    new = [u for u in wanted if u not in have]
    now = utcnow()
    for uid in new:
        db.session.add(OnsiteAttendee(class_id=cls.id, user_id=uid, enrolled_at=now, minutes=0))
    db.session.flush()
    if new:
        record(actor, "onsite_class.enrol", cls, added=len(new))
    return len(new)


# --------------------------------------------------------------------------- attendance

def _roster(cls: OnsiteClass) -> dict[int, OnsiteAttendee]:
    return {a.user_id: a for a in db.session.execute(
        select(OnsiteAttendee).where(OnsiteAttendee.class_id == cls.id)).scalars()}


def record_attendance(actor, cls: OnsiteClass, entries: dict[int, tuple[str, int | None]]) -> int:
    """Record attendance of enrolled trainees: ``entries`` maps user id to (status, minutes),
    with the lab rules (present = the whole class, absent/excused = none, late and early
    leave 0..length minutes). Refused before the class starts (15 minutes ahead, as a lab
    session's check-in) and for anyone not enrolled; everything is checked first, so a bad
    row changes nothing. Returns how many rows changed."""
    from lms.labs.attendance import clean_entries, require_started

    require_meister_of(actor, cls.placement)
    if cls.placement.cancelled_at is not None:
        raise Conflict(_l("취소된 파견의 교육입니다."))
    require_started(cls.starts_at, str(_l("아직 시작하지 않은 교육의 출결은 기록할 수 없습니다.")))
    roster = _roster(cls)
    clean = clean_entries(entries, roster, cls.minutes, str(_l("이 교육에 등록되지 않은 훈련생입니다.")),
                          lambda uid: roster[uid].user.name)
    changed = 0
    now = utcnow()
    for uid, (status, minutes) in clean.items():
        row = roster[uid]
        if row.status == status and row.minutes == minutes:
            continue
        row.status, row.minutes, row.recorded_by_id, row.recorded_at = status, minutes, actor.id, now
        changed += 1
    db.session.flush()
    if changed:
        record(actor, "onsite_class.attendance", cls, changed=changed)
    return changed


def mark_all_present(actor, cls: OnsiteClass) -> int:
    """Everyone enrolled and not yet recorded is present (recorded rows stay as they are)."""
    from lms.labs.attendance import require_started

    require_meister_of(actor, cls.placement)
    require_started(cls.starts_at, str(_l("아직 시작하지 않은 교육의 출결은 기록할 수 없습니다.")))
    pending = db.session.execute(select(OnsiteAttendee.user_id).where(OnsiteAttendee.class_id == cls.id,
                                                                      OnsiteAttendee.status.is_(None))).scalars()
    return record_attendance(actor, cls, {uid: ("present", None) for uid in pending})


# --------------------------------------------------------------------------- figures

def class_counts(class_ids) -> dict[int, tuple[int, int]]:
    """{class id: (enrolled, attended)} in one grouped query; attended = present, late or early leave."""
    ids = list(class_ids)
    out = {cid: (0, 0) for cid in ids}
    if not ids:
        return out
    came = sa.case((OnsiteAttendee.status.in_(("present", "late", "early_leave")), 1), else_=0)
    for cid, n, k in db.session.execute(
            select(OnsiteAttendee.class_id, sa.func.count(OnsiteAttendee.id), sa.func.coalesce(sa.func.sum(came), 0))
            .where(OnsiteAttendee.class_id.in_(ids)).group_by(OnsiteAttendee.class_id)):
        out[cid] = (int(n), int(k))
    return out


def started(cls: OnsiteClass, now: datetime | None = None) -> bool:
    """Whether attendance may be recorded (the lab rule: from 15 minutes before the start)."""
    from lms.labs.attendance import OPENS_BEFORE

    return (now or utcnow()) >= cls.starts_at - OPENS_BEFORE
