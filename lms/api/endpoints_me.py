"""/api/v1/me and /api/v1/me/enrollments: the caller and their enrollments with progress
(the same figures as the trainee's dashboard, from lms.learning.services)."""
from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.api import cursors, schemas
from lms.api.auth import _record_personal_access, api_policy
from lms.api.blueprint import SECURITY, bp
from lms.core.authz import ROLES


@bp.route("/me", methods=["GET"])
@api_policy("read:self", *ROLES)
@bp.response(200, schemas.Me)
@bp.doc(security=SECURITY, summary="The token's owner", tags=["me"])
def me():
    _record_personal_access(current_user, g.api_token, [current_user.id], "account")
    return {"id": current_user.id, "name": current_user.name, "role": current_user.role, "locale": current_user.locale}


@bp.route("/me/enrollments", methods=["GET"])
@api_policy("read:self", "trainee")
@bp.arguments(schemas.ListQuery, location="query")
@bp.response(200, schemas.EnrollmentPage)
@bp.doc(security=SECURITY, summary="My enrollments and progress (newest first)", tags=["me"])
def my_enrollments(args):
    from lms.learning import services
    from lms.learning.models import Enrollment

    stmt = (select(Enrollment).where(Enrollment.user_id == current_user.id)
            .options(joinedload(Enrollment.course)))
    items, nxt = cursors.page(stmt, (Enrollment.id,), args, lambda e: (e.id,))
    out = []
    for e in items:
        states = services.module_states(e)
        out.append({
            "id": e.id, "status": e.status, "cohort_id": e.cohort_id,
            "course": {"code": e.course.code, "title_ko": e.course.title_ko, "title_en": e.course.title_en or ""},
            "percent": services.progress_percent(e, states),
            "modules_done": sum(1 for s in states.values() if s == "done"), "modules_total": len(states),
            "enrolled_at": e.enrolled_at, "completed_at": e.completed_at,
        })
    _record_personal_access(current_user, g.api_token, [current_user.id], "enrollments")
    return {"items": out, "next_cursor": nxt}
