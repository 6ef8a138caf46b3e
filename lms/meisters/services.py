"""Meister profiles: recruiting, approving and deactivating meisters, and who may see what.

Who runs the meister programme: the ``admin`` role. The programme office
(사업 운영 사무국) is the platform's operator: it already keeps the accounts,
companies, reference data, outbox and audit log that recruiting and placing
meisters need, and no right of a separate office role would differ from the
admin's today. A new role would split one job across two account kinds and
double every policy for no rule that tells them apart. Every meister endpoint
names its roles in ``@policy``, so a distinct programme-office role, once the
office needs fewer rights than an admin, is a one-word change per endpoint.

Meisters (role ``meister``) see only their own profile, placements and visits.
Functions flush but never commit; the view or CLI commits once.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.timeutil import today_kst
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.meisters.models import (EXPERTISE_FIELDS, MeisterProfile, Placement, effective_end_sql, meister_fields,
                                 meister_regions, meister_root_technologies)

FIELD_LABELS = {
    "plc": _l("PLC·제어"),
    "mes_pop": _l("MES/POP"),
    "robot": _l("로봇"),
    "data": _l("데이터"),
    "safety": _l("안전"),
    "quality": _l("품질"),
}
STATUS_LABELS = {"recruited": _l("승인 대기"), "approved": _l("승인됨"), "inactive": _l("비활성")}


# --------------------------------------------------------------------------- access

def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "admin")


def profile_of(user) -> MeisterProfile | None:
    """The meister profile of ``user`` (None for anyone else)."""
    if not (user and user.is_authenticated and user.role == "meister"):
        return None
    return db.session.execute(select(MeisterProfile).where(MeisterProfile.user_id == user.id)).scalar()


def can_see_profile(profile: MeisterProfile, user) -> bool:
    return is_admin(user) or bool(user and user.is_authenticated and profile.user_id == user.id)


def can_see_placement(placement: Placement, user) -> bool:
    """Admins see every placement; a meister only their own."""
    if is_admin(user):
        return True
    return bool(user and user.is_authenticated and user.role == "meister" and placement.meister.user_id == user.id)


def can_see_visit(visit, user) -> bool:
    return can_see_placement(visit.placement, user)


# --------------------------------------------------------------------------- profiles

def _clean(values: dict) -> dict:
    out = {}
    if "former_company" in values:
        out["former_company"] = (values["former_company"] or "").strip()
        if not out["former_company"]:
            raise ValidationError(_l("경력 기업(대기업)을 입력해 주세요."))
        if len(out["former_company"]) > 128:
            raise ValidationError(_l("경력 기업 이름이 너무 깁니다."))
    if "years_experience" in values:
        y = values["years_experience"]
        if not isinstance(y, int) or not 0 <= y <= 60:
            raise ValidationError(_l("경력 연수는 0~60년으로 입력해 주세요."))
        out["years_experience"] = y
    if "days_per_week" in values:
        d = values["days_per_week"]
        if not isinstance(d, int) or not 1 <= d <= 5:
            raise ValidationError(_l("주당 활동 가능 일수는 1~5일입니다."))
        out["days_per_week"] = d
    for k in ("available_from", "available_until"):
        if k in values:
            out[k] = values[k]
    if out.get("available_from") and out.get("available_until") and out["available_until"] < out["available_from"]:
        raise ValidationError(_l("활동 가능 종료일은 시작일보다 빠를 수 없습니다."))
    if "fields" in values:
        fields = list(dict.fromkeys(values["fields"] or []))
        if any(f not in EXPERTISE_FIELDS for f in fields):
            raise ValidationError(_l("알 수 없는 전문 분야입니다."))
        out["fields"] = fields
    if "root_technology_codes" in values:
        from lms.orgs.models import RootTechnology

        codes = list(dict.fromkeys(values["root_technology_codes"] or []))
        found = db.session.execute(select(RootTechnology).where(RootTechnology.code.in_(codes))).scalars().all() \
            if codes else []
        if len(found) != len(codes):
            raise ValidationError(_l("알 수 없는 뿌리기술입니다."))
        out["root_technologies"] = found
    if "region_codes" in values:
        from lms.orgs.models import Region

        codes = list(dict.fromkeys(values["region_codes"] or []))
        found = db.session.execute(select(Region).where(Region.code.in_(codes))).scalars().all() if codes else []
        if len(found) != len(codes):
            raise ValidationError(_l("알 수 없는 시·도입니다."))
        out["regions"] = found
    return out


def _apply(profile: MeisterProfile, clean: dict) -> dict:
    """Set the cleaned values; returns {field: [old, new]} of what changed."""
    changes = {}
    for k in ("former_company", "years_experience", "days_per_week", "available_from", "available_until"):
        if k in clean and getattr(profile, k) != clean[k]:
            old, new = getattr(profile, k), clean[k]
            changes[k] = [old.isoformat() if isinstance(old, date) else old,
                          new.isoformat() if isinstance(new, date) else new]
            setattr(profile, k, new)
    if "fields" in clean:
        old = profile.fields if profile.id else []
        if sorted(old) != sorted(clean["fields"]):
            db.session.execute(sa.delete(meister_fields).where(meister_fields.c.profile_id == profile.id))
            if clean["fields"]:
                db.session.execute(sa.insert(meister_fields), [{"profile_id": profile.id, "field": f}
                                                               for f in clean["fields"]])
            changes["fields"] = [old, clean["fields"]]
    for k, attr in (("root_technologies", "code"), ("regions", "code")):
        if k in clean:
            old = sorted(getattr(o, attr) for o in getattr(profile, k))
            new = sorted(getattr(o, attr) for o in clean[k])
            if old != new:
                setattr(profile, k, list(clean[k]))
                changes[k] = [old, new]
    return changes


def recruit(actor, *, email: str, name: str, former_company: str, years_experience: int, fields=(),
            root_technology_codes=(), region_codes=(), days_per_week: int = 2, available_from: date | None = None,
            available_until: date | None = None, phone: str | None = None,
            password: str | None = None) -> MeisterProfile:
    """Create a meister account (role ``meister``) and its profile, status ``recruited``
    (not approved: nobody is placed before an admin approves). Without a password an
    invitation is mailed. Raises ValidationError on bad input, Conflict on a taken e-mail."""
    from lms.accounts.services import create_user, send_invitation

    clean = _clean(dict(former_company=former_company, years_experience=years_experience, fields=fields,
                        root_technology_codes=root_technology_codes, region_codes=region_codes,
                        days_per_week=days_per_week, available_from=available_from,
                        available_until=available_until))
    user = create_user(email, name, "meister", password, phone=phone)
    profile = MeisterProfile(user_id=user.id, status="recruited", recruited_by_id=getattr(actor, "id", None),
                             former_company="", years_experience=0)
    db.session.add(profile)
    db.session.flush()
    _apply(profile, clean)
    db.session.flush()
    record(actor, "account.create", user, role="meister")
    record(actor, "meister.recruit", profile, user_id=user.id)
    if password is None:
        send_invitation(user)
    return profile


def update_profile(actor, profile: MeisterProfile, **values) -> MeisterProfile:
    """Change a profile (admin); audits what changed with old and new values."""
    changes = _apply(profile, _clean(values))
    if changes:
        record(actor, "meister.update", profile, changes=changes)
    db.session.flush()
    return profile


def approve(actor, profile: MeisterProfile) -> MeisterProfile:
    """Approve a recruited (or reactivate an inactive) meister. Needs at least one
    field of expertise and one region, since matching depends on both."""
    if profile.status == "approved":
        raise Conflict(_l("이미 승인된 마이스터입니다."))
    if not (profile.fields or profile.root_technologies):
        raise ValidationError(_l("전문 분야를 하나 이상 넣은 뒤 승인해 주세요."))
    if not profile.regions:
        raise ValidationError(_l("활동 지역을 하나 이상 넣은 뒤 승인해 주세요."))
    old = profile.status
    profile.status = "approved"
    profile.approved_at = utcnow()
    profile.approved_by_id = getattr(actor, "id", None)
    profile.deactivated_at = None
    if not profile.user.active:
        from lms.accounts.services import set_active

        set_active(actor, profile.user, True)
    record(actor, "meister.approve", profile, old=old)
    db.session.flush()
    return profile


def open_placements_count(profile: MeisterProfile, today: date | None = None) -> int:
    """Placements of the meister not closed and not over by ``today`` (KST)."""
    today = today or today_kst()
    return db.session.execute(select(sa.func.count(Placement.id)).where(
        Placement.meister_id == profile.id, Placement.closed_on.is_(None), Placement.cancelled_at.is_(None),
        effective_end_sql() >= today)).scalar_one()


def deactivate(actor, profile: MeisterProfile) -> MeisterProfile:
    """Take a meister out of the programme: no new placements, the account is
    deactivated (every session ends). Refused while a placement is still open,
    so no placement is left without its meister."""
    if profile.status == "inactive":
        raise Conflict(_l("이미 비활성화된 마이스터입니다."))
    if open_placements_count(profile):
        raise Conflict(_l("진행 중인 파견이 있습니다. 파견을 먼저 종료해 주세요."))
    from lms.accounts.services import set_active

    old = profile.status
    profile.status = "inactive"
    profile.deactivated_at = utcnow()
    set_active(actor, profile.user, False)
    record(actor, "meister.deactivate", profile, old=old)
    db.session.flush()
    return profile


def meisters_query(status: str | None = None, q: str | None = None):
    """A select() of MeisterProfile (user loaded with it) for the admin list, newest first."""
    from sqlalchemy.orm import contains_eager

    from lms.accounts.models import User

    stmt = (select(MeisterProfile).join(User, User.id == MeisterProfile.user_id)
            .options(contains_eager(MeisterProfile.user))
            .order_by(MeisterProfile.created_at.desc(), MeisterProfile.id.desc()))
    if status in STATUS_LABELS:
        stmt = stmt.where(MeisterProfile.status == status)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like),
                                 sa.func.lower(MeisterProfile.former_company).like(like)))
    return stmt


def expertise_of(profile_ids: list[int]) -> dict[int, dict]:
    """{profile id: {"fields": [...], "roots": [...], "regions": [...]}} in three queries
    whatever the number of profiles (for lists)."""
    out = {pid: {"fields": [], "roots": [], "regions": []} for pid in profile_ids}
    if not profile_ids:
        return out
    for pid, f in db.session.execute(select(meister_fields.c.profile_id, meister_fields.c.field)
                                     .where(meister_fields.c.profile_id.in_(profile_ids))):
        out[pid]["fields"].append(f)
    for pid, code in db.session.execute(select(meister_root_technologies.c.profile_id,
                                               meister_root_technologies.c.root_technology_code)
                                        .where(meister_root_technologies.c.profile_id.in_(profile_ids))
                                        .order_by(meister_root_technologies.c.root_technology_code)):
        out[pid]["roots"].append(code)
    for pid, code in db.session.execute(select(meister_regions.c.profile_id, meister_regions.c.region_code)
                                        .where(meister_regions.c.profile_id.in_(profile_ids))
                                        .order_by(meister_regions.c.region_code)):
        out[pid]["regions"].append(code)
    for v in out.values():
        v["fields"] = [f for f in EXPERTISE_FIELDS if f in v["fields"]]
    return out


def region_names() -> dict[str, str]:
    """{region code: name in the current language} of every 시·도 (one query, for lists)."""
    from lms.core.i18n import localized
    from lms.orgs.models import Region

    return {r.code: localized(r, "name") for r in db.session.execute(select(Region)).scalars()}
