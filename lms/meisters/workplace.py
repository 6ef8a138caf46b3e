"""Workplace sign-off (현장 평가): a meister placed with the trainee's company signs a
course's practical checklist off at the workplace, when the course allows it
(``workplace_assessment = true`` on the practical's [[modules]] entry, kept in
``Module.data``; courses/README.md).

The sign-off is a ``PracticalSignoff`` with ``site = "workplace"`` and the placement,
written by lms.labs.signoff.record_signoff: the same integrity rules as a lab
sign-off (every item judged one by one, nothing preset; a correction supersedes;
audited) and the same effect on completion, so the certificate follows.

Refused with a Korean message when the course does not allow it, the meister is not
placed with the trainee's company, or the placement is not under way today.
Functions flush, never commit.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.errors import PermissionDenied, ValidationError
from lms.extensions import db
from lms.meisters.models import Placement
from lms.meisters.onsite import is_own, require_under_way


def allows_workplace(module) -> bool:
    """Whether the practical module may be signed off at the workplace."""
    return module is not None and module.kind == "practical" and module.retired_at is None \
        and (module.data or {}).get("workplace_assessment") is True


def trainee_of_company(enrollment, placement: Placement) -> bool:
    """Whether the enrollment's trainee belongs to the placement's company."""
    from lms.accounts.models import User

    company_id = db.session.execute(select(User.company_id).where(User.id == enrollment.user_id)).scalar()
    return company_id is not None and company_id == placement.company_id


def check_allowed(actor, placement: Placement, enrollment, module) -> None:
    """Raise the refusal that applies, if any (the checks of :func:`sign_off`, no writing)."""
    if not is_own(placement, actor):
        raise PermissionDenied(_l("이 파견의 마이스터만 현장 평가를 할 수 있습니다."))
    if not trainee_of_company(enrollment, placement):
        raise PermissionDenied(_l("파견된 기업 소속 훈련생만 현장에서 평가할 수 있습니다."))
    require_under_way(placement)
    if module is None or module.kind != "practical" or module.course_id != enrollment.course_id:
        raise ValidationError(_l("이 과정의 실습 모듈이 아닙니다."))
    if not allows_workplace(module):
        raise ValidationError(_l("이 과정은 현장 평가를 허용하지 않습니다. 스마트랩에서 평가받아야 합니다."))
    if enrollment.status == "withdrawn":
        raise ValidationError(_l("수강을 취소한 훈련생입니다."))


def sign_off(actor, placement: Placement, enrollment, module, *, results: list[dict], outcome: str,
             note: str = "", supersedes_id: int | None = None, assessed_on: date | None = None):
    """Sign the practical off at the workplace; see the module docstring for the rules."""
    from lms.labs.signoff import record_signoff

    check_allowed(actor, placement, enrollment, module)
    assessed_on = assessed_on or None
    if assessed_on is not None and not placement.starts_on <= assessed_on <= placement.effective_end:
        raise ValidationError(_l("평가일이 파견 기간 밖입니다."))
    return record_signoff(actor, enrollment, module, results=results, outcome=outcome, assessed_on=assessed_on,
                          note=note, supersedes_id=supersedes_id, site="workplace", placement_id=placement.id)


def assessable_query(placement: Placement):
    """A select() of (Enrollment, User, Module) rows the meister may assess at this company:
    the company's trainees' open enrollments in courses whose practical allows workplace
    assessment. One row per (enrollment, practical)."""
    from lms.accounts.models import User
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment

    allowed = _workplace_module_ids()
    return (select(Enrollment, User, Module)
            .join(User, User.id == Enrollment.user_id)
            .join(Module, sa.and_(Module.course_id == Enrollment.course_id, Module.id.in_(allowed or [-1])))
            .where(User.company_id == placement.company_id, User.role == "trainee",
                   Enrollment.status.in_(("active", "completed"))))


def _workplace_module_ids() -> list[int]:
    """Ids of live practical modules that allow workplace assessment (a handful: read in one query)."""
    from lms.catalog.models import Module

    rows = db.session.execute(select(Module.id, Module.data).where(Module.kind == "practical",
                                                                   Module.retired_at.is_(None))).all()
    return [mid for mid, data in rows if (data or {}).get("workplace_assessment") is True]


def current_by_enrollment(pairs) -> dict[tuple[int, int], object]:
    """{(enrollment id, module id): current PracticalSignoff} for the given pairs, one query."""
    from sqlalchemy.orm import aliased

    from lms.labs.models import PracticalSignoff as PS

    pairs = list(pairs)
    if not pairs:
        return {}
    newer = aliased(PS)
    rows = db.session.execute(
        select(PS).where(PS.enrollment_id.in_({e for e, _m in pairs}), PS.module_id.in_({m for _e, m in pairs}),
                         ~sa.exists().where(newer.supersedes_id == PS.id))).scalars()
    return {(r.enrollment_id, r.module_id): r for r in rows}
