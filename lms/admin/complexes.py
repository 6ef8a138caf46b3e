"""Admin screens for industrial complexes (산업단지), reference data with integer ids:
list (smart complexes first, paginated), add and edit. Edits are audited by the
orgs services. ``add_routes(bp)`` puts them on the admin blueprint (called by
lms.admin.views, so the arrow points one way)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.admin import forms as F
from lms.core.authz import policy
from lms.errors import DomainError
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import IndustrialComplex, Region

PER_PAGE = 25


def _fail(form, exc: DomainError) -> None:
    db.session.rollback()
    form.form_errors.append(str(exc.message))


def _form(obj=None):
    form = F.ComplexForm(obj=obj) if request.method == "GET" else F.ComplexForm()
    regions = db.session.execute(select(Region).order_by(Region.code)).scalars()
    form.region_code.choices = [("", _("— 없음 —"))] + [(r.code, f"{r.name_ko} ({r.code})") for r in regions]
    if request.method == "GET" and obj is not None:
        form.region_code.data = obj.region_code or ""
    return form


def _values(form) -> dict:
    return {k: getattr(form, k).data for k in orgs.COMPLEX_FIELDS}


@policy("admin")
def complexes():
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    pagination = db.paginate(orgs.complexes_query(q or None), page=page, per_page=PER_PAGE, error_out=False)
    return render_template("admin/complexes.html", pagination=pagination, q=q, kinds=F.COMPLEX_KIND_LABELS)


@policy("admin")
def complex_new():
    form = _form()
    if form.validate_on_submit():
        try:
            orgs.create_complex(current_user, **_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("산업단지를 추가했습니다."), "success")
            return redirect(url_for("admin.complexes"))
    return render_template("admin/complex_edit.html", form=form, obj=None), (400 if request.method == "POST" else 200)


@policy("admin")
def complex_edit(complex_id: int):
    obj = db.session.get(IndustrialComplex, complex_id)
    if obj is None:
        abort(404)
    form = _form(obj)
    if form.validate_on_submit():
        try:
            orgs.update_complex(current_user, obj, **_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("admin.complexes"))
    return render_template("admin/complex_edit.html", form=form, obj=obj), (400 if request.method == "POST" else 200)


def add_routes(bp) -> None:
    """Register the complexes screens on the admin blueprint ``bp``."""
    bp.add_url_rule("/reference/complexes", view_func=complexes)
    bp.add_url_rule("/reference/complexes/new", view_func=complex_new, methods=["GET", "POST"])
    bp.add_url_rule("/reference/complexes/<int:complex_id>", view_func=complex_edit, methods=["GET", "POST"])
