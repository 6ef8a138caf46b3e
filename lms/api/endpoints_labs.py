"""/api/v1/labs/<id>/sessions and /bookings: a smart lab's sessions and their bookings.

Access as on the lab's page (lms.labs.services.can_see_lab: admins, the lab's
instructors); a lab the caller may not see is 404. Newest first, opaque cursors.
"""
from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.api import cursors, schemas
from lms.api.auth import _record_personal_access, api_policy
from lms.api.blueprint import SECURITY, bp
from lms.core.authz import get_for
from lms.core.i18n import current_locale


def _lab(lab_id: int):
    from lms.labs.models import SmartLab
    from lms.labs.services import can_see_lab

    return get_for(SmartLab, lab_id, current_user, can_see_lab)


@bp.route("/labs/<int:lab_id>/sessions", methods=["GET"])
@api_policy("read:labs", "instructor", "admin")
@bp.arguments(schemas.ListQuery, location="query")
@bp.response(200, schemas.LabSessionPage)
@bp.doc(security=SECURITY, summary="A smart lab's sessions (newest first)", tags=["labs"])
def lab_sessions(args, lab_id: int):
    from lms.labs.models import LabSession

    lab = _lab(lab_id)
    stmt = select(LabSession).where(LabSession.lab_id == lab.id).options(joinedload(LabSession.module))
    items, nxt = cursors.page(stmt, (LabSession.starts_at, LabSession.id), args, lambda s: (s.starts_at, s.id))
    en = current_locale() == "en"
    return {"items": [{
        "id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at, "cohort_id": s.cohort_id,
        "module_code": s.module.slug if s.module else None,
        "module_title": ((s.module.title_en if en and s.module.title_en else s.module.title_ko) if s.module else None),
        "capacity": s.capacity, "booked": s.booked_count, "cancelled": s.cancelled_at is not None,
    } for s in items], "next_cursor": nxt}


@bp.route("/labs/<int:lab_id>/bookings", methods=["GET"])
@api_policy("read:labs", "instructor", "admin")
@bp.arguments(schemas.ListQuery, location="query")
@bp.response(200, schemas.LabBookingPage)
@bp.doc(security=SECURITY, summary="Bookings of a smart lab's sessions (newest first)", tags=["labs"])
def lab_bookings(args, lab_id: int):
    from lms.labs.models import Booking, LabSession

    lab = _lab(lab_id)
    stmt = (select(Booking).join(LabSession, LabSession.id == Booking.session_id)
            .where(LabSession.lab_id == lab.id).options(joinedload(Booking.user)))
    items, nxt = cursors.page(stmt, (Booking.id,), args, lambda b: (b.id,))
    _record_personal_access(current_user, g.api_token, sorted({b.user_id for b in items}), "lab_bookings")
    return {"items": [{
        "id": b.id, "session_id": b.session_id, "status": b.status, "trainee_name": b.user.name,
        "trainee_email": b.user.email, "created_at": b.created_at, "cancelled_at": b.cancelled_at,
    } for b in items], "next_cursor": nxt}
