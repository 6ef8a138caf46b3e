"""Meister screens: the meister's own placements and visit log (phone-first), and
the public page where a company's contact confirms a visit. The admin screens
(recruiting, approving, placing, matching) are in ``admin_views``.

Objects go through get_for (404 before 403): a meister reaches only their own
placements and visits."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core import nav
from lms.core.authz import get_for, policy
from lms.core.timeutil import today_kst
from lms.extensions import db
from lms.meisters import placements as pl
from lms.meisters import services as svc
from lms.meisters.models import Placement, Visit

bp = Blueprint("meisters", __name__)

nav.register("meisters.home", _l("내 파견"), roles=("meister",), order=20)
nav.register("meisters.admin_meisters", _l("마이스터"), roles=("admin",), order=34)


@bp.context_processor
def _labels():
    from lms.meisters import labels

    return {"mlabels": labels}


def get_placement_for(user, placement_id: int) -> Placement:
    """The placement if the user may see it (admin, or its own meister), else 404."""
    return get_for(Placement, placement_id, user, svc.can_see_placement)


def get_visit_for(user, visit_id: int) -> Visit:
    """The visit if the user may see its placement, else 404."""
    return get_for(Visit, visit_id, user, svc.can_see_visit)


@bp.route("/meister")
@policy("meister")
def home():
    """The meister's placements (open first) with visits and hours rolled up."""
    profile = svc.profile_of(current_user)
    if profile is None:
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = pl.placements_query(meister=profile).options(joinedload(Placement.company))
    stmt = stmt.order_by(None).order_by(Placement.closed_on.is_not(None), Placement.starts_on.desc(), Placement.id.desc())
    pagination = db.paginate(stmt, page=page, per_page=20, error_out=False)
    return render_template("meisters/home.html", profile=profile, pagination=pagination,
                           rolls=pl.rollups([p.id for p in pagination.items]), today=today_kst())


@bp.route("/meister/placements/<int:placement_id>")
@policy("meister", "admin")
def placement(placement_id: int):
    p = get_placement_for(current_user, placement_id)
    visits = list(db.session.execute(
        select(Visit).where(Visit.placement_id == p.id).order_by(Visit.visited_on.desc(), Visit.id.desc())).scalars())
    photo_ids = _photo_ids([v.id for v in visits])
    return render_template("meisters/placement.html", p=p, visits=visits, photo_ids=photo_ids,
                           roll=pl.rollups([p.id])[p.id], today=today_kst(),
                           is_own=p.meister.user_id == current_user.id)


def _photo_ids(visit_ids) -> dict[int, list[int]]:
    """{visit id: [photo ids]} in one query (the photo bytes are not loaded)."""
    from lms.meisters.models import VisitPhoto

    out: dict[int, list[int]] = {vid: [] for vid in visit_ids}
    if visit_ids:
        for pid, vid in db.session.execute(select(VisitPhoto.id, VisitPhoto.visit_id)
                                           .where(VisitPhoto.visit_id.in_(visit_ids)).order_by(VisitPhoto.id)):
            out[vid].append(pid)
    return out


from lms.meisters import admin_views as _admin_views  # noqa: E402,F401  (routes on bp)
