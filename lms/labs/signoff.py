"""Practical sign-off against the module's checklist (Module.data["checklist"]).

A sign-off is never edited in place: a correction is a new PracticalSignoff whose
``supersedes_id`` points at the one it replaces; the current sign-off is the one
nobody supersedes. Every sign-off is audited and re-evaluates completion.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.timeutil import today_kst
from lms.core.validators import check_no_rrn
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs.models import Booking, LabSession, PracticalSignoff
from lms.labs.services import instructor_can_manage_enrollment, refresh_completion

OUTCOMES = ("passed", "failed")
SITES = ("lab", "workplace")  # where the assessment happened (PracticalSignoff.site)


def checklist(module) -> list[dict]:
    return list((module.data or {}).get("checklist") or [])


def current_signoff(enrollment_id: int, module_id: int) -> PracticalSignoff | None:
    """The latest sign-off for (enrollment, module) that no other supersedes."""
    newer = aliased(PracticalSignoff)
    return db.session.execute(
        select(PracticalSignoff).where(
            PracticalSignoff.enrollment_id == enrollment_id, PracticalSignoff.module_id == module_id,
            ~sa.exists().where(newer.supersedes_id == PracticalSignoff.id))
        .order_by(PracticalSignoff.id.desc())
    ).scalars().first()


def history(enrollment_id: int, module_id: int) -> list[PracticalSignoff]:
    """Every sign-off for (enrollment, module), newest first (superseded ones included)."""
    return list(db.session.execute(
        select(PracticalSignoff).where(PracticalSignoff.enrollment_id == enrollment_id,
                                       PracticalSignoff.module_id == module_id)
        .order_by(PracticalSignoff.id.desc())
    ).scalars())


def judged_results(module, results) -> list[dict]:
    """Check that ``results`` judge the module's whole checklist, each item exactly once.

    ``results``: a list of {"item": id, "passed": bool, "comment": str}. Returns the
    cleaned list in checklist order. Raises ValidationError (a message naming the
    problem) when an item is missing, unknown to the checklist, given twice, or has
    no judgement (``passed`` not a boolean), or when the checklist is empty: a
    sign-off records what the assessor judged, never a default."""
    items = checklist(module)
    if not items:
        raise ValidationError(_("이 실습 모듈에는 점검 항목이 없어 평가를 기록할 수 없습니다."))
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, dict) for r in results):
        raise ValidationError(_("점검 항목 평가 결과의 형식이 올바르지 않습니다."))
    known = [str(it["id"]) for it in items]
    given = [str(r.get("item")) for r in results]
    duplicates = sorted(i for i, n in Counter(given).items() if n > 1)
    if duplicates:
        raise ValidationError(_("같은 점검 항목이 두 번 평가되었습니다: %(items)s", items=", ".join(duplicates)))
    extra = [i for i in given if i not in known]
    if extra:
        raise ValidationError(_("이 모듈의 점검 항목이 아닌 결과가 있습니다: %(items)s", items=", ".join(extra)))
    by_id = {str(r.get("item")): r for r in results}
    missing = [n for n, i in enumerate(known, 1) if i not in by_id or not isinstance(by_id[i].get("passed"), bool)]
    if missing:
        raise ValidationError(_("모든 점검 항목을 평가해 주세요. 판정하지 않은 항목: %(items)s",
                                items=", ".join(str(n) for n in missing)))
    return [{"item": i, "passed": by_id[i]["passed"], "comment": str(by_id[i].get("comment") or "").strip()[:500]}
            for i in known]


def sign_off(actor, enrollment, module, *, results: list[dict], outcome: str, assessed_on: date | None = None,
             note: str = "", session: LabSession | None = None, supersedes_id: int | None = None) -> PracticalSignoff:
    """Sign off a trainee's practical module.

    ``results`` holds exactly one {"item", "passed": bool, "comment"} per checklist
    item (see :func:`judged_results`; anything else is a ValidationError), and
    ``outcome`` is "passed" or "failed", never assumed; passed needs every item
    passed. When a sign-off already exists the new one must name it in
    ``supersedes_id`` (the form sends it), so two assessors working at once cannot
    silently overwrite each other: the second gets a Conflict."""
    if module.kind != "practical" or module.course_id != enrollment.course_id:
        raise ValidationError(_("이 과정의 실습 모듈이 아닙니다."))
    if not instructor_can_manage_enrollment(actor, enrollment):
        raise PermissionDenied(_("이 훈련생의 기수나 실습 세션을 맡은 교강사만 평가할 수 있습니다."))
    if session is not None and session.module_id != module.id:
        raise ValidationError(_("이 모듈의 세션이 아닙니다."))
    return record_signoff(actor, enrollment, module, results=results, outcome=outcome, assessed_on=assessed_on,
                          note=note, session=session, supersedes_id=supersedes_id)


def record_signoff(actor, enrollment, module, *, results: list[dict], outcome: str, assessed_on: date | None = None,
                   note: str = "", session: LabSession | None = None, supersedes_id: int | None = None,
                   site: str = "lab", placement_id: int | None = None) -> PracticalSignoff:
    """The integrity rules every sign-off keeps, wherever it happened: the whole
    checklist judged once (nothing preset), an outcome chosen and consistent with the
    items, a Korean date not in the future, a correction naming the sign-off it
    supersedes; audited, and completion re-evaluated. Who may assess is decided by
    the caller (:func:`sign_off` for labs, lms.meisters.workplace at a company)."""
    if module.kind != "practical" or module.course_id != enrollment.course_id:
        raise ValidationError(_("이 과정의 실습 모듈이 아닙니다."))
    if site not in SITES:
        raise ValidationError(_("평가 장소가 올바르지 않습니다."))
    if outcome not in OUTCOMES:
        raise ValidationError(_("판정(합격/불합격)을 골라 주세요."))
    check_no_rrn(note, *(r.get("comment") for r in (results if isinstance(results, (list, tuple)) else ())
                         if isinstance(r, dict)))  # free text never holds an RRN
    clean = judged_results(module, results)
    if outcome == "passed" and not all(r["passed"] for r in clean):
        raise ValidationError(_("통과하지 못한 항목이 있으면 합격으로 판정할 수 없습니다."))
    assessed_on = assessed_on or today_kst()  # the Korean date, also between 00:00 and 09:00 KST
    if assessed_on > today_kst():
        raise ValidationError(_("평가일은 미래일 수 없습니다."))
    current = current_signoff(enrollment.id, module.id)
    if current is not None and supersedes_id != current.id:
        raise Conflict(_("그 사이 다른 평가가 기록되었습니다. 이력을 확인한 뒤 다시 평가해 주세요."))
    if current is None and supersedes_id is not None:
        raise Conflict(_("정정할 평가를 찾을 수 없습니다."))
    so = PracticalSignoff(enrollment_id=enrollment.id, module_id=module.id, session_id=session.id if session else None,
                          assessor_id=actor.id, outcome=outcome, results=clean, assessed_on=assessed_on,
                          note=(note or "").strip(), created_at=utcnow(),
                          supersedes_id=current.id if current else None, site=site, placement_id=placement_id)
    db.session.add(so)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        # supersedes_id is unique: someone else corrected the same sign-off first.
        raise Conflict(_("그 사이 다른 평가가 기록되었습니다. 이력을 확인한 뒤 다시 평가해 주세요."))
    record(actor, "signoff.correct" if current else "signoff.create", so, enrollment_id=enrollment.id,
           module_id=module.id, outcome=outcome, supersedes_id=so.supersedes_id,
           passed_items=sum(1 for r in clean if r["passed"]), total_items=len(clean), site=site,
           placement_id=placement_id)
    db.session.flush()
    refresh_completion(enrollment)
    return so


def pending_signoffs(user, limit: int = 50) -> list[tuple]:
    """(booking, session) of booked trainees of ended sessions this user manages who
    have no current sign-off for the session's module."""
    from lms.labs.services import sessions_for

    from lms.learning.models import Enrollment

    out = []
    seen: set[tuple[int, int]] = set()
    for s in sessions_for(user, upcoming=False, limit=200):
        if s.ends_at > utcnow():
            continue
        # Only trainees still studying: a completed or withdrawn enrollment waits for nobody.
        for b in db.session.execute(
            select(Booking).join(Enrollment, Enrollment.id == Booking.enrollment_id)
            .where(Booking.session_id == s.id, Booking.status == "booked", Enrollment.status == "active")
        ).scalars():
            key = (b.enrollment_id, s.module_id)
            if key in seen:
                continue
            seen.add(key)
            if current_signoff(b.enrollment_id, s.module_id) is None:
                out.append((b, s))
                if len(out) >= limit:
                    return out
    return out
