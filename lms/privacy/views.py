"""The person's data download and account deletion (/profile/...), and the admin's
pseudonymisation on request (/admin/users/<id>/pseudonymise)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from lms.accounts.forms import DeleteAccountForm
from lms.accounts.models import User
from lms.core.authz import get_for, policy
from lms.errors import DomainError
from lms.extensions import db
from lms.privacy import erasure, export
from lms.privacy.forms import PseudonymiseForm

bp = Blueprint("privacy", __name__)

def _download(fmt: str, mimetype: str, render) -> Response:
    # Not written to the audit trail: a read by the person of their own data changes nothing
    # (the per-account rate limit bounds it); staff reads of others' data are what the access log is for.
    user = current_user._get_current_object()
    data = export.personal_data(user)
    resp = Response(render(data), mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="my-data-{user.id}.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/profile/data.json")
@policy("authenticated")
def download_json():
    """All of the signed-in person's data as one JSON document, structured by kind.
    Rate-limited per account (lms.core.ratelimit: "own-data")."""
    return _download("json", "application/json; charset=utf-8", export.as_json)


@bp.get("/profile/data.zip")
@policy("authenticated")
def download_csv():
    """The same data as a ZIP of one CSV per kind (UTF-8 with BOM). Rate-limited as above."""
    return _download("zip", "application/zip", export.as_zip)


@bp.route("/profile/delete", methods=["GET", "POST"])
@policy("authenticated")
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    refused = None
    try:
        erasure.check_may_delete(user)
    except DomainError as exc:
        refused = str(exc.message)
    status = 200
    if refused is None and form.validate_on_submit():
        try:
            erasure.delete_own_account(user, form.password.data, bool(form.confirm.data))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = 400
        else:
            db.session.commit()
            logout_user()
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("탈퇴 처리했습니다. 그동안 이용해 주셔서 감사합니다."), "info")
            return redirect(url_for("catalog.index") if "catalog.index" in current_app.view_functions else "/")
    elif request.method == "POST":
        status = 400
        if refused is not None:
            form.form_errors.append(refused)
    return render_template("privacy/delete.html", form=form, refused=refused), status


def _any_user(obj, user) -> bool:
    return True  # admins see every account (the policy admits admins only)


@bp.post("/admin/users/<int:user_id>/pseudonymise")
@policy("admin")
def admin_pseudonymise(user_id: int):
    target = get_for(User, user_id, current_user, _any_user)
    form = PseudonymiseForm()
    if not form.validate_on_submit() or not form.confirm.data:
        errors = [e for f in (form.reason, form.confirm) for e in f.errors]
        flash(errors[0] if errors else _("요청 근거를 적고 확인 항목에 표시해 주세요."), "error")
        return redirect(url_for("admin.user_detail", user_id=target.id))
    try:
        erasure.pseudonymise(target, current_user._get_current_object(), reason=form.reason.data.strip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("개인정보를 가명처리하고 계정을 닫았습니다."), "success")
    return redirect(url_for("admin.user_detail", user_id=target.id))
