"""Admin screens for industrial complexes (산업단지), reference data with integer ids:
list (smart complexes first, paginated), add and edit. Edits are audited by the
orgs services."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin import forms as F
from lms.admin.views import _fail, _page, _ref_choices, bp
from lms.core.authz import policy
from lms.errors import DomainError
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import IndustrialComplex, Region


def _form(obj=None):
    form = F.ComplexForm(obj=obj) if request.method == "GET" else F.ComplexForm()
    form.region_code.choices = _ref_choices(Region, _("— 없음 —"))
    if request.method == "GET" and obj is not None:
        form.region_code.data = obj.region_code or ""
    return form


def _values(form) -> dict:
    return {k: getattr(form, k).data for k in orgs.COMPLEX_FIELDS}


@bp.route("/reference/complexes")
@policy("admin")
def complexes():
    q = request.args.get("q", "").strip()
    return render_template("admin/complexes.html", pagination=_page(orgs.complexes_query(q or None)), q=q,
                           kinds=F.COMPLEX_KIND_LABELS)


@bp.route("/reference/complexes/new", methods=["GET", "POST"])
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


@bp.route("/reference/complexes/<int:complex_id>", methods=["GET", "POST"])
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
